"""Public duty publicity (000 §3): each county department publishes its duties,
responsible office, office head, consultation address and phone."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from org.models import Department, Region, RegionLevel
from policy.profile import ProfileMissing, active_profile


def duty_counties(request: HttpRequest) -> HttpResponse:
    counties = Region.objects.restrict(request.user).filter(
        level=RegionLevel.COUNTY).select_related("parent")
    return render(request, "org/duty_counties.html", {"counties": counties})


def duty_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        county = Region.objects.restrict(request.user).get(code=code,
                                                           level=RegionLevel.COUNTY)
    except Region.DoesNotExist:
        raise Http404
    departments = list(Department.objects.restrict(request.user).filter(
        region=county, is_active=True).order_by("type"))
    try:
        cells = active_profile().effective_cells(county.code)
    except ProfileMissing:
        cells = []
    by_type: dict[str, list] = {}
    for cell in cells:
        by_type.setdefault(cell.lead.department_type, []).append((cell, "lead", cell.lead))
        for assist in cell.assists:
            by_type.setdefault(assist.department_type, []).append((cell, "assist", assist))
    rows = [(d, by_type.get(d.type, [])) for d in departments]
    return render(request, "org/duty_page.html", {"county": county, "rows": rows})
