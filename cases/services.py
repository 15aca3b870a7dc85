"""Cases own the common thread of regulated work: the Case with its readable number,
its Tasks (lead/assist, working-day due dates, escalation), comments, attachments,
notifications and the append-only audit trail (DESIGN.md "Cases and tasks").

Every write is a `<entity>_<verb>` service: atomic, row-locked, permission-checked
through the scope gateway, audited in the same transaction, side effects on commit
(STYLE.md §2).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import filetypes, kinds
from cases.audit import audit_record, snapshot
from cases.models import (
    Attachment,
    Case,
    CaseSequence,
    CaseState,
    Comment,
    Escalation,
    Notification,
    Task,
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

#: What a title parameter may be: plain JSON scalars, rendered the same in every language.
_TITLE_PARAM_TYPES = (str, int, float, bool, type(None))


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
    params = dict(title_params or {})
    for key, value in params.items():
        if not isinstance(key, str) or not isinstance(value, _TITLE_PARAM_TYPES):
            raise TypeError(f"notification title parameter {key!r} must be a plain JSON "
                            f"value, not {type(value).__name__}")
    msgid = ""
    if isinstance(title, Promise):
        rendered = stored(title, **params)
        with translation.override(None):
            msgid = str(title)  # no catalogue active: the untranslated message id
        with translation.override(settings.LANGUAGE_CODE):
            if len(msgid) > 255 or translation.gettext(msgid) != str(title):
                msgid = ""  # not a plain gettext message (a context?): keep it fixed
    else:
        rendered = title % params if params else title
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Notification(recipient=user, kind=kind, title=rendered[:200],
                                 title_msgid=msgid, title_params=dict(params) if msgid else {},
                                 body=body, case=case, task=task))
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.pk]
    if ids:
        from cases.tasks import send_notification_emails

        transaction.on_commit(lambda: send_notification_emails.delay(ids))
    return created


def department_workers(department: Department) -> list[User]:
    return list(User.objects.filter(department=department, is_active=True,
                                    role__in=WORKING_ROLES))


def task_recipients(task: Task) -> list[User]:
    if task.assignee is not None:
        return [task.assignee]
    return department_workers(task.department)


def county_admins_for(region: Region) -> list[User]:
    """The admins responsible for a region: its county's admins, else its city's."""
    codes = region.ancestor_codes()
    admins = list(User.objects.filter(role=Role.COUNTY_ADMIN, is_active=True,
                                      region__code__in=codes))
    if not admins:
        admins = list(User.objects.filter(role=Role.CITY_ADMIN, is_active=True,
                                          region__code__in=codes))
    return admins


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


def _case_workers(case: Case) -> list[User]:
    """Whoever holds an open task of the case, else its departments' workers."""
    people: dict[int, User] = {}
    for task in case.tasks.filter(status=TaskStatus.OPEN).select_related(
            "assignee", "department"):
        for person in task_recipients(task):
            people[person.pk] = person
    return list(people.values())


def attachment_check(upload: UploadedFile, field: str = "file") -> str:
    """Refuse a file over the size limit, empty, or of a type not allow-listed (checked by
    content, not by extension); return its content type. Callers that store several files
    check them all first, so a refusal leaves nothing behind."""
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

def _escalate(task_id: int, level: int, today: dt.date) -> bool:
    """Create the (task, level) escalation once; False when it already exists. A unique
    constraint makes concurrent scans safe."""
    with transaction.atomic():
        task = Task.objects.select_for_update(of=("self",)).select_related(
            "case__region", "department").get(pk=task_id)
        if task.status != TaskStatus.OPEN or task.due_date >= today or \
                task.case.state not in (CaseState.OPEN, CaseState.IN_PROGRESS):
            return False  # reopened, rescheduled or closed since the candidate query
        try:
            with transaction.atomic():
                Escalation.objects.create(task=task, level=level)
        except IntegrityError:
            return False
        before = snapshot(task, ["escalation_level", "overdue_since"])
        task.escalation_level = max(task.escalation_level, level)
        task.overdue_since = task.overdue_since or today
        task.save(update_fields=["escalation_level", "overdue_since", "updated_at"])
        _touch_case(task.case)
        audit_record(actor=None, action=f"task.escalate.{level}", case=task.case, obj=task,
                     before=before, after=snapshot(task, ["escalation_level", "overdue_since"]))
        if level == Escalation.Level.DEPARTMENT_HEAD:
            recipients = list(User.objects.filter(department=task.department, is_active=True,
                                                  role=Role.DEPARTMENT_HEAD))
            if not recipients:
                # A department without a head (street offices, some bureaus): its working
                # staff and the county admin hear of it instead, so nobody is left out.
                recipients = department_workers(task.department) + \
                    county_admins_for(task.case.region)
        else:
            recipients = county_admins_for(task.case.region)
        notify(recipients=recipients, kind=Notification.Kind.ESCALATION, case=task.case,
               task=task,
               title=gettext_lazy("Overdue task escalated (level %(level)s): %(number)s"),
               title_params={"level": level, "number": task.case.number},
               body=stored(gettext_lazy("%(department)s: %(duty)s — due %(due)s"),
                           department=str(task.department), duty=task.duty,
                           due=task.due_date.isoformat()))
        return True


def deadline_scan(*, today: dt.date | None = None) -> dict[str, int]:
    """Remind before the due date, mark overdue, escalate to the department head (level 1)
    and, after a further delay in working days, to the county admin (level 2).
    Running it twice, or twice at once, changes nothing the second time."""
    today = today or _today()
    profile = active_profile()
    stats = {"reminded": 0, "overdue": 0, "level1": 0, "level2": 0}
    open_tasks = Task.objects.filter(status=TaskStatus.OPEN,
                                     case__state__in=[CaseState.OPEN, CaseState.IN_PROGRESS])

    for task_id in open_tasks.filter(remind_on__lte=today, due_date__gte=today,
                                     reminded_at__isnull=True).values_list("pk", flat=True):
        with transaction.atomic():
            if not Task.objects.filter(pk=task_id, reminded_at__isnull=True).update(
                    reminded_at=timezone.now()):
                continue
            task = Task.objects.select_related("case", "department", "assignee").get(pk=task_id)
            notify(recipients=task_recipients(task), kind=Notification.Kind.REMINDER,
                   case=task.case, task=task,
                   title=gettext_lazy("Task due on %(due)s: %(number)s"),
                   title_params={"due": task.due_date.isoformat(),
                                 "number": task.case.number}, body=task.duty)
            stats["reminded"] += 1

    for task_id in open_tasks.filter(due_date__lt=today, overdue_since__isnull=True
                                     ).values_list("pk", flat=True):
        with transaction.atomic():
            if not Task.objects.filter(pk=task_id, overdue_since__isnull=True).update(
                    overdue_since=today):
                continue
            task = Task.objects.select_related("case", "department", "assignee").get(pk=task_id)
            audit_record(actor=None, action="task.overdue", case=task.case, obj=task,
                         before={"overdue_since": None}, after={"overdue_since": today})
            notify(recipients=task_recipients(task), kind=Notification.Kind.OVERDUE,
                   case=task.case, task=task,
                   title=gettext_lazy("Task overdue: %(number)s"),
                   title_params={"number": task.case.number}, body=task.duty)
            stats["overdue"] += 1

    for task_id in open_tasks.filter(due_date__lt=today).exclude(
            escalations__level=1).values_list("pk", flat=True):
        stats["level1"] += _escalate(task_id, 1, today)

    delay = profile.deadline("escalation_level2_after")
    threshold = add_workdays(today, -delay) if delay else today
    for task_id in open_tasks.filter(due_date__lt=threshold, escalations__level=1).exclude(
            escalations__level=2).values_list("pk", flat=True):
        stats["level2"] += _escalate(task_id, 2, today)
    return stats
