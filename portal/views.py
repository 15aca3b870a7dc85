from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cases import selectors
from cases.models import Notification
from org.models import Region, RegionLevel, Role


def home(request: HttpRequest) -> HttpResponse:
    """The public site: what the platform is, and the duty publicity of each county."""
    counties = Region.objects.restrict(request.user).filter(level=RegionLevel.COUNTY)
    return render(request, "portal/home.html", {"counties": counties})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """工作台: my tasks, overdue, due this week and recent notifications."""
    user = request.user
    tasks = selectors.my_tasks(user)
    context = {
        "counts": selectors.dashboard_counts(user),
        "tasks": tasks[:10],
        "notifications": Notification.objects.restrict(user).select_related("case")[:8],
        "overview": (selectors.county_overview(user)
                     if user.role in (Role.COUNTY_ADMIN, Role.CITY_ADMIN) else None),
    }
    return render(request, "portal/dashboard.html", context)
