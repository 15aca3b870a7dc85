from django.urls import path

from reports import dashboard_views

app_name = "reports"
urlpatterns: list = [
    # -- dashboards and coverage (issue 12 "Dashboards") --
    path("office/reports/dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("office/reports/coverage/", dashboard_views.coverage_list, name="coverage"),
    # -- end dashboards and coverage --
]
