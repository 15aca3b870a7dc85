"""Inspection targets among institutions with many complaints (issue 9: "Targets are
institutions, or sites ... and institutions with many complaints"). How many complaints
in how many days make a target are profile parameters (`complaint_target_threshold`,
`complaint_target_window_days` in policy/profiles/base.yaml): the seeds give no number,
so they are documented defaults. The counts come from the complaints app's selector,
through the scope gateway: a planner counts the complaints they may see, of the
institutions they may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from complaints import selectors as complaint_selectors
from complaints.models import KIND as COMPLAINT_KIND
from institutions.models import Institution
from org.models import Region
from policy.profile import ProfileMissing, active_profile

THRESHOLD = "complaint_target_threshold"
WINDOW = "complaint_target_window_days"
#: The most targets a page offers.
LIMIT = 20


@dataclass(frozen=True)
class Target:
    institution: Institution
    complaints: int


@dataclass(frozen=True)
class Targets:
    rows: list[Target]
    threshold: int
    days: int
    since: dt.date


def _index_bounds(since: dt.date) -> dict[str, Any]:
    """Two conditions the counted complaints meet already, written so that indexes answer
    them (issue 13): the window from the local midnight that begins `since` (the
    selector's local date of receipt is no index's column), and the case's kind, which
    every complaint's case has (complaints.services opens it so), so that the join reads
    the complaint cases of the county from `case_complaint_county_idx` rather than
    every case of the county (23.5k pages -> 5.9k at 600k cases and 100k complaints).
    The counts stay a whole-county aggregate: the most complained-of institutions are
    known only once every complaint of the window is counted."""
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    return {"received_at__gte": start, "case__kind": COMPLAINT_KIND}


def complaint_targets(user: Any, *, today: dt.date, region: Region | None = None
                      ) -> Targets | None:
    """The institutions of the user's region (or of `region`) with at least the
    threshold of complaints in the window, most first; None without a profile."""
    try:
        profile = active_profile()
        threshold, days = int(profile.rule(THRESHOLD)), int(profile.rule(WINDOW))
    except ProfileMissing:
        return None
    since = today - dt.timedelta(days=days)
    counts = list(complaint_selectors.counts_per_institution(
        user, since=since, minimum=threshold)
        .filter(**_index_bounds(since))[:LIMIT * 5])
    institutions = Institution.objects.restrict(user).filter(
        pk__in=[c["institution_id"] for c in counts]).select_related("region")
    if region is not None:
        institutions = institutions.filter(region__path__startswith=region.path)
    found = {i.pk: i for i in institutions}
    rows = [Target(found[c["institution_id"]], c["n"]) for c in counts
            if c["institution_id"] in found][:LIMIT]
    return Targets(rows=rows, threshold=threshold, days=days, since=since)
