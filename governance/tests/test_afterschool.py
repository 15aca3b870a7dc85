"""After-school services (002 §2(4), §3(1)): only a licensed institution on the white list
is selected; each term's evaluation and the removal are decided by the department the
profile names; a removed one is not evaluated; the pages, the cross-county 404 matrix and
the list's query count."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client

from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import DepartmentType as T
from governance import afterschool
from governance.models import AfterSchoolSelection, AfterSchoolStatus, EvaluationResult
from institutions.models import Institution, InstitutionStatus, ListStatus
from policy.profile import active_profile
from tests.factories import World
from tests.permmatrix import Endpoint, assert_matrix

pytestmark = pytest.mark.django_db

_n = itertools.count(1)


def institution(world: World, key: str = "a", *, status: str = InstitutionStatus.LICENSED,
                list_status: str = ListStatus.WHITE, name: str = "") -> Institution:
    county = world.county(key)
    n = next(_n)
    return Institution.objects.create(
        name=name or f"{county.region.name}艺术培训{n}", uscc=f"91{county.region.code}MA{n:06d}",
        nature="for_profit", category="arts", legal_representative="张三",
        safety_person="张三", address="某路1号", region=county.town, status=status,
        licence_number="" if status == InstitutionStatus.APPLYING else f"L{n}",
        list_status=list_status)


def select(world: World, key: str = "a", *, school: str = "实验小学", inst=None,
           actor=None) -> AfterSchoolSelection:
    county = world.county(key)
    return afterschool.afterschool_select(
        actor=actor or county.users["officer"], region=county.region,
        institution=inst or institution(world, key), school=school, service="课后美术社团")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_profile_names_the_deciding_department():
    rule = active_profile().after_school_decider("select")
    assert rule["department"] == T.EDUCATION_SPORTS and rule["source"] == "002 §2(4), §3(1)"
    assert active_profile().after_school_decider("remove")["department"] == T.EDUCATION_SPORTS


def test_only_licensed_white_listed_institutions_are_selected(world: World):
    for status, listed in ((InstitutionStatus.LICENSED, ListStatus.NONE),
                           (InstitutionStatus.SUSPENDED, ListStatus.WHITE),
                           (InstitutionStatus.LICENSED, ListStatus.BLACK),
                           (InstitutionStatus.APPLYING, ListStatus.NONE)):
        with pytest.raises(DomainError) as exc:
            select(world, inst=institution(world, status=status, list_status=listed))
        assert exc.value.field == "institution"
    with pytest.raises(DomainError):  # another county's institution
        select(world, inst=institution(world, "b"))
    assert not AfterSchoolSelection.objects.exists()
    selection = select(world)
    assert selection.selected_by == world.a.depts[T.EDUCATION_SPORTS]
    with pytest.raises(DomainError) as exc:  # the same school twice
        select(world, inst=selection.institution)
    assert exc.value.field == "school"
    assert select(world, inst=selection.institution, school="第二小学").pk


def test_only_the_deciding_department_decides(world: World):
    for role in ("culture", "joint", "county_admin"):
        with pytest.raises(PermissionDenied):
            select(world, actor=world.a.users[role])
    with pytest.raises(PermissionDenied):  # another county's education bureau
        select(world, actor=world.b.users["officer"], inst=institution(world))
    selection = select(world)
    with pytest.raises(PermissionDenied):
        afterschool.afterschool_evaluate(actor=world.a.users["culture"], selection=selection,
                                         term="2026-2027-1", result=EvaluationResult.QUALIFIED)


def test_evaluation_each_term_then_removal(world: World):
    selection = select(world)
    head = world.a.users["head"]
    evaluation = afterschool.afterschool_evaluate(actor=head, selection=selection,
                                                  term="2026-2027-1",
                                                  result=EvaluationResult.QUALIFIED)
    assert evaluation.department == world.a.depts[T.EDUCATION_SPORTS]
    for term in ("2026-2027-1", "2026-2028-1", "2026春", "2026-2027-3"):
        with pytest.raises(DomainError) as exc:
            afterschool.afterschool_evaluate(actor=head, selection=selection, term=term,
                                             result=EvaluationResult.QUALIFIED)
        assert exc.value.field == "term"
    with pytest.raises(DomainError) as exc:
        afterschool.afterschool_evaluate(actor=head, selection=selection, term="2026-2027-2",
                                         result=EvaluationResult.UNQUALIFIED)
    assert exc.value.field == "note"
    afterschool.afterschool_evaluate(actor=head, selection=selection, term="2026-2027-2",
                                     result=EvaluationResult.UNQUALIFIED, note="家长满意度低")
    with pytest.raises(DomainError):
        afterschool.afterschool_remove(actor=head, selection=selection, reason=" ")
    afterschool.afterschool_remove(actor=head, selection=selection, reason="评估不合格，退出")
    selection.refresh_from_db()
    assert selection.status == AfterSchoolStatus.REMOVED and selection.removed_on
    with pytest.raises(InvalidState):
        afterschool.afterschool_evaluate(actor=head, selection=selection, term="2027-2028-1",
                                         result=EvaluationResult.EXCELLENT)
    with pytest.raises(InvalidState):
        afterschool.afterschool_remove(actor=head, selection=selection, reason="再次")
    assert selection.evaluations.count() == 2
    # Removed, the institution may be selected into the school again later.
    assert select(world, inst=selection.institution).status == AfterSchoolStatus.SELECTED


def test_the_pages(world: World):
    inst = institution(world, name="甲区白名单机构")
    institution(world, list_status=ListStatus.NONE, name="甲区未入白名单机构")
    officer = _client(world.a.users["officer"])
    form = officer.get("/office/governance/after-school/new/").content.decode()
    assert "甲区白名单机构" in form and "甲区未入白名单机构" not in form
    assert _client(world.a.users["culture"]).get(
        "/office/governance/after-school/new/").status_code == 403
    bad = officer.post("/office/governance/after-school/new/", {
        "institution": inst.pk, "school": "", "service": "美术", "selected_on": "2026-09-01"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    assert not AfterSchoolSelection.objects.exists()
    assert officer.post("/office/governance/after-school/new/", {
        "institution": inst.pk, "school": "实验小学", "service": "美术社团",
        "selected_on": "2026-09-01"}).status_code == 302
    selection = AfterSchoolSelection.objects.get()
    url = f"/office/governance/after-school/{selection.pk}/"
    assert officer.post(url + "evaluate/", {"term": "2026", "result": "qualified"}
                        ).status_code == 400
    assert officer.post(url + "evaluate/", {"term": "2026-2027-1", "result": "excellent"}
                        ).status_code == 302
    assert officer.post(url + "remove/", {"reason": ""}).status_code == 400
    assert officer.post(url + "remove/", {"reason": "学校调整课后服务项目"}).status_code == 302
    page = _client(world.a.users["discipline"]).get(url).content.decode()
    assert "学校调整课后服务项目" in page and "2026-2027-1" in page
    own = officer.get(url).content.decode()
    assert "Evaluate a term" not in own and "学期评估" not in own
    assert officer.post(url + "evaluate/", {"term": "2026-2027-2", "result": "excellent"}
                        ).status_code == 400  # removed: not evaluated
    assert selection.evaluations.count() == 1


READERS = {"county_admin", "joint", "discipline", "officer", "head", "culture", "market",
           "health"}
DECIDERS = {"officer", "head"}


def test_permission_matrix_county_a_vs_b(world: World):
    def build(world: World, key: str) -> dict:
        return {"selection": select(world, key)}

    url = lambda o: f"/office/governance/after-school/{o['selection'].pk}/"  # noqa: E731
    assert_matrix(world, [
        Endpoint("selection page", url, READERS),
        Endpoint("evaluate", lambda o: url(o) + "evaluate/", DECIDERS, method="post",
                 ok=(302,), data=lambda o: {"term": "2026-2027-1", "result": "qualified"}),
        Endpoint("remove", lambda o: url(o) + "remove/", DECIDERS, method="post",
                 ok=(302,), data=lambda o: {"reason": "退出"}),
    ], build)


def test_the_list_does_not_leak_and_its_queries_are_constant(world: World, query_budget):
    select(world, "b", school="乙区小学")
    listing = _client(world.a.users["culture"]).get("/office/governance/after-school/")
    assert "通培联办〔2023〕1号" in listing.content.decode()  # 002 §2(4), the deciding rule
    for role in ("county_admin", "discipline", "officer"):
        body = _client(world.a.users[role]).get("/office/governance/after-school/").content
        assert "乙区小学" not in body.decode()

    def grow(start: int, stop: int) -> None:
        for i in range(start, stop):
            selection = select(world, school=f"第{i}小学")
            afterschool.afterschool_evaluate(actor=world.a.users["officer"],
                                             selection=selection, term="2026-2027-1",
                                             result=EvaluationResult.QUALIFIED)

    query_budget(_client(world.a.users["officer"]), "/office/governance/after-school/", grow,
                 small=2, large=8, budget=12)
