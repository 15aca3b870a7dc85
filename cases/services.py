"""Cases own the common thread of regulated work: the Case with its readable number,
its Tasks (lead/assist, working-day due dates, escalation), comments, attachments,
notifications and the append-only audit trail (DESIGN.md "Cases and tasks").

Every write is a `<entity>_<verb>` service: atomic, row-locked, permission-checked
through the scope gateway, audited in the same transaction, side effects on commit
(STYLE.md §2).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import queue
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, NamedTuple, TypeVar, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, connections, transaction
from django.db.models import DateField, F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import filetypes, kinds
from cases.audit import (
    AuditItem,
    audit_record,
    audit_record_many,
    audit_shared_columns,
    snapshot,
)
from cases.models import (
    Attachment,
    AuditEvent,
    Case,
    CaseSequence,
    CaseState,
    Comment,
    Escalation,
    Notification,
    Task,
    TaskQuerySet,
    TaskRole,
    TaskStatus,
)
from core.abilities import may, require
from core.errors import DomainError, InvalidState, PermissionDenied
from core.i18n import stored
from org.models import WORKING_ROLES, Department, Region, Role, User
from org.scope import Action
from policy.calendar import add_workdays
from policy.profile import active_profile

TASK_FIELDS = ["status", "assignee", "department", "due_date", "escalation_level",
               "completion_note", "return_reason"]


def _allowed(actor: Any, model: Any, obj: Any, action: str) -> bool:
    return model.objects.restrict(actor, action).filter(pk=obj.pk).exists()


def _require(actor: Any, model: type, obj: Any, action: str) -> None:
    if actor is None:  # the system itself (scans, workflows acting on their own)
        return
    if not _allowed(actor, model, obj, action):
        raise PermissionDenied()


def _today() -> dt.date:
    return timezone.localdate()


# -- notifications -----------------------------------------------------------------------

#: Notifications per e-mail job: a scan's batch is mailed by several workers at once, and
#: a retried job resends little (issue 13).
EMAIL_JOB_SIZE = 500

#: What a title parameter may be: plain JSON scalars, rendered the same in every language.
_TITLE_PARAM_TYPES = (str, int, float, bool, type(None))


class Notice(NamedTuple):
    """One subject of a bulk notification: who hears of it, its title parameters, body,
    case and task (`notify_many`)."""

    recipients: Iterable[User]
    title_params: Mapping[str, Any] | None = None
    body: str = ""
    case: Case | None = None
    task: Task | None = None


def _title_template(title: str | Promise) -> tuple[str, str]:
    """The title's text in settings.LANGUAGE_CODE, still with its %-placeholders, and its
    untranslated message id ('' when it is not a plain gettext message)."""
    if not isinstance(title, Promise):
        return title, ""
    template = stored(title)
    with translation.override(None):
        msgid = str(title)  # no catalogue active: the untranslated message id
    with translation.override(settings.LANGUAGE_CODE):
        if len(msgid) > 255 or translation.gettext(msgid) != str(title):
            msgid = ""  # not a plain gettext message (a context?): keep it fixed
    return template, msgid


def notify(*, recipients: Iterable[User], kind: str, title: str | Promise,
           title_params: Mapping[str, Any] | None = None, body: str = "",
           case: Case | None = None, task: Task | None = None) -> list[Notification]:
    """In-app notifications now (visible once the transaction commits) and e-mail after
    commit, through Celery.

    `title` is a lazy message, `gettext_lazy("New task on %(number)s")`, with its
    %-parameters in `title_params`: each reader sees it in the language they browse in
    (Notification.display_title) and `Notification.title` keeps it rendered in
    settings.LANGUAGE_CODE. Parameters must be plain JSON values (a translatable label is
    passed rendered with `core.i18n.stored`, or as a code). A plain string title is
    stored as it is, the same in every language. `body` is stored as given."""
    return notify_many(kind=kind, title=title, notices=[
        Notice(recipients=recipients, title_params=title_params, body=body, case=case,
               task=task)])


class Digest(NamedTuple):
    """How `notify_many` tells a recipient of more than DIGEST_AFTER notices at once: one
    notification titled `title` (with %(count)s and `title_params`), without a case or
    task, whose body lists the first DIGEST_LISTS case numbers."""

    title: Promise
    title_params: Mapping[str, Any] = {}


#: A recipient told of more notices than this of one step of a deadline scan's run gets
#: one digest instead: within a batch by `notify_many` with a `Digest` (and the SQL
#: batches), across the run's batches by `_digest_run` (issue 13: a first scan over a
#: backlog told a county admin of every one of thousands of overdue tasks, each an in-app
#: row and an e-mail; the rows were a third of the scan's time).
DIGEST_AFTER = 5
#: Case numbers a digest's body lists, in the order of its notices.
DIGEST_LISTS = 10


def digest_body(numbers: list[str]) -> str:
    """A digest's body: its first DIGEST_LISTS case numbers, each once (a case's tasks
    may be several), then "…" if there are more (numbers read the same in every
    language)."""
    numbers = list(dict.fromkeys(numbers))
    listed = ", ".join(numbers[:DIGEST_LISTS])
    return f"{listed} …" if len(numbers) > DIGEST_LISTS else listed


def notify_many(*, kind: str, title: str | Promise, notices: Iterable[Notice],
                digest: Digest | None = None) -> list[Notification]:
    """`notify` for many subjects with the same kind and title message, in one INSERT and
    one e-mail job after commit (issue 13: the deadline scan notifies a batch of tasks at
    once). Each notice's recipients are told once each; inactive users are skipped.

    With `digest`, a recipient of more than DIGEST_AFTER notices gets one digest
    notification in their place (after the others, in the order of each recipient's
    first notice)."""
    template, msgid = _title_template(title)
    rows = []
    numbers: list[str] = []
    for notice in notices:
        params = dict(notice.title_params or {})
        for key, value in params.items():
            if not isinstance(key, str) or not isinstance(value, _TITLE_PARAM_TYPES):
                raise TypeError(f"notification title parameter {key!r} must be a plain "
                                f"JSON value, not {type(value).__name__}")
        rendered = (template % params if params else template)[:200]
        case_id = notice.case.pk if notice.case is not None else None
        task_id = notice.task.pk if notice.task is not None else None
        seen: set[int] = set()
        for user in notice.recipients:
            if user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            # Ids rather than instances: a scan's batch builds thousands of these.
            rows.append(Notification(recipient_id=user.pk, kind=kind, title=rendered,
                                     title_msgid=msgid,
                                     title_params=dict(params) if msgid else {},
                                     body=notice.body, case_id=case_id, task_id=task_id))
            numbers.append(notice.case.number if notice.case is not None else "")
    if digest is not None:
        rows = _digested(rows, numbers, kind, digest)
    created = Notification.objects.bulk_create(rows)
    _email_or_keep([n.pk for n in created if n.pk], scan=digest is not None)
    return created


#: The notifications a deadline scan's run has written so far, kept for its digests and
#: e-mails at the end of the run (`_digest_run`); None outside a run. The run's threads
#: share the one list (`_run_batches`); `list.extend` is atomic.
_run_notes: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "deadline_scan_notes", default=None)


def _email_or_keep(ids: list[int], *, scan: bool) -> None:
    """A scan's notifications wait for the end of their run (`_digest_run`), the others
    are e-mailed after commit."""
    kept = _run_notes.get() if scan else None
    if kept is None:
        _email_after_commit(ids)
    else:
        kept.extend(ids)


def _digested(rows: list[Notification], numbers: list[str], kind: str,
              digest: Digest) -> list[Notification]:
    """`rows` with each recipient of more than DIGEST_AFTER of them told once, by a
    digest (`notify_many`)."""
    told: dict[int, list[int]] = {}
    for i, row in enumerate(rows):
        told.setdefault(row.recipient_id, []).append(i)
    template, msgid = _title_template(digest.title)
    kept = [row for row in rows if len(told[row.recipient_id]) <= DIGEST_AFTER]
    for user_id, found in told.items():
        if len(found) <= DIGEST_AFTER:
            continue
        params = {**digest.title_params, "count": len(found)}
        kept.append(Notification(
            recipient_id=user_id, kind=kind, title=(template % params)[:200],
            title_msgid=msgid, title_params=params if msgid else {},
            body=digest_body([numbers[i] for i in found])))
    return kept


def _email_after_commit(ids: list[int]) -> None:
    """E-mail these notifications after commit, EMAIL_JOB_SIZE per Celery job."""
    if ids:
        from cases.tasks import send_notification_emails

        for start in range(0, len(ids), EMAIL_JOB_SIZE):
            transaction.on_commit(partial(send_notification_emails.delay,
                                          ids[start:start + EMAIL_JOB_SIZE]))


def _by_department(users: Iterable[User]) -> dict[int, list[User]]:
    out: dict[int, list[User]] = {}
    for user in users:
        out.setdefault(cast(int, user.department_id), []).append(user)
    return out


def department_workers(department: Department) -> list[User]:
    return list(User.objects.filter(department=department, is_active=True,
                                    role__in=WORKING_ROLES))


def _department_workers_many(department_ids: Iterable[int]) -> dict[int, list[User]]:
    """`department_workers` of several departments in one query."""
    ids = set(department_ids)
    if not ids:
        return {}
    return _by_department(User.objects.filter(department_id__in=ids, is_active=True,
                                              role__in=WORKING_ROLES))


def task_recipients(task: Task) -> list[User]:
    return _task_recipients_many([task])[task.pk]


def _task_recipients_many(tasks: Iterable[Task]) -> dict[int, list[User]]:
    """Who hears of a task: its assignee, else its department's working staff; for a
    batch of tasks in at most one query."""
    tasks = list(tasks)
    workers = _department_workers_many(t.department_id for t in tasks if t.assignee_id is None)
    return {t.pk: [t.assignee] if t.assignee is not None else workers.get(t.department_id, [])
            for t in tasks}


def county_admins_for(region: Region) -> list[User]:
    """The admins responsible for a region: its county's admins, else its city's."""
    return _county_admins_many([region])[region.pk]


def _county_admins_many(regions: Iterable[Region]) -> dict[int, list[User]]:
    """`county_admins_for` of several regions in one query."""
    codes = {r.pk: set(r.ancestor_codes()) for r in regions}
    if not codes:
        return {}
    admins = list(User.objects.filter(role__in=[Role.COUNTY_ADMIN, Role.CITY_ADMIN],
                                      is_active=True,
                                      region__code__in=set().union(*codes.values()))
                  .select_related("region").order_by("pk"))
    out = {}
    for pk, mine in codes.items():
        here = [u for u in admins if u.region is not None and u.region.code in mine]
        out[pk] = [u for u in here if u.role == Role.COUNTY_ADMIN] or \
            [u for u in here if u.role == Role.CITY_ADMIN]
    return out


# -- cases ---------------------------------------------------------------------------------

def _next_number(kind: str, region: Region, year: int) -> str:
    prefix = kinds.get(kind).prefix
    county = region.county_code or region.code
    seq, _created = CaseSequence.objects.select_for_update().get_or_create(
        prefix=prefix, county_code=county, year=year)
    CaseSequence.objects.filter(pk=seq.pk).update(last_value=F("last_value") + 1)
    seq.refresh_from_db(fields=["last_value"])
    return f"{prefix}-{county}-{year}-{seq.last_value:06d}"


@transaction.atomic
def case_open(*, actor: User | None, kind: str, title: str, region: Region,
              description: str = "", category: str = "", phase: str = "",
              institution: Any = None) -> Case:
    """Open a case with a readable number that is unique and never reused."""
    if actor is not None and not _may_manage_region(actor, region):
        raise PermissionDenied(_("You may not open cases in this region."))
    kinds.get(kind)  # refuses a kind no app registered
    title = title.strip()
    if not title:
        raise DomainError(_("A case needs a title."), field="title")
    limit = Case._meta.get_field("title").max_length or len(title)
    if len(title) > limit:  # a title composed from long names fits its column
        title = title[:limit - 1] + "…"
    year = timezone.localdate().year
    case = Case.objects.create(
        number=_next_number(kind, region, year), kind=kind, title=title,
        description=description, region=region, category=category, phase=phase,
        institution=institution, opened_by=actor)
    audit_record(actor=actor, action="case.open", case=case, obj=case,
                 after=snapshot(case, ["number", "kind", "title", "region", "category",
                                       "phase", "state"]))
    return case


def _may_manage_region(actor: User, region: Region) -> bool:
    return may(actor, "cases.open_case", region)


def _set_case_state(*, actor: User | None, case: Case, state: str, action: str,
                    reason: str = "", extra_after: dict[str, Any] | None = None) -> Case:
    before = snapshot(case, ["state", "closed_at"])
    case.state = state
    case.closed_at = timezone.now() if state in (CaseState.CLOSED, CaseState.CANCELLED) else None
    case.save(update_fields=["state", "closed_at", "updated_at"])
    audit_record(actor=actor, action=action, case=case, obj=case, before=before,
                 after={**snapshot(case, ["state", "closed_at"]), **(extra_after or {})},
                 reason=reason)
    return case


@transaction.atomic
def case_close(*, actor: User | None, case: Case, reason: str = "") -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require(actor, Case, case, Action.MANAGE)
    if case.state not in (CaseState.OPEN, CaseState.IN_PROGRESS):
        raise InvalidState(_("Only an open case can be closed."))
    if not reason.strip():
        raise DomainError(_("Give a reason for closing."), field="reason")
    if case.tasks.filter(status=TaskStatus.OPEN).exists():
        raise InvalidState(_("The case still has open tasks."))
    if case.tasks.filter(status=TaskStatus.RETURNED).exists():
        raise InvalidState(_("A returned task waits for reassignment: reassign it, or cancel "
                             "the case."))
    _set_case_state(actor=actor, case=case, state=CaseState.CLOSED,
                    action="case.close", reason=reason)
    kinds.case_closed(case=case, actor=actor)
    return case


@transaction.atomic
def case_cancel(*, actor: User | None, case: Case, reason: str) -> Case:
    if not reason.strip():
        raise DomainError(_("Give a reason for cancelling."), field="reason")
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require(actor, Case, case, Action.MANAGE)
    if case.state not in (CaseState.OPEN, CaseState.IN_PROGRESS):
        raise InvalidState(_("Only an open case can be cancelled."))
    open_tasks = Task.objects.filter(case=case, status=TaskStatus.OPEN)
    withdrawn = list(open_tasks.values_list("pk", flat=True))
    open_tasks.update(status=TaskStatus.RETURNED,
                      return_reason=stored(gettext_lazy("Case cancelled: %(reason)s"),
                                         reason=reason))
    _set_case_state(actor=actor, case=case, state=CaseState.CANCELLED,
                    action="case.cancel", reason=reason,
                    extra_after={"withdrawn_tasks": withdrawn})
    kinds.case_cancelled(case=case, actor=actor)
    return case


@transaction.atomic
def case_reopen(*, actor: User | None, case: Case, reason: str) -> Case:
    if not reason.strip():
        raise DomainError(_("Give a reason for reopening."), field="reason")
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require(actor, Case, case, Action.MANAGE)
    if case.state != CaseState.CLOSED:
        raise InvalidState(_("Only a closed case can be reopened."))
    refusal = kinds.reopen_refusal(case=case)
    if refusal:
        raise InvalidState(refusal)
    return _set_case_state(actor=actor, case=case, state=CaseState.IN_PROGRESS,
                           action="case.reopen", reason=reason)


# -- tasks ---------------------------------------------------------------------------------

def _check_department_for_case(department: Department, case: Case) -> None:
    """A task goes to a department of the case's region or one of its ancestors."""
    if not case.region.path.startswith(department.region.path):
        raise DomainError(_("This department does not serve the case's region."),
                          field="department")
    if not department.is_active:
        raise DomainError(_("This department is inactive."), field="department")


def _check_assignee(assignee: User | None, department: Department) -> None:
    if assignee is None:
        return
    if assignee.department_id != department.pk or not assignee.is_active:
        raise DomainError(_("The assignee must be an active member of the task's department."),
                          field="assignee")


def due_dates(start: dt.date, workdays: int) -> tuple[dt.date, dt.date | None]:
    """Due date and reminder date, both counted on the working-day calendar."""
    profile = active_profile()
    due = add_workdays(start, workdays)
    before = profile.deadline("reminder_days_before")
    remind = add_workdays(due, -before) if before else None
    if remind is not None and remind <= start:
        remind = None
    return due, remind


@transaction.atomic
def task_assign(*, actor: User | None, case: Case, department: Department, role: str,
                duty: str, step: str = "", assignee: User | None = None,
                workdays: int | None = None, deadline_key: str = "task_default",
                today: dt.date | None = None) -> Task:
    """Give a department (and optionally a person) a piece of the case's work, due in
    working days from the profile's deadline parameters."""
    case = Case.objects.select_for_update(of=("self",)).select_related("region").get(pk=case.pk)
    _require(actor, Case, case, Action.ASSIGN)
    if case.state not in (CaseState.OPEN, CaseState.IN_PROGRESS):
        raise InvalidState(_("Tasks can only be added to an open case."))
    if role not in TaskRole.values:
        raise DomainError(_("Unknown task role."), field="role")
    if not duty.strip():
        raise DomainError(_("Describe the duty of the task."), field="duty")
    kinds.validate_step(case.kind, step)
    _check_department_for_case(department, case)
    require(actor, "cases.assign_to_department", department,
            _("A department head assigns tasks within the department only."))
    _check_assignee(assignee, department)
    if workdays is None:
        workdays = active_profile().deadline(deadline_key)
    if workdays < 1:
        raise DomainError(_("The deadline must be at least one working day."), field="workdays")
    due, remind = due_dates(today or _today(), workdays)
    task = Task.objects.create(case=case, department=department, assignee=assignee, role=role,
                               step=step, duty=duty.strip(), due_date=due, remind_on=remind,
                               assigned_by=actor)
    _touch_case(case)
    audit_record(actor=actor, action="task.assign", case=case, obj=task,
                 after=snapshot(task, ["department", "assignee", "role", "step", "duty",
                                       "due_date"]))
    notify(recipients=task_recipients(task), kind=Notification.Kind.ASSIGNED, case=case,
           task=task, title=gettext_lazy("New task on %(number)s"), title_params={"number": case.number},
           body=stored(gettext_lazy("%(duty)s — due %(due)s"), duty=task.duty,
                       due=due.isoformat()))
    return task


def _touch_case(case: Case) -> None:
    """Task progress is case progress: an incremental pull of cases by `updated_since`
    (the API's cases list) must see a task assigned, completed, returned or escalated
    (issue 14 §A6). An UPDATE, so the case row's other columns are not rewritten."""
    case.updated_at = timezone.now()
    Case.objects.filter(pk=case.pk).update(updated_at=case.updated_at)


def _locked_task(task: Task) -> Task:
    return Task.objects.select_for_update(of=("self",)).select_related("case", "department").get(pk=task.pk)


@transaction.atomic
def task_reassign(*, actor: User | None, task: Task, assignee: User | None = None,
                  department: Department | None = None, reason: str = "",
                  workdays: int | None = None) -> Task:
    """A county admin or department head picks the person; a county admin may also hand
    the task to another department (which reopens a returned task)."""
    task = _locked_task(task)
    _require(actor, Task, task, Action.ASSIGN)
    if task.status == TaskStatus.DONE:
        raise InvalidState(_("A completed task cannot be reassigned."))
    if task.case.state not in (CaseState.OPEN, CaseState.IN_PROGRESS):
        raise InvalidState(_("The case is no longer open."))
    before = snapshot(task, TASK_FIELDS)
    if department is not None and department.pk != task.department_id:
        require(actor, "cases.move_task", None,
                _("Only an admin may move a task to another department."))
        _check_department_for_case(department, task.case)
        task.department = department
        if assignee is None:
            task.assignee = None
    _check_assignee(assignee, task.department)
    if assignee is not None:
        task.assignee = assignee
    if task.status == TaskStatus.RETURNED:
        task.status = TaskStatus.OPEN
        task.return_reason = ""
        task.escalation_level = 0
        task.overdue_since = None
        task.reminded_at = None
        task.escalations.all().delete()
        task.due_date, task.remind_on = due_dates(
            _today(), workdays or active_profile().deadline("task_default"))
    task.assigned_by = actor
    task.save()
    _touch_case(task.case)
    audit_record(actor=actor, action="task.reassign", case=task.case, obj=task, before=before,
                 after=snapshot(task, TASK_FIELDS), reason=reason)
    notify(recipients=task_recipients(task), kind=Notification.Kind.ASSIGNED, case=task.case,
           task=task, title=gettext_lazy("Task assigned to you on %(number)s"),
           title_params={"number": task.case.number}, body=task.duty)
    previous = before.get("assignee")
    if previous and previous != task.assignee_id:
        notify(recipients=User.objects.filter(pk=previous), kind=Notification.Kind.CASE,
               case=task.case, task=task,
               title=gettext_lazy("A task was reassigned away from you: %(number)s"),
               title_params={"number": task.case.number}, body=task.duty)
    return task


@transaction.atomic
def release_tasks_of_departed(user: User) -> list[Task]:
    """A person who leaves a department (moved to another, or to none) leaves its unfinished
    tasks to it: each goes back to the department's queue unassigned, in every officer's
    待办 again, and the department's working staff hear of it. Working a task is for its
    own department (`Task.scope_q`, CHANGE), so the person could no longer finish it, and
    nobody else saw it as theirs. It also keeps what `selectors.my_tasks` reads on: an
    assignee is a member of the task's department (issue 13). Done tasks keep their
    assignee: the record of who finished them. One audit row per task (DESIGN.md "Audit";
    actor: the system, reason: the move)."""
    held = (Task.objects.select_for_update(of=("self",)).select_related("case")
            .filter(assignee=user).exclude(status=TaskStatus.DONE).order_by("pk"))
    if user.department_id is not None:
        held = held.exclude(department_id=user.department_id)
    tasks = list(held)
    if not tasks:
        return []
    items = []
    for task in tasks:
        before = snapshot(task, TASK_FIELDS)
        task.assignee = None
        items.append(AuditItem(obj=task, case=task.case, before=before,
                               after=snapshot(task, TASK_FIELDS)))
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(assignee=None)
    _touch_cases((t.case_id for t in tasks), timezone.now())
    audit_record_many(actor=None, action="task.release", items=items,
                      reason=stored(gettext_lazy("The assignee left the department.")))
    workers = _department_workers_many(t.department_id for t in tasks)
    notify_many(kind=Notification.Kind.ASSIGNED,
                title=gettext_lazy("A task is back in your department's queue: %(number)s"),
                notices=[Notice(recipients=workers.get(t.department_id, []),
                                title_params={"number": t.case.number}, body=t.duty,
                                case=t.case, task=t) for t in tasks])
    return tasks


@transaction.atomic
def tasks_bulk_assign(*, actor: User, task_ids: list[int], assignee: User | None = None,
                      department: Department | None = None, reason: str = "") -> list[Task]:
    """Assign many tasks at once: all or nothing, one audit event per task."""
    if not task_ids:
        raise DomainError(_("Select at least one task."), field="tasks")
    tasks = list(Task.objects.restrict(actor, Action.ASSIGN).filter(pk__in=task_ids))
    if len(tasks) != len(set(task_ids)):
        raise DomainError(_("Some of the selected tasks cannot be assigned by you."),
                          field="tasks")
    done = []
    for task in tasks:
        try:
            done.append(task_reassign(actor=actor, task=task, assignee=assignee,
                                      department=department, reason=reason))
        except DomainError as exc:  # all or nothing, and the reader learns which task
            raise type(exc)(_("%(case)s · %(duty)s: %(error)s")
                            % {"case": task.case.number, "duty": Truncator(task.duty).chars(40),
                               "error": exc.message}, field=exc.field) from exc
    return done


@transaction.atomic
def task_complete(*, actor: User | None, task: Task, note: str) -> Task:
    task = _locked_task(task)
    _require(actor, Task, task, Action.CHANGE)
    if task.status != TaskStatus.OPEN:
        raise InvalidState(_("Only an open task can be completed."))
    if not note.strip():
        raise DomainError(_("Write a completion note."), field="note")
    before = snapshot(task, TASK_FIELDS)
    task.status = TaskStatus.DONE
    task.completion_note = note.strip()
    task.completed_at = timezone.now()
    task.completed_by = actor
    task.save()
    case = task.case
    before["case_state"] = case.state
    if case.state == CaseState.OPEN:
        # The first finished task puts the case in progress (recorded in this event).
        Case.objects.filter(pk=case.pk).update(state=CaseState.IN_PROGRESS)
        case.state = CaseState.IN_PROGRESS
    _touch_case(case)
    audit_record(actor=actor, action="task.complete", case=case, obj=task, before=before,
                 after={**snapshot(task, TASK_FIELDS), "case_state": case.state})
    kinds.task_done(task=task, actor=actor)
    if task.assigned_by_id and task.assigned_by_id != getattr(actor, "pk", None):
        notify(recipients=[cast(User, task.assigned_by)], kind=Notification.Kind.COMPLETED, case=case,
               task=task, title=gettext_lazy("Task completed on %(number)s"),
               title_params={"number": case.number}, body=task.completion_note)
    return task


@transaction.atomic
def task_return(*, actor: User | None, task: Task, reason: str) -> Task:
    """The department hands the task back (not its remit, wrong facts...) with a reason;
    the admins are told so they can reassign it."""
    task = _locked_task(task)
    _require(actor, Task, task, Action.CHANGE)
    if task.status != TaskStatus.OPEN:
        raise InvalidState(_("Only an open task can be returned."))
    if not reason.strip():
        raise DomainError(_("Give a reason for returning the task."), field="reason")
    before = snapshot(task, TASK_FIELDS)
    task.status = TaskStatus.RETURNED
    task.return_reason = reason.strip()
    task.save()
    _touch_case(task.case)
    audit_record(actor=actor, action="task.return", case=task.case, obj=task, before=before,
                 after=snapshot(task, TASK_FIELDS), reason=reason)
    kinds.task_returned(task=task, actor=actor)
    recipients = county_admins_for(task.case.region)
    if task.assigned_by_id:
        recipients.append(cast(User, task.assigned_by))
    notify(recipients=recipients, kind=Notification.Kind.RETURNED, case=task.case, task=task,
           title=gettext_lazy("Task returned on %(number)s"),
           title_params={"number": task.case.number}, body=reason)
    return task


# -- comments and attachments ------------------------------------------------------------

@transaction.atomic
def comment_add(*, actor: User, case: Case, body: str, to_applicant: bool = False) -> Comment:
    """A comment is internal to the departments unless an officer addresses it to the
    applicant (`to_applicant`), who is told. An applicant's own comment reaches the
    departments working the case."""
    _require(actor, Case, case, Action.CHANGE)
    if not body.strip():
        raise DomainError(_("The comment is empty."), field="body")
    from_applicant = actor.institution_id is not None and \
        actor.institution_id == case.institution_id
    if to_applicant and (from_applicant or case.institution_id is None):
        raise DomainError(_("Only an officer addresses a message to the case's institution."),
                          field="to_applicant")
    if to_applicant:
        _refuse_unread(case)
    comment = Comment.objects.create(case=case, author=actor, body=body.strip(),
                                     to_applicant=to_applicant)
    audit_record(actor=actor, action="comment.add", case=case, obj=comment,
                 after={"body": comment.body, **({"to_applicant": True} if to_applicant else {})})
    if to_applicant:
        notify(recipients=_applicants(case), kind=Notification.Kind.COMMENT, case=case,
               title=gettext_lazy("A message from the officers on %(number)s"),
               title_params={"number": case.number}, body=comment.body)
    elif from_applicant:
        notify(recipients=_case_workers(case), kind=Notification.Kind.COMMENT, case=case,
               title=gettext_lazy("The applicant wrote on %(number)s"),
               title_params={"number": case.number}, body=comment.body)
    return comment


def _applicants(case: Case) -> list[User]:
    return list(User.objects.filter(institution_id=case.institution_id, is_active=True))


def institution_reads_case(case: Case) -> bool:
    """Whether the staff of the case's institution read the case: only its kind lets them
    in (`CaseKindSpec.visible_to`: a licensing application, a rectification order, a
    daily inspection once it may be known). Only then is a comment addressed to them, or
    a file shared with them: on a complaint or a supervision case they were told of a
    message on a case that answers them 404 (the walk of 2 December)."""
    if case.institution_id is None:
        return False
    # Asked of the gateway for a member of its staff, whether or not one has an account
    # yet (an application entered by the officers; the staff sign up later).
    staff = User(role=Role.INSTITUTION_STAFF, institution_id=case.institution_id,
                 is_active=True)
    return _allowed(staff, Case, case, Action.VIEW)


def _refuse_unread(case: Case) -> None:
    if not institution_reads_case(case):
        raise DomainError(_("The institution does not see this case: it cannot be "
                            "addressed on it."), field="to_applicant")


def _case_workers(case: Case) -> list[User]:
    """Whoever holds an open task of the case, else its departments' workers."""
    people: dict[int, User] = {}
    for task in case.tasks.filter(status=TaskStatus.OPEN).select_related(
            "assignee", "department"):
        for person in task_recipients(task):
            people[person.pk] = person
    return list(people.values())


def attachment_check(upload: UploadedFile, field: str = "file") -> str:
    """Refuse a file over the size limit, empty, of a type not allow-listed (checked by
    content, not by extension) or an Office file that unpacks to more than ten times the
    limit; return its content type. Callers that store several files check them all
    first, so a refusal leaves nothing behind."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise DomainError(_("The file is larger than %(mb)s MB.")
                          % {"mb": f"{limit / 1048576:.3g}"}, field=field)
    if upload.size == 0:
        raise DomainError(_("The file is empty."), field=field)
    content_type = filetypes.detect(upload)
    if content_type is None:
        raise DomainError(_("This file type is not accepted. Upload PDF, JPEG, PNG, DOCX or "
                            "XLSX."), field=field)
    # A DOCX or XLSX is a ZIP: a 300 KB "xlsx" unpacked to 300 MB (a ZIP bomb) on the
    # computer of whoever opened it.
    unpacked = limit * filetypes.UNPACK_FACTOR
    if content_type in filetypes.OFFICE_PARTS and filetypes.unpacked_size(upload) > unpacked:
        raise DomainError(_("The file unpacks to more than %(mb)s MB.")
                          % {"mb": f"{unpacked / 1048576:.3g}"}, field=field)
    return content_type


@transaction.atomic
def attachment_add(*, actor: User, case: Case, upload: UploadedFile,
                   to_applicant: bool = False) -> Attachment:
    """Accept only allow-listed real file types (checked by content, not by extension)
    under the size limit; store under a random name. Files are internal to the
    departments unless shared with the applicant; an applicant's own files are its."""
    _require(actor, Case, case, Action.CHANGE)
    if to_applicant and (case.institution_id is None or
                         actor.institution_id == case.institution_id):
        raise DomainError(_("Only an officer shares a file with the case's institution."),
                          field="to_applicant")
    if to_applicant:
        _refuse_unread(case)
    content_type = attachment_check(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    name = filetypes.display_name((upload.name or "file").rsplit("/", 1)[-1][:190],
                                  content_type)
    attachment = Attachment(case=case, original_name=name, content_type=content_type,
                            size=cast(int, upload.size), sha256=digest.hexdigest(), uploaded_by=actor,
                            to_applicant=to_applicant)
    attachment.file.save(filetypes.safe_name(name, content_type), upload, save=False)
    attachment.save()
    audit_record(actor=actor, action="attachment.add", case=case, obj=attachment,
                 after=snapshot(attachment, ["original_name", "content_type", "size", "sha256"]))
    return attachment


# -- notifications inbox ---------------------------------------------------------------

@transaction.atomic
def notifications_mark_read(*, actor: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.restrict(actor).unread()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    count = qs.update(read_at=timezone.now())
    if count:
        audit_record(actor=actor, action="notification.read", after={"count": count,
                                                                      "ids": ids or "all"})
    return count


# -- deadline scan -----------------------------------------------------------------------

#: Task ids per transaction of the deadline scan. A first run over a backlog of overdue
#: tasks works set-based, a batch at a time: a batch's row locks and rows stay small and
#: its queries do not grow with its rows (issue 13: 1M open tasks in under 60 s).
SCAN_BATCH = 2000

_LIVE_CASE_STATES = (CaseState.OPEN, CaseState.IN_PROGRESS)

#: What a recipient of more than DIGEST_AFTER notices of one step of a scan batch reads
#: instead (`Digest`): the count, and each step's list opens from it (`digest_path`).
SCAN_DIGESTS: dict[str, Promise] = {
    Notification.Kind.REMINDER: gettext_lazy("%(count)s tasks due soon"),
    Notification.Kind.OVERDUE: gettext_lazy("%(count)s tasks overdue"),
    Notification.Kind.ESCALATION: gettext_lazy(
        "%(count)s overdue tasks escalated (level %(level)s)"),
}


def is_scan_digest(note: Notification) -> bool:
    """Whether `note` is a deadline scan's digest (SCAN_DIGESTS), not a task's notice."""
    title = SCAN_DIGESTS.get(note.kind)
    return note.task_id is None and title is not None and \
        note.title_msgid == _title_template(title)[1]


def digest_path(user: User, note: Notification) -> str:
    """Where a scan digest opens for its recipient: the task list that holds its tasks,
    filtered as the digest says (the reader's 待办 for reminders and overdue tasks; for
    escalations the overview of those who oversee tasks, else the department's tasks)."""
    from django.urls import reverse

    if note.kind == Notification.Kind.ESCALATION:
        for ability, page in (("cases.oversee_tasks", "cases:overview"),
                              ("cases.view_department_tasks", "cases:department_tasks")):
            if may(user, ability):
                return f"{reverse(page)}?escalated=yes&order=escalation"
    if note.kind == Notification.Kind.REMINDER:
        return reverse("cases:my_tasks")
    return f"{reverse('cases:my_tasks')}?overdue=yes"


def _scan_tasks() -> TaskQuerySet:
    return Task.objects.filter(status=TaskStatus.OPEN, case__state__in=_LIVE_CASE_STATES)


def _id_batches(candidates: list[TaskQuerySet], size: int) -> Iterator[list[int]]:
    """The candidates' ids (of one or several querysets), read once (ids only: a few MB
    for a million), in ascending batches of `size`. A task that stops qualifying
    meanwhile (completed, or escalated by a concurrent scan) is dropped when its batch
    locks it."""
    # Sorted here, not by the database: without an ORDER BY the planner is free to hash
    # join the candidates instead of walking the primary key.
    ids = sorted(set().union(*(qs.order_by().values_list("pk", flat=True)
                               for qs in candidates)))
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


#: What the scan reads of a task and its relations (a batch makes thousands of these
#: instances): its audit snapshot and label, and its notifications' recipients and text.
_SCAN_FIELDS = ("case", "department", "assignee", "role", "duty", "due_date", "remind_on",
                "reminded_at", "overdue_since", "escalation_level", "case__number",
                "case__region", "case__region__path", "department__name",
                "assignee__is_active")


def _lock_scan_tasks(ids: list[int], **still: Any) -> list[Task]:
    """The batch's tasks that, row-locked, still qualify: a task completed, returned,
    rescheduled, closed or handled by a concurrent scan since the candidate query drops
    out. Locked in id order, so two scans never wait on each other crosswise."""
    return list(_scan_tasks().filter(pk__in=ids, **still)
                .select_for_update(of=("self",))
                .select_related("case__region", "department", "assignee")
                .only(*_SCAN_FIELDS).order_by("pk"))


def _touch_cases(case_ids: Iterable[int], now: dt.datetime) -> None:
    """`_touch_case` for a batch of cases, in one UPDATE."""
    Case.objects.filter(pk__in=set(case_ids)).update(updated_at=now)


def _insert_escalations(task_ids: list[int], level: int, now: dt.datetime) -> set[int]:
    """Create the (task, level) escalations that do not exist yet; the ids of the tasks
    this call escalated. INSERT ... ON CONFLICT DO NOTHING RETURNING: the unique
    constraint (task, level) is what makes concurrent or repeated scans escalate once
    (DESIGN.md "Deadlines and notifications"). PostgreSQL and SQLite ≥ 3.35 alike."""
    qn = connection.ops.quote_name
    table, tasks = qn(Escalation._meta.db_table), qn(Task._meta.db_table)
    marks = ", ".join(["%s"] * len(task_ids))
    # Identifiers from the models' metadata, every value a parameter. Django's
    # bulk_create(ignore_conflicts=True) cannot say which rows it inserted.
    sql = (f"INSERT INTO {table} (task_id, level, created_at) "  # noqa: S608
           f"SELECT id, %s, %s FROM {tasks} WHERE id IN ({marks}) "
           "ON CONFLICT (task_id, level) DO NOTHING RETURNING task_id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [level, connection.ops.adapt_datetimefield_value(now), *task_ids])
        return {row[0] for row in cursor.fetchall()}


def _escalation_recipients(tasks: list[Task], level: int) -> dict[int, list[User]]:
    """Level 1: the department's heads; a department without a head (street offices,
    some bureaus) has its working staff and the county admin hear of it instead, so
    nobody is left out (issue 14 E1). Level 2: the county admins. Resolved per
    department and region once for the batch."""
    if level == Escalation.Level.COUNTY_ADMIN:
        admins = _county_admins_many({t.case.region_id: t.case.region for t in tasks}.values())
        return {t.pk: admins[t.case.region_id] for t in tasks}
    heads = _by_department(User.objects.filter(
        department_id__in={t.department_id for t in tasks}, is_active=True,
        role=Role.DEPARTMENT_HEAD))
    headless = [t for t in tasks if not heads.get(t.department_id)]
    workers = _department_workers_many(t.department_id for t in headless)
    admins = _county_admins_many({t.case.region_id: t.case.region for t in headless}.values())
    return {t.pk: heads.get(t.department_id) or
            workers.get(t.department_id, []) + admins[t.case.region_id] for t in tasks}


@transaction.atomic
def _remind_batch(ids: list[int], today: dt.date, now: dt.datetime) -> int:
    tasks = _lock_scan_tasks(ids, remind_on__lte=today, due_date__gte=today,
                             reminded_at__isnull=True)
    if not tasks:
        return 0
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(reminded_at=now)
    recipients = _task_recipients_many(tasks)
    notify_many(kind=Notification.Kind.REMINDER,
                title=gettext_lazy("Task due on %(due)s: %(number)s"),
                notices=[Notice(recipients=recipients[t.pk], case=t.case, task=t, body=t.duty,
                                title_params={"due": t.due_date.isoformat(),
                                              "number": t.case.number}) for t in tasks],
                digest=Digest(SCAN_DIGESTS[Notification.Kind.REMINDER]))
    return len(tasks)


@transaction.atomic
def _mark_overdue_batch(ids: list[int], today: dt.date) -> int:
    tasks = _lock_scan_tasks(ids, due_date__lt=today, overdue_since__isnull=True)
    if not tasks:
        return 0
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(overdue_since=today)
    audit_record_many(actor=None, action="task.overdue", items=[
        AuditItem(obj=t, case=t.case_id, before={"overdue_since": None},
                  after={"overdue_since": today}) for t in tasks])
    recipients = _task_recipients_many(tasks)
    notify_many(kind=Notification.Kind.OVERDUE, title=gettext_lazy("Task overdue: %(number)s"),
                notices=[Notice(recipients=recipients[t.pk], case=t.case, task=t, body=t.duty,
                                title_params={"number": t.case.number}) for t in tasks],
                digest=Digest(SCAN_DIGESTS[Notification.Kind.OVERDUE]))
    return len(tasks)


@transaction.atomic
def _escalate_batch(ids: list[int], level: int, today: dt.date, now: dt.datetime) -> int:
    """Escalate the batch's still-overdue tasks to `level`, each (task, level) once."""
    locked = _lock_scan_tasks(ids, due_date__lt=today)
    if not locked:
        return 0
    created = _insert_escalations([t.pk for t in locked], level, now)
    tasks = [t for t in locked if t.pk in created]
    if not tasks:
        return 0
    Task.objects.filter(pk__in=created).update(
        escalation_level=Greatest(F("escalation_level"), Value(level)),
        overdue_since=Coalesce(F("overdue_since"), Value(today, output_field=DateField())),
        updated_at=now)
    fields = ["escalation_level", "overdue_since"]
    items = []
    for task in tasks:
        before = snapshot(task, fields)
        task.escalation_level = max(task.escalation_level, level)
        task.overdue_since = task.overdue_since or today
        task.updated_at = now
        items.append(AuditItem(obj=task, case=task.case_id, before=before,
                               after=snapshot(task, fields)))
    _touch_cases((t.case_id for t in tasks), now)
    audit_record_many(actor=None, action=f"task.escalate.{level}", items=items)
    recipients = _escalation_recipients(tasks, level)
    body = stored(gettext_lazy("%(department)s: %(duty)s — due %(due)s"))
    notify_many(kind=Notification.Kind.ESCALATION,
                title=gettext_lazy("Overdue task escalated (level %(level)s): %(number)s"),
                notices=[Notice(recipients=recipients[t.pk], case=t.case, task=t,
                                title_params={"level": level, "number": t.case.number},
                                body=body % {"department": str(t.department), "duty": t.duty,
                                             "due": t.due_date.isoformat()})
                         for t in tasks],
                digest=Digest(SCAN_DIGESTS[Notification.Kind.ESCALATION], {"level": level}))
    return len(tasks)


# -- the deadline scan on PostgreSQL ---------------------------------------------------
# The same batches, each built by the database: the escalations, task updates, audit rows
# and notifications of a batch are one statement that reads the tasks, cases and
# departments itself, so a batch makes no model instances (issue 13: on a backlog, building
# notification and audit instances in Python took most of the scan's time). The ORM path
# above stays for SQLite (`make run`); test_deadline_backlog compares the two row by row.
# The SQL is assembled from the models' table names and this module's constants; every
# value is a parameter (hence the S608 exemptions).

#: A %-placeholder of a message: %(name)s, %% or anything else (not supported here).
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%|%")
_SQL_NAME = re.compile(r"\w+")


class _Locked(NamedTuple):
    """A task a batch holds locked, with what its recipients depend on."""

    id: int
    department_id: int
    assignee_id: int | None
    region_id: int


def _sql_scan() -> bool:
    return connection.vendor == "postgresql"


def _sql_format(template: str, columns: Mapping[str, str], prefix: str
                ) -> tuple[str, dict[str, str]]:
    """`template % {name: value}` as an SQL expression, with the values read from the SQL
    expressions `columns` names: the template's text becomes %(prefix_n)s parameters."""
    parts: list[str] = []
    params: dict[str, str] = {}
    text, pos = "", 0
    for match in _PLACEHOLDER.finditer(template):
        text += template[pos:match.start()]
        pos = match.end()
        if match.group(0) == "%%":
            text += "%"
            continue
        if match.group(1) not in columns:
            raise ValueError(f"unsupported placeholder {match.group(0)!r} in {template!r}")
        key = f"{prefix}_{len(params)}"
        params[key] = text
        parts += [f"%({key})s::text", f"({columns[match.group(1)]})::text"]
        text = ""
    key = f"{prefix}_{len(params)}"
    params[key] = text + template[pos:]
    parts.append(f"%({key})s::text")
    return f"concat({', '.join(parts)})", params


def _sql_json(values: Mapping[str, str]) -> str:
    """jsonb_build_object of constant keys and SQL expressions."""
    if not all(_SQL_NAME.fullmatch(k) for k in values):
        raise ValueError(f"JSON keys must be names: {list(values)}")
    return "jsonb_build_object(" + ", ".join(f"'{k}', {v}" for k, v in values.items()) + ")"


def _sql_iso(column: str) -> str:
    """A date as `_jsonable` writes it (date.isoformat()); NULL stays NULL."""
    return f"to_char({column}, 'YYYY-MM-DD')"


def _sql_tables() -> dict[str, str]:
    qn = connection.ops.quote_name
    return {name: qn(model._meta.db_table) for name, model in (
        ("task", Task), ("case", Case), ("department", Department),
        ("escalation", Escalation), ("audit", AuditEvent), ("notification", Notification))}


#: The batch's tasks as the audit and notification rows read them, from a CTE `batch`
#: of task columns.
_SQL_SOURCE = """s AS (SELECT b.*, c.number, d.name AS department_name
       FROM batch b JOIN {case} c ON c.id = b.case_id
       JOIN {department} d ON d.id = b.department_id)"""


def _sql_audit(*, name: str, action: str, where: str, before: Mapping[str, str],
               after: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """CTE `name`: `audit_record_many(actor=None, action=action, ...)` over the tasks of
    `s` that meet `where`, in id order: a task's object_repr is str(task), its role label
    in the active language (Task.__str__)."""
    role = "CASE s.role " + " ".join(
        f"WHEN %(role_{i})s THEN %(role_label_{i})s::text"
        for i in range(len(TaskRole.choices))) + " ELSE s.role END"
    params: dict[str, Any] = {}
    for i, (value, label) in enumerate(TaskRole.choices):
        params |= {f"role_{i}": value, f"role_label_{i}": str(label)}
    repr_sql, repr_params = _sql_format(
        "%(number)s · %(department)s · %(role)s",
        {"number": "s.number", "department": "s.department_name", "role": role}, "repr")
    shared = audit_shared_columns(actor=None, action=action)
    params |= repr_params | {f"{name}_{k}": v for k, v in shared.items()} | {
        "audit_ct": ContentType.objects.get_for_model(Task).pk}
    sql = f"""{name} AS (
    INSERT INTO {{audit}} (created_at, actor_id, actor_label, action, case_id,
        content_type_id, object_id, object_repr, before, after, reason, ip)
    SELECT %(now)s, %({name}_actor_id)s, %({name}_actor_label)s, %({name}_action)s,
        s.case_id, %(audit_ct)s, s.id::text, left({repr_sql}, 200), {_sql_json(before)},
        {_sql_json(after)}, %({name}_reason)s, %({name}_ip)s::inet
    FROM s WHERE {where} ORDER BY s.id)"""  # noqa: S608
    return sql, params


def _sql_notify(*, name: str, pairs: list[tuple[int, int]], kind: str, title: Promise,
                title_params: Mapping[str, str], body: str,
                body_params: Mapping[str, str] | None = None, where: str = "TRUE",
                digest: Mapping[str, str] | None = None) -> tuple[str, dict[str, Any]]:
    """CTE `name`: `notify_many` for the (task, recipient) `pairs` of the tasks of `s`
    that meet `where`, in their order (other pairs are dropped): the title rendered in
    settings.LANGUAGE_CODE with its message id and parameters (`_title_template`), and
    `body` an SQL expression, or a message rendered with `body_params`.

    With `digest` (SQL expressions of the digest title's parameters other than the
    count), as `notify_many` with `Digest(SCAN_DIGESTS[kind], ...)`: a recipient of more
    than DIGEST_AFTER pairs gets one digest row after the others."""
    template, msgid = _title_template(title)
    title_sql, title_values = _sql_format(template, title_params, f"{name}_title")
    params: dict[str, Any] = dict(title_values)
    params_sql = _sql_json(title_params) if msgid else "'{}'::jsonb"
    body_sql = body
    if body_params is not None:
        body_sql, body_values = _sql_format(body, body_params, f"{name}_body")
        params |= body_values
    params |= {f"{name}_kind": kind, f"{name}_msgid": msgid,
               f"{name}_task": [t for t, _u in pairs], f"{name}_user": [u for _t, u in pairs]}
    told = "TRUE"
    digests = ""
    if digest is not None:
        told = f"p.told <= %({name}_after)s"
        d_template, d_msgid = _title_template(SCAN_DIGESTS[kind])
        d_columns = {**digest, "count": "max(p.told)"}
        d_title, d_values = _sql_format(d_template, d_columns, f"{name}_dtitle")
        d_params = _sql_json(d_columns) if d_msgid else "'{}'::jsonb"
        params |= d_values | {f"{name}_after": DIGEST_AFTER, f"{name}_lists": DIGEST_LISTS,
                              f"{name}_dmsgid": d_msgid}
        digests = f"""
        UNION ALL
        SELECT p.user_id, NULL::bigint, NULL::bigint, left({d_title}, 200),
            %({name}_dmsgid)s, {d_params},
            concat(string_agg(s.number, ', ' ORDER BY p.n)
                       FILTER (WHERE p.n = p.first_n AND p.kc <= %({name}_lists)s),
                   CASE WHEN max(p.kc) > %({name}_lists)s THEN ' …' END),
            1, min(p.n)
        FROM {name}_c p JOIN s ON s.id = p.task_id
        WHERE p.told > %({name}_after)s GROUP BY p.user_id"""  # noqa: S608
    sql = f"""{name}_p AS (
    SELECT p.task_id, p.user_id, p.n,
        count(*) OVER (PARTITION BY p.user_id) AS told,
        min(p.n) OVER (PARTITION BY p.user_id, s.case_id) AS first_n
    FROM unnest(%({name}_task)s::bigint[], %({name}_user)s::bigint[]) WITH ORDINALITY
        AS p(task_id, user_id, n)
    JOIN s ON s.id = p.task_id AND {where}),
{name}_c AS (  -- a digest names each case once (digest_body), in its first task's place
    SELECT p.*, dense_rank() OVER (PARTITION BY p.user_id ORDER BY p.first_n) AS kc
    FROM {name}_p p),
{name} AS (
    INSERT INTO {{notification}} (recipient_id, kind, case_id, task_id, title, title_msgid,
        title_params, body, created_at)
    SELECT r.user_id, %({name}_kind)s, r.case_id, r.task_id, r.title, r.msgid, r.params,
        r.body, %(now)s
    FROM (
        SELECT p.user_id, s.case_id, s.id AS task_id, left({title_sql}, 200) AS title,
            %({name}_msgid)s AS msgid, {params_sql} AS params, {body_sql} AS body,
            0 AS digest, p.n AS pos
        FROM {name}_p p JOIN s ON s.id = p.task_id
        WHERE {told}{digests}) r
    ORDER BY r.digest, r.pos
    RETURNING id)"""  # noqa: S608
    return sql, params


def _sql_batch(ctes: list[str], params: dict[str, Any], counts: list[str],
               notes: list[str]) -> list[int]:
    """Run one batch's statement: its `counts` (SQL expressions), and the ids of each
    notification CTE of `notes`, e-mailed after commit a CTE at a time (as `notify_many`
    does a call at a time)."""
    arrays = [f"ARRAY(SELECT id FROM {name} ORDER BY id)" for name in notes]  # noqa: S608
    select = "SELECT " + ", ".join(counts + arrays)
    sql = ("WITH " + ",\n".join(ctes) + "\n" + select).format(**_sql_tables())  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    for note_ids in row[len(counts):]:
        _email_or_keep(list(note_ids), scan=True)
    return [int(count) for count in row[:len(counts)]]


def _lock_scan_rows(ids: list[int], **still: Any) -> list[_Locked]:
    """`_lock_scan_tasks` reading only what the recipients depend on."""
    return [_Locked(*row) for row in _scan_tasks().filter(pk__in=ids, **still)
            .select_for_update(of=("self",)).order_by("pk")
            .values_list("pk", "department_id", "assignee_id", "case__region_id")]


def _pairs(rows: list[_Locked], recipients: Any) -> list[tuple[int, int]]:
    """(task, user) for each task and each of `recipients(row)`, once each, in order (as
    `notify_many` tells them)."""
    pairs = []
    for row in rows:
        seen: set[int] = set()
        for user_id in recipients(row):
            if user_id not in seen:
                seen.add(user_id)
                pairs.append((row.id, user_id))
    return pairs


def _ids(users: dict[int, list[User]]) -> dict[int, list[int]]:
    return {key: [u.pk for u in found] for key, found in users.items()}


def _task_recipient_pairs(rows: list[_Locked]) -> list[tuple[int, int]]:
    """`_task_recipients_many`, by ids: the active assignee, else the department's
    working staff."""
    workers = _ids(_department_workers_many(r.department_id for r in rows
                                            if r.assignee_id is None))
    assigned = {r.assignee_id for r in rows if r.assignee_id is not None}
    active = set(User.objects.filter(pk__in=assigned, is_active=True)
                 .values_list("pk", flat=True)) if assigned else set()
    return _pairs(rows, lambda r: workers.get(r.department_id, []) if r.assignee_id is None
                  else [r.assignee_id] if r.assignee_id in active else [])


def _admin_ids(rows: Iterable[_Locked]) -> dict[int, list[int]]:
    """`_county_admins_many` of the rows' case regions."""
    region_ids = {r.region_id for r in rows}
    if not region_ids:
        return {}
    return _ids(_county_admins_many(Region.objects.filter(pk__in=region_ids)
                                    .only("pk", "path")))


def _escalation_recipient_pairs(rows: list[_Locked], level: int) -> list[tuple[int, int]]:
    """`_escalation_recipients`, by ids."""
    if level == Escalation.Level.COUNTY_ADMIN:
        admins = _admin_ids(rows)
        return _pairs(rows, lambda r: admins[r.region_id])
    heads = _ids(_by_department(User.objects.filter(
        department_id__in={r.department_id for r in rows}, is_active=True,
        role=Role.DEPARTMENT_HEAD)))
    headless = [r for r in rows if not heads.get(r.department_id)]
    workers = _ids(_department_workers_many(r.department_id for r in headless))
    admins = _admin_ids(headless)
    return _pairs(rows, lambda r: heads.get(r.department_id) or
                  workers.get(r.department_id, []) + admins[r.region_id])


_SQL_TASK_COLUMNS = "t.id, t.case_id, t.department_id, t.role, t.duty, t.due_date"


@transaction.atomic
def _remind_batch_sql(ids: list[int], today: dt.date, now: dt.datetime) -> int:
    """`_remind_batch` in one statement."""
    rows = _lock_scan_rows(ids, remind_on__lte=today, due_date__gte=today,
                           reminded_at__isnull=True)
    if not rows:
        return 0
    notes, params = _sql_notify(
        name="notes", pairs=_task_recipient_pairs(rows), kind=Notification.Kind.REMINDER,
        title=gettext_lazy("Task due on %(due)s: %(number)s"),
        title_params={"due": _sql_iso("s.due_date"), "number": "s.number"}, body="s.duty",
        digest={})
    batch = f"""batch AS (UPDATE {{task}} t SET reminded_at = %(now)s
    WHERE t.id = ANY(%(ids)s::bigint[]) RETURNING {_SQL_TASK_COLUMNS})"""  # noqa: S608
    _sql_batch([batch, _SQL_SOURCE, notes],
               params | {"ids": [r.id for r in rows], "now": now}, [], ["notes"])
    return len(rows)


def _overdue_notices(rows: list[_Locked]) -> tuple[list[str], dict[str, Any]]:
    """The three notification CTEs of `_overdue_batch_sql`: overdue (`_mark_overdue_batch`)
    and each level's escalation (`_escalate_batch`)."""
    ctes: list[str] = []
    params: dict[str, Any] = {}
    cte, values = _sql_notify(
        name="notes_overdue", pairs=_task_recipient_pairs(rows),
        kind=Notification.Kind.OVERDUE, title=gettext_lazy("Task overdue: %(number)s"),
        title_params={"number": "s.number"}, body="s.duty", where="s.marks", digest={})
    ctes.append(cte)
    params |= values
    for level in (Escalation.Level.DEPARTMENT_HEAD, Escalation.Level.COUNTY_ADMIN):
        cte, values = _sql_notify(
            name=f"notes_{level}", pairs=_escalation_recipient_pairs(rows, level),
            kind=Notification.Kind.ESCALATION,
            title=gettext_lazy("Overdue task escalated (level %(level)s): %(number)s"),
            title_params={"level": str(int(level)), "number": "s.number"},
            body=stored(gettext_lazy("%(department)s: %(duty)s — due %(due)s")),
            body_params={"department": "s.department_name", "duty": "s.duty",
                         "due": _sql_iso("s.due_date")}, where=f"s.level{level}",
            digest={"level": str(int(level))})
        ctes.append(cte)
        params |= values
    return ctes, params


#: A task's overdue_since once marked overdue, and its escalation level once past level 1:
#: what level 1 and level 2 find before them (the ORM path writes the steps in turn).
_SQL_SINCE = "COALESCE(s.since0, %(today)s::date)"
_SQL_AFTER_1 = "CASE WHEN s.level1 THEN GREATEST(s.level0, 1) ELSE s.level0 END"


@transaction.atomic
def _overdue_batch_sql(ids: list[int], today: dt.date, threshold: dt.date,
                       now: dt.datetime) -> dict[str, int]:
    """`_mark_overdue_batch`, then `_escalate_batch` at level 1 and at level 2, over a
    batch of overdue tasks in one statement, each task's row written once (issue 13: on a
    backlog three updates of a task, each with its sixteen index entries, were most of
    the scan's time). The rows are those the three steps write in turn: the escalations
    (ON CONFLICT DO NOTHING: the unique (task, level) constraint settles races), a
    task's level 2 once it has level 1 (this scan's or an earlier one) and is due before
    `threshold`, the audit rows with each step's before and after, and each step's
    notifications, e-mailed per step after commit."""
    rows = _lock_scan_rows(ids, due_date__lt=today)
    if not rows:
        return {"overdue": 0, "level1": 0, "level2": 0}
    params: dict[str, Any] = {"ids": [r.id for r in rows], "today": today,
                              "threshold": threshold, "now": now}
    ctes = [
        """e1 AS (INSERT INTO {escalation} (task_id, level, created_at)
    SELECT id, 1, %(now)s FROM unnest(%(ids)s::bigint[]) AS id ORDER BY id
    ON CONFLICT (task_id, level) DO NOTHING RETURNING task_id)""",
        """e2 AS (INSERT INTO {escalation} (task_id, level, created_at)
    SELECT t.id, 2, %(now)s FROM {task} t
    WHERE t.id = ANY(%(ids)s::bigint[]) AND t.due_date < %(threshold)s::date
      AND (t.id IN (SELECT task_id FROM e1) OR EXISTS (
           SELECT 1 FROM {escalation} x WHERE x.task_id = t.id AND x.level = 1))
    ORDER BY t.id
    ON CONFLICT (task_id, level) DO NOTHING RETURNING task_id)""",
        f"""batch AS (SELECT {_SQL_TASK_COLUMNS}, t.escalation_level AS level0,
        t.overdue_since AS since0, t.overdue_since IS NULL AS marks,
        e1.task_id IS NOT NULL AS level1, e2.task_id IS NOT NULL AS level2
    FROM {{task}} t LEFT JOIN e1 ON e1.task_id = t.id LEFT JOIN e2 ON e2.task_id = t.id
    WHERE t.id = ANY(%(ids)s::bigint[]))""",  # noqa: S608
        _SQL_SOURCE,
        """tasks AS (UPDATE {task} t
    SET overdue_since = COALESCE(t.overdue_since, %(today)s::date),
        escalation_level = CASE WHEN s.level2 THEN GREATEST(t.escalation_level, 2)
                                WHEN s.level1 THEN GREATEST(t.escalation_level, 1)
                                ELSE t.escalation_level END,
        updated_at = CASE WHEN s.level1 OR s.level2 THEN %(now)s ELSE t.updated_at END
    FROM s WHERE t.id = s.id AND (s.marks OR s.level1 OR s.level2))""",
        # A case this scan touched already (its other tasks) keeps its row: the same
        # value, without a row version and its index entries.
        """touched AS (UPDATE {case} SET updated_at = %(now)s
    WHERE id IN (SELECT case_id FROM s WHERE s.level1 OR s.level2)
      AND updated_at IS DISTINCT FROM %(now)s)"""]
    for name, action, where, before, after in (
            ("audit_overdue", "task.overdue", "s.marks", {"overdue_since": "NULL::date"},
             {"overdue_since": _sql_iso(_SQL_SINCE)}),
            ("audit_1", "task.escalate.1", "s.level1",
             {"escalation_level": "s.level0", "overdue_since": _sql_iso(_SQL_SINCE)},
             {"escalation_level": "GREATEST(s.level0, 1)",
              "overdue_since": _sql_iso(_SQL_SINCE)}),
            ("audit_2", "task.escalate.2", "s.level2",
             {"escalation_level": _SQL_AFTER_1, "overdue_since": _sql_iso(_SQL_SINCE)},
             {"escalation_level": f"GREATEST({_SQL_AFTER_1}, 2)",
              "overdue_since": _sql_iso(_SQL_SINCE)})):
        cte, values = _sql_audit(name=name, action=action, where=where, before=before,
                                 after=after)
        ctes.append(cte)
        params |= values
    notes, values = _overdue_notices(rows)
    overdue, level1, level2 = _sql_batch(
        ctes + notes, params | values,
        ["(SELECT count(*) FROM batch WHERE marks)", "(SELECT count(*) FROM e1)",
         "(SELECT count(*) FROM e2)"], ["notes_overdue", "notes_1", "notes_2"])
    return {"overdue": overdue, "level1": level1, "level2": level2}


def _case_batches(candidates: list[TaskQuerySet], size: int) -> list[list[int]]:
    """The candidates' ids (of one or several querysets), read once, in batches of about
    `size` that never split a case: all of a case's candidate tasks are in one batch, in
    ascending id order. A task's progress touches its case (`touched`), so batches that
    run at once then never write the same row nor wait on each other's locks, and a
    case's tasks are handled in one transaction as with one connection."""
    rows = sorted(set().union(*(qs.order_by().values_list("case_id", "pk")
                                for qs in candidates)))
    batches: list[list[int]] = []
    batch: list[int] = []
    last_case = None
    for case_id, pk in rows:
        if len(batch) >= size and case_id != last_case:
            batches.append(sorted(batch))
            batch = []
        batch.append(pk)
        last_case = case_id
    if batch:
        batches.append(sorted(batch))
    return batches


def _scan_workers(workers: int | None) -> int:
    """How many connections run the scan's batches at once: DEADLINE_SCAN_WORKERS (issue
    13: a first scan over a backlog is the database's per-row work, one backend per
    connection). One on SQLite (`make run`; one writer at a time anyway), and one inside
    a caller's transaction: other connections would not see its uncommitted rows, and
    their batches would commit on their own."""
    if not _sql_scan() or connection.in_atomic_block:
        return 1
    return max(1, settings.DEADLINE_SCAN_WORKERS if workers is None else workers)


_Result = TypeVar("_Result")


def _run_batches(batches: list[list[int]], work: Callable[[list[int]], _Result],
                 workers: int) -> list[_Result]:
    """`work` on each batch, on `workers` threads (each its own database connection,
    closed when it is done) taking the next batch as they finish one. Each batch is its
    own transaction and enqueues its e-mails after its own commit, as with one worker.
    The first error stops the other threads after their current batch and is raised.
    The caller's language and time zone hold in the threads (titles, role labels)."""
    if workers == 1 or len(batches) <= 1:
        return [work(ids) for ids in batches]
    pending: queue.SimpleQueue[list[int]] = queue.SimpleQueue()
    for ids in batches:
        pending.put(ids)
    failed = threading.Event()
    language = translation.get_language()
    zone = timezone.get_current_timezone_name()

    def drain() -> list[_Result]:
        done = []
        try:
            with translation.override(language), timezone.override(zone):
                while not failed.is_set():
                    try:
                        ids = pending.get_nowait()
                    except queue.Empty:
                        break
                    done.append(work(ids))
        except BaseException:
            failed.set()
            raise
        finally:
            connections.close_all()  # this thread's connections only
        return done

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="deadline-scan") as pool:
        # Each thread in a copy of the caller's context: the run's notifications (_run_notes)
        futures = [pool.submit(contextvars.copy_context().run, drain) for _ in range(workers)]
    return [result for future in futures for result in future.result()]


def _overdue_candidates(steps: dict[str, TaskQuerySet], threshold: dt.date
                        ) -> list[TaskQuerySet]:
    """The tasks `_overdue_batch_sql` looks at: those the overdue, level 1 and level 2
    `steps` look at, level 2 including the tasks level 1 is about to escalate."""
    return [steps["overdue"], steps["level1"],
            _scan_tasks().filter(due_date__lt=threshold)
            .exclude(escalations__level=Escalation.Level.COUNTY_ADMIN)]


def deadline_scan(*, today: dt.date | None = None, batch_size: int = SCAN_BATCH,
                  workers: int | None = None) -> dict[str, int]:
    """Remind before the due date, mark overdue, escalate to the department head (level 1)
    and, after a further delay in working days, to the county admin (level 2).
    Running it twice, or twice at once, changes nothing the second time.

    Set-based, `batch_size` task ids per transaction (issue 13): each batch locks its
    rows, writes its escalations with one INSERT (the unique (task, level) constraint
    settles races), its updates, audit rows and notifications with one statement each.
    The number of queries grows with the number of batches, not of tasks. On PostgreSQL a
    batch is one statement that builds its rows itself, and a batch of overdue tasks is
    marked and escalated to both levels at once (`_overdue_batch_sql`): the same rows,
    each task's row written once.

    On PostgreSQL the batches run on `workers` connections at once (DEADLINE_SCAN_WORKERS,
    `_scan_workers`), each batch whole cases (`_case_batches`): the reminders first, then
    the overdue tasks, each phase done before the next starts.

    The run's notifications are digested across its batches and e-mailed at its end
    (`_digest_run`), also when a batch failed: what the batches before it committed is
    told."""
    notes: list[int] = []
    token = _run_notes.set(notes)
    try:
        return _deadline_scan(today, batch_size, workers)
    finally:
        _run_notes.reset(token)
        _digest_run(notes)


def _deadline_scan(today: dt.date | None, batch_size: int, workers: int | None
                   ) -> dict[str, int]:
    today = today or _today()
    now = timezone.now()
    threshold = _level2_threshold(today)
    candidates = _candidates(today, threshold)
    stats = {"reminded": 0, "overdue": 0, "level1": 0, "level2": 0}
    if _sql_scan():
        n = _scan_workers(workers)

        def batches(qs: list[TaskQuerySet]) -> list[list[int]]:
            return _case_batches(qs, batch_size) if n > 1 else list(_id_batches(qs, batch_size))

        stats["reminded"] = sum(_run_batches(
            batches([candidates["reminded"]]),
            lambda ids: _remind_batch_sql(ids, today, now), n))
        for counts in _run_batches(
                batches(_overdue_candidates(candidates, threshold)),
                lambda ids: _overdue_batch_sql(ids, today, threshold, now), n):
            for step, count in counts.items():
                stats[step] += count
        return stats
    for ids in _id_batches([candidates["reminded"]], batch_size):
        stats["reminded"] += _remind_batch(ids, today, now)
    for ids in _id_batches([candidates["overdue"]], batch_size):
        stats["overdue"] += _mark_overdue_batch(ids, today)
    # Lazy: level 2's candidates are read once level 1 is done (a late first scan
    # escalates both levels).
    for level, step in ((Escalation.Level.DEPARTMENT_HEAD, "level1"),
                        (Escalation.Level.COUNTY_ADMIN, "level2")):
        for ids in _id_batches([candidates[step]], batch_size):
            stats[step] += _escalate_batch(ids, level, today, now)
    return stats


#: Notifications a run's digests read or delete per query.
DIGEST_RUN_CHUNK = 5000


def _digest_run(ids: list[int]) -> None:
    """A deadline scan run's notifications (`ids`, as its batches wrote them), with each
    recipient told of more than DIGEST_AFTER tasks of one step (reminder, overdue,
    escalation level 1 or 2) in the whole run told once, by one digest; then each is
    e-mailed once (issue 13).

    A batch digests only its own notices: through a backlog a department's staff were
    told of a few tasks in each of a hundred batches, each its own notice and e-mail, and
    a county admin read a digest per batch. Here a person's notices and digests of one
    step become one digest of them all, counting every task, listing the first case
    numbers in the run's order (a batch's digest lists its own first ones). Up to
    DIGEST_AFTER tasks in the run, each stays its own notice, as before: a day's run
    changes nothing for its readers. The rows are locked first: a second run at once
    waits, then finds one digest and leaves it."""
    if not ids:
        return
    with transaction.atomic():
        rows = []
        for start in range(0, len(ids), DIGEST_RUN_CHUNK):
            rows += list(Notification.objects.select_for_update(of=("self",))
                         .filter(pk__in=ids[start:start + DIGEST_RUN_CHUNK]).order_by("pk")
                         .values_list("pk", "recipient_id", "kind", "task_id", "title_params",
                                      "title_msgid", "case__number", "body"))
        groups: dict[tuple[int, str, Any], list[tuple[Any, ...]]] = {}
        for row in rows:
            params = row[4] if isinstance(row[4], dict) else {}
            level = params.get("level") if row[2] == Notification.Kind.ESCALATION else None
            groups.setdefault((row[1], row[2], level), []).append(row)
        drop: list[int] = []
        digests: list[Notification] = []
        for (user_id, kind, level), group in groups.items():
            told = [_run_told(row) for row in group]
            count = sum(len(numbers) if n is None else n for n, numbers, _more in told)
            if count <= DIGEST_AFTER or len(group) == 1:
                continue
            drop += [row[0] for row in group]
            template, msgid = _title_template(SCAN_DIGESTS[kind])
            params = {**({"level": level} if level is not None else {}), "count": count}
            # Each batch's digest lists its first DIGEST_LISTS cases: the run's first ones
            # are theirs in order. One that left cases out ("…") leaves them out here too,
            # though the cases listed after it may be fewer than the limit once each is
            # named once (`digest_body`).
            numbers = [number for _n, listed, _more in told for number in listed]
            body = digest_body(numbers)
            if any(more for _n, _listed, more in told) and not body.endswith(" …"):
                body += " …"
            digests.append(Notification(
                recipient_id=user_id, kind=kind, title=(template % params)[:200],
                title_msgid=msgid, title_params=params if msgid else {}, body=body))
        for start in range(0, len(drop), DIGEST_RUN_CHUNK):
            Notification.objects.filter(pk__in=drop[start:start + DIGEST_RUN_CHUNK]).delete()
        created = Notification.objects.bulk_create(digests)
        dropped = set(drop)
        _email_after_commit([pk for pk in ids if pk not in dropped]
                            + [n.pk for n in created if n.pk])


def _run_told(row: tuple[Any, ...]) -> tuple[int | None, list[str], bool]:
    """What one of a run's notifications told its reader: (None, [its case number], False)
    for a task's notice; (its count, the case numbers its body lists, whether it left
    some out) for a batch's digest."""
    _pk, _user, kind, task_id, params, msgid, number, body = row
    digest = SCAN_DIGESTS.get(kind)
    if task_id is None and digest is not None and msgid == _title_template(digest)[1] \
            and isinstance(params, dict) and isinstance(params.get("count"), int):
        listed = body.removesuffix(" …")
        return params["count"], [n for n in listed.split(", ") if n], listed != body
    return None, [number or ""], False


def _level2_threshold(today: dt.date) -> dt.date:
    """Level 2 is due once `escalation_level2_after` further working days have passed."""
    delay = active_profile().deadline("escalation_level2_after")
    return add_workdays(today, -delay) if delay else today


def deadline_scan_candidates(*, today: dt.date) -> dict[str, TaskQuerySet]:
    """The open tasks of live cases each step of the scan looks at (unevaluated; the
    benchmark EXPLAINs them): due for a reminder, newly overdue, due for level 1, and
    due for level 2 once `escalation_level2_after` further working days have passed."""
    return _candidates(today, _level2_threshold(today))


def _candidates(today: dt.date, threshold: dt.date) -> dict[str, TaskQuerySet]:
    open_tasks = _scan_tasks()
    return {
        "reminded": open_tasks.filter(remind_on__lte=today, due_date__gte=today,
                                      reminded_at__isnull=True),
        "overdue": open_tasks.filter(due_date__lt=today, overdue_since__isnull=True),
        "level1": open_tasks.filter(due_date__lt=today).exclude(
            escalations__level=Escalation.Level.DEPARTMENT_HEAD),
        "level2": open_tasks.filter(
            due_date__lt=threshold, escalations__level=Escalation.Level.DEPARTMENT_HEAD
        ).exclude(escalations__level=Escalation.Level.COUNTY_ADMIN),
    }
