"""The governance API (issue 12, governance part A): read-only, every list through the
scope gateway (`restrict()` in the selectors), cursor-paginated; missing and forbidden
both answer 404. Meetings with their decisions and the status of each decision's tasks,
campaigns with their phases and problem counts, screened entities with their outcomes."""

from typing import Any

from rest_framework import viewsets

from core.api.fastlist import FastListMixin, iso_datetime
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


def screening_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the screening list, as `ScreeningEntitySerializer` writes it (the fast
    path of issue 13; governance/tests/test_fastlist.py compares the two): the outcome
    is null until the county's check records one."""
    outcome = None
    if row["outcome__id"] is not None:
        outcome = {
            "kind": row["outcome__kind"], "other_reference": row["outcome__other_reference"],
            "note": row["outcome__note"],
            "enforcement": row["outcome__enforcement__case__number"],
            "blacklist": row["outcome__blacklist__case__number"],
            "recorded_at": iso_datetime(row["outcome__recorded_at"]),
        }
    return {
        "id": row["id"], "credit_code": row["credit_code"], "name": row["name"],
        "county": row["region__code"], "institution": row["institution__uscc"],
        "check": row["case__number"], "check_state": row["case__state"], "outcome": outcome,
    }


class ScreeningEntityViewSet(StrictQueryMixin, FastListMixin, viewsets.ReadOnlyModelViewSet):
    """Screened market entities (004 §6(2)3) with their check and its outcome."""

    serializer_class = ScreeningEntitySerializer
    list_values = ("id", "credit_code", "name", "region__code", "institution__uscc",
                   "case__number", "case__state", "outcome__id", "outcome__kind",
                   "outcome__other_reference", "outcome__note",
                   "outcome__enforcement__case__number", "outcome__blacklist__case__number",
                   "outcome__recorded_at")
    list_row = staticmethod(screening_row)
    filterset_class = ScreeningFilter
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.screened_api(self.request.user)
