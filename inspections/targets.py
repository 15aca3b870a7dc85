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

from complaints import selectors as complaint_selectors
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
        user, since=since, minimum=threshold)[:LIMIT * 5])
    institutions = Institution.objects.restrict(user).filter(
        pk__in=[c["institution_id"] for c in counts]).select_related("region")
    if region is not None:
        institutions = institutions.filter(region__path__startswith=region.path)
    found = {i.pk: i for i in institutions}
    rows = [Target(found[c["institution_id"]], c["n"]) for c in counts
            if c["institution_id"] in found][:LIMIT]
    return Targets(rows=rows, threshold=threshold, days=days, since=since)
