"""The deadline scan over a backlog (issue 13: 1M open tasks in under 60 s): set-based, a
batch of task ids per transaction, each task escalated once per level to the same people
as the row-by-row scan told (issue 3 §4 "Deadline scan"; issue 14 E1 for departments
without a head), and a number of queries that grows with the batches, not the tasks.

The tasks are assigned on Monday 2026-06-01 for 5 working days: due 06-08, overdue from
06-09, level 2 on 06-12 (kunming profile `deadlines`: escalation_level2_after 3; see
test_tasks.py)."""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import AuditEvent, Escalation, Notification, Task
from core.vocab import DepartmentType
from policy.calendar import add_workdays
from policy.profile import active_profile
from tests.factories import World, build_world, make_case

D = dt.date
ASSIGNED = D(2026, 6, 1)
LEVEL2_DAY = D(2026, 6, 12)
NOTHING = {"reminded": 0, "overdue": 0, "level1": 0, "level2": 0}
Kind = Notification.Kind
EDU, CULTURE, TOWN = (DepartmentType.EDUCATION_SPORTS, DepartmentType.CULTURE_TOURISM,
                      DepartmentType.TOWN_GOVERNMENT)

#: (county, department, assignee key or None, region: county or town) and who hears of a
#: task of it: when overdue, at level 1 and at level 2.
GROUPS: list[tuple[str, str, str | None, str, list[str], list[str], list[str]]] = [
    # A department with a head: the head hears of level 1.
    ("a", EDU, None, "county", ["a_head", "a_officer"], ["a_head"], ["a_county_admin"]),
    ("a", EDU, "officer", "county", ["a_officer"], ["a_head"], ["a_county_admin"]),
    # Without a head: its working staff and the county admin (issue 14 E1).
    ("a", CULTURE, None, "county", ["a_culture"], ["a_county_admin", "a_culture"],
     ["a_county_admin"]),
    ("a", TOWN, None, "town", ["a_grid"], ["a_county_admin", "a_grid"], ["a_county_admin"]),
    # County B's tasks reach county B's people only.
    ("b", EDU, None, "county", ["b_head", "b_officer"], ["b_head"], ["b_county_admin"]),
]


def backlog(world: World, n: int, *, today: dt.date = ASSIGNED) -> dict[int, int]:
    """`n` open tasks, due in 5 working days from `today`, spread over GROUPS in turn;
    {task id: its group's index}."""
    made = {}
    for i in range(n):
        key, dept_type, assignee, where, *_ = GROUPS[i % len(GROUPS)]
        county = world.county(key)
        dept = county.users["grid"].department if dept_type == TOWN else county.depts[dept_type]
        case = make_case(county, region=county.town if where == "town" else county.region)
        task = services.task_assign(
            actor=county.users["county_admin"], case=case, department=dept, role="lead",
            duty=f"办理事项{i}", workdays=5, today=today,
            assignee=county.users[assignee] if assignee else None)
        made[task.pk] = i % len(GROUPS)
    return made


@pytest.fixture(autouse=True)
def _told_task_by_task(told_task_by_task):
    """These tests follow each task's notices to the people told of it."""


def heard(task_id: int, kind: str, level: int | None = None) -> list[str]:
    notes = Notification.objects.filter(task_id=task_id, kind=kind)
    if level is not None:
        notes = notes.filter(title_params__level=level)
    return sorted(notes.values_list("recipient__username", flat=True))


def totals() -> tuple[int, int, int]:
    return (Escalation.objects.count(), Notification.objects.count(),
            AuditEvent.objects.count())


@pytest.mark.django_db
def test_a_backlog_escalates_each_task_once_per_level_to_the_right_people(world: World):
    """A first scan long after the due dates, in batches of 7 (the last one short): each
    task is marked overdue and escalated to both levels once, its audit rows keep its own
    before and after, and each level reaches the people the rules name."""
    tasks = backlog(world, 38)
    cases_before = dict(Task.objects.values_list("pk", "case__updated_at"))
    stats = services.deadline_scan(today=LEVEL2_DAY, batch_size=7)
    assert stats == {"reminded": 0, "overdue": 38, "level1": 38, "level2": 38}

    rows = {t.pk: t for t in Task.objects.select_related("case")}
    for task_id, group in tasks.items():
        *_, overdue, level1, level2 = GROUPS[group]
        task = rows[task_id]
        assert (task.escalation_level, task.overdue_since) == (2, LEVEL2_DAY)
        assert task.case.updated_at > cases_before[task_id]
        assert heard(task_id, Kind.OVERDUE) == overdue, group
        assert heard(task_id, Kind.ESCALATION, 1) == level1, group
        assert heard(task_id, Kind.ESCALATION, 2) == level2, group
    per_level = Counter(Escalation.objects.values_list("task_id", "level"))
    assert per_level == Counter({(t, level): 1 for t in tasks for level in (1, 2)})

    for action, before, after in (
            ("task.overdue", {"overdue_since": None}, {"overdue_since": "2026-06-12"}),
            ("task.escalate.1", {"escalation_level": 0, "overdue_since": "2026-06-12"},
             {"escalation_level": 1, "overdue_since": "2026-06-12"}),
            ("task.escalate.2", {"escalation_level": 1, "overdue_since": "2026-06-12"},
             {"escalation_level": 2, "overdue_since": "2026-06-12"})):
        events = AuditEvent.objects.filter(action=action)
        assert sorted(int(e.object_id) for e in events) == sorted(tasks), action
        for event in events:
            assert event.actor is None and event.actor_label == "system"
            assert event.case_id == rows[int(event.object_id)].case_id
            assert event.object_repr == str(rows[int(event.object_id)])
            assert (event.before, event.after) == (before, after), action

    before_again = totals()
    assert services.deadline_scan(today=LEVEL2_DAY, batch_size=7) == NOTHING
    assert totals() == before_again


@pytest.mark.django_db
def test_a_run_e_mails_its_notifications_once_after_its_digests(
        world: World, mailoutbox, django_capture_on_commit_callbacks):
    """The run's batches enqueue no e-mail: the run enqueues one job for all their
    notifications (EMAIL_JOB_SIZE each), after its digests commit (`_digest_run`)."""
    backlog(world, 10)
    Notification.objects.all().delete()  # the assignments' own
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.deadline_scan(today=LEVEL2_DAY, batch_size=5)
    assert len(callbacks) == 1
    assert len(mailoutbox) == Notification.objects.count() > 0
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def scan_queries(day: dt.date, batch_size: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        services.deadline_scan(today=day, batch_size=batch_size)
    return len(ctx)


@pytest.fixture
def local_cache(settings):  # type: ignore[no-untyped-def]
    """A process-local cache (see conftest.query_budget): a flushed shared cache would add
    the policy profile's queries to a measurement."""
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "deadline-backlog"}}
    cache.clear()


#: Queries of a scan with nothing to do: a candidate query per step and the working-day
#: calendar for the level-2 threshold.
IDLE = 6
#: Queries of one batch of each of the three steps that have work here (mark overdue,
#: level 1, level 2), every kind of recipient in it: per step the row lock, the updates,
#: the escalation insert, the audit and notification inserts, the recipients per
#: department and region, and the batch's savepoint and release.
PER_BATCH = 7 + 11 + 9


def budget(n: int, batch_size: int) -> int:
    return IDLE + PER_BATCH * math.ceil(n / batch_size)


@pytest.mark.django_db
@pytest.mark.parametrize("n", [10, 60])
def test_the_scan_queries_grow_with_batches_not_tasks(
        world: World, n: int, local_cache: None,
        django_assert_max_num_queries: Callable[..., object]):
    """STYLE.md §6 for the scan: batches of 5 tasks, 10 or 60 tasks (2 or 12 batches per
    step), within IDLE + PER_BATCH per batch of each step."""
    backlog(world, n)
    services.deadline_scan(today=ASSIGNED)  # warm-up: the profile and the calendar
    with django_assert_max_num_queries(budget(n, 5)):  # type: ignore[operator]
        stats = services.deadline_scan(today=LEVEL2_DAY, batch_size=5)
    assert stats == {"reminded": 0, "overdue": n, "level1": n, "level2": n}
    with django_assert_max_num_queries(IDLE):  # type: ignore[operator]
        assert services.deadline_scan(today=LEVEL2_DAY, batch_size=5) == NOTHING


@pytest.mark.django_db
def test_one_batch_of_10_or_of_60_tasks_costs_the_same_queries(world: World,
                                                                local_cache: None):
    """The same scan, one batch per step, over 10 and then over 60 tasks of the same mix
    of departments and regions: the same number of queries."""
    backlog(world, 10)
    services.deadline_scan(today=ASSIGNED)
    small = scan_queries(LEVEL2_DAY, 1000)
    # Sixty more, due two weeks later: the first ten are done with and only looked at.
    later = D(2026, 6, 15)
    due = Task.objects.get(pk=max(backlog(world, 60, today=later))).due_date
    assert services.deadline_scan(today=later) == NOTHING
    delay = active_profile().deadline("escalation_level2_after")
    large = scan_queries(add_workdays(due, 1 + delay), 1000)
    assert Task.objects.filter(escalation_level=2).count() == 70
    assert small == large


@pytest.mark.django_db
def test_reminders_go_out_in_batches_to_the_assignee_or_the_department(world: World):
    tasks = backlog(world, 12)
    assert services.deadline_scan(today=D(2026, 6, 4), batch_size=5)["reminded"] == 12
    for task_id, group in tasks.items():
        assert heard(task_id, Kind.REMINDER) == GROUPS[group][4]
    assert services.deadline_scan(today=D(2026, 6, 5), batch_size=5) == NOTHING
    assert Task.objects.filter(reminded_at__isnull=True).count() == 0
    assert Task.objects.filter(reminded_at__gt=timezone.now()).count() == 0


@pytest.mark.django_db(transaction=True)
class TestConcurrentBatchedScans:
    """Issue 3 "Done when" with batches: two scans at once, each in batches of 3, over a
    backlog across departments and counties, escalate each task once per level and tell
    each person once (test_tasks.TestConcurrentScans does it with one batch)."""

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _reference_data_back_after_the_flush(cls, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
        yield
        with django_db_blocker.unblock():
            call_command("seed_calendar", verbosity=0)
            call_command("load_profiles", verbosity=0)

    def test_two_batched_scans_at_once_escalate_once_per_level(self, mailoutbox):
        call_command("seed_calendar", verbosity=0)
        call_command("load_profiles", verbosity=0)
        world = build_world()
        tasks = backlog(world, 10)
        barrier = threading.Barrier(2)
        results: list[dict[str, int]] = []
        errors: list[BaseException] = []

        def scan() -> None:
            try:
                barrier.wait(timeout=30)
                results.append(services.deadline_scan(today=LEVEL2_DAY, batch_size=3))
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=scan) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == [] and len(results) == 2
        for key in ("overdue", "level1", "level2"):
            assert sum(r[key] for r in results) == len(tasks), key
        assert Counter(Escalation.objects.values_list("task_id", "level")) == Counter(
            {(t, level): 1 for t in tasks for level in (1, 2)})
        for task_id, group in tasks.items():
            *_, overdue, level1, level2 = GROUPS[group]
            assert heard(task_id, Kind.OVERDUE) == overdue
            assert heard(task_id, Kind.ESCALATION, 1) == level1
            assert heard(task_id, Kind.ESCALATION, 2) == level2
        for action in ("task.overdue", "task.escalate.1", "task.escalate.2"):
            assert AuditEvent.objects.filter(action=action).count() == len(tasks), action
        assert Notification.objects.filter(emailed_at__isnull=True).count() == 0


def scan_rows(days: list[dt.date]) -> dict[str, object]:
    """What scans on `days` (batches of 7) write, without ids and times: their stats, the
    tasks and cases they changed, escalations, audit rows and notifications, and each
    e-mail job as its notifications. Rows are sorted: on PostgreSQL a batch of overdue
    tasks writes its overdue, level 1 and level 2 rows together, the ORM path one step
    after the other."""
    cases_before = dict(Task.objects.values_list("pk", "case__updated_at"))
    tasks_before = dict(Task.objects.values_list("pk", "updated_at"))
    first_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    callbacks = len(connection.run_on_commit)
    stats = [services.deadline_scan(today=day, batch_size=7) for day in days]
    notes = list(Notification.objects.filter(pk__gt=first_note).order_by("pk").values_list(
        "pk", "recipient_id", "kind", "case_id", "task_id", "title", "title_msgid",
        "title_params", "body", "read_at", "emailed_at"))
    by_id = {row[0]: row[1:] for row in notes}
    jobs = sorted((sorted((by_id[pk] for pk in func.args[0]), key=repr)
                   for _sids, func, _robust in connection.run_on_commit[callbacks:]), key=repr)
    return {
        "stats": stats,
        "tasks": sorted((t.pk, t.status, t.overdue_since, t.reminded_at is not None,
                         t.escalation_level, t.updated_at > tasks_before[t.pk],
                         t.case.updated_at > cases_before[t.pk])
                        for t in Task.objects.select_related("case")),
        "escalations": sorted(Escalation.objects.values_list("task_id", "level")),
        "audit": sorted(AuditEvent.objects.filter(pk__gt=first_event).values_list(
            "actor_id", "actor_label", "action", "case_id", "content_type_id", "object_id",
            "object_repr", "before", "after", "reason", "ip"), key=repr),
        "notifications": sorted(by_id.values(), key=repr),
        "emails": jobs,
    }


#: Scans day by day (level 1, then level 2), and a late first scan that marks, escalates
#: to both levels and reminds at once; then an idle scan.
SCANS = {
    "day by day": ([D(2026, 6, 9), LEVEL2_DAY, LEVEL2_DAY], [
        {"reminded": 0, "overdue": 24, "level1": 24, "level2": 0},
        {"reminded": 9, "overdue": 0, "level1": 0, "level2": 24}, NOTHING]),
    "late": ([LEVEL2_DAY, LEVEL2_DAY], [
        {"reminded": 9, "overdue": 24, "level1": 24, "level2": 24}, NOTHING]),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("scans", SCANS)
@pytest.mark.parametrize("digest_after", [10**6, 2])
def test_the_sql_batches_write_what_the_orm_batches_write(world: World, monkeypatch,
                                                          language: str, scans: str,
                                                          digest_after: int):
    """Issue 13: on PostgreSQL a batch is one SQL statement; the ORM batches (the SQLite
    path) are the reference. Over the same backlog (an inactive assignee among it, tasks in
    their reminder window, a scan at level 1 and then at level 2, then an idle one), both
    write the same rows, row for row, and e-mail them in the same jobs: with every
    recipient told task by task, and with those told of more than two tasks of a step
    in a batch told by a digest."""
    from django.db import transaction
    from django.utils import translation

    if connection.vendor != "postgresql":
        pytest.skip("the SQL batches are PostgreSQL's")
    monkeypatch.setattr(services, "DIGEST_AFTER", digest_after)
    backlog(world, 24)
    backlog(world, 9, today=D(2026, 6, 8))  # reminded on 06-12
    world.a.users["officer"].is_active = False
    world.a.users["officer"].save()
    days, stats = SCANS[scans]
    written = {}
    for sql in (False, True):
        monkeypatch.setattr(services, "_sql_scan", lambda sql=sql: sql)
        with translation.override(language), transaction.atomic():
            written[sql] = scan_rows(days)
            transaction.set_rollback(True)
    assert written[True]["stats"] == stats
    assert written[True]["notifications"] and written[True]["audit"]
    digests = [row for row in written[True]["notifications"] if row[3] is None]
    assert bool(digests) == (digest_after == 2)
    for key in written[False]:
        assert written[True][key] == written[False][key], key


def test_a_message_becomes_an_sql_expression_with_its_text_as_parameters():
    """The SQL batches render titles and bodies as `template % params` does: %% is a
    percent sign, %(name)s a column, and any other placeholder is refused rather than
    rendered differently."""
    sql, params = services._sql_format("%(n)s: 100%% %(due)s", {"n": "s.number",
                                                               "due": "s.due"}, "t")
    assert sql == ("concat(%(t_0)s::text, (s.number)::text, %(t_1)s::text, (s.due)::text, "
                   "%(t_2)s::text)")
    assert params == {"t_0": "", "t_1": ": 100% ", "t_2": ""}
    with pytest.raises(ValueError, match="unsupported placeholder"):
        services._sql_format("level %(level)d", {"level": "1"}, "t")
    with pytest.raises(ValueError, match="unsupported placeholder"):
        services._sql_format("%(other)s", {"level": "1"}, "t")
