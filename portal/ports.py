"""Ports the portal wires between apps that sit side by side in the layers and cannot
import each other (DESIGN.md layers): complaints and funds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count


def complaint_counts(*, since: dt.datetime, until: dt.datetime,
                     topics: Iterable[str]) -> dict[int, int]:
    """Complaints about each institution received in [since, until) whose topic routes
    as one of `topics` (funds' complaints warning rule, 003 §4(4)). A merged duplicate
    is one complaint, not two."""
    from complaints.models import Complaint

    rows = (Complaint.objects.filter(received_at__gte=since, received_at__lt=until,
                                     topic__route_topic__in=list(topics),
                                     case__institution__isnull=False,
                                     duplicate_of__isnull=True)
            .values("case__institution_id").annotate(n=Count("id")).order_by())
    return {r["case__institution_id"]: r["n"] for r in rows}
