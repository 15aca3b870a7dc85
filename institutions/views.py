"""Public look-up and white list (no login), and the officers' institution pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.abilities import may
from core.errors import DomainError, PermissionDenied
from core.exports import XLSX_MIME, xlsx_response
from core.paging import keyset_page
from core.ratelimit import exports_limited, limited
from core.vocab import Category, Step
from institutions import imports, ports, rules, selectors, services
from institutions.forms import (
    BlacklistForm,
    CourseForm,
    FeePlanForm,
    GateForm,
    ImportForm,
    InstitutionRegisterForm,
    LeaveForm,
    MaterialForm,
    ReviewForm,
    StaffEditForm,
    StaffForm,
    StatusForm,
)
from institutions.models import (
    Course,
    FeePlan,
    ImportJob,
    Institution,
    InstitutionStatus,
    ListStatus,
    Staff,
    StaffCheck,
    TrainingMaterial,
)
from institutions.uscc import normalise, validate_uscc
from org.models import Region, RegionLevel
from org.scope import Action

PAGE_SIZE = 30


def _complaint_phone(institution: Institution) -> str:
    dept = institution.supervising_department
    if dept is None:
        return ""
    return dept.complaint_phone or dept.consultation_phone


@limited
def lookup(request: HttpRequest) -> HttpResponse:
    """Parents check whether an institution is licensed: search by name, credit code,
    region or category."""
    q = request.GET.get("q", "").strip()[:100]
    region = request.GET.get("region", "").strip()[:20]
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    searched = bool(q or region or category)
    results = selectors.public_search(request.user, q=q, region=region, category=category) \
        if searched else Institution.objects.none()
    if searched and request.GET.get("export") == "xlsx":
        return xlsx_response(_("Institutions"), PUBLIC_EXPORT, results)
    # Keyset pages: no COUNT(*) over the register and no scan past earlier pages
    # (issue 13: the look-up was 20x slower at 100k institutions than at demo size).
    page = keyset_page(results, request.GET, size=PAGE_SIZE, name="lookup")
    counties = Region.objects.restrict(request.user).filter(level=RegionLevel.COUNTY)
    return render(request, "institutions/lookup.html", {
        "page": page, "q": q, "region": region, "category": category, "searched": searched,
        "counties": counties, "categories": Category.choices, "code_error": _code_error(q)})


def _code_error(q: str) -> str:
    """Why a query that looks like a credit code (18 letters and digits) is not a valid
    one, so that a typo reads as a typo and not as "no licence"."""
    code = normalise(q)
    if len(code) != 18 or not code.isalnum() or not code.isascii():
        return ""
    try:
        validate_uscc(code)
    except ValidationError as exc:
        return exc.messages[0]
    return ""


@limited
def public_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    try:
        institution = selectors.public_detail(request.user, uscc)
    except Institution.DoesNotExist:
        raise Http404
    record = ports.record()
    return render(request, "institutions/public_detail.html", {
        "institution": institution, "complaint_phone": _complaint_phone(institution),
        # Published annual results and list entries only (issue 9).
        "history": ports.history(record.public_history(request.user, institution))
        if record else [],
        # A black-listed institution may not enrol (004 §6(4)): no course and no pledge of it
        # is published as if it could.
        "black": institution.list_status == ListStatus.BLACK,
        "courses": institution.listed_courses
        if institution.gate_met and institution.list_status != ListStatus.BLACK else []})


WHITE_LIST_EXPORT = [
    (gettext_lazy("Name"), lambda i: i.name),
    (gettext_lazy("Unified social credit code"), lambda i: i.uscc),
    (gettext_lazy("Category"), lambda i: i.get_category_display()),
    (gettext_lazy("Region"), lambda i: i.region.name),
    (gettext_lazy("Address"), lambda i: i.address),
    (gettext_lazy("Licence number"), lambda i: i.licence_number),
    (gettext_lazy("Supervising department"), lambda i: str(i.supervising_department or "")),
]


PUBLIC_EXPORT = [*WHITE_LIST_EXPORT,
                 (gettext_lazy("Status"), lambda i: i.get_status_display()),
                 (gettext_lazy("List"), lambda i: i.get_list_status_display()),
                 (gettext_lazy("Reason"), lambda i: i.list_reason)]
BLACK_LIST_EXPORT = [*WHITE_LIST_EXPORT[:4], (gettext_lazy("Listed since"), lambda i: i.listed_since),
                     (gettext_lazy("Reason"), lambda i: i.list_reason)]


@limited
def white_list(request: HttpRequest) -> HttpResponse:
    """The published white list, with the black list beside it (004 §6(4)); each county
    publishes its own, and the re-approved institutions (重新审批登记, 004) are marked."""
    counties = Region.objects.restrict(request.user).filter(level=RegionLevel.COUNTY)
    county = request.GET.get("county", "").strip()[:20]
    if county and not counties.filter(code=county).exists():
        county = ""
    relicensed = request.GET.get("relicensed") == "1"
    whites = selectors.white_list(request.user, county=county, relicensed=relicensed)
    blacks = selectors.black_list(request.user, county=county)
    export = request.GET.get("export")
    if export == "xlsx":
        return xlsx_response(gettext_lazy("White list"), [
            *WHITE_LIST_EXPORT,
            (gettext_lazy("Re-approved"), lambda i: _("yes") if i.relicensed else "")], whites)
    if export == "black":
        return xlsx_response(gettext_lazy("Black list"), BLACK_LIST_EXPORT, blacks)
    page, black_rows = selectors.white_list_page(request.user, request.GET, county=county,
                                                 relicensed=relicensed)
    return render(request, "institutions/white_list.html", {
        "page": page, "blacks": black_rows, "counties": counties, "county": county,
        "relicensed": relicensed})


OFFICE_EXPORT = [*WHITE_LIST_EXPORT,
                 (gettext_lazy("Status"), lambda i: i.get_status_display()),
                 (gettext_lazy("List"), lambda i: i.get_list_status_display())]


#: The columns a row of the office list shows (issue 13): the page read every column of
#: each institution, its region and supervising department to show eight, a cost that
#: grew with the rows from the demo's 18 to 50.
OFFICE_ROW_FIELDS = ("name", "uscc", "category", "status", "list_status", "region__name",
                     "region__path", "supervising_department__name")


@login_required
@exports_limited
def office_list(request: HttpRequest) -> HttpResponse:
    """The register for the offices, filtered by name or code, status, county and category
    (issue 14 C9); each row names its county. An unknown filter value is ignored."""
    qs = selectors.office_qs(request.user).order_by("name", "id")
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.search_register(qs, q)
    counties = {r.code: r.name for r in Region.objects.restrict(request.user).filter(
        level=RegionLevel.COUNTY).order_by("code")}
    chosen = {"status": request.GET.get("status", ""), "county": request.GET.get("county", ""),
              "category": request.GET.get("category", "")}
    if chosen["status"] in InstitutionStatus.values:
        qs = qs.filter(status=chosen["status"])
    if chosen["county"] in counties:
        qs = qs.filter(county_code=chosen["county"])
    if chosen["category"] in Category.values:
        qs = qs.filter(category=chosen["category"])
    if request.GET.get("export") == "xlsx":
        return xlsx_response(gettext_lazy("Institutions"), OFFICE_EXPORT, qs)
    return render(request, "institutions/office_list.html", {
        "page": keyset_page(qs.only(*OFFICE_ROW_FIELDS), request.GET, size=50, name="office"),
        "q": q,
        "chosen": chosen, "counties": counties, "statuses": InstitutionStatus.choices,
        "categories": Category.choices,
        "may_register": may(request.user, "institutions.register")})


STAFF_EXPORT = [
    (gettext_lazy("Name"), lambda s: s.name),
    (gettext_lazy("ID number"), lambda s: s.id_number_masked),
    (gettext_lazy("Teacher"), lambda s: _("yes") if s.is_teacher else _("no")),
    (gettext_lazy("Credential"), lambda s: s.get_credential_kind_display()),
    (gettext_lazy("Credential number"), lambda s: s.credential_number),
    (gettext_lazy("Credential verification"), lambda s: s.get_credential_check_display()),
    (gettext_lazy("Violation-record check"), lambda s: s.get_record_check_display()),
    (gettext_lazy("Hired on"), lambda s: s.hired_on),
    (gettext_lazy("Left on"), lambda s: s.left_on),
]


@login_required
@exports_limited
def office_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    try:
        institution = selectors.office_qs(request.user).prefetch_related(
            "staff", "courses__slots", "courses__fee_plans", "materials").get(uscc=uscc)
    except Institution.DoesNotExist:
        raise Http404
    if request.GET.get("export") == "staff":
        return xlsx_response(_("Staff"), STAFF_EXPORT, Staff.objects.restrict(
            request.user).filter(institution=institution).order_by("name", "id"))
    facts = ports.funds()
    record = ports.record()
    return render(request, "institutions/office_detail.html", {
        "institution": institution, "gate": institution.gate_conditions,
        # Inspections, findings, orders and penalties as one history (issue 9), from the
        # inspections app above, as the user may see them.
        "history": ports.history(record.office_history(request.user, institution))
        if record else [],
        # Enrolling is an order of the funds app (issue 11): its page, if the user reads it.
        "orders_url": facts.orders_url(request.user, institution) if facts else None,
        "white_checklist": selectors.white_list_checklist(institution),
        **_abilities(request.user, institution)})


def _may_change(user: Any, institution: Institution) -> bool:
    return Institution.objects.restrict(user, Action.CHANGE).filter(pk=institution.pk).exists()


def _abilities(user: Any, institution: Institution) -> dict[str, Any]:
    """What the page offers this user: only the actions the services would accept, so
    nobody fills in a form that is then refused."""
    may_change = _may_change(user, institution)
    owners = selectors.staff_check_owners(institution)
    return {"may_change": may_change,
            "may_decide": may_change and may(user, "institutions.decide"),
            # Licence status: heads and admins only (institution_set_status).
            "may_set_status": may_change and may(user, "institutions.set_status"),
            "may_check": {kind: may(user, "institutions.record_staff_check", owners[step])
                          for kind, step in (("credential", Step.CREDENTIAL_VERIFICATION),
                                             ("record", Step.RECORD_CHECK))},
            "may_apply": may(user, "licensing.apply", institution),
            "running_application": ports.licensing().running_application(user, institution)}


# -- registration and licensing (officers and institution staff) -------------------------

@login_required
def office_register(request: HttpRequest) -> HttpResponse:
    """An officer enters an institution (a walk-in applicant, or the existing register)."""
    if not may(request.user, "institutions.register"):
        raise Http404  # the form is offered only to who may register
    form = InstitutionRegisterForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            institution = services.institution_register(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Institution registered."))
            return redirect("institutions:office_detail", uscc=institution.uscc)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    return render(request, "institutions/office_form.html",
                  {"form": form, "title": _("Register an institution")},
                  status=400 if request.method == "POST" else 200)


@limited
def licence_certificate(request: HttpRequest, uscc: str) -> HttpResponse:
    """A printable licence certificate for a licensed institution."""
    try:
        institution = selectors.public_qs(request.user).select_related(
            "licence_issuer").get(uscc=uscc, status=InstitutionStatus.LICENSED)
    except Institution.DoesNotExist:
        raise Http404
    return render(request, "institutions/certificate.html", {"institution": institution})


# -- Excel import --------------------------------------------------------------------------

@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(imports.template_workbook(), content_type=XLSX_MIME)
    response["Content-Disposition"] = 'attachment; filename="institutions-template.xlsx"'
    return response


@login_required
def import_start(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_start(actor=request.user, upload=form.cleaned_data["file"],
                                       mode=form.cleaned_data["mode"])
            return redirect("institutions:import_job", pk=job.pk)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    jobs = ImportJob.objects.restrict(request.user)[:10]
    return render(request, "institutions/import.html", {"form": form, "jobs": jobs},
                  status=400 if request.method == "POST" else 200)


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's progress; htmx polls the panel until the job ends."""
    job = get_object_or_404(ImportJob.objects.restrict(request.user), pk=pk)
    if request.GET.get("report") == "xlsx":
        response = HttpResponse(imports.error_report(job), content_type=XLSX_MIME)
        response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.xlsx"'
        return response
    template = "institutions/_import_job.html" if request.headers.get("HX-Request") \
        else "institutions/import_job.html"
    return render(request, template, {"job": job})


# -- the institution's records: staff, courses, fee plans, materials; officers' decisions --

def _office_institution(request: HttpRequest, uscc: str) -> Institution:
    try:
        return selectors.office_qs(request.user).get(uscc=uscc)
    except Institution.DoesNotExist:
        raise Http404


def _run(form: Any, call: Any) -> bool:
    """Call a service; show a refusal as form errors (every rule violation by field)."""
    try:
        call()
        return True
    except PermissionDenied:
        raise Http404 from None  # an action you may not take answers like a missing page
    except rules.RuleViolation as exc:
        for v in exc.violations:
            form.add_error(v.field if v.field in form.fields else None, str(v))
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    return False


RECORD_FORMS = {"staff": StaffForm, "course": CourseForm, "feeplan": FeePlanForm,
                "material": MaterialForm, "gate": GateForm, "blacklist": BlacklistForm,
                "status": StatusForm}


@login_required
def institution_record(request: HttpRequest, uscc: str, verb: str) -> HttpResponse:
    institution = _office_institution(request, uscc)
    if verb not in RECORD_FORMS:
        raise Http404
    ability = {"gate": "institutions.decide", "blacklist": "institutions.decide",
               "status": "institutions.set_status"}.get(verb)
    if not _may_change(request.user, institution) or (
            ability is not None and not may(request.user, ability)):
        raise Http404  # a form the user may not submit is not offered at all
    kwargs: dict[str, Any] = {"institution": institution} if verb == "feeplan" else {}
    if verb == "gate":
        kwargs["initial"] = {"national_platform_account": institution.national_platform_account}
    form = RECORD_FORMS[verb](request.POST or None, **kwargs)
    user = request.user
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        calls = {
            "staff": lambda: services.staff_hire(actor=user, institution=institution, **d),
            "course": lambda: services.course_create(actor=user, institution=institution, **d),
            "feeplan": lambda: services.fee_plan_create(actor=user, **d),
            "material": lambda: services.material_file(actor=user, institution=institution,
                                                       **d),
            "gate": lambda: services.gate_record(actor=user, institution=institution, **d),
            "blacklist": lambda: services.blacklist_add(actor=user, institution=institution,
                                                        **d),
            "status": lambda: services.institution_set_status(actor=user,
                                                              institution=institution, **d),
        }
        if _run(form, calls[verb]):
            messages.success(request, _("Saved."))
            return redirect("institutions:office_detail", uscc=institution.uscc)
    return render(request, "institutions/record_form.html",
                  {"form": form, "institution": institution, "verb": verb},
                  status=400 if request.method == "POST" else 200)


@login_required
def course_violations(request: HttpRequest, uscc: str) -> HttpResponse:
    """Live check of a course against the profile's rules while it is being typed (htmx):
    the institution sees a violation before it submits."""
    _office_institution(request, uscc)
    form = CourseForm(request.POST or None)
    violations: list[str] = []
    if form.is_valid():
        d = form.cleaned_data
        institution = _office_institution(request, uscc)
        violations = [str(v) for v in rules.course_violations(
            mode=d["mode"], is_academic=d["is_academic"], lesson_minutes=d["lesson_minutes"],
            break_minutes=d["break_minutes"], slots=d["slots"], starts_on=d["starts_on"],
            ends_on=d["ends_on"], county_code=institution.region.county_code)]
    return render(request, "institutions/_course_check.html",
                  {"violations": violations, "form": form})


@login_required
def fee_plan_violations(request: HttpRequest, uscc: str) -> HttpResponse:
    """Live check of a fee plan while it is typed (htmx): the charging limits, the
    advance-charge window and the contract (002 §2(4), 004 §4(5)) as blocking findings,
    a price off the government-guided price (001 §4(2)7) as a flag."""
    institution = _office_institution(request, uscc)
    form = FeePlanForm(request.POST or None, institution=institution)
    violations: list[str] = []
    flags: list[str] = []
    if form.is_valid():
        d = form.cleaned_data
        course = d["course"]
        found = rules.fee_plan_violations(
            course=course, amount=d["amount"], months=d["months"],
            class_hours=d["class_hours"], contract_version=d["contract_version"],
            contract_clauses=d["contract_clauses"], charge_on=d["charge_on"],
            remaining_hours=d["remaining_hours"], refund_terms=d["refund_terms"])
        violations = [str(v) for v in found if v.blocking]
        flags = [str(v) for v in found if not v.blocking]
    return render(request, "institutions/_feeplan_check.html",
                  {"violations": violations, "flags": flags, "checked": form.is_valid()})


@login_required
def course_list(request: HttpRequest, uscc: str, pk: int) -> HttpResponse:
    """List a course on the platform. A course added after the licence is listed through
    a change application that several departments work: that button first asks for
    confirmation on a page of its own (issue 14 C5), no script needed."""
    institution = _office_institution(request, uscc)
    course = get_object_or_404(Course.objects.restrict(request.user), pk=pk,
                               institution=institution)
    needs_change = selectors.listing_needs_change(course)
    if request.method not in ("GET", "POST") or (request.method == "GET" and not needs_change):
        return HttpResponseNotAllowed(["POST"])
    if needs_change and not Course.objects.restrict(request.user, Action.CHANGE).filter(
            pk=course.pk).exists():
        raise Http404  # the confirmation is offered only to who may start the application
    error = ""
    try:
        if needs_change:
            if request.method == "POST" and request.POST.get("confirm") == "yes":
                application = ports.licensing().course_listing_submit(actor=request.user,
                                                                      course=course)
                messages.success(request, _("Change application submitted: %(number)s")
                                 % {"number": application.case.number})
                return redirect(application.case.get_absolute_url())
            if request.method == "POST":
                error = _("Confirm that the change application is to start.")
            return render(request, "institutions/confirm_application.html", {
                "institution": institution, "course": course, "error": error},
                status=400 if error else 200)
        services.course_list_on_platform(actor=request.user, course=course)
        messages.success(request, _("Course listed."))
    except PermissionDenied:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("institutions:office_detail", uscc=institution.uscc)


@login_required
def staff_check(request: HttpRequest, uscc: str, pk: int, kind: str) -> HttpResponse:
    institution = _office_institution(request, uscc)
    staff = get_object_or_404(Staff.objects.restrict(request.user), pk=pk,
                              institution=institution)
    if kind not in ("credential", "record", "leave", "edit"):
        raise Http404
    form: Any
    if kind == "edit":
        form = StaffEditForm(request.POST or None, initial={
            f: getattr(staff, f) for f in ("name", "is_teacher", "credential_kind",
                                           "credential_number", "hired_on")})
        call = lambda: services.staff_update(  # noqa: E731
            actor=request.user, staff=staff, **form.cleaned_data)
    elif kind == "leave":
        form = LeaveForm(request.POST or None)
        call = lambda: services.staff_leave(  # noqa: E731
            actor=request.user, staff=staff, left_on=form.cleaned_data["left_on"])
    else:
        form = ReviewForm(request.POST or None)
        call = lambda: services.staff_check(  # noqa: E731
            actor=request.user, staff=staff, kind=kind, passed=form.cleaned_data["approved"],
            note=form.cleaned_data["note"])
    if request.method == "POST" and form.is_valid() and _run(form, call):
        messages.success(request, _("Saved."))
        return redirect("institutions:staff_detail", uscc=institution.uscc, pk=staff.pk)
    return render(request, "institutions/record_form.html",
                  {"form": form, "institution": institution, "verb": kind, "subject": staff},
                  status=400 if request.method == "POST" else 200)


@login_required
def material_review(request: HttpRequest, uscc: str, pk: int) -> HttpResponse:
    institution = _office_institution(request, uscc)
    material = get_object_or_404(TrainingMaterial.objects.restrict(request.user), pk=pk,
                                 institution=institution)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _run(
            form, lambda: services.material_review(actor=request.user, material=material,
                                                   approved=form.cleaned_data["approved"],
                                                   note=form.cleaned_data["note"])):
        messages.success(request, _("Saved."))
        return redirect("institutions:office_detail", uscc=institution.uscc)
    return render(request, "institutions/record_form.html",
                  {"form": form, "institution": institution, "verb": "review",
                   "subject": material}, status=400 if request.method == "POST" else 200)


@login_required
def course_edit(request: HttpRequest, uscc: str, pk: int) -> HttpResponse:
    """Edit a course. A listed course of a licensed institution is part of the licence, so
    saving submits a change application (变更) and the course keeps its values until it
    completes."""
    institution = _office_institution(request, uscc)
    course = get_object_or_404(Course.objects.restrict(request.user, Action.CHANGE), pk=pk,
                               institution=institution)
    initial = {f: getattr(course, f) for f in services.COURSE_FIELDS}
    initial["slots"] = "\n".join(f"{s.weekday + 1} {s.start:%H:%M}-{s.end:%H:%M}"
                                  for s in course.slots.all())
    form = CourseForm(request.POST or None, initial=initial)
    licensed = selectors.course_is_licensed(course)
    if request.method == "POST" and form.is_valid():
        if licensed:
            result: list[Any] = []
            if _run(form, lambda: result.append(ports.licensing().course_change_submit(
                    actor=request.user, course=course, **form.cleaned_data))):
                messages.success(request, _("Change application submitted: %(number)s")
                                 % {"number": result[0].case.number})
                return redirect(result[0].case.get_absolute_url())
        elif _run(form, lambda: services.course_update(actor=request.user, course=course,
                                                       **form.cleaned_data)):
            messages.success(request, _("Saved."))
            return redirect("institutions:office_detail", uscc=institution.uscc)
    running = ports.licensing().running_application(request.user, institution) if licensed \
        else None
    return render(request, "institutions/record_form.html",
                  {"form": form, "institution": institution, "verb": "course",
                   "subject": course, "through_change": licensed,
                   "running_application": running},
                  status=400 if request.method == "POST" else 200)


@login_required
def feeplan_edit(request: HttpRequest, uscc: str, pk: int) -> HttpResponse:
    institution = _office_institution(request, uscc)
    plan = get_object_or_404(FeePlan.objects.restrict(request.user, Action.CHANGE)
                             .select_related("course"), pk=pk, course__institution=institution)
    initial = {f: getattr(plan, f) for f in ("course", "name", "amount", "months",
                                              "class_hours", "refund_terms", "contract_version",
                                              "contract_clauses", "charge_on",
                                              "remaining_hours")}
    form = FeePlanForm(request.POST or None, institution=institution, initial=initial)
    form.fields["course"].disabled = True  # a plan stays with its course
    if request.method == "POST" and form.is_valid() and _run(
            form, lambda: services.fee_plan_update(actor=request.user, plan=plan,
                                                   **form.cleaned_data)):
        messages.success(request, _("Saved."))
        return redirect("institutions:office_detail", uscc=institution.uscc)
    return render(request, "institutions/record_form.html",
                  {"form": form, "institution": institution, "verb": "feeplan",
                   "subject": plan}, status=400 if request.method == "POST" else 200)


@login_required
def staff_detail(request: HttpRequest, uscc: str, pk: int) -> HttpResponse:
    """A staff member with the history of their checks (000 §3)."""
    institution = _office_institution(request, uscc)
    staff = get_object_or_404(Staff.objects.restrict(request.user), pk=pk,
                              institution=institution)
    checks = StaffCheck.objects.restrict(request.user).filter(staff=staff).select_related(
        "department", "checked_by")
    return render(request, "institutions/staff_detail.html", {
        "institution": institution, "staff": staff, "checks": checks,
        **_abilities(request.user, institution),
        # The police's notes on a violation record stay with the officers.
        "show_record_notes": may(request.user, "institutions.read_record_notes")})


@login_required
def enrolments(request: HttpRequest, uscc: str) -> HttpResponse:
    """The old enrolments page: enrolling is an order of the funds app since issue 11, so
    the address leads to the institution's orders for who may read them (404 otherwise,
    like any record out of reach)."""
    institution = _office_institution(request, uscc)
    facts = ports.funds()
    url = facts.orders_url(request.user, institution) if facts else None
    if url is None:
        raise Http404
    return redirect(url)
