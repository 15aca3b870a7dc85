"""Issue 13: the governance office lists that grow (meetings, campaigns, the screening
list, incidents) page by keyset (core.paging): every row once forward and back through
the rendered links, no COUNT(*), the deepest page costs the first's queries; a forged
position reads as the first page. The page size is made small so that a few rows make
several pages."""

import datetime as dt

import pytest
from django.test import Client

from governance import incident_views, incidents, selectors, views
from governance.models import (
    Campaign,
    IncidentKind,
    Meeting,
    MeetingKind,
    ScreeningEntity,
    ScreeningImport,
)
from tests.keyset import assert_walks_every_row_once

pytestmark = pytest.mark.django_db

SIZE = 4
ROWS = SIZE * 2 + 3


@pytest.fixture(autouse=True)
def _small_pages(monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", SIZE)
    monkeypatch.setattr(incident_views, "PAGE_SIZE", SIZE)


def _joint(world):
    client = Client()
    client.force_login(world.a.users["joint"])
    return client, world.a.users["joint"]


def test_meetings_and_campaigns_walk_every_row_once(world):
    client, joint = _joint(world)
    region = world.a.region
    Meeting.objects.bulk_create(
        Meeting(region=region, kind=MeetingKind.choices[0][0], title=f"联席会议{n}",
                held_on=dt.date(2026, 6, 1) + dt.timedelta(days=n // 3), agenda="议程")
        for n in range(ROWS))
    Campaign.objects.bulk_create(
        Campaign(region=region, title=f"专项整治{n}", summary_due=dt.date(2026, 11, 25))
        for n in range(ROWS))
    meetings = list(selectors.meetings(joint).values_list("pk", flat=True))
    campaigns = list(selectors.campaigns(joint).values_list("pk", flat=True))
    assert len(meetings) == len(campaigns) == ROWS
    assert_walks_every_row_once(client, "/office/governance/meetings/", meetings)
    assert_walks_every_row_once(client, "/office/governance/campaigns/", campaigns)
    for forged in ("x", "a" * 5000):
        page = client.get("/office/governance/meetings/", {"after": forged}).context["page"]
        assert [m.pk for m in page.object_list] == meetings[:SIZE]


def test_the_screening_list_and_incidents_walk_every_row_once(world):
    client, joint = _joint(world)
    job = ScreeningImport.objects.create(region=world.a.region, created_by=joint)
    ScreeningEntity.objects.bulk_create(
        ScreeningEntity(region=world.a.region, credit_code=f"91530102MA{n:08d}",
                        name=f"市场主体{n}", first_import=job)
        for n in range(ROWS))
    screened = list(selectors.screened(joint).values_list("pk", flat=True))
    assert len(screened) == ROWS
    assert_walks_every_row_once(client, "/office/governance/screening/", screened)

    day = dt.date(2026, 6, 1)
    for n in range(ROWS):
        incidents.incident_report(
            actor=joint, region=world.a.region, kind=IncidentKind.INCIDENT,
            title=f"事件{n}", description="学员在培训中摔伤送医。",
            occurred_on=day - dt.timedelta(days=n // 2), today=day)
    listed = list(incidents.incidents(joint).values_list("pk", flat=True))
    assert len(listed) == ROWS
    assert_walks_every_row_once(client, "/office/governance/incidents/", listed)
    assert_walks_every_row_once(client, f"/office/governance/incidents/?kind={IncidentKind.INCIDENT}",
                                listed)


def test_filings_walk_every_row_once_with_page_links(world):
    """The filings page passed `page_obj` while the pagination include reads `page`, so
    it showed no page links; it pages by keyset now, in the order of every kind and year
    a unit filed (issue 13)."""
    from governance.models import UnitFiling
    from governance.tests.helpers import units

    client, joint = _joint(world)
    unit = list(units(world).values())
    UnitFiling.objects.bulk_create(
        UnitFiling(unit=unit[n % 3], kind=("supervision_plan", "working_group")[n % 2],
                   year=2020 + n // 3, text=f"计划{n}", filed_by=joint)
        for n in range(ROWS))
    filings = list(selectors.filings(joint).values_list("pk", flat=True))
    assert len(filings) == ROWS
    body = client.get("/office/governance/filings/").content.decode()
    assert 'rel="next"' in body
    assert_walks_every_row_once(client, "/office/governance/filings/", filings)
