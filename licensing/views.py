"""The applicant's application form, the decision forms of its steps, and the
application's panel on the case page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cases import kinds
from cases.models import Attachment, Task, TaskRole, TaskStatus
from core.abilities import may
from core.errors import DomainError
from core.vocab import Step, label_of
from institutions import selectors
from institutions import services as registry
from institutions.models import Course, CourseMode, CourseSlot, Institution, Staff
from licensing import services
from licensing.forms import (
    ONSITE_ITEMS,
    AcceptForm,
    ApplyForm,
    ConcludeForm,
    LicenceForm,
    OnsiteForm,
    RegistrationForm,
)
from licensing.models import LicensingApplication, Stage
from org.models import Region
from org.scope import Action


@login_required
def office_apply(request: HttpRequest, uscc: str) -> HttpResponse:
    """Apply for establishment, re-licensing, change or termination."""
    try:
        institution = selectors.office_qs(request.user).get(uscc=uscc)
    except Institution.DoesNotExist:
        raise Http404
    if not may(request.user, "licensing.apply", institution):
        raise Http404  # a form the user may not submit is not offered
    form = ApplyForm(request.POST or None, request.FILES or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_submit(
                actor=request.user, institution=institution,
                action=form.cleaned_data["action"], change_details=form.change_details(),
                documents=form.uploads())
            messages.success(request, _("Application submitted: %(number)s")
                             % {"number": application.case.number})
            return redirect(application.case.get_absolute_url())
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    return render(request, "licensing/apply.html",
                  {"form": form, "title": _("Apply"), "institution": institution,
                   "upload_mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)},
                  status=400 if request.method == "POST" else 200)


DECISION_FORMS = {"accept": AcceptForm, "onsite": OnsiteForm, "conclude": ConcludeForm,
                  "register": RegistrationForm, "licence": LicenceForm}


@login_required
def licensing_decide(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """The decision steps of a licensing application, each with its own form."""
    if verb not in DECISION_FORMS:
        raise Http404
    application = get_object_or_404(
        LicensingApplication.objects.restrict(request.user).select_related("case", "institution"),
        pk=pk)
    form = DECISION_FORMS[verb](request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if verb == "accept":
                services.application_accept(actor=request.user, application=application,
                                             accept=data["accept"], reason=data["reason"])
            elif verb == "onsite":
                services.application_record_onsite(actor=request.user, application=application,
                                                    checklist=form.checklist(), note=data["note"],
                                                    photos=data["photos"])
            elif verb == "conclude":
                services.application_conclude(actor=request.user, application=application,
                                               approve=data["approve"], reason=data["reason"])
            elif verb == "register":
                services.application_record_registration(
                    actor=request.user, application=application,
                    registration_number=data["registration_number"],
                    certificate=data["certificate"])
            else:
                services.application_issue_licence(actor=request.user, application=application,
                                                    licence_number=data["licence_number"],
                                                    valid_until=data["valid_until"])
            messages.success(request, _("Decision recorded."))
            return redirect(application.case.get_absolute_url())
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    status = 400 if request.method == "POST" else 200
    if verb == "conclude":
        return render(request, "licensing/conclude.html", {
            "form": form, "application": application,
            "evidence": conclusion_evidence(request.user, application)}, status=status)
    return render(request, "institutions/office_form.html",
                  {"form": form, "title": application, "case": application.case},
                  status=status)


def conclusion_evidence(user: Any, application: LicensingApplication) -> dict[str, Any]:
    """What the head reads before concluding (issue 14 C3): the co-signatures, the on-site
    checklist with its note and photos, each current staff member's checks (000 §3), the
    work done on the other steps, and the documents; each read as `user` may."""
    case = application.case
    tasks = Task.objects.restrict(user).filter(case=case).select_related(
        "department", "completed_by").order_by("created_at", "id")
    photos = Attachment.objects.restrict(user).filter(
        case=case, content_type__in=sorted(services.PHOTO_TYPES))
    onsite = application.decisions.get(Stage.ONSITE) or {}
    return {
        "cosign": [t for t in tasks if t.step == Step.CONCLUSION and t.role == TaskRole.ASSIST],
        "checklist": [(label, application.onsite_checklist.get(key)) for key, label in
                      ONSITE_ITEMS] if application.onsite_checklist else [],
        "onsite_note": onsite.get("reason", ""),
        "photos": list(photos),
        "staff": list(Staff.objects.restrict(user).filter(
            institution=application.institution, left_on__isnull=True).order_by("name", "id")),
        "steps": [(kinds.step_label(case.kind, t.step) or t.duty[:40], t.department.name,
                   t.completion_note) for t in tasks
                  if t.status == TaskStatus.DONE and t.step != Step.CONCLUSION],
        "documents": _documents(user, application),
    }


def _documents(user: Any, application: LicensingApplication) -> list[tuple[str, str, Any]]:
    """The documents that came with the application, as the reader may open them."""
    ids = [d.get("attachment") for d in application.documents.values() if isinstance(d, dict)]
    readable = {a.pk: a for a in Attachment.objects.restrict(user).filter(
        case=application.case, pk__in=[i for i in ids if isinstance(i, int)])}
    return [(d.get("label", code), d.get("source", ""), readable.get(d.get("attachment")))
            for code, d in application.documents.items() if isinstance(d, dict)]


def licensing_panel(*, request: HttpRequest, case: Any) -> tuple[str, dict[str, Any]] | None:
    application = services.application_for_case(request.user, case)
    if application is None:
        return None
    held = {task.step: task for task in Task.objects.restrict(request.user, Action.CHANGE)
            .filter(case=case, status=TaskStatus.OPEN, role=TaskRole.LEAD,
                    step__in=services.DECISION_STEPS).only("step", "department_id")}
    others_open = services.conclusion_waits(case)
    # Who acts next: the open tasks of the case, read as the user may see them.
    waiting = [(t.department.name, kinds.step_label(case.kind, t.step) or t.duty[:40],
                t.due_date, t.is_overdue)
               for t in Task.objects.restrict(request.user).filter(
                   case=case, status=TaskStatus.OPEN).select_related("department")
               .order_by("due_date", "id")]
    verbs = {Step.ACCEPTANCE: "accept", Step.ONSITE_INSPECTION: "onsite",
             Step.CONCLUSION: "conclude", Step.REGISTRATION: "register",
             Step.LICENCE_ISSUE: "licence"}
    return "licensing/_licensing_panel.html", {
        "application": application,
        "stages": [(s, label_of(Stage, s)) for s in services.stages_for(application)
                   if services.planned_tasks(application, s)],
        "decisions": [(label_of(Stage, st), d) for st, d in application.decisions.items()],
        "actions": [(verbs[s], label_of(Step, s)) for s in held if s in verbs and (
            s != Step.CONCLUSION or (may(request.user, "licensing.conclude", held[s])
                                     and not others_open))],
        "awaiting_others": Step.CONCLUSION in held and others_open,
        "waiting": waiting,
        # The documents that came with the application, as the reader may open them.
        "documents": _documents(request.user, application),
        "checklist": [(label, application.onsite_checklist.get(key))
                      for key, label in ONSITE_ITEMS if key in application.onsite_checklist],
        "changes": [(Institution._meta.get_field(k).verbose_name,
                     _region_name(request.user, v) if k == "region" else v)
                    for k, v in application.change_details.items()
                    if k in services.CHANGEABLE_FIELDS],
        "course_changes": [_course_change_rows(item) for item in
                           application.change_details.get(services.COURSES_KEY, [])]}


def _region_name(user: Any, code: str) -> str:
    region = Region.objects.restrict(user).filter(code=code).first()
    return region.name if region else code


def _course_change_rows(item: dict[str, Any]) -> dict[str, Any]:
    """One course of a change application: what differs, before and after."""
    before, after = item.get("before", {}), item.get("after", {})

    def show(key: str, value: Any) -> str:
        if value is None or value == []:
            return "—"
        if key == "slots":
            days = dict(CourseSlot._meta.get_field("weekday").choices)
            return "；".join(f"{days.get(d, d)} {a}-{b}" for d, a, b in value or [])
        if key == "mode":
            return label_of(CourseMode, value)
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return "—" if value in (None, "") else str(value)

    labels = {f: Course._meta.get_field(f).verbose_name for f in registry.COURSE_FIELDS}
    labels["slots"] = _("Schedule")
    return {"name": before.get("name") or after.get("name", ""), "new": bool(item.get("list")),
            "diffs": [(labels[k], show(k, before.get(k)), show(k, after.get(k)))
                      for k in labels if before.get(k) != after.get(k)]}
