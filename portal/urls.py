from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.api.errors import not_found as api_not_found
from institutions import opendata
from institutions import views as institution_views
from policy import views as policy_views
from portal import views

portal_patterns = ([
    path("", institution_views.lookup, name="home"),
    path("office/", views.dashboard, name="dashboard"),
], "portal")

urlpatterns = [
    # The API first: Django tries the patterns in order, and an API call walked the ~190
    # page patterns before reaching its own (issue 13: fixed cost per call). No page
    # path starts with "api/", so the order changes no answer.
    path("api/v1/", include("portal.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api_docs"),
    # Last of the API: what no API route takes answers 404 in the API's error format.
    re_path(r"^api/", api_not_found),
    path("", include(portal_patterns)),
    path("duties/", policy_views.duty_counties, name="duty_counties"),
    path("open-data/register.<str:fmt>", opendata.register_download, name="open_data_register"),
    path("duties/<str:code>/", policy_views.duty_page, name="duty_page"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("office/policy/", policy_views.matrix, name="policy_matrix"),
    path("", include("licensing.urls")),
    path("", include("complaints.urls")),
    path("", include("funds.urls")),
    path("", include("inspections.urls")),
    path("", include("governance.urls")),
    path("", include("reports.urls")),
    path("", include("institutions.urls")),
    path("office/", include("cases.urls")),
    path("admin/", admin.site.urls),
    # Pages without the icon link (the admin's) and browsers that ask anyway.
    path("favicon.ico", views.favicon),
]
