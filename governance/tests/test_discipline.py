"""Discipline inspection's own records (supervision proposals and follow-ups, 004 annex 2
columns 11–12) and the evaluation records (002 §3(2); 004 §6(5); 001 §6(3)): who writes
them, the reply task on the engine, the pages, the cross-county 404 matrix and the
query counts of the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.test import Client

from cases.models import TaskRole, TaskStatus
from core.errors import DomainError, InvalidState, PermissionDenied
from governance import discipline, services
from governance.models import (
    EvaluationKind,
    EvaluationRecord,
    ProposalFollowUp,
    SupervisionProposal,
)
from governance.tests.helpers import (
    CULTURE,
    MARKET,
    assert_out_of_reach_is_404,
    campaign,
    once,
    problem,
    units,
)
from policy.calendar import add_workdays
from policy.profile import active_profile
from tests.factories import World, make_case, make_task
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db
D = dt.date


def proposal(world: World, key: str = "a", *, title: str = "关于加强暑期培训监管的建议",
             today: D | None = None) -> SupervisionProposal:
    county = world.county(key)
    today = today or D(2026, 6, 1)
    return discipline.proposal_issue(
        actor=county.users["discipline"], region=county.region,
        department=county.depts[CULTURE], title=title, content="建议加强对无证艺术培训的巡查。",
        issued_on=today, number="纪建〔2026〕1号", today=today)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_proposal_is_a_reply_task_due_in_working_days(world: World):
    p = proposal(world)
    task = p.case.tasks.get()
    assert task.department == world.a.depts[CULTURE] and task.role == TaskRole.LEAD
    days = active_profile().deadline(discipline.DEADLINE_KEY)
    assert task.due_date == add_workdays(D(2026, 6, 1), days)
    from cases import services as case_services
    case_services.task_complete(actor=world.a.users["culture"], task=task, note="已书面回复")
    p.case.refresh_from_db()
    assert p.case.state == "closed"


def test_follow_ups_until_the_rectification_is_complete(world: World):
    p = proposal(world)
    officer = world.a.users["discipline"]
    with pytest.raises(DomainError):
        discipline.followup_add(actor=officer, proposal=p, checked_on=D(2026, 5, 1),
                                note="早于建议书")
    discipline.followup_add(actor=officer, proposal=p, checked_on=D(2026, 6, 10), note="整改中")
    discipline.followup_add(actor=officer, proposal=p, checked_on=D(2026, 6, 20),
                            note="整改完成", rectified=True)
    with pytest.raises(InvalidState):
        discipline.followup_add(actor=officer, proposal=p, checked_on=D(2026, 6, 21), note="再查")
    assert ProposalFollowUp.objects.filter(proposal=p).count() == 2


@pytest.mark.parametrize("role", ["county_admin", "joint", "officer", "culture", "head"])
def test_only_discipline_inspection_writes_proposals(world: World, role):
    with pytest.raises(PermissionDenied):
        discipline.proposal_issue(actor=world.a.users[role], region=world.a.region,
                                  department=world.a.depts[CULTURE], title="建议", content="内容",
                                  issued_on=D(2026, 6, 1))
    p = proposal(world)
    with pytest.raises((PermissionDenied, SupervisionProposal.DoesNotExist)):
        discipline.followup_add(actor=world.a.users[role], proposal=p,
                                checked_on=D(2026, 6, 2), note="跟踪")


def test_discipline_inspection_writes_nothing_else(world: World):
    """Discipline inspection reads everything in its region and writes only its own
    records (DOMAIN.md §1)."""
    inspector = world.a.users["discipline"]
    region = world.a.region
    unit = units(world)[CULTURE]
    c = campaign(world)
    p = problem(world, c=c)
    refused = [
        lambda: services.unit_add(actor=inspector, region=region,
                                  department=world.a.depts[MARKET]),
        lambda: services.meeting_create(actor=inspector, region=region, kind="special",
                                        title="会议", held_on=D(2026, 6, 1), agenda="议程",
                                        units=[unit]),
        lambda: services.campaign_create(actor=inspector, region=region, title="专项",
                                         summary_due=D(2026, 11, 25),
                                         phases={"mobilise": (D(2026, 5, 1), D(2026, 5, 31))}),
        lambda: services.problem_add(actor=inspector, campaign=c, description="问题",
                                     subject="某机构", department=world.a.depts[CULTURE],
                                     rectify_by=D(2026, 9, 1)),
        lambda: services.closeout_request(actor=inspector, problem=p, evidence_note="证据"),
        lambda: discipline.evaluation_record(actor=inspector, region=region,
                                             kind=EvaluationKind.NOTICE, title="通报",
                                             content="内容", issued_on=D(2026, 6, 1)),
    ]
    for attempt in refused:
        # refused by the ability, or not found by the gateway for a change (both: no write)
        with pytest.raises((PermissionDenied, ObjectDoesNotExist)):
            attempt()
    assert EvaluationRecord.objects.count() == 0
    # ... and reads what the region holds.
    client = _client(inspector)
    assert client.get(f"/office/governance/campaigns/{c.pk}/").status_code == 200
    page = client.get("/office/governance/proposals/").content.decode()
    assert "/office/governance/proposals/new/" in page
    assert "/office/governance/evaluations/new/" not in client.get(
        "/office/governance/evaluations/").content.decode()


def test_a_notice_concerns_the_departments_of_its_lagging_tasks(world: World):
    case = make_case(world.a)
    task = make_task(world.a, case, dept=MARKET, workdays=1)
    record = discipline.evaluation_record(
        actor=world.a.users["joint"], region=world.a.region, kind=EvaluationKind.NOTICE,
        title="关于部分单位落实不力的通报", content="通报", issued_on=D(2026, 6, 1), tasks=[task],
        departments=[world.a.depts[CULTURE]], cases_count=2, persons=3)
    assert set(record.departments.all()) == {world.a.depts[CULTURE], world.a.depts[MARKET]}
    assert list(record.tasks.all()) == [task]
    assert record.cases_count == 2 and record.persons == 0  # persons only for accountability


def test_evaluation_records_check_their_kind(world: World):
    joint = world.a.users["joint"]
    common = {"actor": joint, "region": world.a.region, "title": "记录", "content": "内容",
              "issued_on": D(2026, 6, 1)}
    with pytest.raises(DomainError) as err:
        discipline.evaluation_record(kind=EvaluationKind.ACCOUNTABILITY, **common)
    assert err.value.field == "measure"
    with pytest.raises(DomainError) as err:
        discipline.evaluation_record(kind=EvaluationKind.ACCOUNTABILITY, measure="sanction",
                                     **common)
    assert err.value.field == "persons"
    with pytest.raises(DomainError) as err:
        discipline.evaluation_record(kind=EvaluationKind.COUNTY_EVALUATION, **common)
    assert err.value.field == "evaluated_region"
    b_task = make_task(world.b, make_case(world.b))
    with pytest.raises(DomainError) as err:  # another county's task is not even visible
        discipline.evaluation_record(kind=EvaluationKind.INTERVIEW, tasks=[b_task], **common)
    assert err.value.field == "tasks"
    assert EvaluationRecord.objects.count() == 0
    city = discipline.evaluation_record(
        actor=world.city_admin, region=world.city, kind=EvaluationKind.COUNTY_EVALUATION,
        title="县级政府履职评价", content="良好", issued_on=D(2026, 6, 1),
        evaluated_region=world.a.region)
    assert city.evaluated_region == world.a.region


def test_the_forms_fill_in_today_as_a_date_input_reads_it(world: World):
    """The walk of 2 December: in Chinese the proposal and evaluation forms filled in
    today as 2026/12/02, which `<input type="date">` drops (the field showed empty and
    the browser warned); the ISO form is the one it takes."""
    from django.utils import timezone

    today = f'type="date" name="issued_on" value="{timezone.localdate().isoformat()}"'
    for role, url in (("discipline", "/office/governance/proposals/new/"),
                      ("joint", "/office/governance/evaluations/new/")):
        page = _client(world.a.users[role]).get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert page.status_code == 200
        assert today in page.content.decode(), url


def test_pages_show_field_errors_and_change_nothing(world: World):
    client = _client(world.a.users["discipline"])
    assert client.get("/office/governance/proposals/new/").status_code == 200
    bad = client.post("/office/governance/proposals/new/", {
        "department": world.a.depts[CULTURE].pk, "title": "", "content": "",
        "issued_on": "2026-06-01"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    other = client.post("/office/governance/proposals/new/", {
        "department": world.b.depts[CULTURE].pk, "title": "建议", "content": "内容",
        "issued_on": "2026-06-01"})
    assert other.status_code == 400
    assert SupervisionProposal.objects.count() == 0
    good = client.post("/office/governance/proposals/new/", {
        "department": world.a.depts[CULTURE].pk, "title": "建议", "content": "内容",
        "issued_on": "2026-06-01"})
    assert good.status_code == 302
    p = SupervisionProposal.objects.get()
    assert client.post(f"/office/governance/proposals/{p.pk}/followup/",
                       {"checked_on": "", "note": ""}).status_code == 400
    assert client.post(f"/office/governance/proposals/{p.pk}/followup/",
                       {"checked_on": "2026-06-20", "note": "已整改", "rectified": "on"}
                       ).status_code == 302
    assert "已整改" in client.get(f"/office/governance/proposals/{p.pk}/").content.decode()
    joint = _client(world.a.users["joint"])
    bad = joint.post("/office/governance/evaluations/new/", {
        "kind": "accountability", "title": "问责", "content": "内容", "issued_on": "2026-06-01"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    assert joint.post("/office/governance/evaluations/new/", {
        "kind": "accountability", "title": "问责", "content": "内容", "issued_on": "2026-06-01",
        "measure": "criticism", "persons": "2", "departments": [world.a.depts[CULTURE].pk]}
    ).status_code == 302
    assert EvaluationRecord.objects.get().persons == 2


def build(world: World, key: str) -> dict:
    return {"proposal": proposal(world, key)}


READERS = {"county_admin", "joint", "discipline", "officer", "head", "culture", "market",
           "health"}


def test_permission_matrix_county_a_vs_b(world: World):
    p = lambda o: f"/office/governance/proposals/{o['proposal'].pk}/"  # noqa: E731
    endpoints = [
        Endpoint("proposal page", p, READERS),
        Endpoint("follow-up", lambda o: p(o) + "followup/", {"discipline"}, method="post",
                 ok=(302,), data=lambda o: {"checked_on": "2026-06-20", "note": "跟踪"}),
    ]
    built = once(build)
    assert_matrix(world, endpoints, built)
    assert_out_of_reach_is_404(world, endpoints, built)


def test_lists_do_not_leak_the_other_county(world: World):
    proposal(world, "b", title="乙区建议书")
    discipline.evaluation_record(actor=world.b.users["joint"], region=world.b.region,
                                 kind=EvaluationKind.INTERVIEW, title="乙区约谈", content="约谈",
                                 issued_on=D(2026, 6, 1))
    for role in ("county_admin", "discipline", "culture"):
        client = _client(world.a.users[role])
        assert "乙区建议书" not in client.get("/office/governance/proposals/").content.decode()
        assert "乙区约谈" not in client.get("/office/governance/evaluations/").content.decode()
    assert _client(world.a.users["institution"]).get(
        "/office/governance/proposals/").status_code == 403


def test_the_reply_case_is_linked_only_for_those_who_may_open_it(world: World):
    """The walk of 2 December: the education officer's proposal list linked the culture
    bureau's reply case, which answers 404 for them."""
    p = proposal(world)
    link = f'href="/office/cases/{p.case.number}/"'
    culture = _client(world.a.users["culture"])
    assert link in culture.get("/office/governance/proposals/").content.decode()
    assert culture.get(f"/office/cases/{p.case.number}/").status_code == 200
    officer = _client(world.a.users["officer"])
    assert officer.get(f"/office/cases/{p.case.number}/").status_code == 404
    page = officer.get("/office/governance/proposals/").content.decode()
    assert link not in page
    # The proposal's own page, as its list (the audit's second finding).
    detail = f"/office/governance/proposals/{p.pk}/"
    assert link in culture.get(detail).content.decode()
    page = officer.get(detail).content.decode()
    assert link not in page and p.case.number in page


def test_a_lagging_task_is_linked_only_for_those_who_may_open_its_case(world: World):
    """The walk of 2 December, on the evaluation records: an education officer reads a
    notice about another department's lagging task, whose case answers 404 for them; the
    list names the case and links it only for those who may open it."""
    reply = proposal(world).case  # culture's reply case: education has no part in it
    discipline.evaluation_record(
        actor=world.a.users["joint"], region=world.a.region, kind=EvaluationKind.NOTICE,
        title="通报滞后任务", content="通报", issued_on=D(2026, 6, 1),
        tasks=[reply.tasks.get()])
    link = f'href="/office/cases/{reply.number}/"'
    culture = _client(world.a.users["culture"])
    assert culture.get(f"/office/cases/{reply.number}/").status_code == 200
    assert link in culture.get("/office/governance/evaluations/").content.decode()
    officer = _client(world.a.users["officer"])
    assert officer.get(f"/office/cases/{reply.number}/").status_code == 404
    page = officer.get("/office/governance/evaluations/").content.decode()
    assert "通报滞后任务" in page and reply.number in page and link not in page


def test_list_query_counts_are_constant(world: World, query_budget):
    client = _client(world.a.users["discipline"])
    joint = world.a.users["joint"]

    def grow(start: int, stop: int) -> None:
        for i in range(start, stop):
            p = proposal(world, title=f"建议{i}")
            discipline.followup_add(actor=world.a.users["discipline"], proposal=p,
                                    checked_on=D(2026, 6, 2), note="跟踪")

    query_budget(client, "/office/governance/proposals/", grow, small=2, large=8, budget=12)

    def records(start: int, stop: int) -> None:
        case = make_case(world.a)
        for i in range(start, stop):
            task = make_task(world.a, case, dept=CULTURE)
            discipline.evaluation_record(
                actor=joint, region=world.a.region, kind=EvaluationKind.NOTICE,
                title=f"通报{i}", content="通报", issued_on=D(2026, 6, 1), tasks=[task],
                departments=[world.a.depts[MARKET]], campaign=campaign(world, title=f"专项{i}"))

    query_budget(client, "/office/governance/evaluations/", records, small=2, large=8,
                 budget=12)


def test_reply_task_shows_in_the_departments_work(world: World):
    p = proposal(world)
    assert p.case.tasks.filter(status=TaskStatus.OPEN, department__type=CULTURE).exists()


def test_the_reply_task_leads_to_the_proposal(world: World):
    from django.urls import reverse

    p = proposal(world)
    page = _client(world.a.users["culture"]).get(reverse("cases:case_detail",
                                                         args=[p.case.number]))
    assert page.status_code == 200
    assert f"/office/governance/proposals/{p.pk}/" in page.content.decode()


def test_the_lists_show_their_page_links(world: World, monkeypatch):
    """The proposals and evaluations pages passed `page_obj` to a pagination include that
    reads `page`: past one page there were no links to the rest."""
    from governance import discipline_views

    monkeypatch.setattr(discipline_views, "PAGE_SIZE", 1)
    proposal(world, "a", title="第一份建议书")
    proposal(world, "a", title="第二份建议书")
    for n in (1, 2):
        discipline.evaluation_record(actor=world.a.users["joint"], region=world.a.region,
                                     kind=EvaluationKind.INTERVIEW, title=f"约谈{n}",
                                     content="约谈", issued_on=D(2026, 6, n))
    client = _client(world.a.users["county_admin"])
    for url in ("/office/governance/proposals/", "/office/governance/evaluations/"):
        html = client.get(url).content.decode()
        assert "page=2" in html, url
        assert client.get(url + "?page=2").status_code == 200
