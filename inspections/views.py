"""Office pages of annual and daily inspections and rectification orders, and the public
page of published annual-inspection results. Every read goes through the selectors'
`restrict()`; missing and forbidden answer 404."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.abilities import may
from core.errors import DomainError
from core.ratelimit import downloads_limited, limited
from inspections import credit, planner, selectors, services, targets
from inspections.filters import DailyPageFilter, RoundPageFilter
from inspections.forms import (
    AppealDecisionForm,
    AppealForm,
    BlacklistForm,
    DailyForm,
    DrawForm,
    EnforcementForm,
    EvidenceForm,
    GroupForm,
    InspectForm,
    MoveForm,
    PenaltyForm,
    RecheckForm,
    RemovalForm,
    ResultForm,
    RoundForm,
    ZombieCloseForm,
)
from inspections.models import (
    AnnualResult,
    AppealState,
    BlacklistState,
    DailyState,
    OrderState,
    RoundState,
    ZombieOutcome,
)
from institutions.models import Institution
from institutions.uscc import normalise

PAGE_SIZE = 30
#: What the service worker keeps so that a prepared visit opens with no network.
OFFLINE_SHELL = (
    "vendor/bootstrap/bootstrap.min.css", "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "portal/portal.css", "portal/favicon.svg", "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js", "portal/portal.js", "inspections/offline.js",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
)
#: Raise to make every phone drop its cached shell.
OFFLINE_VERSION = "1"


def _get(read: Callable[..., Any], *args: Any) -> Any:
    try:
        return read(*args)
    except ObjectDoesNotExist:
        raise Http404 from None


def _office(request: HttpRequest, ability: str = "inspections.view") -> None:
    if not may(request.user, ability):
        raise Http404


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def _list_page(request: HttpRequest, rows: Any, template: str, **extra: Any) -> HttpResponse:
    """A paged office list (rows come from a selector, through the scope gateway)."""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, f"inspections/{template}", {"page": page, **extra})


def _filtered_page(request: HttpRequest, filterset: Any, template: str,
                   **extra: Any) -> HttpResponse:
    """A paged office list under its filter: bad filter values are field errors (400) and
    list nothing, never rows the filter did not choose (issue 12: a dashboard figure's
    link shows exactly the rows it counts)."""
    from complaints.filters import region_options

    valid = filterset.is_valid()
    rows = filterset.qs if valid else filterset.queryset.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, f"inspections/{template}", {
        "page": page, "filter": filterset,
        "regions": region_options(request.user, request.GET.get("region")), **extra},
        status=200 if valid else 400)


def _form_page(request: HttpRequest, form: Any, title: str, **extra: Any) -> HttpResponse:
    return render(request, "inspections/form.html", {"form": form, "title": title, **extra},
                  status=400 if request.method == "POST" else 200)


# -- annual inspection ---------------------------------------------------------------------

@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    _office(request)
    filterset = RoundPageFilter(request.GET, queryset=selectors.round_list(request.user))
    return _filtered_page(request, filterset, "round_list.html",
                          totals=selectors.round_totals(filterset.qs)
                          if filterset.is_valid() else None,
                          may_plan=may(request.user, "inspections.plan_round"))


@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "inspections.plan_round"):
        raise Http404
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rnd = services.round_create(actor=request.user, county=data["county"],
                                        year=data["year"], category=data["category"],
                                        plan=data["plan"], starts_on=data["starts_on"],
                                        ends_on=data["ends_on"])
            messages.success(request, _("Round planned: %(number)s") % {"number": rnd.case.number})
            return redirect("inspections:round_detail", pk=rnd.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return _form_page(request, form, _("Plan an annual inspection round"))


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = _get(selectors.round_detail, request.user, pk)
    target = (rnd.region, rnd.category)
    open_round = rnd.state != RoundState.PUBLISHED
    may_plan = open_round and may(request.user, "inspections.plan_round", target)
    return render(request, "inspections/round_detail.html", {
        "round": rnd, "inspections": selectors.round_inspections(rnd),
        "towns": selectors.round_town_names(rnd),
        "groups": rnd.groups.prefetch_related("members"),
        "assists": rnd.assisting_departments.all(),
        "may_plan": may_plan,
        "may_record": open_round and may(request.user, "inspections.record_result", target),
        "may_publish": open_round and may(request.user, "inspections.publish_results", target),
        "group_form": GroupForm(round=rnd) if may_plan else None,
        "pending": AnnualResult.PENDING})


@login_required
@require_POST
def round_group(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = _get(selectors.round_detail, request.user, pk)
    if not may(request.user, "inspections.plan_round", (rnd.region, rnd.category)):
        raise Http404
    form = GroupForm(request.POST, round=rnd)
    if form.is_valid():
        try:
            services.group_save(actor=request.user, round=rnd, name=form.cleaned_data["name"],
                                members=list(form.cleaned_data["members"]))
            messages.success(request, _("Group saved."))
            return redirect("inspections:round_detail", pk=rnd.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return _form_page(request, form, _("Inspection group"))


@login_required
@require_POST
def round_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    rnd = _get(selectors.round_detail, request.user, pk)
    actions = {"balance": services.round_balance, "publish": services.round_publish}
    abilities = {"balance": "inspections.plan_round", "publish": "inspections.publish_results"}
    if verb not in actions or not may(request.user, abilities[verb], (rnd.region, rnd.category)):
        raise Http404
    try:
        actions[verb](actor=request.user, round=rnd)
        messages.success(request, _("Done."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("inspections:round_detail", pk=rnd.pk)


@login_required
def annual_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One institution's annual inspection: the checklist form, and its group."""
    inspection = _get(selectors.annual_detail, request.user, pk)
    rnd = inspection.round
    target = (rnd.region, rnd.category)
    items = list(rnd.template.items.all())
    may_record = inspection.result == AnnualResult.PENDING and \
        rnd.state != RoundState.PUBLISHED and may(request.user, "inspections.record_result",
                                                   target)
    form = ResultForm(request.POST or None, items=items) if may_record else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.result_record(actor=request.user, inspection=inspection,
                                       answers=form.answers(), notes=form.cleaned_data["notes"],
                                       inspected_on=form.cleaned_data["inspected_on"])
                messages.success(request, _("Result recorded."))
                return redirect("inspections:round_detail", pk=rnd.pk)
            except DomainError as exc:
                _form_error(form, exc)
    may_move = rnd.state != RoundState.PUBLISHED and may(request.user, "inspections.plan_round",
                                                         target)
    return render(request, "inspections/annual_detail.html", {
        "inspection": inspection, "round": rnd, "items": items, "form": form,
        "move_form": MoveForm(round=rnd, initial={"group": inspection.group_id})
        if may_move else None}, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def annual_move(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = _get(selectors.annual_detail, request.user, pk)
    rnd = inspection.round
    if not may(request.user, "inspections.plan_round", (rnd.region, rnd.category)):
        raise Http404
    form = MoveForm(request.POST, round=rnd)
    if not form.is_valid():
        messages.error(request, _("Choose a group of this round."))
    else:
        try:
            services.inspection_move(actor=request.user, inspection=inspection,
                                     group=form.cleaned_data["group"])
            messages.success(request, _("Group changed."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return redirect("inspections:annual_detail", pk=inspection.pk)


@limited
def public_results(request: HttpRequest, year: int | None = None) -> HttpResponse:
    """Published annual-inspection results (000 §3: the lead department publishes them)."""
    years = selectors.published_years()
    if year is None and years:
        year = years[0]
    results = selectors.published_results(request.user, year) if year else None
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page")) \
        if results is not None else None
    return render(request, "inspections/public_results.html",
                  {"years": years, "year": year, "page": page})


# -- daily inspections ---------------------------------------------------------------------

@login_required
def daily_list(request: HttpRequest) -> HttpResponse:
    _office(request)
    filterset = DailyPageFilter(request.GET, queryset=selectors.daily_list(request.user))
    query = request.GET.copy()
    query.pop("page", None)
    return _filtered_page(request, filterset, "daily_list.html", export_query=query.urlencode(),
                          may_open=may(request.user, "inspections.open_daily"),
                          may_draw=may(request.user, "inspections.random_draw"))


@login_required
def daily_new(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "inspections.open_daily"):
        raise Http404
    initial = {k: request.GET[k] for k in ("mode", "planned_on", "institution")
               if request.GET.get(k)}
    form = DailyForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        institution = None
        if data["institution"]:
            institution = Institution.objects.restrict(request.user).filter(
                uscc=normalise(data["institution"])).select_related("region").first()
            if institution is None:
                form.add_error("institution", _("No institution with this code in your scope."))
        if institution is None and data["region"] is None and not form.errors:
            form.add_error("region", _("Give the region of the site."))
        if not form.errors:
            try:
                inspection = services.daily_open(
                    actor=request.user, mode=data["mode"],
                    region=institution.region if institution else data["region"],
                    planned_on=data["planned_on"], departments=list(data["departments"]),
                    lead=data["lead"], institution=institution, site_type=data["site_type"],
                    site_address=data["site_address"])
                messages.success(request, _("Inspection planned: %(number)s")
                                 % {"number": inspection.case.number})
                return redirect("inspections:daily_detail", pk=inspection.pk)
            except DomainError as exc:
                _form_error(form, exc)
    return _form_page(request, form, _("Plan a daily inspection"),
                      targets=targets.complaint_targets(request.user,
                                                        today=timezone.localdate()))


@login_required
def daily_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The inspection, and on site its form (made for a phone)."""
    inspection = _get(selectors.daily_detail, request.user, pk)
    items = list(inspection.template.items.select_related("violation"))
    may_inspect = inspection.state == DailyState.PLANNED and \
        may(request.user, "inspections.inspect", inspection)
    form = InspectForm(request.POST or None, request.FILES or None, items=items) \
        if may_inspect else None
    if request.method == "POST" and form is None:
        return _daily_resent(request, inspection)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.daily_record(
                    actor=request.user, inspection=inspection, answers=form.answers(),
                    notes=data["notes"], findings=data["findings"], rectify=data["rectify"],
                    latitude=data["latitude"], longitude=data["longitude"],
                    photos=data["photos"], unreachable=data["unreachable"],
                    client_id=data["client_id"])
                messages.success(request, _("Inspection form submitted."))
                return redirect("inspections:daily_detail", pk=inspection.pk)
            except DomainError as exc:
                _form_error(form, exc)
    labels = {code: str(label) for code, label in
              (("ok", _("No problem")), ("problem", _("Problem")), ("na", _("Not applicable")))}
    # A problem reads as its violation, not only as the item's wording (which says what
    # should be).
    answered = [(i.text, labels.get(inspection.answers.get(i.code, ""), "—"),
                 services.item_finding(i) if inspection.answers.get(i.code) == "problem"
                 else "") for i in items]
    return render(request, "inspections/daily_detail.html", {
        "inspection": inspection, "form": form, "answered": answered,
        "prepared_at": timezone.localtime(),
        "orders": inspection.orders.select_related("case"),
        "may_enforce": may(request.user, "inspections.open_enforcement", inspection.region),
        "may_stop": may(request.user, "inspections.stop_order"),
        # the institution's staff read their own inspections but not the office's list
        "may_list": may(request.user, "inspections.view")},
        status=400 if request.method == "POST" else 200)


def _daily_resent(request: HttpRequest, inspection: Any) -> HttpResponse:
    """A form posted to an inspection no longer planned. The phone resending the
    submission already recorded (same id) is answered as a success and nothing is created
    twice; a different submission answers 409 (someone else recorded it first); one who
    may not fill the form gets 404."""
    if not may(request.user, "inspections.inspect", inspection):
        raise Http404
    try:
        client_id = uuid.UUID(request.POST.get("client_id", ""))
    except ValueError:
        client_id = None
    if client_id is not None and inspection.client_id == client_id:
        messages.info(request, _("This inspection form was already received."))
        return redirect("inspections:daily_detail", pk=inspection.pk)
    return render(request, "inspections/daily_conflict.html", {"inspection": inspection},
                  status=409)


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker of the office inspection pages (issue 9: the form works with no
    network for a whole visit). Served here, not from /static/, so that its scope covers
    /office/inspections/; it lists the app shell by its static URLs."""
    shell = [static(p) for p in OFFLINE_SHELL]
    version = hashlib.sha256("\n".join([OFFLINE_VERSION, *shell]).encode()).hexdigest()[:12]
    response = render(request, "inspections/sw.js", {
        "shell": json.dumps(shell), "version": version, "static_prefix": settings.STATIC_URL,
        "not_prepared": _("No network, and this page was not prepared for offline.")},
        content_type="text/javascript")
    response["Service-Worker-Allowed"] = reverse("inspections:daily_list").rsplit(
        "daily/", 1)[0]
    response["Cache-Control"] = "no-cache"
    return response


def manifest(request: HttpRequest) -> HttpResponse:
    """The web-app manifest: the inspection office pages installed on the phone."""
    scope = reverse("inspections:daily_list").rsplit("daily/", 1)[0]
    data = {
        "name": _("Daily inspections"), "short_name": _("Inspections"),
        "start_url": reverse("inspections:daily_list"), "scope": scope,
        "display": "standalone", "lang": "zh-CN", "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [{"src": static("portal/favicon.svg"), "sizes": "any",
                   "type": "image/svg+xml"},
                  # Phones want raster icons to install (inspections/icons.py draws them).
                  *({"src": static(f"inspections/icon-{size}.png"),
                     "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any maskable"}
                    for size in (192, 512))],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False),
                        content_type="application/manifest+json")


@login_required
def draw_new(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "inspections.random_draw"):
        raise Http404
    form = DrawForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draw = services.random_draw(
                actor=request.user, region=data["region"], category=data["category"],
                institution_count=data["institution_count"],
                inspector_count=data["inspector_count"], planned_on=data["planned_on"],
                seed=data["seed"])
            return redirect("inspections:draw_detail", pk=draw.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return _form_page(request, form, _("Random draw (双随机)"))


@login_required
def draw_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draw = _get(selectors.draw_detail, request.user, pk)
    return render(request, "inspections/draw_detail.html", {
        "draw": draw, "verified": services.draw_verify(draw),
        "inspections": selectors.daily_list(request.user).filter(draw=draw)})


# -- rectification orders ------------------------------------------------------------------

@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    """`?show=due` keeps the orders waiting for evidence and `?show=overdue` those past
    their deadline: the rows the institution's dashboard figures count."""
    _office(request, "inspections.view_orders")
    rows = selectors.order_list(request.user)
    show = request.GET.get("show")
    if show == "due":
        rows = selectors.evidence_due(rows)
    elif show == "overdue":
        rows = selectors.evidence_due(rows, overdue_on=timezone.localdate())
    else:
        show = "all"
    return _list_page(request, rows, "order_list.html", show=show, order_views=[
        ("all", _("All")), ("due", _("Evidence due")), ("overdue", _("Overdue"))],
                      may_export=may(request.user, "inspections.view"))


@login_required
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get(selectors.order_detail, request.user, pk)
    closed = order.state == OrderState.CLOSED
    evidence_form = EvidenceForm() if not closed and \
        may(request.user, "inspections.submit_evidence", order) else None
    recheck_form = RecheckForm() if not closed and \
        may(request.user, "inspections.recheck", order) else None
    return render(request, "inspections/order_detail.html", {
        "order": order, "evidence_form": evidence_form, "recheck_form": recheck_form,
        "evidence_files": selectors.order_evidence_files(request.user, order)})


@login_required
@require_POST
def order_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    order = _get(selectors.order_detail, request.user, pk)
    form: Any
    abilities = {"evidence": "inspections.submit_evidence", "recheck": "inspections.recheck"}
    if verb not in abilities or not may(request.user, abilities[verb], order):
        raise Http404
    if verb == "evidence":
        form = EvidenceForm(request.POST, request.FILES)
    elif verb == "recheck":
        form = RecheckForm(request.POST)
    else:
        raise Http404
    if form.is_valid():
        data = form.cleaned_data
        try:
            if verb == "evidence":
                services.order_submit_evidence(actor=request.user, order=order,
                                               evidence=data["evidence"], files=data["files"])
            else:
                services.order_recheck(actor=request.user, order=order, passed=data["passed"],
                                       note=data["note"],
                                       extend_workdays=data["extend_workdays"])
            messages.success(request, _("Saved."))
            return redirect("inspections:order_detail", pk=order.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return _form_page(request, form, str(order), case=order.case)


# -- zombie institutions -------------------------------------------------------------------

@login_required
def zombie_list(request: HttpRequest) -> HttpResponse:
    _office(request)
    return _list_page(request, selectors.zombie_list(request.user), "zombie_list.html")


@login_required
def zombie_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cleanup = _get(selectors.zombie_detail, request.user, pk)
    may_close = cleanup.outcome == ZombieOutcome.OPEN and \
        may(request.user, "inspections.close_zombie", cleanup.institution.region)
    form = ZombieCloseForm(request.POST or None) if may_close else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.zombie_close(actor=request.user, cleanup=cleanup,
                                      outcome=form.cleaned_data["outcome"],
                                      note=form.cleaned_data["note"])
                messages.success(request, _("Saved."))
                return redirect("inspections:zombie_detail", pk=cleanup.pk)
            except DomainError as exc:
                _form_error(form, exc)
    return render(request, "inspections/zombie_detail.html", {"cleanup": cleanup, "form": form},
                  status=400 if request.method == "POST" else 200)


# -- enforcement ----------------------------------------------------------------------------

@login_required
def enforcement_list(request: HttpRequest) -> HttpResponse:
    _office(request)
    return _list_page(request, selectors.enforcement_list(request.user),
                      "enforcement_list.html",
                      may_open=may(request.user, "inspections.open_enforcement"))


@login_required
def enforcement_new(request: HttpRequest) -> HttpResponse:
    """Hand a finding to the competent department; from a daily inspection (?daily=) its
    target and findings are filled in."""
    if not may(request.user, "inspections.open_enforcement"):
        raise Http404
    daily = None
    if request.GET.get("daily", "").isdigit():
        daily = _get(selectors.daily_detail, request.user, int(request.GET["daily"]))
    initial = {"findings": daily.findings, "region": daily.region_id,
               "institution": daily.institution.uscc if daily.institution else ""} \
        if daily else {}
    form = EnforcementForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        institution = None
        if data["institution"]:
            institution = Institution.objects.restrict(request.user).filter(
                uscc=normalise(data["institution"])).select_related("region").first()
            if institution is None:
                form.add_error("institution", _("No institution with this code in your scope."))
        region = institution.region if institution else data["region"]
        if region is None and not form.errors:
            form.add_error("region", _("Give the region of the site."))
        if not form.errors:
            try:
                enforcement = services.enforcement_open(
                    actor=request.user, violation=data["violation"], region=region,
                    findings=data["findings"], mode=data["mode"], institution=institution,
                    subject_name=data["subject_name"], daily=daily)
                return redirect("inspections:enforcement_detail", pk=enforcement.pk)
            except DomainError as exc:
                _form_error(form, exc)
    return _form_page(request, form, _("Hand to enforcement"))


@login_required
def enforcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enforcement = _get(selectors.enforcement_detail, request.user, pk)
    may_decide = not enforcement.penalty and \
        may(request.user, "inspections.decide_penalty", enforcement)
    form = PenaltyForm(request.POST or None, request.FILES or None) if may_decide else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.penalty_decide(actor=request.user, enforcement=enforcement,
                                        penalty=data["penalty"],
                                        fine_amount=data["fine_amount"],
                                        legal_basis=data["legal_basis"],
                                        document=data["document"])
                messages.success(request, _("Saved."))
                return redirect("inspections:enforcement_detail", pk=enforcement.pk)
            except DomainError as exc:
                _form_error(form, exc)
    return render(request, "inspections/enforcement_detail.html",
                  {"enforcement": enforcement, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
def planner_page(request: HttpRequest) -> HttpResponse:
    """Proposed dates for the next weeks (004 §4(2)), each a link to plan the inspection."""
    if not may(request.user, "inspections.open_daily"):
        raise Http404
    raw = request.GET.get("weeks", "4")
    weeks = int(raw) if raw.isdigit() and 1 <= int(raw) <= 12 else 4
    start = timezone.localdate()
    error = ""
    try:
        proposals = planner.propose(start, start + dt.timedelta(weeks=weeks) -
                                    dt.timedelta(days=1), request.user.region.county_code
                                    if getattr(request.user, "region", None) else "")
    except DomainError as exc:
        proposals, error = [], str(exc.message)
    return render(request, "inspections/planner.html",
                  {"proposals": proposals, "weeks": weeks, "error": error,
                   "targets": targets.complaint_targets(request.user, today=start)})


# -- black list entries and appeals ------------------------------------------------------------

@login_required
def blacklist_list(request: HttpRequest) -> HttpResponse:
    _office(request, "inspections.view_orders")
    return _list_page(request, selectors.blacklist_list(request.user), "blacklist_list.html",
                      may_list=may(request.user, "inspections.blacklist"),
                      may_export=may(request.user, "inspections.view"))


@login_required
def blacklist_new(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "inspections.blacklist"):
        raise Http404
    form = BlacklistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        institution = Institution.objects.restrict(request.user).filter(
            uscc=normalise(form.cleaned_data["institution"])).select_related("region").first()
        if institution is None:
            form.add_error("institution", _("No institution with this code in your scope."))
        else:
            try:
                entry = services.blacklist_enter(actor=request.user, institution=institution,
                                                 reason=form.cleaned_data["reason"])
                return redirect("inspections:blacklist_detail", pk=entry.pk)
            except DomainError as exc:
                _form_error(form, exc)
    return _form_page(request, form, _("Put on the black list"))


@login_required
def blacklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _get(selectors.blacklist_detail, request.user, pk)
    listed = entry.state == BlacklistState.LISTED
    pending = entry.appeal_state == AppealState.PENDING
    return render(request, "inspections/blacklist_detail.html", {
        "entry": entry,
        "appeal_form": AppealForm() if listed and entry.appeal_state == AppealState.NONE and
        may(request.user, "inspections.appeal", entry) else None,
        "decision_form": AppealDecisionForm() if pending and
        may(request.user, "inspections.decide_blacklist", entry) else None,
        "removal_form": RemovalForm() if listed and not pending and
        services.rectified_since_listing(entry) and
        may(request.user, "inspections.decide_blacklist", entry) else None})


@login_required
@require_POST
def blacklist_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    entry = _get(selectors.blacklist_detail, request.user, pk)
    forms_by_verb: dict[str, Any] = {"appeal": AppealForm, "decide": AppealDecisionForm,
                                     "remove": RemovalForm}
    abilities = {"appeal": "inspections.appeal", "decide": "inspections.decide_blacklist",
                 "remove": "inspections.decide_blacklist"}
    if verb not in forms_by_verb or not may(request.user, abilities[verb], entry):
        raise Http404
    form = forms_by_verb[verb](request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if verb == "appeal":
                services.appeal_submit(actor=request.user, entry=entry, text=data["text"])
            elif verb == "decide":
                services.appeal_decide(actor=request.user, entry=entry, grant=data["grant"],
                                       reason=data["reason"])
            else:
                services.blacklist_remove(actor=request.user, entry=entry,
                                          reason=data["reason"])
            messages.success(request, _("Saved."))
            return redirect("inspections:blacklist_detail", pk=entry.pk)
        except DomainError as exc:
            _form_error(form, exc)
    return _form_page(request, form, str(entry), case=entry.case)


# -- credit export (issue 9; 004 §6(4)) -------------------------------------------------------

@login_required
def credit_export(request: HttpRequest) -> HttpResponse:
    """The credit export's page: its documented format and the downloads per system."""
    _office(request, "inspections.credit_export")
    return render(request, "inspections/credit_export.html", {
        "fields": credit.FIELDS, "systems": list(credit.SYSTEM_LABELS.items()),
        "formats": credit.FORMATS, "record_types": credit.RECORD_TYPES})


@login_required
@downloads_limited
def credit_download(request: HttpRequest, system: str, fmt: str) -> HttpResponse:
    """One credit system's file (CSV or JSON), of the rows the user sees; every download
    counts against the export rate."""
    _office(request, "inspections.credit_export")
    if system not in credit.SYSTEMS or fmt not in credit.FORMATS:
        raise Http404
    if fmt == "csv":
        response = StreamingHttpResponse(credit.csv_chunks(request.user, system),
                                         content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(credit.json_chunks(request.user, system),
                                         content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"credit-{system}-{stamp}.{fmt}")
    return response
