from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from org.models import Region
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
