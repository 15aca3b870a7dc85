"""The joint-meeting and campaign pages. Every read goes through the scope gateway
(`selectors`), so another county's meeting or campaign answers 404; each form is offered
only to whom its service allows (`core.abilities.may`), and refused with 403 otherwise."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.abilities import may
from core.errors import DomainError
from governance import selectors, services
from governance.forms import (
    CloseoutForm,
    DecisionForm,
    MeetingForm,
    MinutesForm,
    ProblemForm,
    RejectForm,
    RosterForm,
    ScreeningForm,
)
from governance.models import MeetingStatus, MemberUnit, Problem, ProblemStatus
from governance.screening import screening_import
from org.models import Region
from org.scope import Action

PAGE_SIZE = 50


def _viewer(request: HttpRequest, *, page: bool = True) -> Any:
    """The reader of a list page (403 for a role without the ability) or of one record
    (404: a record the user may not read is as missing as one that does not exist)."""
    if not may(request.user, "governance.view"):
        raise Forbidden if page else Http404
    return request.user


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def _home_region(user: Any) -> Region | None:
    """The region whose joint meeting the user keeps (a county or city admin's, the
    office's own region)."""
    return Region.objects.restrict(user, Action.MANAGE).order_by("path").first()


# -- meetings ------------------------------------------------------------------------------

@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    page = Paginator(selectors.meetings(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "governance/meetings.html", {
        "page_obj": page, "may_manage": may(user, "governance.manage_meetings")})


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _home_region(user)
    if region is None or not may(user, "governance.manage_meetings", region):
        raise Forbidden
    units = MemberUnit.objects.restrict(user).filter(region=region).select_related("department")
    form = MeetingForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                actor=user, region=region, kind=data["kind"], title=data["title"],
                held_on=data["held_on"], agenda=data["agenda"], units=data["units"])
            return redirect("governance:meeting", pk=meeting.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return render(request, "governance/meeting_new.html", {"form": form, "region": region},
                  status=400 if form.errors else 200)


def _meeting_or_404(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.meeting_detail(_viewer(request, page=False), pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def _meeting_page(request: HttpRequest, meeting: Any, bound: dict[str, Any] | None = None
                  ) -> HttpResponse:
    user: Any = request.user
    manage = may(user, "governance.manage_meetings", meeting.region)
    open_minutes = meeting.status != MeetingStatus.ISSUED
    units = [row.unit for row in meeting.attendance.all()]
    forms: dict[str, Any] = {}
    if manage and open_minutes:
        forms["minutes"] = MinutesForm(
            initial={"minutes": meeting.minutes,
                     "absent": [r.unit_id for r in meeting.attendance.all() if not r.present]},
            units=MemberUnit.objects.filter(pk__in=[u.pk for u in units]))
        forms["decision"] = DecisionForm(user=user)
    forms.update(bound or {})
    attendance = [(row, meeting.status == MeetingStatus.DRAFTED and row.present and
                   row.confirmed_at is None and may(user, "governance.confirm_minutes", row))
                  for row in meeting.attendance.all()]
    may_issue = manage and meeting.status == MeetingStatus.DRAFTED and all(
        row.confirmed_at for row in meeting.attendance.all() if row.present)
    return render(request, "governance/meeting.html", {
        "meeting": meeting, "attendance": attendance, "forms": forms, "may_issue": may_issue,
    }, status=400 if bound else 200)


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_page(request, _meeting_or_404(request, pk))


@login_required
@require_POST
def meeting_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    meeting = _meeting_or_404(request, pk)
    user: Any = request.user
    if verb == "confirm":
        row = next((r for r in meeting.attendance.all()
                    if str(r.pk) == request.POST.get("attendance")), None)
        if row is None:
            raise Http404
        if not may(user, "governance.confirm_minutes", row):
            raise Forbidden
        try:
            services.minutes_confirm(actor=user, attendance=row)
            messages.success(request, _("Minutes confirmed."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("governance:meeting", pk=meeting.pk)
    if verb not in ("minutes", "decision", "issue"):
        raise Http404
    if not may(user, "governance.manage_meetings", meeting.region):
        raise Forbidden
    if verb == "issue":
        try:
            services.minutes_issue(actor=user, meeting=meeting)
            messages.success(request, _("Minutes issued; each decision is now a case with "
                                        "tasks."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("governance:meeting", pk=meeting.pk)
    form: Any
    if verb == "minutes":
        form = MinutesForm(request.POST, units=MemberUnit.objects.filter(
            pk__in=[r.unit_id for r in meeting.attendance.all()]))
    else:
        form = DecisionForm(request.POST, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if verb == "minutes":
                services.minutes_draft(actor=user, meeting=meeting, minutes=data["minutes"],
                                       absent=data["absent"])
            else:
                services.decision_add(actor=user, meeting=meeting, text=data["text"],
                                      lead=data["lead"], assisting=data["assisting"])
            messages.success(request, _("Saved."))
            return redirect("governance:meeting", pk=meeting.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return _meeting_page(request, selectors.meeting_detail(user, meeting.pk), {verb: form})


# -- member units and roster ---------------------------------------------------------------

@login_required
def units(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    rows = list(selectors.units(user))
    return render(request, "governance/units.html", {
        "units": [(u, may(user, "governance.manage_meetings", u.region)) for u in rows]})


@login_required
def roster_change(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request, page=False)
    unit = selectors.units(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    if not may(user, "governance.manage_meetings", unit.region):
        raise Forbidden
    form = RosterForm(request.POST or None, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.roster_change(actor=user, unit=unit, position=data["position"],
                                   name=data["name"], title=data["title"],
                                   phone=data["phone"], start=data["start"],
                                   replaces=data["replaces"])
            messages.success(request, _("Saved."))
            return redirect("governance:units")
        except DomainError as exc:
            _form_error(form, exc)
    return render(request, "governance/roster_change.html", {"unit": unit, "form": form},
                  status=400 if form.errors else 200)


# -- campaigns -----------------------------------------------------------------------------

@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    page = Paginator(selectors.campaigns(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "governance/campaigns.html", {"page_obj": page})


def _campaign_page(request: HttpRequest, campaign: Any,
                   bound: tuple[int, str, Any] | None = None) -> HttpResponse:
    user: Any = request.user
    manage = may(user, "governance.manage_campaigns", campaign.region)
    rows = []
    for problem in campaign.problems.all():
        forms: dict[str, Any] = {}
        if problem.status == ProblemStatus.OPEN and may(user, "governance.request_closeout",
                                                        problem):
            forms["closeout"] = CloseoutForm()
        if problem.status == ProblemStatus.PENDING and may(user, "governance.approve_closeout",
                                                           campaign.region):
            forms["reject"] = RejectForm()
            forms["approve"] = None
        if bound is not None and bound[0] == problem.pk:
            forms[bound[1]] = bound[2]
        rows.append((problem, forms))
    return render(request, "governance/campaign.html", {
        "campaign": campaign, "rows": rows, "manage": manage,
        "problem_form": bound[2] if bound and bound[1] == "problem" else
        (ProblemForm(user=user) if manage else None),
    }, status=400 if bound else 200)


def _campaign_or_404(request: HttpRequest, pk: int) -> Any:
    try:
        return selectors.campaign_detail(_viewer(request, page=False), pk)
    except ObjectDoesNotExist:
        raise Http404 from None


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_page(request, _campaign_or_404(request, pk))


@login_required
@require_POST
def campaign_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    user: Any = request.user
    if verb not in ("problem", "summary"):
        raise Http404
    if not may(user, "governance.manage_campaigns", campaign.region):
        raise Forbidden
    if verb == "summary":
        try:
            services.summary_submit(actor=user, campaign=campaign)
            messages.success(request, _("Summary report recorded as submitted."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("governance:campaign", pk=campaign.pk)
    form = ProblemForm(request.POST, user=user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.problem_add(actor=user, campaign=campaign, **data)
            messages.success(request, _("Saved."))
            return redirect("governance:campaign", pk=campaign.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return _campaign_page(request, campaign, (0, "problem", form))


@login_required
@require_POST
def problem_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    user = _viewer(request, page=False)
    problem = Problem.objects.restrict(user).select_related("campaign__region").filter(
        pk=pk).first()
    if problem is None or verb not in ("closeout", "approve", "reject"):
        raise Http404
    region = problem.campaign.region
    allowed = may(user, "governance.request_closeout", problem) if verb == "closeout" else \
        may(user, "governance.approve_closeout", region)
    if not allowed:
        raise Forbidden
    form: Any = None
    done = False
    try:
        if verb == "closeout":
            form = CloseoutForm(request.POST, request.FILES)
            if form.is_valid():
                services.closeout_request(actor=user, problem=problem,
                                          evidence_note=form.cleaned_data["evidence_note"],
                                          upload=form.cleaned_data["evidence_file"])
                done = True
        elif verb == "reject":
            form = RejectForm(request.POST)
            if form.is_valid():
                services.closeout_decide(actor=user, problem=problem, approve=False,
                                         reason=form.cleaned_data["reason"])
                done = True
        else:
            services.closeout_decide(actor=user, problem=problem, approve=True)
            done = True
    except DomainError as exc:
        if form is None:
            messages.error(request, str(exc.message))
        else:
            _form_error(form, exc)
    if form is not None and form.errors:
        campaign = selectors.campaign_detail(user, problem.campaign_id)
        return _campaign_page(request, campaign, (problem.pk, verb, form))
    if done:
        messages.success(request, _("Saved."))
    return redirect("governance:campaign", pk=problem.campaign_id)


@login_required
def problem_evidence(request: HttpRequest, pk: int) -> FileResponse:
    user = _viewer(request, page=False)
    problem = Problem.objects.restrict(user).filter(pk=pk).exclude(evidence_file="").first()
    if problem is None:
        raise Http404
    return FileResponse(problem.evidence_file.open("rb"), as_attachment=True,
                        content_type=problem.evidence_type)


# -- market-entity screening ---------------------------------------------------------------

@login_required
def screening(request: HttpRequest) -> HttpResponse:
    """The screened entities (matched, or with their check case) and the import form
    (004 §6(2)3); an import with bad rows records nothing and shows each row's reason."""
    user = _viewer(request)
    may_import = may(user, "governance.import_screening")
    form = ScreeningForm(request.POST or None, request.FILES or None) if may_import else None
    job = None
    if request.method == "POST":
        if form is None:
            raise Forbidden
        if form.is_valid():
            try:
                job = screening_import(actor=user, upload=form.cleaned_data["file"])
                if not job.errors:
                    messages.success(request, _("List imported."))
                    return redirect("governance:screening")
            except DomainError as exc:
                _form_error(form, exc)
    page = Paginator(selectors.screened(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "governance/screening.html", {
        "page_obj": page, "form": form, "job": job},
        status=400 if (form is not None and form.errors) or (job and job.errors) else 200)
