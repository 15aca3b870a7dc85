"""The app's REST routes, included under /api/v1/ by portal/api/urls.py."""

from rest_framework.routers import SimpleRouter

from governance import api

router = SimpleRouter()
router.register("governance/meetings", api.MeetingViewSet, basename="governance-meeting")
router.register("governance/campaigns", api.CampaignViewSet, basename="governance-campaign")
router.register("governance/screening", api.ScreeningEntityViewSet,
                basename="governance-screening")

urlpatterns: list = [*router.urls]
