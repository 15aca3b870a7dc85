"""The services of the cases app (issue 3 §4 "Cases, tasks, notifications, audit" and
"Done when": every service writes its audit event; a rolled-back service enqueues no
task). DESIGN.md "Audit"; STYLE.md §2 (one transition, one function) and §7 (Celery)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from cases import services
from cases.models import (
    AppendOnlyError,
    Attachment,
    AuditEvent,
    Case,
    CaseState,
    Escalation,
    Notification,
    Task,
    TaskRole,
    TaskStatus,
)
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import DepartmentType
from org.models import Role
from policy.calendar import add_workdays
from policy.models import RuleParameter
from policy.profile import active_profile
from tests import samplefiles
from tests.clock import on_day
from tests.factories import UserFactory, World, make_case, make_task

pytestmark = pytest.mark.django_db

D = dt.date
EDU = DepartmentType.EDUCATION_SPORTS
CULTURE = DepartmentType.CULTURE_TOURISM


class Boom(Exception):
    pass


@contextmanager
def audited(action: str, count: int = 1) -> Iterator[list[AuditEvent]]:
    """Assert that the block writes exactly `count` audit events, all of `action`; checked
    also when the block raises (a refused change must leave no event behind)."""
    start = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    rows: list[AuditEvent] = []
    try:
        yield rows
    finally:
        new = list(AuditEvent.objects.filter(id__gt=start).order_by("id"))
        assert [e.action for e in new] == [action] * count
        rows.extend(new)


def ct(model: type) -> ContentType:
    return ContentType.objects.get_for_model(model)


@pytest.fixture
def private_media(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Attachments of this test go to a fresh private directory, so that a test can see
    exactly what was written (the real location is checked in
    test_attachment_storage_is_private)."""
    root = tmp_path / "private"
    monkeypatch.setattr(Attachment._meta.get_field("file"), "storage",
                        FileSystemStorage(location=root, base_url=None))
    return root


# -- 1. every service writes one audit event (DESIGN.md "Audit") ---------------------------

def test_case_open_writes_one_audit_event(world: World):
    admin = world.a.users["county_admin"]
    with audited("case.open") as ev:
        case = services.case_open(actor=admin, kind="supervision", title="  巡查  ",
                                  region=world.a.region)
    (event,) = ev
    assert event.actor == admin and event.case == case
    assert event.content_type == ct(Case) and event.object_id == str(case.pk)
    assert event.before == {}
    assert event.after["number"] == case.number and event.after["state"] == CaseState.OPEN
    assert event.after["title"] == "巡查" and event.after["region"] == world.a.region.pk
    assert event.ip is None  # no request: no client IP


def test_case_close_writes_one_audit_event_with_reason(world: World):
    case = make_case(world.a)
    admin = world.a.users["county_admin"]
    with audited("case.close") as ev:
        services.case_close(actor=admin, case=case, reason="已办结")
    (event,) = ev
    assert event.actor == admin and event.case == case and event.reason == "已办结"
    assert event.before == {"state": "open", "closed_at": None}
    assert event.after["state"] == "closed" and event.after["closed_at"]


def test_case_cancel_writes_one_audit_event_and_needs_a_reason(world: World):
    case = make_case(world.a)
    task = make_task(world.a, case, today=D(2026, 6, 1))
    admin = world.a.users["county_admin"]
    with pytest.raises(DomainError) as exc, audited("case.cancel", count=0):
        services.case_cancel(actor=admin, case=case, reason=" ")
    assert exc.value.field == "reason"
    with audited("case.cancel") as ev:
        services.case_cancel(actor=admin, case=case, reason="重复立案")
    (event,) = ev
    assert event.actor == admin and event.reason == "重复立案"
    assert event.before["state"] == "open" and event.after["state"] == "cancelled"
    task.refresh_from_db()
    assert task.status == TaskStatus.RETURNED and "重复立案" in task.return_reason


def test_case_reopen_writes_one_audit_event(world: World):
    case = make_case(world.a)
    admin = world.a.users["county_admin"]
    services.case_close(actor=admin, case=case, reason="办结")
    with pytest.raises(DomainError) as exc:
        services.case_reopen(actor=admin, case=case, reason="")
    assert exc.value.field == "reason"
    with audited("case.reopen") as ev:
        services.case_reopen(actor=admin, case=case, reason="群众再次反映")
    (event,) = ev
    assert event.before["state"] == "closed" and event.after == {"state": "in_progress",
                                                                   "closed_at": None}
    assert event.reason == "群众再次反映"
    with pytest.raises(InvalidState):
        services.case_reopen(actor=admin, case=case, reason="again")


def test_task_assign_writes_one_audit_event(world: World):
    case = make_case(world.a)
    admin = world.a.users["county_admin"]
    officer = world.a.users["officer"]
    with audited("task.assign") as ev:
        task = services.task_assign(actor=admin, case=case, department=world.a.depts[EDU],
                                    role=TaskRole.LEAD, duty="核查办学场所", assignee=officer,
                                    workdays=1, today=D(2026, 9, 30))
    (event,) = ev
    assert event.actor == admin and event.case == case
    assert event.content_type == ct(Task) and event.object_id == str(task.pk)
    assert event.after == {"department": world.a.depts[EDU].pk, "assignee": officer.pk,
                           "role": "lead", "step": "", "duty": "核查办学场所",
                           "due_date": "2026-10-08"}


def test_task_reassign_writes_one_audit_event_with_before_and_after(world: World):
    case = make_case(world.a)
    task = make_task(world.a, case, today=D(2026, 6, 1))
    head, officer = world.a.users["head"], world.a.users["officer"]
    with audited("task.reassign") as ev:
        services.task_reassign(actor=head, task=task, assignee=officer, reason="熟悉该机构")
    (event,) = ev
    assert event.actor == head and event.reason == "熟悉该机构"
    assert event.before["assignee"] is None and event.after["assignee"] == officer.pk
    assert event.object_id == str(task.pk)


def test_tasks_bulk_assign_writes_one_audit_event_per_task(world: World):
    tasks = [make_task(world.a, make_case(world.a), today=D(2026, 6, 1)) for _ in range(3)]
    admin, officer = world.a.users["county_admin"], world.a.users["officer"]
    with audited("task.reassign", count=3) as ev:
        done = services.tasks_bulk_assign(actor=admin, task_ids=[t.pk for t in tasks],
                                          assignee=officer, reason="统一分派")
    assert {e.object_id for e in ev} == {str(t.pk) for t in tasks}
    assert {e.case_id for e in ev} == {t.case_id for t in tasks}
    assert all(e.actor == admin and e.reason == "统一分派" for e in ev)
    assert all(t.assignee == officer for t in done)


def test_task_complete_writes_one_audit_event(world: World):
    task = make_task(world.a, make_case(world.a), today=D(2026, 6, 1))
    officer = world.a.users["officer"]
    with audited("task.complete") as ev:
        services.task_complete(actor=officer, task=task, note="  已现场核查  ")
    (event,) = ev
    assert event.actor == officer
    assert event.before["status"] == "open" and event.after["status"] == "done"
    assert event.after["completion_note"] == "已现场核查"


def test_task_return_writes_one_audit_event_with_reason(world: World):
    case = make_case(world.a)
    task = make_task(world.a, case, dept=CULTURE, role=TaskRole.ASSIST, today=D(2026, 6, 1))
    culture = world.a.users["culture"]
    with audited("task.return") as ev:
        services.task_return(actor=culture, task=task, reason="不属于本部门职责")
    (event,) = ev
    assert event.actor == culture and event.reason == "不属于本部门职责"
    assert event.before["status"] == "open" and event.after["status"] == "returned"
    assert event.after["return_reason"] == "不属于本部门职责"


def test_comment_add_writes_one_audit_event(world: World):
    case = make_case(world.a)
    make_task(world.a, case, today=D(2026, 6, 1))
    officer = world.a.users["officer"]
    with audited("comment.add") as ev:
        comment = services.comment_add(actor=officer, case=case, body=" 已电话联系机构 ")
    (event,) = ev
    assert event.actor == officer and event.case == case
    assert event.object_id == str(comment.pk) and event.after == {"body": "已电话联系机构"}
    with pytest.raises(DomainError) as exc, audited("comment.add", count=0):
        services.comment_add(actor=officer, case=case, body="   ")
    assert exc.value.field == "body"


def test_attachment_add_writes_one_audit_event(world: World, private_media: Path):
    case = make_case(world.a)
    admin = world.a.users["county_admin"]
    with audited("attachment.add") as ev:
        att = services.attachment_add(actor=admin, case=case, upload=SimpleUploadedFile(
            "检查记录.pdf", samplefiles.pdf()))
    (event,) = ev
    assert event.actor == admin and event.object_id == str(att.pk)
    assert event.after == {"original_name": "检查记录.pdf", "content_type": "application/pdf",
                           "size": len(samplefiles.pdf()), "sha256": att.sha256}


def test_attachment_add_is_one_transaction(world: World, private_media: Path, monkeypatch):
    """A failing audit write leaves no attachment row behind (STYLE.md §2)."""
    from cases.models import Attachment

    case = make_case(world.a)

    def broken(**kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.attachment_add(actor=world.a.users["county_admin"], case=case,
                                upload=SimpleUploadedFile("记录.pdf", samplefiles.pdf()))
    assert not Attachment.objects.filter(case=case).exists()


def test_notifications_mark_read_writes_one_audit_event(world: World):
    case = make_case(world.a)
    make_task(world.a, case, today=D(2026, 6, 1))  # notifies the officer and the head
    officer, head = world.a.users["officer"], world.a.users["head"]
    mine = list(Notification.objects.filter(recipient=officer).values_list("pk", flat=True))
    theirs = list(Notification.objects.filter(recipient=head).values_list("pk", flat=True))
    assert mine and theirs
    # Someone else's notifications are not in my inbox: nothing is marked, nothing audited.
    with audited("notification.read", count=0):
        assert services.notifications_mark_read(actor=officer, ids=theirs) == 0
    with audited("notification.read") as ev:
        assert services.notifications_mark_read(actor=officer, ids=mine) == len(mine)
    (event,) = ev
    assert event.actor == officer and event.after == {"count": len(mine), "ids": mine}
    assert Notification.objects.filter(recipient=head, read_at__isnull=True).count() == len(theirs)


def test_audit_event_is_written_in_the_same_transaction_as_the_change(world: World):
    """If writing the audit event fails, the change itself is rolled back (DESIGN.md
    "Audit": the event is written in the same transaction)."""
    task = make_task(world.a, make_case(world.a), today=D(2026, 6, 1))
    cases_before = Case.objects.count()
    with mock.patch("cases.services.audit_record", side_effect=Boom):
        with pytest.raises(Boom):
            services.case_open(actor=world.a.users["county_admin"], kind="supervision",
                               title="x", region=world.a.region)
        with pytest.raises(Boom):
            services.task_complete(actor=world.a.users["officer"], task=task, note="办结")
    assert Case.objects.count() == cases_before
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.completion_note == ""


def test_client_ip_is_recorded_when_the_change_comes_through_a_request(client, world: World):
    """The request middleware hands REMOTE_ADDR to the audit trail (issue 3 §4: time and
    client IP)."""
    case = make_case(world.a)
    make_task(world.a, case, today=D(2026, 6, 1))
    client.force_login(world.a.users["officer"])
    response = client.post(f"/office/cases/{case.number}/comments/", {"body": "已核实"},
                           REMOTE_ADDR="10.20.30.40")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="comment.add")
    assert event.ip == "10.20.30.40"
    assert event.actor == world.a.users["officer"]


def test_a_client_supplied_x_forwarded_for_does_not_forge_the_audit_ip(client, world: World):
    """Without a trusted proxy in front (TRUSTED_PROXY_COUNT = 0, the default: gunicorn is
    exposed directly in docker-compose.yml), X-Forwarded-For is the client's own claim and
    must not replace REMOTE_ADDR in the audit trail."""
    case = make_case(world.a)
    make_task(world.a, case, today=D(2026, 6, 1))
    client.force_login(world.a.users["officer"])
    client.post(f"/office/cases/{case.number}/comments/", {"body": "一"},
                REMOTE_ADDR="10.20.30.40", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert AuditEvent.objects.get(action="comment.add").ip == "10.20.30.40"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_trusted_proxy_the_hop_it_added_is_the_client_ip(client, world: World):
    """Behind one proxy the client is the last X-Forwarded-For hop (the one the proxy
    appended); earlier hops are whatever the client sent."""
    case = make_case(world.a)
    make_task(world.a, case, today=D(2026, 6, 1))
    client.force_login(world.a.users["officer"])
    client.post(f"/office/cases/{case.number}/comments/", {"body": "一"},
                REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert AuditEvent.objects.get(action="comment.add").ip == "203.0.113.9"
    # A hop that is not an address falls back to REMOTE_ADDR instead of failing the write.
    client.post(f"/office/cases/{case.number}/comments/", {"body": "二"},
                REMOTE_ADDR="172.18.0.2", HTTP_X_FORWARDED_FOR="unknown")
    assert AuditEvent.objects.filter(action="comment.add").latest("id").ip == "172.18.0.2"


# -- 2. the audit trail is append-only -----------------------------------------------------

@pytest.fixture
def event(world: World) -> AuditEvent:
    make_case(world.a)
    return AuditEvent.objects.get(action="case.open")


def test_audit_event_instance_save_of_an_existing_row_is_refused(event: AuditEvent):
    event.reason = "篡改"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def test_audit_event_instance_delete_is_refused(event: AuditEvent):
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_event_queryset_update_and_delete_are_refused(event: AuditEvent):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="篡改")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL only")
@pytest.mark.parametrize("sql", [
    "UPDATE cases_auditevent SET reason = 'tampered' WHERE id = %s",
    "DELETE FROM cases_auditevent WHERE id = %s",
])
def test_raw_sql_update_or_delete_of_the_audit_trail_is_refused_by_the_database(
        event: AuditEvent, sql: str):
    """Migration 0003: a trigger refuses UPDATE and DELETE even when the ORM is bypassed."""
    with pytest.raises(DatabaseError, match="only be appended"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


# -- 3. side effects only after commit (STYLE.md §7) -------------------------------------

def test_a_rolled_back_service_enqueues_no_task(world: World, django_capture_on_commit_callbacks):
    """Issue 3 "Done when": a rolled-back service enqueues no task."""
    case = make_case(world.a)
    with mock.patch("cases.tasks.send_notification_emails.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            with pytest.raises(Boom), transaction.atomic():
                services.task_assign(actor=world.a.users["county_admin"], case=case,
                                     department=world.a.depts[EDU], role=TaskRole.LEAD,
                                     duty="核查", workdays=3, today=D(2026, 6, 1))
                raise Boom
        assert callbacks == []
        delay.assert_not_called()
    assert not Task.objects.exists()
    assert not Notification.objects.exists()
    assert not AuditEvent.objects.filter(action="task.assign").exists()


def test_a_committed_service_enqueues_the_e_mails_once_on_commit(
        world: World, django_capture_on_commit_callbacks):
    case = make_case(world.a)
    with mock.patch("cases.tasks.send_notification_emails.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            task = services.task_assign(actor=world.a.users["county_admin"], case=case,
                                        department=world.a.depts[EDU], role=TaskRole.LEAD,
                                        duty="核查", workdays=3, today=D(2026, 6, 1))
            delay.assert_not_called()  # not before the commit
    assert len(callbacks) == 1
    delay.assert_called_once()
    (ids,), _kwargs = delay.call_args
    expected = Notification.objects.filter(task=task).values_list("pk", flat=True)
    assert sorted(ids) == sorted(expected)
    # Without an assignee the department's officer and head are told.
    assert {n.recipient for n in Notification.objects.filter(task=task)} == {
        world.a.users["officer"], world.a.users["head"]}


# -- 4. case numbers ---------------------------------------------------------------------

def test_case_number_format_is_prefix_county_year_sequence(world: World):
    """DESIGN.md "Cases and tasks": readable number, e.g. XK-530102-2026-000123."""
    case = make_case(world.a)
    year = timezone.localdate().year
    assert case.number == f"DB-530191-{year}-000001"
    assert re.fullmatch(r"[A-Z]{2}-\d{6}-\d{4}-\d{6}", case.number)


def test_case_numbers_are_sequential_per_prefix_county_and_year(world: World):
    year = timezone.localdate().year
    a1, a2 = make_case(world.a), make_case(world.a)
    licence = make_case(world.a, kind="licensing")
    b1 = make_case(world.b)
    assert [a1.number, a2.number] == [f"DB-530191-{year}-000001", f"DB-530191-{year}-000002"]
    assert licence.number == f"XK-530191-{year}-000001"
    assert b1.number == f"DB-530192-{year}-000001"
    with on_day(D(year + 1, 1, 5)):
        next_year = make_case(world.a)
    assert next_year.number == f"DB-530191-{year + 1}-000001"
    assert make_case(world.a).number == f"DB-530191-{year}-000003"


def test_case_numbers_below_the_county_use_the_county_code(world: World):
    """A town's or grid's case is numbered in its county's sequence."""
    year = timezone.localdate().year
    county = make_case(world.a)
    town = make_case(world.a, region=world.a.town)
    grid = make_case(world.a, region=world.a.grid)
    assert county.number.endswith("-000001")
    assert town.number == f"DB-530191-{year}-000002"
    assert grid.number == f"DB-530191-{year}-000003"


def test_case_numbers_are_never_reused_after_cancelling(world: World):
    year = timezone.localdate().year
    first = make_case(world.a)
    services.case_cancel(actor=world.a.users["county_admin"], case=first, reason="重复")
    second = make_case(world.a)
    assert second.number == f"DB-530191-{year}-000002"
    assert Case.objects.filter(number=first.number).get().state == CaseState.CANCELLED


def test_case_open_is_for_admins_of_the_region(world: World):
    for actor in (world.a.users["officer"], world.b.users["county_admin"]):
        with pytest.raises(PermissionDenied):
            services.case_open(actor=actor, kind="supervision", title="x",
                               region=world.a.region)
    with pytest.raises(DomainError) as exc:
        services.case_open(actor=world.a.users["county_admin"], kind="supervision",
                           title="  ", region=world.a.region)
    assert exc.value.field == "title"


# -- 5. task rules -------------------------------------------------------------------------

def test_due_date_counts_working_days_across_national_day_2026(world: World):
    """Issue 3 §4: due date in working days; 2026-10-01..07 are holidays."""
    task = make_task(world.a, make_case(world.a), workdays=1, today=D(2026, 9, 30))
    assert task.due_date == D(2026, 10, 8)
    # Two working days before 10-08 is 09-29, before the start: no reminder.
    assert task.remind_on is None


def test_default_deadline_comes_from_the_profile(world: World):
    default = active_profile().deadline("task_default")
    task = services.task_assign(actor=world.a.users["county_admin"], case=make_case(world.a),
                                department=world.a.depts[EDU], role=TaskRole.LEAD, duty="核查",
                                today=D(2026, 6, 1))
    assert task.due_date == add_workdays(D(2026, 6, 1), default)


def test_remind_on_follows_the_profile_reminder_days_before(world: World):
    task = make_task(world.a, make_case(world.a), workdays=5, today=D(2026, 6, 1))
    assert task.due_date == D(2026, 6, 8)
    assert active_profile().deadline("reminder_days_before") == 2
    assert task.remind_on == D(2026, 6, 4)
    rule = RuleParameter.objects.get(profile__code=settings.POLICY_PROFILE,
                                     key="reminder_days_before")
    rule.value = "3"
    rule.save()  # an admin edit; the profile cache is dropped
    task = make_task(world.a, make_case(world.a), workdays=5, today=D(2026, 6, 1))
    assert task.remind_on == D(2026, 6, 3)


def test_task_assign_rejects_bad_input(world: World):
    case = make_case(world.a)
    admin = world.a.users["county_admin"]
    kwargs = {"actor": admin, "case": case, "department": world.a.depts[EDU],
              "role": TaskRole.LEAD, "duty": "核查", "today": D(2026, 6, 1)}
    for bad, field in [({"role": "boss"}, "role"), ({"duty": " "}, "duty"),
                       ({"workdays": 0}, "workdays")]:
        with pytest.raises(DomainError) as exc:
            services.task_assign(**{**kwargs, **bad})
        assert exc.value.field == field
    assert not Task.objects.exists()


def test_task_complete_needs_a_note_and_an_open_task(world: World):
    task = make_task(world.a, make_case(world.a), today=D(2026, 6, 1))
    officer = world.a.users["officer"]
    with pytest.raises(DomainError) as exc:
        services.task_complete(actor=officer, task=task, note="   ")
    assert exc.value.field == "note"
    services.task_complete(actor=officer, task=task, note="办结")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_by == officer
    assert task.completed_at is not None
    with pytest.raises(InvalidState):
        services.task_complete(actor=officer, task=task, note="再次办结")
    # The first completed task moves the case from open to in progress.
    assert Case.objects.get(pk=task.case_id).state == CaseState.IN_PROGRESS


def test_task_complete_is_for_the_tasks_own_department(world: World):
    task = make_task(world.a, make_case(world.a), today=D(2026, 6, 1))
    for key in ("culture", "county_admin"):
        with pytest.raises(PermissionDenied):
            services.task_complete(actor=world.a.users[key], task=task, note="办结")


def test_task_return_needs_a_reason(world: World):
    task = make_task(world.a, make_case(world.a), today=D(2026, 6, 1))
    with pytest.raises(DomainError) as exc:
        services.task_return(actor=world.a.users["officer"], task=task, reason=" ")
    assert exc.value.field == "reason"
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_a_returned_task_tells_the_county_admin(world: World):
    task = make_task(world.a, make_case(world.a), dept=CULTURE, today=D(2026, 6, 1))
    services.task_return(actor=world.a.users["culture"], task=task, reason="非本部门职责")
    assert Notification.objects.filter(kind=Notification.Kind.RETURNED, task=task,
                                       recipient=world.a.users["county_admin"]).count() == 1


def test_returned_task_moved_by_the_county_admin_reopens_with_a_new_due_date(world: World):
    """Issue 3 §4: returned with reason; the county admin hands it to another department,
    which gets a fresh deadline counted from the day of the reassignment."""
    task = make_task(world.a, make_case(world.a), dept=CULTURE, workdays=1,
                     today=D(2026, 6, 1))
    services.deadline_scan(today=D(2026, 6, 4))  # overdue and escalated to level 1
    task.refresh_from_db()
    assert task.escalation_level == 1 and task.overdue_since is not None
    services.task_return(actor=world.a.users["culture"], task=task, reason="应由教体局牵头")
    admin, officer = world.a.users["county_admin"], world.a.users["officer"]
    with on_day(D(2026, 9, 30)):
        services.task_reassign(actor=admin, task=task, department=world.a.depts[EDU],
                               assignee=officer, workdays=1, reason="改派教体局")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.return_reason == ""
    assert task.department == world.a.depts[EDU] and task.assignee == officer
    assert task.due_date == D(2026, 10, 8)
    assert task.escalation_level == 0 and task.overdue_since is None
    assert task.reminded_at is None and not Escalation.objects.filter(task=task).exists()
    event = AuditEvent.objects.get(action="task.reassign")
    assert event.before["status"] == "returned" and event.after["status"] == "open"
    assert event.before["department"] == world.a.depts[CULTURE].pk
    assert event.after["department"] == world.a.depts[EDU].pk


def test_a_department_head_may_not_move_a_task_to_another_department(world: World):
    task = make_task(world.a, make_case(world.a), today=D(2026, 6, 1))
    with pytest.raises(PermissionDenied), audited("task.reassign", count=0):
        services.task_reassign(actor=world.a.users["head"], task=task,
                               department=world.a.depts[CULTURE])
    task.refresh_from_db()
    assert task.department == world.a.depts[EDU]


def test_an_officer_may_not_reassign(world: World):
    task = make_task(world.a, make_case(world.a), today=D(2026, 6, 1))
    with pytest.raises(PermissionDenied):
        services.task_reassign(actor=world.a.users["officer"], task=task,
                               assignee=world.a.users["officer"])


def test_the_assignee_must_belong_to_the_department(world: World):
    case = make_case(world.a)
    with pytest.raises(DomainError) as exc:
        make_task(world.a, case, assignee=world.a.users["culture"], today=D(2026, 6, 1))
    assert exc.value.field == "assignee"
    task = make_task(world.a, case, today=D(2026, 6, 1))
    for stranger in (world.a.users["culture"], world.b.users["officer"],
                     UserFactory(role=Role.OFFICER, department=world.a.depts[EDU],
                                 is_active=False)):
        with pytest.raises(DomainError) as exc:
            services.task_reassign(actor=world.a.users["head"], task=task, assignee=stranger)
        assert exc.value.field == "assignee"


def test_a_department_that_does_not_serve_the_case_region_is_refused(world: World):
    """A task goes to a department of the case's region or an ancestor of it."""
    case = make_case(world.a)
    admin = world.a.users["county_admin"]
    town_dept = world.a.users["grid"].department  # 甲区街道办, at the town
    for department in (world.b.depts[EDU], town_dept):
        with pytest.raises(DomainError) as exc:
            services.task_assign(actor=admin, case=case, department=department,
                                 role=TaskRole.ASSIST, duty="配合", today=D(2026, 6, 1))
        assert exc.value.field == "department"
    # The city's department serves every county of the city; the town's serves its town.
    city_dept = world.city_officer.department
    assert services.task_assign(actor=admin, case=case, department=city_dept,
                                role=TaskRole.ASSIST, duty="指导", today=D(2026, 6, 1))
    town_case = make_case(world.a, region=world.a.town)
    assert services.task_assign(actor=admin, case=town_case, department=town_dept,
                                role=TaskRole.ASSIST, duty="网格排查", today=D(2026, 6, 1))
    # Reassigning to a department of another county is refused as well.
    task = Task.objects.filter(case=case).first()
    with pytest.raises(DomainError) as exc:
        services.task_reassign(actor=admin, task=task, department=world.b.depts[EDU])
    assert exc.value.field == "department"


def test_case_close_refuses_while_tasks_are_open(world: World):
    case = make_case(world.a)
    task = make_task(world.a, case, today=D(2026, 6, 1))
    admin = world.a.users["county_admin"]
    with pytest.raises(InvalidState), audited("case.close", count=0):
        services.case_close(actor=admin, case=case, reason="办结")
    services.task_complete(actor=world.a.users["officer"], task=task, note="办结")
    services.case_close(actor=admin, case=case, reason="办结")
    assert Case.objects.get(pk=case.pk).state == CaseState.CLOSED
    with pytest.raises(InvalidState):
        services.case_close(actor=admin, case=case, reason="办结")


def test_case_close_and_cancel_are_for_managers(world: World):
    case = make_case(world.a)
    for key in ("officer", "head"):
        with pytest.raises(PermissionDenied):
            services.case_close(actor=world.a.users[key], case=case, reason="办结")
        with pytest.raises(PermissionDenied):
            services.case_cancel(actor=world.a.users[key], case=case, reason="x")


def test_tasks_cannot_be_added_to_a_closed_case(world: World):
    case = make_case(world.a)
    services.case_close(actor=world.a.users["county_admin"], case=case, reason="办结")
    with pytest.raises(InvalidState):
        make_task(world.a, case, today=D(2026, 6, 1))


def test_bulk_assign_is_all_or_nothing_when_a_task_is_not_the_actors(world: World):
    """A head selects their own task and another department's: nothing changes."""
    case = make_case(world.a)
    own = make_task(world.a, case, today=D(2026, 6, 1))
    other = make_task(world.a, case, dept=CULTURE, today=D(2026, 6, 1))
    with pytest.raises(DomainError) as exc, audited("task.reassign", count=0):
        services.tasks_bulk_assign(actor=world.a.users["head"], task_ids=[own.pk, other.pk],
                                   assignee=world.a.users["officer"])
    assert exc.value.field == "tasks"
    own.refresh_from_db()
    assert own.assignee is None


def test_bulk_assign_rolls_back_the_earlier_tasks_when_a_later_one_fails(world: World):
    """Tasks are reassigned in due-date order; the last one is done and refuses, so the
    first ones already changed must be rolled back with it."""
    first = make_task(world.a, make_case(world.a), workdays=1, today=D(2026, 6, 1))
    second = make_task(world.a, make_case(world.a), workdays=2, today=D(2026, 6, 1))
    done = make_task(world.a, make_case(world.a), workdays=3, today=D(2026, 6, 1))
    services.task_complete(actor=world.a.users["officer"], task=done, note="办结")
    notes_before = Notification.objects.count()
    with pytest.raises(InvalidState), audited("task.reassign", count=0):
        services.tasks_bulk_assign(actor=world.a.users["county_admin"],
                                   task_ids=[first.pk, second.pk, done.pk],
                                   assignee=world.a.users["officer"])
    assert not Task.objects.filter(pk__in=[first.pk, second.pk],
                                   assignee__isnull=False).exists()
    assert Notification.objects.count() == notes_before
    with pytest.raises(DomainError) as exc:
        services.tasks_bulk_assign(actor=world.a.users["county_admin"], task_ids=[])
    assert exc.value.field == "tasks"


def test_bulk_assign_by_county_admin_of_another_county_is_refused(world: World):
    task = make_task(world.a, make_case(world.a), today=D(2026, 6, 1))
    with pytest.raises(DomainError):
        services.tasks_bulk_assign(actor=world.b.users["county_admin"], task_ids=[task.pk],
                                   assignee=world.a.users["officer"])


# -- 6. attachments (issue 3 §4: real file types by content, size limit, random names) ----

@pytest.mark.parametrize(("name", "content", "mime", "suffix"), [
    ("检查记录.pdf", samplefiles.pdf(), "application/pdf", ".pdf"),
    ("现场照片.png", samplefiles.png(), "image/png", ".png"),
    ("现场照片.jpeg", samplefiles.JPEG, "image/jpeg", ".jpg"),
    ("整改通知书.docx", samplefiles.docx(),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    ("台账.xlsx", samplefiles.xlsx(),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    # The type comes from the content: a PDF without an extension is still a PDF.
    ("scan", samplefiles.pdf(), "application/pdf", ".pdf"),
    # A name whose extension lies is corrected to the real type.
    ("photo.exe", samplefiles.png(), "image/png", ".png"),
])
def test_attachment_accepts_real_files_by_content(world: World, private_media: Path, name: str,
                                                  content: bytes, mime: str, suffix: str):
    case = make_case(world.a)
    att = services.attachment_add(actor=world.a.users["county_admin"], case=case,
                                  upload=SimpleUploadedFile(name, content))
    expected_name = name if Path(name).suffix in (suffix, ".jpeg") else Path(name).stem + suffix
    assert att.content_type == mime and att.original_name == expected_name
    assert att.size == len(content)
    stored = Path(att.file.path)
    assert stored.read_bytes() == content and stored.suffix == suffix


@pytest.mark.parametrize(("name", "content"), [
    ("合同.pdf", samplefiles.exe()),          # an executable renamed .pdf
    ("照片.png", "这不是图片".encode()),       # a text file named .png
    ("报表.xlsx", samplefiles.plain_zip()),   # a ZIP that is not an Office package
    ("空.pdf", b""),                          # an empty file
])
def test_attachment_refuses_files_that_are_not_what_they_claim(
        world: World, private_media: Path, name: str, content: bytes):
    _assert_refused_and_not_stored(world, private_media, name, content)


def _assert_refused_and_not_stored(world: World, private_media: Path, name: str,
                                   content: bytes) -> None:
    case = make_case(world.a)
    with pytest.raises(DomainError) as exc, audited("attachment.add", count=0):
        services.attachment_add(actor=world.a.users["county_admin"], case=case,
                                upload=SimpleUploadedFile(name, content))
    assert exc.value.field == "file"
    assert not Attachment.objects.exists()
    assert not private_media.exists() or not any(private_media.rglob("*.*"))


def test_attachment_size_limit(world: World, private_media: Path):
    case = make_case(world.a)
    admin = world.a.users["county_admin"]
    content = samplefiles.pdf(padding=500)
    with override_settings(ATTACHMENT_MAX_BYTES=len(content) - 1):
        with pytest.raises(DomainError) as exc, audited("attachment.add", count=0):
            services.attachment_add(actor=admin, case=case,
                                    upload=SimpleUploadedFile("大.pdf", content))
        assert exc.value.field == "file"
        assert not Attachment.objects.exists()
    with override_settings(ATTACHMENT_MAX_BYTES=len(content)):
        services.attachment_add(actor=admin, case=case,
                                upload=SimpleUploadedFile("刚好.pdf", content))
    assert Attachment.objects.count() == 1


def test_attachment_is_stored_under_a_random_private_name(client, world: World,
                                                          private_media: Path):
    """Stored under random names outside every public URL; served only through the
    scoped view (issue 3 §4)."""
    case = make_case(world.a)
    make_task(world.a, case, today=D(2026, 6, 1))
    upload = lambda: SimpleUploadedFile("张三身份证secret.pdf", samplefiles.pdf())  # noqa: E731
    one = services.attachment_add(actor=world.a.users["county_admin"], case=case, upload=upload())
    two = services.attachment_add(actor=world.a.users["county_admin"], case=case, upload=upload())
    for att in (one, two):
        assert re.fullmatch(r"attachments/[0-9a-f]{2}/[0-9a-f]{32}\.pdf", att.file.name)
        assert "secret" not in att.file.name and "张三" not in att.file.name
        assert case.number not in att.file.name
        assert Path(att.file.path).resolve().is_relative_to(private_media.resolve())
        for url in (f"/{att.file.name}", f"/media/{att.file.name}", f"/static/{att.file.name}"):
            with pytest.raises(Resolver404):
                resolve(url)
    assert one.file.name != two.file.name and one.sha256 == two.sha256
    client.force_login(world.a.users["officer"])
    assert client.get(f"/media/{one.file.name}").status_code == 404
    response = client.get(f"/office/cases/{case.number}/attachments/{one.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samplefiles.pdf()
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("files", "message"), [
    ({"file": SimpleUploadedFile("空.pdf", b"")}, "提交的是空文件。"),
    ({}, "请选择要上传的文件。"),
])
def test_the_attachment_form_says_why_nothing_was_uploaded(client, world: World,
                                                           private_media: Path, files, message):
    """An empty file was answered "Choose a file to upload.", as if none had been
    chosen."""
    case = make_case(world.a)
    client.force_login(world.a.users["county_admin"])
    response = client.post(f"/office/cases/{case.number}/attachments/", files, follow=True)
    assert [str(m) for m in response.context["messages"]] == [message]
    assert not Attachment.objects.exists()


def test_attachment_storage_is_private():
    """The attachment storage lives under PRIVATE_MEDIA_ROOT, apart from the static files
    and the default (media) storage, and no URL pattern serves it."""
    storage = Attachment._meta.get_field("file").storage
    location = Path(storage.location).resolve()
    assert location == Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    assert not location.is_relative_to(Path(settings.STATIC_ROOT).resolve())
    assert not Path(settings.STATIC_ROOT).resolve().is_relative_to(location)
    assert storage is not default_storage and getattr(settings, "MEDIA_URL", "") in ("", "/")
    for finder_dir in getattr(settings, "STATICFILES_DIRS", []):
        assert not location.is_relative_to(Path(finder_dir).resolve())


def test_attachment_add_is_for_those_who_work_the_case(world: World, private_media: Path):
    case = make_case(world.a)
    for key in ("discipline", "health"):
        with pytest.raises(PermissionDenied):
            services.attachment_add(actor=world.a.users[key], case=case,
                                    upload=SimpleUploadedFile("a.pdf", samplefiles.pdf()))
    assert not Attachment.objects.exists()


def test_closing_needs_a_reason_and_no_returned_task_waiting(world: World):
    """A returned task means the work was handed back, not done: reassign it or cancel."""
    case = make_case(world.a)
    task = make_task(world.a, case, dept=DepartmentType.CULTURE_TOURISM)
    admin = world.a.users["county_admin"]
    services.task_return(actor=world.a.users["culture"], task=task, reason="非本部门职责")
    with pytest.raises(DomainError) as exc:
        services.case_close(actor=admin, case=case, reason=" ")
    assert exc.value.field == "reason"
    with pytest.raises(InvalidState):
        services.case_close(actor=admin, case=case, reason="办结")
    services.task_reassign(actor=admin, task=task, department=world.a.depts[EDU])
    services.task_complete(actor=world.a.users["officer"], task=task, note="已核查")
    assert services.case_close(actor=admin, case=case, reason="办结").state == CaseState.CLOSED


def test_a_social_supervisor_follows_up_but_never_works_a_department_s_task(world: World):
    """000 §4(2): a social supervisor (社会监督员) reports and follows up; it reads its
    department's cases but completes, returns, comments and uploads nothing. A grid
    officer works the tasks addressed to its town's department, and only those."""
    supervisor, grid = world.a.users["supervisor"], world.a.users["grid"]
    admin = world.a.users["county_admin"]
    case = make_case(world.a, region=world.a.town)
    town_task = services.task_assign(actor=admin, case=case, department=grid.department,
                                     role="lead", duty="网格核查", workdays=3)
    edu_task = make_task(world.a, case)
    assert Case.objects.restrict(supervisor).filter(pk=case.pk).exists()
    for write in (lambda: services.task_complete(actor=supervisor, task=town_task, note="x"),
                  lambda: services.task_return(actor=supervisor, task=town_task, reason="x"),
                  lambda: services.comment_add(actor=supervisor, case=case, body="跟进"),
                  lambda: services.attachment_add(
                      actor=supervisor, case=case,
                      upload=SimpleUploadedFile("a.pdf", samplefiles.pdf()))):
        with pytest.raises(PermissionDenied):
            write()
    with pytest.raises(PermissionDenied):
        services.task_complete(actor=grid, task=edu_task, note="不是本街道的任务")
    assert services.task_complete(actor=grid, task=town_task, note="已核查").status == "done"
    assert services.comment_add(actor=grid, case=case, body="已到现场").pk


def test_polyglots_are_not_what_their_first_bytes_say(world: World):
    """Issue 14 D7: a PDF/HTML polyglot, a PDF that does not parse, and a ZIP with
    word/document.xml and an .exe inside are refused; real ones pass."""
    import io
    import zipfile

    from cases import filetypes

    def upload(name, data):
        return SimpleUploadedFile(name, data)

    assert filetypes.detect(upload("a.pdf", samplefiles.pdf())) == filetypes.PDF
    polyglot = samplefiles.pdf().replace(b"%PDF-1.4\n", b"%PDF-1.4\n<html><script>alert(1)"
                                         b"</script></html>\n")
    assert filetypes.detect(upload("a.pdf", polyglot)) is None
    assert filetypes.detect(upload("a.pdf", b"%PDF-1.4\n" + b"x" * 200)) is None
    assert filetypes.detect(upload("a.docx", samplefiles.docx())) == filetypes.DOCX
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(samplefiles.docx())) as src, \
            zipfile.ZipFile(buf, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("payload/setup.exe", b"MZ" + b"\0" * 100)
    assert filetypes.detect(upload("a.docx", buf.getvalue())) is None
    with pytest.raises(DomainError):
        services.attachment_add(actor=world.a.users["officer"], case=make_case(world.a),
                                upload=upload("a.pdf", polyglot))


def _zip(members: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(("name", "content"), [
    ("合同.pdf", samplefiles.pdf() + _zip({"setup.exe": b"MZ" + b"\0" * 4000})),
    ("台账.pdf", samplefiles.pdf() + samplefiles.xlsx()),
    ("照片.png", samplefiles.png() + _zip({"setup.exe": b"MZ" + b"\0" * 4000})),
    ("照片.jpg", samplefiles.JPEG + _zip({"readme.txt": b"hello"})),
])
def test_a_pdf_or_an_image_that_is_also_an_archive_is_refused(
        world: World, private_media: Path, name: str, content: bytes):
    """A PDF/ZIP polyglot (a ZIP appended to a real PDF or image) opens as an archive too
    and hands out what it holds; it was stored as a PDF or an image."""
    _assert_refused_and_not_stored(world, private_media, name, content)


def test_an_office_file_that_unpacks_to_ten_times_the_limit_is_refused(
        world: World, private_media: Path):
    """A ZIP bomb disguised as .xlsx (310 KB unpacking to 300 MB) was stored as a
    spreadsheet; here the limit is 512 KB, so 5 MB unpacked is the most."""
    import io
    import zipfile

    def workbook(extra: int) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(samplefiles.xlsx())) as src, \
                zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
            for item in src.infolist():
                dst.writestr(item, src.read(item.filename))
            dst.writestr("xl/media/padding.bin", b"\0" * extra)
        return buf.getvalue()

    case = make_case(world.a)
    admin = world.a.users["county_admin"]
    with override_settings(ATTACHMENT_MAX_BYTES=512 * 1024):
        bomb = workbook(6 * 1024 * 1024)
        assert len(bomb) < 512 * 1024
        with pytest.raises(DomainError) as exc, audited("attachment.add", count=0):
            services.attachment_add(actor=admin, case=case,
                                    upload=SimpleUploadedFile("台账.xlsx", bomb))
        assert exc.value.field == "file" and "5 MB" in str(exc.value.message)
        assert not Attachment.objects.exists()
        services.attachment_add(actor=admin, case=case,
                                upload=SimpleUploadedFile("台账.xlsx", workbook(4 * 1024 * 1024)))
    assert Attachment.objects.count() == 1


def test_attachments_go_to_the_bucket_when_a_deployment_names_one(settings):
    """Issue 13: with PRIVATE_STORAGE_BUCKET set, attachments use django-storages' S3
    backend (private ACL, signed URLs only), so that no web node keeps files of its own."""
    from django.core.files.storage import storages
    from storages.backends.s3 import S3Storage

    from cases.models import private_storage

    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "attachments", "endpoint_url": "http://minio:9000",
                    "default_acl": "private", "querystring_auth": True,
                    "file_overwrite": False}}}
    storage = private_storage()
    assert isinstance(storage, S3Storage)
    assert storage.bucket_name == "attachments" and storage.default_acl == "private"
    assert storage.file_overwrite is False and storages["private"] is storage
