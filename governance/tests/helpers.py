"""Builders for the governance tests: a county's joint meeting with its member units, an
issued meeting, a campaign with a problem."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from core.vocab import DepartmentType
from governance import services
from governance.models import Campaign, Meeting, MemberUnit, Phase, Problem
from tests.factories import World
from tests.permmatrix import Endpoint, assert_matrix

#: County roles that read no governance record (governance.models.READERS): for them a
#: record of their own county is out of reach.
OUTSIDERS = ["institution", "grid", "supervisor"]


def once(build: Callable[[World, str], dict[str, Any]]
         ) -> Callable[[World, str], dict[str, Any]]:
    """The builder of a matrix, building each county's objects once, so that a second
    matrix over the same endpoints reads the same objects."""
    built: dict[str, dict[str, Any]] = {}

    def cached(world: World, key: str) -> dict[str, Any]:
        if key not in built:
            built[key] = build(world, key)
        return built[key]

    return cached


def assert_out_of_reach_is_404(world: World, endpoints: list[Endpoint],
                               build: Callable[[World, str], dict[str, Any]],
                               roles: list[str] = OUTSIDERS) -> None:
    """STYLE.md habit 3: a record out of reach answers 404, never 403, even in the
    reader's own county; 403 is only for a reader who may see the record but not act."""
    assert_matrix(world, [replace(ep, allowed=set(), denied=(404,)) for ep in endpoints],
                  build, roles=roles)

EDU = DepartmentType.EDUCATION_SPORTS
CULTURE = DepartmentType.CULTURE_TOURISM
MARKET = DepartmentType.MARKET_REGULATION


def units(world: World, key: str = "a") -> dict[str, MemberUnit]:
    county = world.county(key)
    admin = county.users["county_admin"]
    found = {u.department.type: u for u in MemberUnit.objects.filter(region=county.region)
             .select_related("department")}
    for i, t in enumerate((EDU, CULTURE, MARKET)):
        if t not in found:
            found[t] = services.unit_add(actor=admin, region=county.region,
                                         department=county.depts[t], is_convenor=t == EDU,
                                         hosts_office=t == EDU, order=i)
    return found


def drafted_meeting(world: World, key: str = "a", *, title: str = "第一次联席会议") -> Meeting:
    county = world.county(key)
    joint = county.users["joint"]
    unit = units(world, key)
    meeting = services.meeting_create(actor=joint, region=county.region, kind="special",
                                      title=title, held_on=dt.date(2026, 6, 1),
                                      agenda="部署暑期专项检查", units=unit.values())
    services.decision_add(actor=joint, meeting=meeting, text="开展暑期联合检查",
                          lead=county.depts[CULTURE], assisting=[county.depts[MARKET]])
    services.minutes_draft(actor=joint, meeting=meeting, minutes="会议议定：开展暑期联合检查。",
                           absent=[unit[MARKET]])
    return meeting


def confirm_all(world: World, meeting: Meeting, key: str = "a") -> None:
    county = world.county(key)
    by_type = {EDU: county.users["officer"], CULTURE: county.users["culture"],
               MARKET: county.users["market"]}
    for row in meeting.attendance.select_related("unit__department").filter(present=True):
        services.minutes_confirm(actor=by_type[row.unit.department.type], attendance=row)


def issued_meeting(world: World, key: str = "a", today: dt.date | None = None) -> Meeting:
    meeting = drafted_meeting(world, key)
    confirm_all(world, meeting, key)
    return services.minutes_issue(actor=world.county(key).users["joint"], meeting=meeting,
                                  today=today or dt.date(2026, 6, 1))


def campaign(world: World, key: str = "a", *, title: str = "校外培训整治攻坚") -> Campaign:
    county = world.county(key)
    d = dt.date
    return services.campaign_create(
        actor=county.users["joint"], region=county.region, title=title,
        summary_due=d(2026, 11, 25),
        phases={Phase.MOBILISE: (d(2026, 5, 1), d(2026, 5, 31)),
                Phase.RECTIFY: (d(2026, 6, 1), d(2026, 10, 31)),
                Phase.ACCEPT: (d(2026, 11, 1), d(2026, 12, 31))})


def problem(world: World, key: str = "a", c: Campaign | None = None) -> Problem:
    county = world.county(key)
    return services.problem_add(actor=county.users["joint"], campaign=c or campaign(world, key),
                                description="无证开展艺术培训", subject="某艺术工作室",
                                department=county.depts[CULTURE],
                                rectify_by=dt.date(2026, 9, 30))


def case_links_by_role(readers: dict[str, Any], url: str, number: str) -> dict[str, bool]:
    """Whether each reader's page at `url` links a case, for the readers it answers 200.

    A page names its case (`number`) to every reader and links it only for those who may
    open it (`cases.selectors.viewable_case_ids`; the browser audit of 2 December found
    links that answered 404): every link is followed as its reader and must open."""
    from django.test import Client

    linked: dict[str, bool] = {}
    for role, user in readers.items():
        client = Client()
        client.force_login(user)
        response = client.get(url)
        if response.status_code != 200:
            continue
        page = response.content.decode()
        assert number in page, role
        links = re.findall(r'href="(/office/cases/[^"/]+/)"', page)
        for link in links:
            assert client.get(link).status_code == 200, (role, link)
        linked[role] = bool(links)
    return linked
