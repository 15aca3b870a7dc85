"""The Celery entry points of cases/tasks.py and the services behind them: the deadline
scan and the notification e-mails (issue 3 §4 "Deadline scan" and "Notifications";
DESIGN.md "Deadlines and notifications"; STYLE.md §7: tasks take ids, are idempotent and
backed by unique constraints).

Dates are explicit (`today=`), or the clock is frozen on a day (tests/clock.py). The standard task is assigned on Monday
2026-06-01 for 5 working days: due Monday 06-08, reminder 2 working days earlier on
06-04 (kunming profile `deadlines`: task_default 5, reminder_days_before 2,
escalation_level2_after 3; defaults, not from a seed)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from cases import services, tasks
from cases.models import (
    AuditEvent,
    Case,
    CaseState,
    Escalation,
    Notification,
    Task,
    TaskStatus,
)
from core.vocab import DepartmentType
from org.models import Role
from policy.calendar import add_workdays
from policy.models import CalendarYear
from policy.profile import active_profile
from tests.clock import on_day
from tests.factories import UserFactory, World, build_world, make_case, make_task

D = dt.date
ASSIGNED = D(2026, 6, 1)
DUE = D(2026, 6, 8)
REMIND = D(2026, 6, 4)
LEVEL1_DAY = D(2026, 6, 9)   # the first day after the due date
LEVEL2_DAY = D(2026, 6, 12)  # after 06-09, 06-10 and 06-11: three further working days
NOTHING = {"reminded": 0, "overdue": 0, "level1": 0, "level2": 0}

Kind = Notification.Kind


def standard_task(world: World, **kwargs: object) -> Task:
    return make_task(world.a, make_case(world.a), workdays=5, today=ASSIGNED, **kwargs)


def totals() -> tuple[int, int, int]:
    return (Escalation.objects.count(), Notification.objects.count(),
            AuditEvent.objects.count())


def recipients(task: Task, kind: str) -> list[str]:
    return sorted(Notification.objects.filter(task=task, kind=kind)
                  .values_list("recipient__username", flat=True))


@pytest.mark.django_db
class TestDeadlineScan:
    def test_the_standard_task_dates_come_from_the_profile(self, world: World):
        profile = active_profile()
        assert profile.deadline("reminder_days_before") == 2
        assert profile.deadline("escalation_level2_after") == 3
        task = standard_task(world)
        assert (task.due_date, task.remind_on) == (DUE, REMIND)
        assert add_workdays(DUE, 1 + profile.deadline("escalation_level2_after")) == LEVEL2_DAY

    def test_no_reminder_before_remind_on(self, world: World):
        task = standard_task(world)
        assert services.deadline_scan(today=REMIND - dt.timedelta(days=1)) == NOTHING
        assert recipients(task, Kind.REMINDER) == []

    def test_reminder_is_sent_once_on_remind_on(self, world: World):
        """Issue 3 §4: a reminder a configurable number of working days before the due
        date, to the department's workers when nobody is assigned."""
        task = standard_task(world)
        assert services.deadline_scan(today=REMIND)["reminded"] == 1
        assert recipients(task, Kind.REMINDER) == ["a_head", "a_officer"]
        task.refresh_from_db()
        assert task.reminded_at is not None
        before = totals()
        for day in (REMIND, D(2026, 6, 5), DUE):
            assert services.deadline_scan(today=day) == NOTHING
        assert totals() == before

    def test_a_missed_reminder_is_sent_on_a_later_day_up_to_the_due_date(self, world: World):
        task = standard_task(world, assignee=world.a.users["officer"])
        assert services.deadline_scan(today=DUE)["reminded"] == 1
        assert recipients(task, Kind.REMINDER) == ["a_officer"]  # only the assignee

    def test_no_reminder_once_the_task_is_overdue(self, world: World):
        task = standard_task(world)
        assert services.deadline_scan(today=LEVEL1_DAY)["reminded"] == 0
        assert recipients(task, Kind.REMINDER) == []

    def test_overdue_marking_sets_overdue_since_and_notifies(self, world: World):
        task = standard_task(world, assignee=world.a.users["officer"])
        assert services.deadline_scan(today=DUE)["overdue"] == 0  # due today is not late
        task.refresh_from_db()
        assert task.overdue_since is None and not task.is_overdue
        assert services.deadline_scan(today=LEVEL1_DAY)["overdue"] == 1
        task.refresh_from_db()
        assert task.overdue_since == LEVEL1_DAY and task.is_overdue
        assert recipients(task, Kind.OVERDUE) == ["a_officer"]
        event = AuditEvent.objects.get(action="task.overdue")
        assert event.actor is None and event.actor_label == "system"
        assert event.case_id == task.case_id and event.object_id == str(task.pk)
        assert event.before == {"overdue_since": None}
        assert event.after == {"overdue_since": "2026-06-09"}

    def test_level1_escalation_goes_to_the_department_head_once_the_due_date_passed(
            self, world: World):
        task = standard_task(world, assignee=world.a.users["officer"])
        assert services.deadline_scan(today=DUE)["level1"] == 0
        assert services.deadline_scan(today=LEVEL1_DAY)["level1"] == 1
        task.refresh_from_db()
        assert task.escalation_level == 1
        assert list(task.escalations.values_list("level", flat=True)) == [1]
        assert recipients(task, Kind.ESCALATION) == ["a_head"]
        event = AuditEvent.objects.get(action="task.escalate.1")
        assert event.actor is None and event.before["escalation_level"] == 0
        assert event.after["escalation_level"] == 1

    def test_level1_of_a_department_without_a_head_goes_to_its_staff_and_the_county_admin(
            self, world: World):
        """Issue 14 E1: street offices and some bureaus have no head; their level-1
        escalations reach the department's working staff and the county admin, and the
        county overview marks the department."""
        from cases.selectors import county_overview

        grid = world.a.users["grid"]
        case = make_case(world.a, region=world.a.town)
        task = services.task_assign(actor=world.a.users["county_admin"], case=case,
                                    department=grid.department, role="lead", duty="网格核查",
                                    workdays=3, today=D(2026, 6, 1))
        assert services.deadline_scan(today=task.due_date + dt.timedelta(days=1))["level1"] == 1
        assert recipients(task, Kind.ESCALATION) == ["a_county_admin", "a_grid"]
        rows = {r["department_id"]: r for r in
                county_overview(world.a.users["county_admin"], today=task.due_date)
                ["by_department"]}
        assert rows[grid.department_id]["has_head"] is False

    def test_level2_goes_to_the_county_admin_only_after_the_further_delay(self, world: World):
        """Level 2 after escalation_level2_after (3) further working days."""
        task = standard_task(world)
        for day in (LEVEL1_DAY, D(2026, 6, 10), D(2026, 6, 11)):
            assert services.deadline_scan(today=day)["level2"] == 0
        task.refresh_from_db()
        assert task.escalation_level == 1
        assert services.deadline_scan(today=LEVEL2_DAY)["level2"] == 1
        task.refresh_from_db()
        assert task.escalation_level == 2
        assert sorted(task.escalations.values_list("level", flat=True)) == [1, 2]
        level2 = Notification.objects.filter(task=task, kind=Kind.ESCALATION,
                                             recipient=world.a.users["county_admin"])
        assert level2.count() == 1
        assert AuditEvent.objects.filter(action="task.escalate.2").count() == 1
        # County B's admin hears nothing about county A's task.
        assert not Notification.objects.filter(recipient=world.b.users["county_admin"]).exists()

    def test_level2_delay_counts_working_days_across_national_day_2026(self, world: World):
        """Due 09-30; 10-01..07 are holidays; 10-08, 10-09 and the make-up Saturday 10-10
        are the three further working days, so level 2 comes on 10-11."""
        task = make_task(world.a, make_case(world.a), workdays=3, today=D(2026, 9, 25))
        assert task.due_date == D(2026, 9, 30)
        assert services.deadline_scan(today=D(2026, 10, 1))["level1"] == 1
        assert services.deadline_scan(today=D(2026, 10, 7))["level2"] == 0
        assert services.deadline_scan(today=D(2026, 10, 10))["level2"] == 0
        assert services.deadline_scan(today=D(2026, 10, 11))["level2"] == 1

    def test_a_late_first_scan_escalates_both_levels_once(self, world: World):
        task = standard_task(world)
        stats = services.deadline_scan(today=LEVEL2_DAY)
        assert stats == {"reminded": 0, "overdue": 1, "level1": 1, "level2": 1}
        task.refresh_from_db()
        assert task.escalation_level == 2 and task.overdue_since == LEVEL2_DAY

    def test_running_the_scan_twice_creates_nothing_new(self, world: World):
        """DESIGN.md: each escalation is unique per (task, level), so running the scan
        twice changes nothing."""
        standard_task(world)
        standard_task(world, assignee=world.a.users["officer"])
        for day in (REMIND, LEVEL1_DAY, LEVEL2_DAY):
            assert services.deadline_scan(today=day) != NOTHING
            before = totals()
            assert services.deadline_scan(today=day) == NOTHING
            assert totals() == before
        assert Escalation.objects.count() == 4

    def test_done_and_returned_tasks_are_not_escalated(self, world: World):
        done = standard_task(world)
        services.task_complete(actor=world.a.users["officer"], task=done, note="办结")
        returned = make_task(world.a, make_case(world.a),
                             dept=DepartmentType.CULTURE_TOURISM, workdays=5, today=ASSIGNED)
        services.task_return(actor=world.a.users["culture"], task=returned, reason="非本部门")
        before = totals()
        for day in (REMIND, LEVEL1_DAY, LEVEL2_DAY):
            assert services.deadline_scan(today=day) == NOTHING
        assert totals() == before
        for task in (done, returned):
            task.refresh_from_db()
            assert task.escalation_level == 0 and task.overdue_since is None

    def test_tasks_of_a_cancelled_case_are_not_escalated(self, world: World):
        task = standard_task(world)
        services.case_cancel(actor=world.a.users["county_admin"], case=task.case, reason="撤销")
        assert Case.objects.get(pk=task.case_id).state == CaseState.CANCELLED
        before = totals()
        for day in (REMIND, LEVEL1_DAY, LEVEL2_DAY):
            assert services.deadline_scan(today=day) == NOTHING
        assert totals() == before
        task.refresh_from_db()
        assert task.escalation_level == 0 and task.status == TaskStatus.RETURNED

    def test_a_reassigned_returned_task_is_escalated_afresh_on_its_new_due_date(
            self, world: World):
        task = standard_task(world)
        services.deadline_scan(today=LEVEL2_DAY)
        services.task_return(actor=world.a.users["officer"], task=task, reason="材料不全")
        with on_day(D(2026, 6, 15)):
            services.task_reassign(actor=world.a.users["county_admin"], task=task,
                                   assignee=world.a.users["officer"], workdays=2)
        task.refresh_from_db()
        assert task.due_date == D(2026, 6, 17) and task.escalation_level == 0
        assert services.deadline_scan(today=D(2026, 6, 17)) == NOTHING
        assert services.deadline_scan(today=D(2026, 6, 18))["level1"] == 1
        assert task.escalations.count() == 1

    def test_the_celery_deadline_scan_task_runs_the_scan(self, world: World):
        """cases.tasks.deadline_scan (beat entry point) takes no arguments and uses the
        local date; the clock is frozen on the day here."""
        task = standard_task(world)
        with on_day(LEVEL2_DAY):
            result = tasks.deadline_scan.delay()
            assert result.get() == {"reminded": 0, "overdue": 1, "level1": 1, "level2": 1}
            assert tasks.deadline_scan.delay().get() == NOTHING
        task.refresh_from_db()
        assert task.escalation_level == 2
        assert tasks.deadline_scan.acks_late is True
        assert tasks.send_notification_emails.acks_late is True


@pytest.mark.django_db
class TestNotificationEmails:
    def test_one_e_mail_per_notification_skipping_users_without_e_mail(
            self, world: World, mailoutbox):
        case = make_case(world.a)
        officer = world.a.users["officer"]
        silent = UserFactory(role=Role.OFFICER, department=officer.department, email="")
        notes = services.notify(recipients=[officer, silent, officer], kind=Kind.CASE,
                                title="请核查", body="核查内容", case=case)
        assert len(notes) == 2  # the officer once, however often named
        ids = [n.pk for n in notes]
        assert tasks.send_notification_emails.delay(ids).get() == 1
        assert len(mailoutbox) == 1
        message = mailoutbox[0]
        assert message.to == [officer.email]
        assert "请核查" in message.subject
        assert case.get_absolute_url() in message.body
        assert Notification.objects.get(recipient=officer).emailed_at is not None
        assert Notification.objects.get(recipient=silent).emailed_at is None
        # Idempotent: a second delivery of the same ids sends nothing.
        assert tasks.send_notification_emails(ids) == 0
        assert len(mailoutbox) == 1

    def test_inactive_users_are_not_notified(self, world: World):
        gone = UserFactory(role=Role.OFFICER, department=world.a.users["officer"].department,
                           is_active=False)
        assert services.notify(recipients=[gone], kind=Kind.CASE, title="t") == []

    def test_scan_e_mails_go_out_on_commit_once(self, world: World, mailoutbox,
                                                django_capture_on_commit_callbacks):
        task = standard_task(world, assignee=world.a.users["officer"])
        with django_capture_on_commit_callbacks(execute=True):
            services.deadline_scan(today=LEVEL1_DAY)
        # Overdue to the assignee, level 1 to the head.
        assert sorted(m.to[0] for m in mailoutbox) == [world.a.users["head"].email,
                                                       world.a.users["officer"].email]
        assert not Notification.objects.filter(task=task, kind__in=[Kind.OVERDUE,
                                                                    Kind.ESCALATION],
                                               emailed_at__isnull=True).exists()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.deadline_scan(today=LEVEL1_DAY)
        assert callbacks == [] and len(mailoutbox) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("told_task_by_task")
class TestConcurrentScans:
    """Issue 3 "Done when": two scans at the same time produce exactly one escalation per
    level. Real transactions and two database connections, so the unique constraint and
    the row locks do the work, not the test's wrapping transaction."""

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _reference_data_back_after_the_flush(cls, django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
        """A transactional test ends with a flush that also empties the calendar and the
        profiles loaded once per session (conftest.py); put them back for later tests.
        Class scope makes this teardown run after the function-scoped flush."""
        yield
        with django_db_blocker.unblock():
            call_command("seed_calendar", verbosity=0)
            call_command("load_profiles", verbosity=0)

    def test_two_scans_at_the_same_time_escalate_once_per_level(self, mailoutbox):
        # No-ops while the session's data is there; needed after another flush.
        call_command("seed_calendar", verbosity=0)
        call_command("load_profiles", verbosity=0)
        assert CalendarYear.objects.filter(year=2026).exists()
        world = build_world()
        work = [standard_task(world) for _ in range(8)]
        barrier = threading.Barrier(2)
        results: list[dict[str, int]] = []
        errors: list[BaseException] = []

        def scan() -> None:
            try:
                barrier.wait(timeout=30)
                results.append(services.deadline_scan(today=LEVEL2_DAY))
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=scan) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
        assert errors == []
        assert len(results) == 2
        for key in ("overdue", "level1", "level2"):
            assert sum(r[key] for r in results) == len(work), key

        per_level = Escalation.objects.values("task", "level").annotate(n=Count("id"))
        assert sorted((r["task"], r["level"]) for r in per_level) == sorted(
            (t.pk, level) for t in work for level in (1, 2))
        assert {r["n"] for r in per_level} == {1}
        assert set(Task.objects.values_list("escalation_level", flat=True)) == {2}

        head, admin = world.a.users["head"], world.a.users["county_admin"]
        escalated = Notification.objects.filter(kind=Kind.ESCALATION)
        assert Counter(escalated.filter(recipient=head).values_list("task", flat=True)) == {
            t.pk: 1 for t in work}
        assert Counter(escalated.filter(recipient=admin).values_list("task", flat=True)) == {
            t.pk: 1 for t in work}
        assert escalated.count() == 2 * len(work)
        overdue = Notification.objects.filter(kind=Kind.OVERDUE)
        assert overdue.count() == 2 * len(work)  # the officer and the head, once each
        for action in ("task.overdue", "task.escalate.1", "task.escalate.2"):
            assert AuditEvent.objects.filter(action=action).count() == len(work), action
        # Every notification (assignments included) was e-mailed exactly once.
        assert Notification.objects.filter(emailed_at__isnull=True).count() == 0
        assert len(mail.outbox) == Notification.objects.count()


def test_the_scan_can_be_run_again_for_a_given_day(world: World):
    """Issue 14 E5: the task and the command take a day; a re-run for the same day
    changes nothing."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    from cases.tasks import deadline_scan as scan_task

    task = standard_task(world)
    assert scan_task.run(day=LEVEL1_DAY.isoformat())["level1"] == 1
    out = StringIO()
    call_command("deadline_scan", "--date", LEVEL1_DAY.isoformat(), stdout=out)
    assert "'level1': 0" in out.getvalue()
    task.refresh_from_db()
    assert task.escalation_level == 1
    with pytest.raises(CommandError):
        call_command("deadline_scan", "--date", "2026-13-01")


def test_county_overview_counts_each_department_once_with_its_name_and_head(world: World):
    """The overview's open-task figures by department (issue 13: grouped by the
    department's id alone, name and head looked up per group): the county's open tasks
    only, counted per department, overdue and due this week apart."""
    from django.test.utils import CaptureQueriesContext

    from cases.selectors import county_overview

    today = D(2026, 6, 1)
    edu, market = DepartmentType.EDUCATION_SPORTS, DepartmentType.MARKET_REGULATION
    for dept, n in ((edu, 3), (market, 1)):
        for _ in range(n):
            make_task(world.a, make_case(world.a), dept=dept, today=today)
    make_task(world.b, make_case(world.b), dept=edu, today=today)  # the other county's
    done = make_task(world.a, make_case(world.a), dept=market, today=today)
    Task.objects.filter(pk=done.pk).update(status=TaskStatus.DONE,
                                           completed_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC))
    Task.objects.filter(department=world.a.depts[edu]).update(due_date=today - dt.timedelta(1))
    with CaptureQueriesContext(connection) as ctx:
        rows = county_overview(world.a.users["county_admin"], today=today)["by_department"]
    assert len(ctx) == 1
    assert "GROUP BY 1 " in ctx.captured_queries[0]["sql"]
    got = [(r["department_name"], r["open"], r["overdue"], r["has_head"]) for r in rows]
    assert got == [(world.a.depts[edu].name, 3, 3, True),
                   (world.a.depts[market].name, 1, 0,
                    world.a.depts[market].users.filter(role=Role.DEPARTMENT_HEAD,
                                                       is_active=True).exists())]
