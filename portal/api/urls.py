from django.urls import include, path
from rest_framework.routers import DefaultRouter

from cases.api import CaseChangeFeed, CaseViewSet, MyTaskViewSet, NotificationViewSet
from institutions.api import (
    InstitutionChangeFeed,
    InstitutionViewSet,
    PublicBlackListView,
    PublicStatusView,
    PublicWhiteListView,
)
from org.api import DepartmentViewSet, RegionViewSet
from policy.api import ActiveProfileView

router = DefaultRouter()
# The busiest lists first: Django tries the routes in order, and each one tried and
# missed is a regular expression and an entry in the request's list of tried routes
# (issue 13: the API's fixed cost per call).
router.register("institutions", InstitutionViewSet, basename="institution")
router.register("cases", CaseViewSet, basename="case")
router.register("tasks/mine", MyTaskViewSet, basename="my-task")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("regions", RegionViewSet, basename="region")
router.register("departments", DepartmentViewSet, basename="department")

app_name = "api"
urlpatterns = [
    # First (see the router above); its routes share no prefix with those below.
    path("", include(router.urls)),
    path("policy/profile/", ActiveProfileView.as_view(), name="policy-profile"),
    path("changes/institutions/", InstitutionChangeFeed.as_view(), name="institution-changes"),
    path("changes/cases/", CaseChangeFeed.as_view(), name="case-changes"),
    path("public/whitelist/", PublicWhiteListView.as_view(), name="public-whitelist"),
    path("public/blacklist/", PublicBlackListView.as_view(), name="public-blacklist"),
    path("public/institutions/<str:uscc>/", PublicStatusView.as_view(),
         name="public-institution"),
    path("", include("complaints.api_urls")),
    path("", include("funds.api_urls")),
    path("", include("inspections.api_urls")),
    path("", include("governance.api_urls")),
    path("", include("reports.api_urls")),
]
