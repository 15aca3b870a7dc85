"""Incident, public-opinion and online-takedown cases (001 §4(2)13, 15, 16): the lead and
assisting departments from the profile, their tasks due in working days and escalating
when overdue, closing with an outcome; the pages, the cross-county 404 matrix and the
list's query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from cases import services as case_services
from cases.models import CaseState, Escalation, TaskRole, TaskStatus
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import DepartmentType as T
from governance import incidents
from governance.models import Incident, IncidentKind, IncidentStatus
from policy.calendar import add_workdays
from policy.profile import active_profile
from tests.factories import DepartmentFactory, World
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

D = dt.date(2026, 6, 1)


def report(world: World, key: str = "a", *, kind: str = IncidentKind.INCIDENT,
           title: str = "培训机构学员摔伤", today: dt.date = D, **kw) -> Incident:
    county = world.county(key)
    args = dict(actor=county.users["joint"], region=county.region, kind=kind, title=title,
                description="学员在培训中摔伤送医。", occurred_on=today, today=today)
    args.update(kw)
    return incidents.incident_report(**args)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_incident_gets_the_profiles_departments_and_escalates_when_overdue(world: World):
    incident = report(world)
    route = active_profile().incident_route(IncidentKind.INCIDENT)
    assert incident.case.kind == "incident" and incident.case.number.startswith("TF-530191-")
    tasks = {t.department.type: t for t in incident.case.tasks.select_related("department")}
    assert incident.lead.type == route["lead"] == T.PUBLIC_SECURITY
    assert tasks[T.PUBLIC_SECURITY].role == TaskRole.LEAD
    # The assisting types the county has (it has no emergency bureau in the test world).
    present = {t for t in route["assists"] if t in world.a.depts}
    assert {t for t, task in tasks.items() if task.role == TaskRole.ASSIST} == present
    assert T.HEALTH in present and T.EMERGENCY not in tasks
    workdays = active_profile().deadline("incident_response")
    assert all(t.due_date == add_workdays(D, workdays) for t in tasks.values())

    lead = tasks[T.PUBLIC_SECURITY]
    case_services.deadline_scan(today=add_workdays(lead.due_date, 1))
    assert Escalation.objects.filter(task=lead, level=1).exists()
    later = add_workdays(lead.due_date, 2 + active_profile().deadline("escalation_level2_after"))
    case_services.deadline_scan(today=later)
    assert Escalation.objects.filter(task=lead, level=2).exists()


def test_each_kind_is_led_as_the_profile_says(world: World):
    with pytest.raises(DomainError) as exc:  # no publicity department in the county yet
        report(world, kind=IncidentKind.PUBLIC_OPINION, title="网传机构跑路")
    assert exc.value.field == "kind"
    assert not Incident.objects.exists()
    publicity = DepartmentFactory(region=world.a.region, type=T.PUBLICITY, name="甲区宣传部")
    cyber = DepartmentFactory(region=world.a.region, type=T.INTERNET_INFORMATION,
                              name="甲区网信办")
    opinion = report(world, kind=IncidentKind.PUBLIC_OPINION, title="网传机构跑路")
    assert opinion.lead == publicity
    assert set(opinion.case.tasks.filter(role=TaskRole.ASSIST).values_list(
        "department", flat=True)) == {cyber.pk}
    assert opinion.case.tasks.first().due_date == add_workdays(
        D, active_profile().deadline("public_opinion_response"))

    with pytest.raises(DomainError) as exc:
        report(world, kind=IncidentKind.ONLINE_TAKEDOWN, title="违规线上培训小程序")
    assert exc.value.field == "platform"
    takedown = report(world, kind=IncidentKind.ONLINE_TAKEDOWN, title="违规线上培训小程序",
                      platform="某学科辅导小程序")
    assert takedown.lead == cyber
    assert takedown.case.tasks.get(role=TaskRole.ASSIST).department == world.a.depts[
        T.EDUCATION_SPORTS]
    assert takedown.case.tasks.get(role=TaskRole.LEAD).due_date == add_workdays(
        D, active_profile().deadline("online_takedown"))


def test_only_the_coordinators_register_and_the_input_is_checked(world: World):
    with pytest.raises(PermissionDenied):
        report(world, actor=world.a.users["culture"])
    with pytest.raises(PermissionDenied):
        report(world, actor=world.b.users["joint"])
    with pytest.raises(DomainError) as exc:
        report(world, occurred_on=D + dt.timedelta(days=1))
    assert exc.value.field == "occurred_on"
    with pytest.raises(DomainError) as exc:
        report(world, title=" ")
    assert exc.value.field == "title"
    assert not Incident.objects.exists()


def test_closing_needs_every_task_done_and_an_outcome(world: World):
    incident = report(world)
    joint = world.a.users["joint"]
    with pytest.raises(InvalidState):
        incidents.incident_close(actor=joint, incident=incident, outcome="已处置")
    for task in incident.case.tasks.all():
        case_services.task_complete(actor=None, task=task, note="已处置")
    with pytest.raises(DomainError):
        incidents.incident_close(actor=joint, incident=incident, outcome="  ")
    with pytest.raises(PermissionDenied):
        incidents.incident_close(actor=world.a.users["culture"], incident=incident,
                                 outcome="已处置")
    incidents.incident_close(actor=joint, incident=incident, outcome="学员已康复，机构整改安全设施。")
    incident.refresh_from_db()
    incident.case.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.closed_at
    assert incident.case.state == CaseState.CLOSED
    with pytest.raises(InvalidState):
        incidents.incident_close(actor=joint, incident=incident, outcome="再次")


def test_the_pages(world: World):
    joint = _client(world.a.users["joint"])
    assert joint.get("/office/governance/incidents/new/").status_code == 200
    bad = joint.post("/office/governance/incidents/new/", {
        "kind": "incident", "title": "", "description": "摔伤", "occurred_on": "2026-06-01"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    bad = joint.post("/office/governance/incidents/new/", {
        "kind": "online_takedown", "title": "小程序", "description": "违规",
        "occurred_on": "2026-06-01", "institution": "NOSUCHCODE"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    bad = joint.post("/office/governance/incidents/new/", {
        "kind": "online_takedown", "title": "小程序", "description": "违规",
        "occurred_on": "2026-06-01"})  # no internet information office, no platform
    assert bad.status_code == 400
    assert not Incident.objects.exists()
    assert _client(world.a.users["culture"]).get(
        "/office/governance/incidents/new/").status_code == 403

    response = joint.post("/office/governance/incidents/new/", {
        "kind": "incident", "title": "机构消防通道堵塞致学员受伤", "description": "学员受伤送医",
        "occurred_on": "2026-06-01"})
    assert response.status_code == 302
    incident = Incident.objects.get()
    url = f"/office/governance/incidents/{incident.pk}/"
    page = joint.get(url).content.decode()
    assert incident.case.number in page and world.a.depts[T.HEALTH].name in page
    assert "北辰区校外培训机构监督管理工作方案" in page  # 001 §4(2)13, as the profile cites it
    assert joint.post(url + "close/", {"outcome": "已处置"}).status_code == 400
    for task in incident.case.tasks.filter(status=TaskStatus.OPEN):
        case_services.task_complete(actor=None, task=task, note="已处置")
    assert joint.post(url + "close/", {"outcome": ""}).status_code == 400
    assert joint.post(url + "close/", {"outcome": "伤者康复，机构已整改"}).status_code == 302
    assert "伤者康复" in joint.get(url).content.decode()
    listing = _client(world.a.users["culture"]).get("/office/governance/incidents/?status=closed")
    assert "机构消防通道堵塞致学员受伤" in listing.content.decode()


READERS = {"county_admin", "joint", "discipline", "officer", "head", "culture", "market",
           "health"}
COORDINATORS = {"county_admin", "joint"}


def test_permission_matrix_county_a_vs_b(world: World):
    def build(world: World, key: str) -> dict:
        return {"incident": report(world, key, title=f"{key}区事故")}

    url = lambda o: f"/office/governance/incidents/{o['incident'].pk}/"  # noqa: E731
    assert_matrix(world, [
        Endpoint("incident page", url, READERS),
        Endpoint("close", lambda o: url(o) + "close/", COORDINATORS, method="post",
                 ok=(400,), data=lambda o: {"outcome": "已处置"}),
    ], build)


def test_an_incident_links_its_case_only_for_those_who_may_open_it(world: World):
    """The incident's case (TF-…) is linked as a meeting's decisions are: each reader of
    the incident page follows every case link to a page that opens; a reader outside the
    incident's departments reads its number without a link (the browser audit of
    2 December: links answering 404)."""
    from governance.tests.helpers import case_links_by_role

    incident = report(world)
    readers = {role: world.a.users[role] for role in sorted(READERS)}
    linked = case_links_by_role(readers, f"/office/governance/incidents/{incident.pk}/",
                                incident.case.number)
    assert set(linked) == set(readers), linked
    assert linked["county_admin"] and linked["health"] and not all(linked.values()), linked


def test_the_list_does_not_leak_and_its_queries_are_constant(world: World, query_budget):
    report(world, "b", title="乙区事故")
    for role in ("county_admin", "discipline", "culture"):
        body = _client(world.a.users[role]).get("/office/governance/incidents/").content.decode()
        assert "乙区事故" not in body
    assert _client(world.a.users["institution"]).get(
        "/office/governance/incidents/").status_code == 403

    def grow(start: int, stop: int) -> None:
        for i in range(start, stop):
            report(world, title=f"事故{i}")

    query_budget(_client(world.a.users["county_admin"]), "/office/governance/incidents/", grow,
                 small=2, large=8, budget=12)
