"""What the registry needs to know from the licensing app above it.

The registry sits below licensing in the layers (DESIGN.md), so it cannot import it. The
licensing app declares these facts and actions and registers them here in its
`AppConfig.ready()`; the registry asks through `licensing()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone


@dataclass(frozen=True)
class LicensingFacts:
    #: `(user, institution) -> application | None`: the application in progress, as the
    #: user may see it.
    running_application: Callable[..., Any]
    #: `(institution) -> bool`: an application whose case is still open (its decisions are
    #: not all applied to the register yet).
    application_case_open: Callable[..., bool]
    #: `(course) -> bool`: a change application in progress carries this course.
    course_in_application: Callable[..., bool]
    #: `() -> expression`: annotate institutions with whether re-licensing approved them
    #: (重新审批登记, 004), over `OuterRef("pk")`.
    relicensed: Callable[[], Any]
    #: `(*, actor, course, **values) -> application`: a licensed course changes through a
    #: change application (变更).
    course_change_submit: Callable[..., Any]
    #: `(*, actor, course) -> application`: a course added after the licence is listed
    #: through a change application.
    course_listing_submit: Callable[..., Any]


_licensing: LicensingFacts | None = None


def register_licensing(facts: LicensingFacts) -> None:
    global _licensing
    _licensing = facts


def licensing() -> LicensingFacts:
    if _licensing is None:
        raise ImproperlyConfigured("The licensing app is not installed: the registry needs it.")
    return _licensing


@dataclass(frozen=True)
class FundsFacts:
    """What the registry asks the funds app above it (issue 11): the funds app registers
    these in its `AppConfig.ready()`."""

    #: `(institution) -> bool`: a supervision arrangement (bank custody or a risk deposit,
    #: 004 §4(4)) is in place, which meets the fund condition of the enrollment gate
    #: (000 §4(3)).
    arrangement_in_place: Callable[[Any], bool]
    #: `(user, institution) -> str | None`: the page of the institution's orders (the
    #: only way to enrol a learner, issue 11), or None where `user` may not read it.
    orders_url: Callable[[Any, Any], str | None]


_funds: FundsFacts | None = None


def register_funds(facts: FundsFacts) -> None:
    global _funds
    _funds = facts


def funds() -> FundsFacts | None:
    """The funds app's facts, or None where it is not installed (then no institution
    meets the fund condition of the enrollment gate, and none takes orders)."""
    return _funds


@dataclass(frozen=True)
class RecordEvent:
    """One entry of an institution's history as an app above the registry reports it
    (issue 9: "the institution page shows its inspections, findings, orders and penalties
    as one history")."""

    #: A date or an aware datetime; the history sorts by the local day, then by `order`.
    when: dt.date | dt.datetime
    #: What happened, e.g. "Daily inspection", "Finding", "Penalty".
    kind: str
    title: str
    detail: str = ""
    url: str | None = None
    #: "danger", "warning", "success" or "secondary": the badge of the entry.
    tone: str = "secondary"
    order: int = 0

    @property
    def day(self) -> dt.date:
        when = self.when
        return timezone.localdate(when) if isinstance(when, dt.datetime) else when


@dataclass(frozen=True)
class RecordFacts:
    """What the inspections app above tells the registry about an institution's record;
    it registers these in its `AppConfig.ready()`."""

    #: `(user, institution) -> Iterable[RecordEvent]`: inspections, findings, orders,
    #: penalties and list entries that `user` sees (through `restrict()`), for the office
    #: page.
    office_history: Callable[[Any, Any], Iterable[RecordEvent]]
    #: `(user, institution) -> Iterable[RecordEvent]`: published facts only (annual
    #: results made public, black-list entries), for the public page.
    public_history: Callable[[Any, Any], Iterable[RecordEvent]]
    #: `() -> expression`: annotate institutions with when their current black-listing
    #: began, over `OuterRef("pk")` (None where the app recorded none).
    listed_since: Callable[[], Any]


_record: RecordFacts | None = None


def register_record(facts: RecordFacts) -> None:
    global _record
    _record = facts


def record() -> RecordFacts | None:
    """The inspections app's facts, or None where it is not installed (then the pages
    show no history)."""
    return _record


def history(events: Iterable[RecordEvent]) -> list[RecordEvent]:
    """One chronological history: oldest first, then by the reporter's order."""
    return sorted(events, key=lambda e: (e.day, e.order))


#: `(*, since, until, topics) -> {institution_id: count}`: complaints about each
#: institution received in [since, until) whose routing topic is one of `topics`. Funds
#: reads it for the complaints warning rule (003 §4(4)); funds and complaints are sibling
#: layers and cannot import each other, so the portal above both registers it.
ComplaintCounts = Callable[..., dict[int, int]]

_complaint_counts: ComplaintCounts | None = None


def register_complaint_counts(counts: ComplaintCounts) -> None:
    global _complaint_counts
    _complaint_counts = counts


def complaint_counts() -> ComplaintCounts | None:
    """The complaints count, or None where the complaints app is not wired."""
    return _complaint_counts
