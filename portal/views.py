from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import selectors
from cases.models import Notification
from core.abilities import may
from policy import calendar
from portal import selectors as portal_selectors
from reports import dashboards


class LogoutView(auth_views.LogoutView):
    """Signing out says so on the login page it leads to (issue 14 C11)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, _("You have signed out."))
        return response


class LoginView(auth_views.LoginView):
    """The Chinese login page; it states the lockout rule as configured (AXES_FAILURE_LIMIT
    and AXES_COOLOFF_TIME are both set from the environment)."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["lockout_failures"] = settings.AXES_FAILURE_LIMIT
        context["lockout_minutes"] = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        return context


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """工作台: my tasks, overdue, due this week and recent notifications; for those who
    oversee, the overdue and escalated tasks of their area as a chart and a table."""
    user = request.user
    tasks = selectors.my_tasks(user)
    oversees = may(user, "cases.view_county_overview")
    # Only staff reach the admin: nobody else's permissions are read (two queries).
    edits_calendar = user.is_staff and user.has_perm("policy.add_calendaryear")
    context = {
        "counts": selectors.dashboard_counts(user),
        "tasks": tasks[:10],
        "notifications": Notification.objects.restrict(user).select_related("case")[:8],
        "overview": selectors.county_overview(user) if oversees else None,
        # An admin reads the county's (or city's) figures, not only its own queue.
        "area": selectors.area_counts(user) if oversees else None,
        "escalated": list(selectors.escalated_to(user)[:10]),
        # The reader's overview (issue 12): overdue and escalated tasks by department, or
        # the counties side by side for a city; the full dashboard holds the rest.
        "overview_chart": (dashboards.tasks_chart(user)
                           if may(user, "reports.view_dashboard") else None),
        # Those who oversee deadlines, and whoever may add a year in the admin, see a
        # year the working-day calendar lacks before deadlines run into it.
        "calendar_missing": (calendar.years_missing(timezone.localdate())
                             if oversees or edits_calendar else []),
        "may_edit_calendar": edits_calendar,
        # An institution's staff hold no task; what waits for them is counted and listed
        # instead (None for everyone else).
        "work": portal_selectors.institution_work(user),
        "today": timezone.localdate(),
        # "Due this week" opens the open tasks due from today to the week's end.
        "week_end": selectors.week_bounds(timezone.localdate())[1],
    }
    return render(request, "portal/dashboard.html", context)


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """/favicon.ico, which browsers ask for where a page names no icon (the admin's): the
    portal's icon, its static URL resolved per request (the manifest storage's hashed name
    exists only after collectstatic)."""
    return HttpResponsePermanentRedirect(static("portal/favicon.svg"))
