"""The deadline scan on several connections at once (issue 13: 1M open tasks in under
60 s; DEADLINE_SCAN_WORKERS). With two workers the scan writes what it writes with one,
row for row, each batch whole cases; two such scans at once still escalate each task once
per level (issue 3 "Done when"). The threads see only committed rows, hence
transaction=True. Dates as in test_deadline_backlog."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, defaultdict
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import translation

from cases import services, tasks
from cases.models import AuditEvent, Case, Escalation, Notification, Task
from cases.tests.test_deadline_backlog import GROUPS, LEVEL2_DAY, SCANS, backlog, heard
from core.vocab import DepartmentType
from tests.factories import World, build_world

Kind = Notification.Kind
pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="SQLite scans on one connection"),
              # The one- and two-connection scans batch differently: no digests here.
              pytest.mark.usefixtures("told_task_by_task")]


@pytest.fixture(autouse=True)
def _reference_data(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """transaction=True flushes the calendar and profiles the other tests rely on."""
    with django_db_blocker.unblock():
        call_command("seed_calendar", verbosity=0)
        call_command("load_profiles", verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("seed_calendar", verbosity=0)
        call_command("load_profiles", verbosity=0)


def shared_backlog(world: World, n: int, *, today: dt.date = dt.date(2026, 6, 1)
                   ) -> dict[int, int]:
    """backlog(), and in every other case a second task (market regulation assists), so
    that cases hold several tasks: {task id: its GROUPS index, or -1 for the second}."""
    made = backlog(world, n, today=today)
    for task in Task.objects.filter(pk__in=list(made)).select_related("case")[::2]:
        county = world.county("a" if task.case.region.path.startswith(
            world.county("a").region.path) else "b")
        second = services.task_assign(
            actor=county.users["county_admin"], case=task.case,
            department=county.depts[DepartmentType.MARKET_REGULATION], role="assist",
            duty="协助办理", workdays=5, today=today)
        made[second.pk] = -1
    return made


def written(days: list[dt.date], workers: int, emailed: list[list[int]]) -> dict[str, Any]:
    """What scans on `days` (batches of 5) write, without ids and times: their stats, the
    tasks and cases they changed, escalations, audit rows, notifications, and the
    notifications their e-mail jobs (`emailed`, recorded) send: after each batch's commit,
    or in a transaction the caller rolls back, before."""
    cases_before = dict(Case.objects.values_list("pk", "updated_at"))
    tasks_before = dict(Task.objects.values_list("pk", "updated_at"))
    first_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    first_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    jobs = len(emailed)
    stats = [services.deadline_scan(today=day, batch_size=5, workers=workers)
             for day in days]
    if connection.in_atomic_block:  # to be rolled back: its e-mail jobs, recorded, now
        for _sids, func, _robust in connection.run_on_commit:
            func()
    notes = dict((row[0], row[1:]) for row in Notification.objects.filter(
        pk__gt=first_note or 0).values_list(
        "pk", "recipient_id", "kind", "case_id", "task_id", "title", "title_msgid",
        "title_params", "body", "read_at", "emailed_at"))
    return {
        "stats": stats,
        "tasks": sorted((t.pk, t.status, t.overdue_since, t.reminded_at is not None,
                         t.escalation_level, t.updated_at > tasks_before[t.pk])
                        for t in Task.objects.all()),
        "cases": sorted((c.pk, c.updated_at > cases_before[c.pk]) for c in Case.objects.all()),
        "escalations": sorted(Escalation.objects.values_list("task_id", "level")),
        "audit": sorted(AuditEvent.objects.filter(pk__gt=first_event or 0).values_list(
            "actor_id", "actor_label", "action", "case_id", "content_type_id", "object_id",
            "object_repr", "before", "after", "reason", "ip"), key=repr),
        "notifications": sorted(notes.values(), key=repr),
        "emailed": sorted((notes[pk] for job in emailed[jobs:] for pk in job), key=repr),
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scans", SCANS)
def test_two_workers_write_what_one_writes(monkeypatch, scans: str):
    """The same backlog scanned with one worker (in a transaction rolled back after) and
    with two (committed, each batch on a thread's own connection): the same stats, task
    and case changes, escalations, audit rows and notifications, each notification
    e-mailed once, after its batch's commit. The English labels show that the threads
    keep the caller's language. The two workers both ran batches, and no case was in two
    batches."""
    world = build_world()
    shared_backlog(world, 24)
    shared_backlog(world, 9, today=dt.date(2026, 6, 8))  # reminded on 06-12
    world.a.users["officer"].is_active = False
    world.a.users["officer"].save()
    emailed: list[list[int]] = []
    monkeypatch.setattr(tasks.send_notification_emails, "delay",
                        lambda ids: emailed.append(list(ids)))
    batches: list[tuple[str, dt.date, list[int]]] = []
    overdue_batch = services._overdue_batch_sql
    both = threading.Barrier(2)

    def recorded(ids: list[int], today: dt.date, *args: Any) -> dict[str, int]:
        name = threading.current_thread().name
        if name.startswith("deadline-scan") and (name, today) not in {
                (n, d) for n, d, _ids in batches}:
            both.wait(timeout=10)  # each worker takes a batch before either finishes one
        batches.append((name, today, ids))
        return overdue_batch(ids, today, *args)

    monkeypatch.setattr(services, "_overdue_batch_sql", recorded)
    days, _stats = SCANS[scans]
    with translation.override("en"):
        with transaction.atomic():
            one = written(days, 1, emailed)
            transaction.set_rollback(True)
        assert not Escalation.objects.exists()
        batches.clear()
        two = written(days, 2, emailed)
    assert one["stats"][0]["level1"] == 36  # 24 tasks and 12 second tasks
    assert one["notifications"] and one["audit"] and one["emailed"]
    for key in one:
        assert two[key] == one[key], key
    assert two["emailed"] == two["notifications"]  # each once
    assert {name for name, _day, _ids in batches} == {"deadline-scan_0", "deadline-scan_1"}
    case_of = dict(Task.objects.values_list("pk", "case_id"))
    holding: dict[tuple[dt.date, int], set[int]] = defaultdict(set)
    for n, (_name, day, ids) in enumerate(batches):
        for pk in ids:
            holding[day, case_of[pk]].add(n)
    assert max(len(held) for held in holding.values()) == 1  # a case in one batch

@pytest.mark.django_db(transaction=True)
def test_two_scans_on_two_workers_each_at_once_escalate_once_per_level(mailoutbox):
    """Issue 3 "Done when" on four connections: two scans at once, each on two workers,
    over cases of one and two tasks, escalate each task once per level, tell each person
    once and write one audit row per task and step."""
    world = build_world()
    made = shared_backlog(world, 12)
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def scan() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(services.deadline_scan(today=LEVEL2_DAY, batch_size=2, workers=2))
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
        assert sum(r[key] for r in results) == len(made), key
    assert Counter(Escalation.objects.values_list("task_id", "level")) == Counter(
        {(t, level): 1 for t in made for level in (1, 2)})
    for task_id, group in made.items():
        if group >= 0:
            *_, overdue, level1, level2 = GROUPS[group]
            assert heard(task_id, Kind.OVERDUE) == overdue
            assert heard(task_id, Kind.ESCALATION, 1) == level1
            assert heard(task_id, Kind.ESCALATION, 2) == level2
    for action in ("task.overdue", "task.escalate.1", "task.escalate.2"):
        assert AuditEvent.objects.filter(action=action).count() == len(made), action
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
