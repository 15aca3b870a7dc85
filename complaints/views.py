"""The complaint pages: the public form, the hotlines, tracking and rating with the
private code; the office list, entry, complaint page with its step forms, and analysis."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from complaints import outcomes, selectors, services
from complaints.filters import ComplaintOfficeFilter, region_options
from complaints.forms import (
    AskForm,
    ComplaintForm,
    ExplainForm,
    HandleForm,
    MergeForm,
    RateForm,
    ReplyForm,
    ReportBackForm,
    ReturnForm,
    StaffComplaintForm,
    TrackForm,
    TransferForm,
    VerifyForm,
)
from complaints.models import (
    Channel,
    Complaint,
    ComplaintFile,
    ComplaintStatus,
    FileStage,
    Hotline,
    ReportBack,
    Topic,
)
from core.abilities import may
from core.errors import DomainError
from core.exports import xlsx_response
from core.paging import keyset_page
from core.ratelimit import allow, exports_limited, limited
from org.scope import Action
from policy.profile import ProfileMissing, active_profile

PAGE_SIZE = 50


def _form_error(form: Any, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def hotlines_for_profile() -> list[Hotline]:
    """The deployment's published hotlines: its profile's rows and those shown everywhere.
    A profile's own row for a number takes the place of the everywhere row for it: the
    12345 hotline cites the city's own document where its seed gives the number (004
    §6(2)1, 001 §5(3)), and elsewhere is the city's own published number (migration
    0007)."""
    try:
        code = active_profile().code
    except ProfileMissing:
        code = ""
    rows = list(Hotline.objects.filter(profile__in=["", code]))
    own = {h.phone for h in rows if h.profile and h.phone}
    return [h for h in rows if h.profile or h.phone not in own]


@limited
def hotlines(request: HttpRequest) -> HttpResponse:
    """The complaint phones and mailboxes per category (004 §6(2)2 and annex 1)."""
    return render(request, "complaints/hotlines.html", {"hotlines": hotlines_for_profile()})


def _submit(request: HttpRequest, form: ComplaintForm, channel: str) -> tuple[Any, str] | None:
    data = form.cleaned_data
    try:
        complaint, code, _created = services.complaint_submit(
            actor=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
            channel=data.get("channel") or channel, topic=data["topic"],
            description=data["description"], institution=form.institution,
            institution_text=data.get("institution_name") or "",
            address=data.get("address") or "", region=data.get("region"),
            complainant_name=data.get("complainant_name") or "",
            complainant_phone=data.get("complainant_phone") or "",
            external_ticket=data.get("external_ticket") or "",
            origin=data.get("origin") or "", files=data.get("files") or [])
    except DomainError as exc:
        _form_error(form, exc)
        return None
    return complaint, code


@limited
def file(request: HttpRequest) -> HttpResponse:
    """The public complaint form: no login, anonymous allowed, limited per client
    (settings.PAGE_RATES["complaint"]) on top of the page rate."""
    initial: dict[str, Any] = {}
    uscc = request.GET.get("uscc", "").strip().upper()[:18]
    if uscc:
        from institutions import selectors as registry

        inst = registry.public_qs(request.user).filter(uscc=uscc).first()
        if inst is not None:
            initial = {"uscc": inst.uscc, "institution_name": inst.name,
                       "address": inst.address, "region": inst.region_id}
    form = ComplaintForm(request.POST or None, request.FILES or None, user=request.user,
                         initial=initial)
    if request.method == "POST":
        allowed, retry = allow(request, "complaint")
        if not allowed:
            response = render(request, "429.html", {"retry": retry}, status=429)
            response["Retry-After"] = str(retry)
            return response
        if form.is_valid():
            result = _submit(request, form, Channel.WEB)
            if result is not None:
                complaint, code = result
                return render(request, "complaints/submitted.html", {
                    "complaint": complaint, "code": code,
                    "similar_open": selectors.similar_open_count(complaint)})
    return render(request, "complaints/file.html",
                  {"form": form, "hotlines": hotlines_for_profile()},
                  status=400 if request.method == "POST" else 200)


def _public_events(complaint: Complaint) -> list[Any]:
    shown = {"complaint.submit", "complaint.verify", "complaint.handle", "complaint.reply",
             "complaint.rate", "complaint.transfer", "case.close", "complaint.merge",
             "complaint.close_unrated"}
    return list(complaint.case.audit_events.filter(action__in=shown).order_by("created_at"))


@limited
def track(request: HttpRequest) -> HttpResponse:
    """Follow a complaint with its tracking number and private code (by POST, so the
    code stays out of addresses and logs); rate it once replied."""
    # The receipt's link carries the tracking number (never the code), so the parent types
    # only the code.
    form = TrackForm(request.POST or None,
                     initial={"number": request.GET.get("number", "").strip()[:40]})
    complaint = None
    if request.method == "POST" and form.is_valid():
        allowed, retry = allow(request, "complaint_track")
        if not allowed:
            response = render(request, "429.html", {"retry": retry}, status=429)
            response["Retry-After"] = str(retry)
            return response
        complaint = selectors.for_tracking(form.cleaned_data["number"],
                                           form.cleaned_data["code"])
        if complaint is None:
            form.add_error(None, _("No complaint matches this number and code."))
    return _track_page(request, form, complaint)


def _track_page(request: HttpRequest, form: Any, complaint: Complaint | None,
                rate_form: Any = None) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "complaint": complaint}
    if complaint is not None:
        context["events"] = _public_events(complaint)
        if complaint.status == ComplaintStatus.AWAITING_RATING:
            context["rate_form"] = rate_form or RateForm(initial={
                "number": complaint.case.number, "code": form.cleaned_data["code"]})
    status = 400 if request.method == "POST" and (complaint is None or rate_form) else 200
    return render(request, "complaints/track.html", context, status=status)


@require_POST
@limited
def rate(request: HttpRequest) -> HttpResponse:
    form = RateForm(request.POST)
    track_form = TrackForm(request.POST)
    allowed, retry = allow(request, "complaint_track")
    if not allowed:
        response = render(request, "429.html", {"retry": retry}, status=429)
        response["Retry-After"] = str(retry)
        return response
    if not track_form.is_valid():
        return _track_page(request, track_form, None)
    complaint = selectors.for_tracking(track_form.cleaned_data["number"],
                                       track_form.cleaned_data["code"])
    if complaint is None:
        track_form.add_error(None, _("No complaint matches this number and code."))
        return _track_page(request, track_form, None)
    if form.is_valid():
        try:
            services.complaint_rate(complaint=complaint, code=form.cleaned_data["code"],
                                    rating=form.cleaned_data["rating"],
                                    comment=form.cleaned_data["comment"])
            complaint.refresh_from_db()
            messages.success(request, _("Thank you: your rating was recorded."))
            return render(request, "complaints/track.html", {
                "form": track_form, "complaint": complaint,
                "events": _public_events(complaint)})
        except DomainError as exc:
            _form_error(form, exc)
    return _track_page(request, track_form, complaint, rate_form=form)


# -- office --------------------------------------------------------------------------------

#: The columns a row of the list shows (issue 13): the page read every column of each
#: complaint, its case, region and institution (some 120 a row, each parsed and set on a
#: model) to show a dozen, and that cost grew with the rows from the demo's 13 to 50.
LIST_ROW_FIELDS = ("case__number", "case__region__name", "case__institution__name",
                   "topic__name", "topic__name_en", "institution_text", "channel", "status", "received_at",
                   "complainant_name", "complainant_phone")

LIST_EXPORT = [
    (gettext_lazy("Number"), lambda r: r[0].case.number),
    (gettext_lazy("Topic"), lambda r: r[0].topic.label),
    (gettext_lazy("Institution"), lambda r: r[0].institution_label),
    (gettext_lazy("Region"), lambda r: r[0].case.region.name),
    (gettext_lazy("Channel"), lambda r: r[0].get_channel_display()),
    (gettext_lazy("Complainant"), lambda r: r[1]),
    (gettext_lazy("Phone"), lambda r: r[2]),
    (gettext_lazy("Status"), lambda r: r[0].get_status_display()),
    (gettext_lazy("Received"), lambda r: r[0].received_at),
]


@login_required
@exports_limited
def office_list(request: HttpRequest) -> HttpResponse:
    """The complaints the user sees; the complainant's identity is masked, on the page
    and in the export, for all but the handling departments and the coordinators."""
    if not may(request.user, "complaints.view_list"):
        raise Http404
    q = request.GET.get("q", "").strip()[:100]
    filterset = ComplaintOfficeFilter(request.GET,
                                      queryset=selectors.office_list(request.user, q=q))
    # Bad filter values are field errors (400) and list nothing: never rows the filter
    # did not choose (issue 12: a figure's link shows exactly the rows it counts).
    valid = filterset.is_valid()
    qs = filterset.qs if valid else filterset.queryset.none()
    if valid and request.GET.get("export") == "xlsx":
        return xlsx_response(_("Complaints"), LIST_EXPORT,
                             ((c, *selectors.identity(request.user, c))
                              for c in qs.iterator(chunk_size=500)))
    # Keyset pages (issue 13): no COUNT(*) over the county's complaints joined to their
    # cases, and the deepest page reads what the first does.
    page = keyset_page(qs.only(*LIST_ROW_FIELDS), request.GET, size=PAGE_SIZE,
                       name="complaints:office")
    rows = [(c, *selectors.identity(request.user, c)) for c in page.object_list]
    return render(request, "complaints/office_list.html", {
        "page": page, "rows": rows, "filter": filterset, "q": q,
        "regions": region_options(request.user, request.GET.get("region")),
        "topics": Topic.objects.all(), "export_query": _export_query(request),
        "may_enter": may(request.user, "complaints.enter")}, status=200 if valid else 400)


def _export_query(request: HttpRequest) -> str:
    """The list's filters, for its .xlsx link (the export lists the rows the page does)."""
    params = request.GET.copy()
    for position in ("page", "after", "before"):
        params.pop(position, None)
    params["export"] = "xlsx"
    return params.urlencode()


def _intake_matches(qs: Any, complaint: Complaint) -> Any:
    """The open complaints a complaint just taken in likely repeats (issue 10)."""
    return selectors.intake_matches(
        qs, institution_id=complaint.case.institution_id,
        institution_text=complaint.institution_text, phone=complaint.complainant_phone,
        description=complaint.description, exclude_pk=complaint.pk)


@login_required
def office_new(request: HttpRequest) -> HttpResponse:
    """The officers' entry. "Check for duplicates" shows the open complaints in the
    user's view that the entry likely repeats, before anything is recorded."""
    if not may(request.user, "complaints.enter"):
        raise Http404
    form = StaffComplaintForm(request.POST or None, request.FILES or None, user=request.user)
    matches = None
    if request.method == "POST" and form.is_valid() and request.POST.get("check"):
        data = form.cleaned_data
        found = selectors.intake_matches(
            selectors.office_qs(request.user),
            institution_id=form.institution.pk if form.institution is not None else None,
            institution_text="" if form.institution is not None else
            (data.get("institution_name") or ""),
            phone=data.get("complainant_phone") or "", description=data["description"])
        matches = [(c, *selectors.identity(request.user, c)) for c in found[:10]]
        return render(request, "complaints/office_new.html",
                      {"form": form, "matches": matches, "checked": True})
    if request.method == "POST" and form.is_valid():
        result = _submit(request, form, Channel.WALK_IN)
        if result is not None:
            complaint, code = result
            repeats = [c.case.number for c in _intake_matches(
                selectors.office_qs(request.user), complaint)[:5]]
            if repeats:
                messages.warning(request, _("Likely duplicates: %(numbers)s.")
                                 % {"numbers": ", ".join(repeats)})
            if code:
                messages.success(request, _("Complaint %(number)s recorded; the complainant's "
                                            "private code is %(code)s.")
                                 % {"number": complaint.case.number, "code": code})
            else:
                messages.info(request, _("This ticket was already recorded."))
            if Complaint.objects.restrict(request.user).filter(pk=complaint.pk).exists():
                return redirect("complaints:office_detail", number=complaint.case.number)
            return redirect("complaints:office_list")
    return render(request, "complaints/office_new.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def _complaint_or_404(request: HttpRequest, number: str) -> Complaint:
    complaint = selectors.office_qs(request.user).filter(case__number=number).first()
    if complaint is None:
        raise Http404
    return complaint


def _may_work(user: Any, complaint: Complaint, task: Any) -> bool:
    return bool(may(user, "complaints.work", task)) and \
        complaint.case.tasks.restrict(user, Action.CHANGE).filter(pk=task.pk).exists()


def _pending_report(user: Any, complaint: Complaint) -> ReportBack | None:
    if complaint.channel != Channel.FORWARDED:
        return None
    return ReportBack.objects.restrict(user, Action.VIEW).filter(
        complaint=complaint, reported_at__isnull=True).select_related("task").first()


def _step_forms(user: Any, complaint: Complaint) -> dict[str, Any]:
    task = services.open_lead_task(complaint)
    forms: dict[str, Any] = {}
    works = task is not None and _may_work(user, complaint, task)
    if works and task is not None:
        if task.step == services.VERIFY:
            forms["verify"] = VerifyForm()
        elif task.step == services.HANDLE:
            forms["handle"] = HandleForm()
        if task.step in (services.VERIFY, services.HANDLE) and \
                complaint.case.institution_id is not None:
            forms["ask"] = AskForm()
        elif task.step == services.REPLY or (task.step == services.REVIEW and
                                             may(user, "complaints.review", task)):
            forms["reply"] = ReplyForm()
        if task.step != services.DISPATCH:
            forms["return"] = ReturnForm()
    report = _pending_report(user, complaint)
    if report is not None and report.task is not None and \
            _may_work(user, complaint, report.task):
        forms["report"] = ReportBackForm(initial={
            "accepted_on": timezone.localdate(complaint.received_at),
            "outcome": " · ".join(str(v) for v in (complaint.get_finding_display(),
                                                   complaint.get_outcome_display(),
                                                   complaint.outcome_note) if v),
            "reply": complaint.reply})
    open_ = complaint.status not in (ComplaintStatus.CLOSED, ComplaintStatus.MERGED)
    if open_ and may(user, "complaints.dispatch", complaint.case.region):
        if complaint.status != ComplaintStatus.AWAITING_RATING:
            forms["transfer"] = TransferForm(user=user)
        forms["merge"] = MergeForm()
    return forms


@login_required
def office_detail(request: HttpRequest, number: str) -> HttpResponse:
    complaint = _complaint_or_404(request, number)
    return _detail_page(request, complaint)


def _detail_page(request: HttpRequest, complaint: Complaint,
                 bound: tuple[str, Any] | None = None) -> HttpResponse:
    user = request.user
    forms = _step_forms(user, complaint)
    if bound is not None:
        forms[bound[0]] = bound[1]
    name, phone = selectors.identity(user, complaint)
    files = list(ComplaintFile.objects.restrict(user).filter(complaint=complaint))
    return render(request, "complaints/office_detail.html", {
        "complaint": complaint, "case": complaint.case, "name": name, "phone": phone,
        "chain": selectors.chain(complaint), "forms": forms,
        "duplicates": selectors.duplicates(user, complaint),
        "repeat_count": selectors.repeat_count(complaint),
        "files": [f for f in files if f.stage == FileStage.INTAKE],
        "evidence_files": [f for f in files if f.stage == FileStage.VERIFICATION],
        "outcome_link": outcomes.link_url(complaint),
        "report_back": ReportBack.objects.restrict(user).filter(complaint=complaint)
        .select_related("reported_by").first() if complaint.channel == Channel.FORWARDED
        else None,
        "duplicate_of": complaint.duplicate_of and selectors.office_qs(user).filter(
            pk=complaint.duplicate_of_id).first(),
    }, status=400 if bound is not None else 200)


VERBS = {"verify": VerifyForm, "handle": HandleForm, "reply": ReplyForm,
         "transfer": TransferForm, "return": ReturnForm, "merge": MergeForm, "ask": AskForm,
         "report": ReportBackForm}


@login_required
@require_POST
def office_action(request: HttpRequest, number: str, verb: str) -> HttpResponse:
    if verb not in VERBS:
        raise Http404
    complaint = _complaint_or_404(request, number)
    user: Any = request.user
    if verb not in _step_forms(user, complaint):
        raise Http404  # a form the page does not offer is not taken either
    form_class: Any = VERBS[verb]
    form = form_class(request.POST, user=user) if verb == "transfer" else \
        form_class(request.POST, request.FILES) if verb == "verify" else \
        form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if verb == "verify":
                services.complaint_verify(actor=user, complaint=complaint,
                                          finding=data["finding"], evidence=data["evidence"],
                                          files=data.get("files") or [])
            elif verb == "handle":
                services.complaint_handle(actor=user, complaint=complaint,
                                          outcome=data["outcome"], note=data["note"],
                                          params=form.params())
            elif verb == "ask":
                services.complaint_ask_explanation(actor=user, complaint=complaint,
                                                   question=data["question"])
            elif verb == "report":
                report = _pending_report(user, complaint)
                if report is None:
                    raise Http404
                services.complaint_report(actor=user, report=report,
                                          accepted_on=data["accepted_on"],
                                          outcome=data["outcome"], reply=data["reply"])
            elif verb == "reply":
                services.complaint_reply(actor=user, complaint=complaint, text=data["text"])
            elif verb == "transfer":
                services.complaint_dispatch(actor=user, complaint=complaint,
                                            department=data["department"],
                                            assists=list(data["assists"]),
                                            reason=data["reason"])
            elif verb == "return":
                services.complaint_return(actor=user, complaint=complaint,
                                          reason=data["reason"])
            else:
                into = selectors.office_qs(user).filter(
                    case__number=data["into"].strip().upper()).first()
                if into is None:
                    raise DomainError(_("No complaint with this number."), field="into")
                services.complaint_merge(actor=user, complaint=complaint, into=into)
            messages.success(request, _("Saved."))
            if selectors.office_qs(user).filter(pk=complaint.pk).exists():
                return redirect("complaints:office_detail", number=complaint.case.number)
            return redirect("complaints:office_list")
        except DomainError as exc:
            _form_error(form, exc)
    complaint.refresh_from_db()
    return _detail_page(request, complaint, bound=(verb, form))


@login_required
def office_file(request: HttpRequest, number: str, pk: int) -> FileResponse:
    row = ComplaintFile.objects.restrict(request.user).filter(
        pk=pk, complaint__case__number=number).first()
    if row is None:
        raise Http404
    return FileResponse(row.file.open("rb"), as_attachment=True, filename=row.original_name,
                        content_type=row.content_type)


@login_required
def report_backs(request: HttpRequest) -> HttpResponse:
    """The office's reports back up on forwarded complaints (004 §6(2)4): the pending ones
    first, by due date, then those reported, with whether on time."""
    if not may(request.user, "complaints.view_list"):
        raise Http404
    qs = selectors.report_backs(request.user)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/report_backs.html", {
        "page": page, "today": timezone.localdate()})


@login_required
def institution_list(request: HttpRequest) -> HttpResponse:
    """An institution's staff: the complaints about their institution that the handling
    department asked them to explain; the complainant is never shown."""
    if not may(request.user, "complaints.explain"):
        raise Http404
    qs = selectors.institution_qs(request.user)
    waiting = request.GET.get("waiting") == "yes"  # the dashboard figure's rows
    if waiting:
        qs = selectors.awaiting_explanation(qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "complaints/institution_list.html",
                  {"page": page, "waiting": waiting})


@login_required
def institution_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The substance of the complaint, the question, and the explanation form."""
    complaint = selectors.institution_qs(request.user).filter(case__number=number).first()
    if complaint is None or not may(request.user, "complaints.explain", complaint):
        raise Http404
    open_ = complaint.status not in (ComplaintStatus.CLOSED, ComplaintStatus.MERGED)
    form = ExplainForm(request.POST or None,
                       initial={"text": complaint.explanation}) if open_ else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                services.complaint_explain(actor=request.user,  # type: ignore[arg-type]
                                           complaint=complaint, text=form.cleaned_data["text"])
                messages.success(request, _("Your explanation was sent."))
                return redirect("complaints:institution_detail", number=number)
            except DomainError as exc:
                _form_error(form, exc)
    return render(request, "complaints/institution_detail.html", {
        "complaint": complaint, "form": form,
        "mine": complaint.case.institution,
    }, status=400 if request.method == "POST" else 200)


DIMENSIONS = {"region": gettext_lazy("By region"), "category": gettext_lazy("By category"),
              "topic": gettext_lazy("By topic"), "channel": gettext_lazy("By channel"),
              "status": gettext_lazy("By status"), "rating": gettext_lazy("Satisfaction"),
              "month": gettext_lazy("By month"),
              "repeats": gettext_lazy("Repeat complaints per institution"),
              "repeat_complainants": gettext_lazy("Repeat complainants")}


@login_required
@exports_limited
def analytics(request: HttpRequest) -> HttpResponse:
    """The analysis by the dimensions of 004 §6(2)1, as charts and tables, and as .xlsx
    (`?export=xlsx`) for the monthly joint consultation; filtered by a range of months
    and a region (`month_from`, `month_to` as YYYY-MM, `region` as its code). Bad filter
    values answer 400 with the field errors, and count nothing."""
    if not may(request.user, "complaints.analytics"):
        raise Http404
    filters, errors = selectors.parse_filter(request.user, request.GET)
    regions = selectors.analytics_regions(request.user)
    if errors:
        return render(request, "complaints/analytics.html", {
            "errors": errors, "regions": regions, "params": request.GET}, status=400)
    data = selectors.analytics(request.user, filters=filters)
    charts = selectors.chart_rows(data)
    if request.GET.get("export") == "xlsx":
        rows: list[tuple[Any, ...]] = [(DIMENSIONS[key], row["label"], row["n"], None, None)
                                       for key, entries in charts.items() for row in entries]
        rows += [(_("Completion rate"), "%", data["completion_rate"], None, None),
                 (_("On-time rate"), "%", data["on_time_rate"], None, None),
                 (_("Satisfaction"), "%", data["satisfaction_rate"], None, None)]
        rows += [(_("On-time rate by department"), r["department__name"], r["rate"],
                  r["closed"], r["on_time"]) for r in data["by_department"]]
        return xlsx_response(_("Complaint analysis"),
                             [(_("Dimension"), lambda r: str(r[0])),
                              (_("Item"), lambda r: r[1]), (_("Count"), lambda r: r[2]),
                              (_("Tasks closed"), lambda r: r[3]),
                              (_("Closed by the deadline"), lambda r: r[4])],
                             rows)
    return render(request, "complaints/analytics.html", {
        "data": data, "regions": regions, "params": request.GET,
        "filter_query": urlencode(filters.as_params()),
        "charts": [(key, DIMENSIONS[key], rows) for key, rows in charts.items()
                   if not key.startswith("repeat")]})


def complaint_panel(*, request: HttpRequest, case: Any) -> tuple[str, dict[str, Any]] | None:
    """On the case page: the link to the complaint's own page with its step forms."""
    complaint = selectors.office_qs(request.user).filter(case=case).first()
    if complaint is None:
        return None
    return "complaints/_panel.html", {"complaint": complaint}
