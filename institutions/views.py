"""Public look-up and white list (no login), and the officers' institution pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from institutions import selectors
from institutions.models import Institution
from org.models import Region, RegionLevel
from policy.vocab import Category
from portal.exports import xlsx_response

PAGE_SIZE = 30


def _complaint_phone(institution: Institution) -> str:
    dept = institution.supervising_department
    if dept is None:
        return ""
    return dept.complaint_phone or dept.consultation_phone


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
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    counties = Region.objects.restrict(request.user).filter(level=RegionLevel.COUNTY)
    return render(request, "institutions/lookup.html", {
        "page": page, "q": q, "region": region, "category": category, "searched": searched,
        "counties": counties, "categories": Category.choices})


def public_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    try:
        institution = selectors.public_detail(request.user, uscc)
    except Institution.DoesNotExist:
        raise Http404
    return render(request, "institutions/public_detail.html", {
        "institution": institution, "complaint_phone": _complaint_phone(institution),
        "courses": institution.listed_courses if institution.gate_met else []})


WHITE_LIST_EXPORT = [
    (_("Name"), lambda i: i.name),
    (_("Unified social credit code"), lambda i: i.uscc),
    (_("Category"), lambda i: i.get_category_display()),
    (_("Region"), lambda i: i.region.name),
    (_("Address"), lambda i: i.address),
    (_("Licence number"), lambda i: i.licence_number),
    (_("Supervising department"), lambda i: str(i.supervising_department or "")),
]


def white_list(request: HttpRequest) -> HttpResponse:
    """The published white list, with the black list beside it (004 §6(4))."""
    whites = selectors.white_list(request.user)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("White list"), WHITE_LIST_EXPORT, whites)
    return render(request, "institutions/white_list.html", {
        "page": Paginator(whites, 100).get_page(request.GET.get("page")),
        "blacks": selectors.black_list(request.user)[:200]})


OFFICE_EXPORT = [*WHITE_LIST_EXPORT,
                 (_("Status"), lambda i: i.get_status_display()),
                 (_("List"), lambda i: i.get_list_status_display())]


@login_required
def office_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.office_qs(request.user).order_by("name", "id")
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(name__icontains=q)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("Institutions"), OFFICE_EXPORT, qs)
    return render(request, "institutions/office_list.html", {
        "page": Paginator(qs, 50).get_page(request.GET.get("page")), "q": q})


@login_required
def office_detail(request: HttpRequest, uscc: str) -> HttpResponse:
    try:
        institution = selectors.office_qs(request.user).prefetch_related(
            "staff", "courses__slots", "courses__fee_plans", "materials").get(uscc=uscc)
    except Institution.DoesNotExist:
        raise Http404
    return render(request, "institutions/office_detail.html", {
        "institution": institution, "gate": institution.gate_conditions})
