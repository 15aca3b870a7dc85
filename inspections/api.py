"""Rounds, daily inspections and rectification orders in the caller's scope (token
clients with cases:read, their regions), and the public list of published annual-
inspection results per year (000 §3: the lead department publishes them)."""

from typing import Any

from rest_framework import generics, viewsets
from rest_framework.permissions import AllowAny

from core.api.fastlist import FastListMixin, decimal_text, iso_date, iso_datetime
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


# The fast read paths of the lists that grow (issue 13): each row function writes a
# `values()` row as the list's serializer writes the instance;
# inspections/tests/test_fastlist.py compares them.

def zombie_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the zombie list, as `ZombieCleanupSerializer` writes it."""
    return {
        "id": row["id"], "number": row["case__number"],
        "institution": row["institution__uscc"], "institution_name": row["institution__name"],
        "region": row["institution__region__code"], "criteria": row["criteria"],
        "combination": row["combination"], "flagged_on": iso_date(row["flagged_on"]),
        "outcome": row["outcome"], "outcome_note": row["outcome_note"],
        "closed_at": iso_datetime(row["closed_at"]),
    }


def enforcement_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the enforcement list, as `EnforcementSerializer` writes it."""
    return {
        "id": row["id"], "number": row["case__number"], "violation": row["violation__code"],
        "violation_label": row["violation__label"], "mode": row["mode"],
        "region": row["region__code"], "institution": row["institution__uscc"],
        "subject_name": row["subject_name"], "department": row["department__name"],
        "findings": row["findings"], "penalty": row["penalty"],
        "fine_amount": decimal_text(row["fine_amount"]), "legal_basis": row["legal_basis"],
        "decided_at": iso_datetime(row["decided_at"]),
        "created_at": iso_datetime(row["created_at"]),
    }


def blacklist_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the black list, as `BlacklistEntrySerializer` writes it."""
    return {
        "id": row["id"], "number": row["case__number"],
        "institution": row["institution__uscc"], "institution_name": row["institution__name"],
        "department": row["department__name"], "reason": row["reason"],
        "state": row["state"], "listed_at": iso_datetime(row["listed_at"]),
        "appeal_state": row["appeal_state"], "appeal_due": iso_date(row["appeal_due"]),
        "appeal_reason": row["appeal_reason"], "removed_at": iso_datetime(row["removed_at"]),
        "removal_reason": row["removal_reason"],
    }


class ZombieCleanupViewSet(StrictQueryMixin, FastListMixin, viewsets.ReadOnlyModelViewSet):
    """Zombie flags and their cleanup cases (000 §4(3)). Filter `outcome`: open, or a
    recorded outcome."""

    serializer_class = ZombieCleanupSerializer
    list_values = ("id", "case__number", "institution__uscc", "institution__name",
                   "institution__region__code", "criteria", "combination", "flagged_on",
                   "outcome", "outcome_note", "closed_at")
    list_row = staticmethod(zombie_row)
    filterset_class = ZombieFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.zombie_list(self.request.user)


class EnforcementViewSet(StrictQueryMixin, FastListMixin, viewsets.ReadOnlyModelViewSet):
    """Enforcement cases with their penalties (000 §4(2); 003 §5(1)). Filters: `mode`,
    `penalty` (none: not decided yet), `violation` (a violation code)."""

    serializer_class = EnforcementSerializer
    list_values = ("id", "case__number", "violation__code", "violation__label", "mode",
                   "region__code", "institution__uscc", "subject_name", "department__name",
                   "findings", "penalty", "fine_amount", "legal_basis", "decided_at",
                   "created_at")
    list_row = staticmethod(enforcement_row)
    filterset_class = EnforcementFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.enforcement_list(self.request.user)


class BlacklistEntryViewSet(StrictQueryMixin, FastListMixin, viewsets.ReadOnlyModelViewSet):
    """Black-list entries with their appeals (004 §6(4)). Filters: `state`,
    `appeal_state`."""

    serializer_class = BlacklistEntrySerializer
    list_values = ("id", "case__number", "institution__uscc", "institution__name",
                   "department__name", "reason", "state", "listed_at", "appeal_state",
                   "appeal_due", "appeal_reason", "removed_at", "removal_reason")
    list_row = staticmethod(blacklist_row)
    filterset_class = BlacklistFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.blacklist_list(self.request.user)
