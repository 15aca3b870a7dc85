"""The app's REST routes, included under /api/v1/ by portal/api/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from inspections import api

router = SimpleRouter()
router.register("inspections/rounds", api.RoundViewSet, basename="inspection-round")
router.register("inspections/daily", api.DailyInspectionViewSet, basename="daily-inspection")
router.register("inspections/orders", api.OrderViewSet, basename="rectification-order")
router.register("inspections/zombies", api.ZombieCleanupViewSet, basename="zombie-cleanup")
router.register("inspections/enforcement", api.EnforcementViewSet, basename="enforcement")
router.register("inspections/blacklist", api.BlacklistEntryViewSet, basename="blacklist-entry")

urlpatterns: list = [
    path("public/inspection-results/", api.PublicResultsView.as_view(),
         name="public-inspection-results"),
    *router.urls,
]
