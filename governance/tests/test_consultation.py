"""The monthly consultation (004 §6(3)): only where the profile holds it; each invited
unit's report is prefilled with its complaint analysis for the month before the meeting,
and its figures equal the complaints analytics and the complaint records; the unit edits
its own report until the meeting day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Task, TaskRole
from complaints import selectors as complaint_selectors
from complaints.models import Complaint
from complaints.tests.conftest import seed_taxonomy
from complaints.tests.helpers import submit
from core.errors import DomainError, InvalidState, PermissionDenied
from governance import consultation, services
from governance.models import Meeting, MeetingKind
from governance.tests.helpers import units
from org.models import Department
from tests.factories import World
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

HELD_ON = dt.date(2026, 6, 10)
MAY = dt.datetime(2026, 5, 15, 10, tzinfo=timezone.get_default_timezone())
JUNE = dt.datetime(2026, 6, 2, 10, tzinfo=timezone.get_default_timezone())
APRIL = dt.datetime(2026, 4, 30, 23, tzinfo=timezone.get_default_timezone())


@pytest.fixture
def complaints(world: World) -> Department:
    """Complaints of county A in April, May (two) and June, and one of county B in May;
    returns the department that leads them, a member unit of both joint meetings."""
    seed_taxonomy()
    received = []
    for key, when in (("a", APRIL), ("a", MAY), ("a", MAY), ("a", JUNE), ("b", MAY)):
        complaint, _code, _x = submit(world, key)
        received.append((complaint.pk, when))
    for pk, when in received:
        Complaint.objects.filter(pk=pk).update(received_at=when)
    lead = Task.objects.filter(role=TaskRole.LEAD, case__complaint__isnull=False,
                               case__region__path__startswith=world.a.region.path).select_related(
                                   "department")
    department = lead.first().department
    for key in ("a", "b"):
        found = units(world, key)
        if department.type not in found:
            services.unit_add(actor=world.county(key).users["joint"],
                              region=world.county(key).region,
                              department=world.county(key).depts[department.type])
    return department


def call(world: World, key: str = "a", *, held_on: dt.date = HELD_ON) -> Meeting:
    county = world.county(key)
    from governance.models import MemberUnit
    return services.meeting_create(
        actor=county.users["joint"], region=county.region, kind=MeetingKind.CONSULTATION,
        title="六月部门联席会商会", held_on=held_on, agenda="各成员单位通报投诉分析",
        units=MemberUnit.objects.filter(region=county.region))


@pytest.fixture
def quanzhou(settings):
    settings.POLICY_PROFILE = "quanzhou"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_no_monthly_consultation_where_the_profile_holds_none(world: World):
    units(world)
    with pytest.raises(DomainError) as exc:
        call(world)
    assert exc.value.field == "kind"
    form = _client(world.a.users["joint"]).get("/office/governance/meetings/new/")
    assert 'value="consultation"' not in form.content.decode()


def test_reports_are_prefilled_with_the_complaints_analytics(world: World, complaints,
                                                            quanzhou):
    form = _client(world.a.users["joint"]).get("/office/governance/meetings/new/")
    assert 'value="consultation"' in form.content.decode()
    meeting = call(world)
    joint = world.a.users["joint"]
    reports = list(meeting.consultation_reports.select_related("unit__department"))
    assert len(reports) == meeting.attendance.count() >= 3
    start, end = dt.date(2026, 5, 1), dt.date(2026, 5, 31)
    for report in reports:
        assert (report.period_start, report.period_end) == (start, end)
        data = complaint_selectors.analytics(joint, since=start, until=end,
                                             department=report.unit.department)
        assert report.figures == consultation.figures_of(data)
        # ... and the analytics are the records: county A's complaints of May that the
        # unit's department leads.
        records = Complaint.objects.filter(
            case__region__path__startswith=world.a.region.path,
            received_at__date__range=(start, end),
            case__tasks__role=TaskRole.LEAD,
            case__tasks__department=report.unit.department).distinct()
        assert report.figures["total"] == records.count()
        assert report.figures["closed"] == records.filter(status="closed").count()
        assert str(report.figures["total"]) in report.analysis
    led = next(r for r in reports if r.unit.department == complaints)
    assert led.figures["total"] == 2 and led.figures["topics"][0]["n"] == 2
    assert sum(r.figures["total"] for r in reports) == 2


def test_a_unit_edits_its_own_report_until_the_meeting(world: World, complaints, quanzhou):
    meeting = call(world)
    report = meeting.consultation_reports.select_related("unit__department").get(
        unit__department__type="culture_tourism")
    culture, market = world.a.users["culture"], world.a.users["market"]
    with pytest.raises(PermissionDenied):
        consultation.report_update(actor=market, report=report, analysis="改写", progress="")
    with pytest.raises(DomainError):
        consultation.report_update(actor=culture, report=report, analysis=" ", progress="")
    consultation.report_update(actor=culture, report=report, analysis="本月无投诉。",
                               progress="开展暑期巡查3次。", today=HELD_ON)
    report.refresh_from_db()
    assert report.analysis == "本月无投诉。" and report.updated_by == culture
    with pytest.raises(InvalidState):
        consultation.report_update(actor=culture, report=report, analysis="会后改写",
                                   progress="", today=HELD_ON + dt.timedelta(days=1))
    # The office reads the figures again; the unit's text stays.
    consultation.reports_refresh(actor=world.a.users["joint"], meeting=meeting)
    report.refresh_from_db()
    assert report.analysis == "本月无投诉。"


def test_the_pages(world: World, complaints, quanzhou):
    meeting = call(world, held_on=timezone.localdate() + dt.timedelta(days=5))
    report = meeting.consultation_reports.get(unit__department__type="culture_tourism")
    url = f"/office/governance/consultations/{meeting.pk}/"
    culture = _client(world.a.users["culture"])
    page = culture.get(url)
    assert page.status_code == 200
    assert f"/office/governance/consultation-reports/{report.pk}/" in page.content.decode()
    assert url in culture.get(f"/office/governance/meetings/{meeting.pk}/").content.decode()
    edit = f"/office/governance/consultation-reports/{report.pk}/"
    bad = culture.post(edit, {"analysis": "", "progress": "巡查"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    assert culture.post(edit, {"analysis": "本月文旅类投诉为零。", "progress": "巡查"}
                        ).status_code == 302
    assert "本月文旅类投诉为零。" in _client(world.a.users["discipline"]).get(url).content.decode()
    assert _client(world.a.users["market"]).get(edit).status_code == 403
    joint = _client(world.a.users["joint"])
    assert joint.post(url + "refresh/").status_code == 302
    assert culture.post(url + "refresh/").status_code == 403


READERS = {"county_admin", "joint", "discipline", "officer", "head", "culture", "market",
           "health"}


def test_permission_matrix_county_a_vs_b(world: World, complaints, quanzhou):
    held_on = timezone.localdate() + dt.timedelta(days=5)

    def build(world: World, key: str) -> dict:
        meeting = call(world, key, held_on=held_on)
        return {"meeting": meeting, "report": meeting.consultation_reports.get(
            unit__department__type="culture_tourism")}

    url = lambda o: f"/office/governance/consultations/{o['meeting'].pk}/"  # noqa: E731
    edit = lambda o: f"/office/governance/consultation-reports/{o['report'].pk}/"  # noqa: E731
    assert_matrix(world, [
        Endpoint("reports page", url, READERS),
        Endpoint("refresh", lambda o: url(o) + "refresh/", {"county_admin", "joint"},
                 method="post", ok=(302,)),
        Endpoint("edit page", edit, {"culture"}),
        Endpoint("edit", edit, {"culture"}, method="post", ok=(302,),
                 data=lambda o: {"analysis": "本月无投诉。"}),
    ], build)
