from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from org.models import Department, Region, RegionLevel
from org.scope import scope_of
from policy.profile import ProfileMissing, active_profile


@login_required
def matrix(request: HttpRequest) -> HttpResponse:
    """Read-only view of the active profile: who leads and who assists what, per step,
    with the user's county overrides applied (000 §3)."""
    try:
        profile = active_profile()
    except ProfileMissing as exc:
        return render(request, "policy/matrix.html", {"missing": exc.message}, status=503)
    county = (request.GET.get("county") or scope_of(request.user).county_code or "")[:20]
    region = Region.objects.restrict(request.user).filter(code=county).first() \
        if county else None
    return render(request, "policy/matrix.html", {
        "profile": profile, "cells": profile.effective_cells(county), "county": county,
        "county_name": region.name if region else county,
        "rules": sorted(profile.rules.values(), key=lambda r: (r.group, r.key)),
        "approvals": list(profile.approvals.values()),
        "routes": profile.routes,
    })


def duty_counties(request: HttpRequest) -> HttpResponse:
    """Public duty publicity (000 §3): each county department publishes its duties,
    responsible office, office head, consultation address and phone."""
    counties = Region.objects.restrict(request.user).filter(
        level=RegionLevel.COUNTY).select_related("parent")
    return render(request, "policy/duty_counties.html", {"counties": counties})


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
    return render(request, "policy/duty_page.html", {"county": county, "rows": rows})
