"""Rounds, daily inspections and rectification orders in the caller's scope (token
clients with cases:read, their regions), and the public list of published annual-
inspection results per year (000 §3: the lead department publishes them)."""

from rest_framework import generics, viewsets
from rest_framework.permissions import AllowAny

from core.api.throttling import ClientIpScopedRateThrottle
from core.api.views import StrictQueryMixin
from inspections import selectors
from inspections.filters import (
    BlacklistFilter,
    DailyFilter,
    EnforcementFilter,
    OrderFilter,
    PublicResultFilter,
    RoundFilter,
    ZombieFilter,
)
from inspections.models import AnnualInspection
from inspections.serializers import (
    BlacklistEntrySerializer,
    DailyInspectionSerializer,
    EnforcementSerializer,
    PublicResultSerializer,
    RectificationOrderSerializer,
    RoundSerializer,
    ZombieCleanupSerializer,
)


class RoundViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Annual-inspection rounds. Missing and forbidden both answer 404."""

    serializer_class = RoundSerializer
    filterset_class = RoundFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.round_list(self.request.user)


class DailyInspectionViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Daily inspections. An institution's staff see their own, an unannounced one only
    once it is done."""

    serializer_class = DailyInspectionSerializer
    filterset_class = DailyFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.daily_list(self.request.user)


class OrderViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Rectification orders."""

    serializer_class = RectificationOrderSerializer
    filterset_class = OrderFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.order_list(self.request.user)


class PublicResultsView(StrictQueryMixin, generics.ListAPIView):
    """Published annual-inspection results of a year. No token; throttled per IP."""

    serializer_class = PublicResultSerializer
    filterset_class = PublicResultFilter
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ClientIpScopedRateThrottle]
    throttle_scope = "public"
    query_params_allowed = ("year", "category", "cursor", "page_size")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return AnnualInspection.objects.restrict(self.request.user, "public").select_related(
            "institution", "round__region", "round__lead_department")


class ZombieCleanupViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Zombie flags and their cleanup cases (000 §4(3)). Filter `outcome`: open, or a
    recorded outcome."""

    serializer_class = ZombieCleanupSerializer
    filterset_class = ZombieFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.zombie_list(self.request.user)


class EnforcementViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Enforcement cases with their penalties (000 §4(2); 003 §5(1)). Filters: `mode`,
    `penalty` (none: not decided yet), `violation` (a violation code)."""

    serializer_class = EnforcementSerializer
    filterset_class = EnforcementFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.enforcement_list(self.request.user)


class BlacklistEntryViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Black-list entries with their appeals (004 §6(4)). Filters: `state`,
    `appeal_state`."""

    serializer_class = BlacklistEntrySerializer
    filterset_class = BlacklistFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.blacklist_list(self.request.user)
