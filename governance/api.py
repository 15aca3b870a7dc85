"""The governance API (issue 12, governance part A): read-only, every list through the
scope gateway (`restrict()` in the selectors), cursor-paginated; missing and forbidden
both answer 404. Meetings with their decisions and the status of each decision's tasks,
campaigns with their phases and problem counts, screened entities with their outcomes."""

from rest_framework import viewsets

from core.api.views import StrictQueryMixin
from governance import selectors
from governance.filters import MeetingFilter, ScreeningFilter
from governance.serializers import (
    CampaignSerializer,
    MeetingSerializer,
    ScreeningEntitySerializer,
)


class MeetingViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Joint meetings with their decisions and each decision's task status."""

    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.meetings_api(self.request.user)


class CampaignViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Campaigns with their phases and problem counts by status."""

    serializer_class = CampaignSerializer
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.campaigns_api(self.request.user)


class ScreeningEntityViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Screened market entities (004 §6(2)3) with their check and its outcome."""

    serializer_class = ScreeningEntitySerializer
    filterset_class = ScreeningFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.screened_api(self.request.user)
