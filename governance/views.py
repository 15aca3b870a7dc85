"""The joint-meeting and campaign pages. Every read goes through the scope gateway
(`selectors`), so another county's meeting or campaign answers 404; each form is offered
only to whom its service allows (`core.abilities.may`), and refused with 403 otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.selectors import viewable_case_ids
from core.abilities import may
from core.errors import DomainError
from core.paging import keyset_page
from governance import selectors, services
from governance.forms import (
    CampaignForm,
    CloseoutForm,
    DecisionForm,
    FilingForm,
    MeasureForm,
    MeetingForm,
    MinutesForm,
    OutcomeForm,
    PlanCallForm,
    PlanFileForm,
    ProblemForm,
    RejectForm,
    RosterForm,
    ScreeningForm,
    SpotCheckForm,
    UnitForm,
)
from governance.models import (
    CountyPlan,
    FilingKind,
    MeetingStatus,
    MemberUnit,
    Problem,
    ProblemStatus,
    RectificationMeasure,
    UnitFiling,
)
from governance.screening import screening_import, screening_outcome_record
from org.models import Region, RegionLevel
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


def _attempt(request: HttpRequest, form: Any, save: Callable[[dict[str, Any]], Any],
             message: str | None) -> tuple[bool, Any]:
    """The form step every governance page shares: on a valid POST, run the service with
    the cleaned data and say so (its success message); a refusal of the service
    (DomainError) is shown on the form (STYLE.md habit 5)."""
    if request.method != "POST" or form is None or not form.is_valid():
        return False, None
    try:
        result = save(form.cleaned_data)
    except DomainError as exc:
        _form_error(form, exc)
        return False, None
    if message:
        messages.success(request, message)
    return True, result


def _saved(request: HttpRequest, form: Any, save: Callable[[dict[str, Any]], Any],
           message: str | None = None) -> bool:
    """Whether the form's service ran (see `_attempt`)."""
    return _attempt(request, form, save, message)[0]


def _created(request: HttpRequest, form: Any, save: Callable[[dict[str, Any]], Any],
             message: str | None = None) -> Any:
    """The row a creating service made, or None when the form was not saved."""
    ok, row = _attempt(request, form, save, message)
    return row if ok else None


def _status(form: Any) -> int:
    """A page whose form has errors answers 400."""
    return 400 if form is not None and form.errors else 200


def _home_region(user: Any) -> Region | None:
    """The region whose joint meeting the user keeps (a county or city admin's, the
    office's own region)."""
    return Region.objects.restrict(user, Action.MANAGE).order_by("path").first()


# -- meetings ------------------------------------------------------------------------------

@login_required
def meetings(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    page = keyset_page(selectors.meetings(user), request.GET, size=PAGE_SIZE,
                       name="governance:meetings")
    return render(request, "governance/meetings.html", {
        "page": page, "may_manage": may(user, "governance.manage_meetings")})


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _home_region(user)
    if region is None or not may(user, "governance.manage_meetings", region):
        raise Forbidden
    units = MemberUnit.objects.restrict(user).filter(region=region).select_related("department")
    form = MeetingForm(request.POST or None, units=units)
    meeting = _created(request, form, lambda data: services.meeting_create(
        actor=user, region=region, kind=data["kind"], title=data["title"],
        held_on=data["held_on"], agenda=data["agenda"], units=data["units"]))
    if meeting is not None:
        return redirect("governance:meeting", pk=meeting.pk)
    return render(request, "governance/meeting_new.html", {"form": form, "region": region},
                  status=_status(form))


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
        # A decision's case is linked only for those who may open it (the audit's finding:
        # an officer of another department reached its 404 from here).
        "viewable_cases": viewable_case_ids(user, (d.case_id for d in meeting.decisions.all())),
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
        "units": [(u, may(user, "governance.manage_meetings", u.region)) for u in rows],
        "may_add": _home_region(user) is not None and may(user, "governance.manage_meetings")})


@login_required
def roster_change(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request, page=False)
    unit = selectors.units(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    if not may(user, "governance.manage_meetings", unit.region):
        raise Forbidden
    form = RosterForm(request.POST or None, unit=unit)
    if _saved(request, form, lambda data: services.roster_change(
            actor=user, unit=unit, position=data["position"], name=data["name"],
            title=data["title"], phone=data["phone"], start=data["start"],
            replaces=data["replaces"]), _("Saved.")):
        return redirect("governance:units")
    return render(request, "governance/roster_change.html", {"unit": unit, "form": form},
                  status=_status(form))


# -- campaigns -----------------------------------------------------------------------------

@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    page = keyset_page(selectors.campaigns(user), request.GET, size=PAGE_SIZE,
                       name="governance:campaigns")
    return render(request, "governance/campaigns.html", {
        "page": page, "may_manage": may(user, "governance.manage_campaigns"),
        "open_plans": selectors.open_county_plans(user)})


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
        if problem.status != ProblemStatus.CLOSED and may(user, "governance.request_closeout",
                                                         problem):
            forms["measure"] = MeasureForm()
        if bound is not None and bound[0] == problem.pk:
            forms[bound[1]] = bound[2]
        rows.append((problem, forms))
    return render(request, "governance/campaign.html", {
        "campaign": campaign, "rows": rows, "manage": manage,
        "problem_form": bound[2] if bound and bound[1] == "problem" else
        (ProblemForm(user=user) if manage else None),
        **_campaign_extras(user, campaign, bound),
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
    page = keyset_page(selectors.screened(user), request.GET, size=PAGE_SIZE,
                       name="governance:screening")
    # A check case is linked only for those who may open it, as on the entity's page (the
    # walk of 2 December: the culture bureau's officer read the list, whose check cases,
    # led by education, answered them 404).
    viewable = viewable_case_ids(user, (e.case_id for e in page.object_list))
    return render(request, "governance/screening.html", {
        "page": page, "form": form, "job": job, "viewable_cases": viewable},
        status=400 if (form is not None and form.errors) or (job and job.errors) else 200)


# -- issue 12, governance part A: unit and campaign pages, screening outcomes, county plans,
# -- the rectification ledger, spot-checks, member-unit filings ------------------------------

def _campaign_extras(user: Any, campaign: Any, bound: tuple[int, str, Any] | None
                     ) -> dict[str, Any]:
    """The campaign page's sections of part A: the county plans of a city campaign (and
    the call for them), discipline inspection's spot-checks and its form, the overdue
    time nodes of the rectification ledger."""
    manage = may(user, "governance.manage_campaigns", campaign.region)
    is_city = campaign.region.level < RegionLevel.COUNTY
    closed = [p for p in campaign.problems.all() if p.status == ProblemStatus.CLOSED]
    spot_form = None
    if may(user, "governance.record_spotcheck", campaign.region) and closed:
        spot_form = SpotCheckForm(problems=Problem.objects.filter(pk__in=[p.pk for p in closed]),
                                  initial={"checked_on": timezone.localdate()})
    plan_call_form = PlanCallForm() if manage and is_city else None
    if bound is not None and bound[1] == "spotcheck":
        spot_form = bound[2]
    if bound is not None and bound[1] == "plancall":
        plan_call_form = bound[2]
    return {"today": timezone.localdate(), "is_city": is_city,
            "county_plans": list(campaign.county_plans.all()),
            "spot_checks": list(campaign.spot_checks.all()),
            "spot_form": spot_form, "plan_call_form": plan_call_form}


def _manageable_region(user: Any, ability: str) -> Region:
    region = _home_region(user)
    if region is None or not may(user, ability, region):
        raise Forbidden
    return region


@login_required
def unit_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _manageable_region(user, "governance.manage_meetings")
    form = UnitForm(request.POST or None, user=user)
    if _saved(request, form, lambda data: services.unit_add(
            actor=user, region=region, department=data["department"],
            is_convenor=data["is_convenor"], hosts_office=data["hosts_office"],
            order=data["order"]), _("Saved.")):
        return redirect("governance:units")
    return render(request, "governance/unit_form.html", {"form": form, "unit": None},
                  status=_status(form))


@login_required
def unit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request, page=False)
    unit = selectors.units(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    if not may(user, "governance.manage_meetings", unit.region):
        raise Forbidden
    form = UnitForm(request.POST or None, user=user, new=False, initial={
        "is_convenor": unit.is_convenor, "hosts_office": unit.hosts_office,
        "order": unit.order})
    if _saved(request, form, lambda data: services.unit_update(
            actor=user, unit=unit, is_convenor=data["is_convenor"],
            hosts_office=data["hosts_office"], order=data["order"]), _("Saved.")):
        return redirect("governance:units")
    return render(request, "governance/unit_form.html", {"form": form, "unit": unit},
                  status=_status(form))


def _campaign_form_page(request: HttpRequest, campaign: Any, region: Region) -> HttpResponse:
    user: Any = request.user
    form = CampaignForm(request.POST or None,
                        initial=CampaignForm.initial_for(campaign) if campaign else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if campaign is None:
                campaign = services.campaign_create(
                    actor=user, region=region, title=data["title"],
                    summary_due=data["summary_due"], phases=data["phases"])
            else:
                services.campaign_update(actor=user, campaign=campaign, title=data["title"],
                                         summary_due=data["summary_due"],
                                         phases=data["phases"])
            messages.success(request, _("Saved."))
            return redirect("governance:campaign", pk=campaign.pk)
        except DomainError as exc:
            form.add_domain_error(exc.field, str(exc.message))
    return render(request, "governance/campaign_form.html", {
        "form": form, "campaign": campaign, "region": region,
        "phase_rows": [(form[f"{code}_start"], form[f"{code}_end"], label)
                       for code, label in CampaignForm.phase_choices()]},
        status=400 if form.errors else 200)


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    region = _manageable_region(request.user, "governance.manage_campaigns")
    return _campaign_form_page(request, None, region)


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    if not may(request.user, "governance.manage_campaigns", campaign.region):
        raise Forbidden
    return _campaign_form_page(request, campaign, campaign.region)


@login_required
def screening_entity(request: HttpRequest, pk: int) -> HttpResponse:
    """One screened entity with its check and, once recorded, its outcome; the form for
    the outcome to whom may record it (004 §6(2)3)."""
    user = _viewer(request, page=False)
    try:
        entity = selectors.screened_entity(user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    outcome = getattr(entity, "outcome", None)
    may_record = entity.case_id is not None and outcome is None and \
        may(user, "governance.record_screening_outcome", entity)
    form = OutcomeForm(request.POST or None) if may_record else None
    if request.method == "POST" and form is None:
        raise Forbidden
    if _saved(request, form, lambda data: screening_outcome_record(
            actor=user, entity=entity, **data), _("Outcome recorded.")):
        return redirect("governance:screening_entity", pk=entity.pk)
    # The check's case and the outcome's enforcement and black-list cases are linked only
    # for those who may open them (as a meeting's decisions).
    viewable = viewable_case_ids(user, [entity.case_id] + [
        getattr(getattr(outcome, name, None), "case_id", None)
        for name in ("enforcement", "blacklist")])
    return render(request, "governance/screening_entity.html", {
        "entity": entity, "outcome": outcome, "form": form, "viewable_cases": viewable},
        status=_status(form))


@login_required
@require_POST
def plan_call(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    user: Any = request.user
    if not may(user, "governance.manage_campaigns", campaign.region):
        raise Forbidden
    form = PlanCallForm(request.POST)
    if form.is_valid():
        try:
            made = services.plan_call(actor=user, campaign=campaign, due=form.cleaned_data["due"])
            messages.success(request, _("%(n)s counties asked for their plans.") % {"n": len(made)})
            return redirect("governance:campaign", pk=campaign.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return _campaign_page(request, selectors.campaign_detail(user, campaign.pk),
                          (0, "plancall", form))


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A county's plan for a city campaign: the county files it here (DOMAIN.md §4.8)."""
    user = _viewer(request, page=False)
    try:
        plan = selectors.county_plan(user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    may_file = plan.filed_at is None and may(user, "governance.file_county_plan", plan.county) \
        and CountyPlan.objects.restrict(user, Action.CHANGE).filter(pk=plan.pk).exists()
    form = PlanFileForm(request.POST or None, request.FILES or None) if may_file else None
    if request.method == "POST" and form is None:
        raise Forbidden
    if _saved(request, form, lambda data: services.plan_file(
            actor=user, plan=plan, text=data["text"], upload=data["file"]), _("Plan filed.")):
        return redirect("governance:plan", pk=plan.pk)
    # The plan's case (FA-…) is linked only for those who may open it, as a meeting's
    # decisions: a reader of the plan who is not on the case would reach its 404.
    case_viewable = bool(viewable_case_ids(user, [plan.case_id]))
    return render(request, "governance/plan.html", {
        "plan": plan, "form": form, "case_viewable": case_viewable}, status=_status(form))


@login_required
def plan_document(request: HttpRequest, pk: int) -> FileResponse:
    user = _viewer(request, page=False)
    plan = CountyPlan.objects.restrict(user).filter(pk=pk).exclude(file="").first()
    if plan is None:
        raise Http404
    return FileResponse(plan.file.open("rb"), as_attachment=True, content_type=plan.file_type)


@login_required
@require_POST
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request, page=False)
    problem = Problem.objects.restrict(user).filter(pk=pk).first()
    if problem is None:
        raise Http404
    if not may(user, "governance.request_closeout", problem):
        raise Forbidden
    form = MeasureForm(request.POST)
    if _saved(request, form, lambda data: services.measure_add(
            actor=user, problem=problem, **data), _("Saved.")):
        return redirect("governance:campaign", pk=problem.campaign_id)
    return _campaign_page(request, selectors.campaign_detail(user, problem.campaign_id),
                          (problem.pk, "measure", form))


@login_required
@require_POST
def measure_done(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request, page=False)
    row = RectificationMeasure.objects.restrict(user).select_related("problem").filter(
        pk=pk).first()
    if row is None:
        raise Http404
    if not may(user, "governance.request_closeout", row.problem):
        raise Forbidden
    try:
        services.measure_done(actor=user, measure=row)
        messages.success(request, _("Saved."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("governance:campaign", pk=row.problem.campaign_id)


@login_required
@require_POST
def spotcheck_add(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign_or_404(request, pk)
    user: Any = request.user
    if not may(user, "governance.record_spotcheck", campaign.region):
        raise Forbidden
    form = SpotCheckForm(request.POST, problems=campaign.problems.filter(
        status=ProblemStatus.CLOSED))
    if _saved(request, form, lambda data: services.spotcheck_record(
            actor=user, campaign=campaign, **data), _("Spot-check recorded.")):
        return redirect("governance:campaign", pk=campaign.pk)
    return _campaign_page(request, campaign, (0, "spotcheck", form))


@login_required
def filings(request: HttpRequest) -> HttpResponse:
    """The supervision plans and working-group rosters the member units filed with the
    joint office (001 §6(1)), each unit's latest of each kind, and the form to file."""
    user = _viewer(request)
    year = timezone.localdate().year
    all_units = list(MemberUnit.objects.restrict(user).select_related("department", "region")
                     .order_by("region__code", "order", "id"))
    filed = set(UnitFiling.objects.restrict(user).filter(year=year).values_list("unit_id",
                                                                                 "kind"))
    # each mark with its kind's name, which labels it where a phone shows the unit as a
    # card (issue 14 C6)
    coverage = [(u, [((u.pk, kind) in filed, label) for kind, label in FilingKind.choices])
                for u in all_units]
    units = [u for u in all_units if may(user, "governance.file_unit_filing", u)]
    form = FilingForm(request.POST or None, request.FILES or None,
                      units=MemberUnit.objects.filter(pk__in=[u.pk for u in units]
                                                      ).select_related("department"),
                      initial={"year": year}) if units else None
    if request.method == "POST" and form is None:
        raise Forbidden
    if _saved(request, form, lambda data: services.filing_submit(
            actor=user, unit=data["unit"], kind=data["kind"], year=data["year"],
            text=data["text"], upload=data["file"]), _("Filed with the joint office.")):
        return redirect("governance:filings")
    # Keyset pages (issue 13): filings grow each year with every member unit.
    page = keyset_page(selectors.filings(user), request.GET, size=PAGE_SIZE,
                       name="governance:filings")
    return render(request, "governance/filings.html", {
        "page": page, "form": form, "kinds": FilingKind.choices, "year": year,
        "coverage": coverage}, status=_status(form))


@login_required
def filing_document(request: HttpRequest, pk: int) -> FileResponse:
    user = _viewer(request, page=False)
    filing = UnitFiling.objects.restrict(user).filter(pk=pk).exclude(file="").first()
    if filing is None:
        raise Http404
    return FileResponse(filing.file.open("rb"), as_attachment=True,
                        content_type=filing.file_type)
