"""Safety checks with each department's own checklist (002 §2(4)), and a town's stop order
that, defied, goes up to the joint office and the supervising department (001 §4(2)19)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from cases.models import CaseState, Notification, TaskRole, TaskStatus
from core.errors import DomainError, InvalidState, PermissionDenied
from core.vocab import Category, DepartmentType
from inspections import stoporders
from inspections.models import StopOrder, StopOrderState
from inspections.reference import SAFETY
from inspections.tests.helpers import make_daily
from tests.factories import DepartmentFactory, World
from tests.generic import URLTests

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("dept_type", [DepartmentType.PUBLIC_SECURITY,
                                       DepartmentType.MARKET_REGULATION,
                                       DepartmentType.FIRE_RESCUE, DepartmentType.HEALTH])
def test_each_department_gets_its_own_safety_checklist(world: World, dept_type):
    """002 §2(4): police (premises), market regulation (food), fire, health (epidemic)."""
    dept = world.a.depts.get(dept_type) or DepartmentFactory(region=world.a.region,
                                                               type=dept_type, name="消防救援大队")
    inspection = make_daily(world, mode="safety", departments=[dept])
    codes = [i.code for i in inspection.template.items.all()]
    assert inspection.template.department_type == dept_type
    assert codes == [code for code, _text, _src in SAFETY[dept_type][1]]
    others = {code for t, (_n, items) in SAFETY.items() if t != dept_type
              for code, _text, _src in items}
    assert not others & set(codes)


def test_other_kinds_and_other_departments_use_the_general_checklist(world: World):
    police = world.a.depts[DepartmentType.PUBLIC_SECURITY]
    assert make_daily(world, mode="patrol", departments=[police], n=71).template.code == "daily"
    edu = world.a.depts[DepartmentType.EDUCATION_SPORTS]
    assert make_daily(world, mode="safety", departments=[edu], n=72).template.code == "daily"


def issue(world: World, key: str = "a", **kw) -> StopOrder:
    county = world.county(key)
    kw.setdefault("subject_name", "张某")
    kw.setdefault("category", Category.ACADEMIC)
    return stoporders.stop_order_issue(actor=county.users["grid"], region=county.grid,
                                       activity="居民楼内无证开展学科类培训",
                                       site_address="幸福小区3栋", **kw)


def test_a_town_orders_training_to_stop(world: World):
    order = issue(world)
    assert order.case.number.startswith("TZ-")
    task = order.case.tasks.get()
    assert task.department.type == DepartmentType.TOWN_GOVERNMENT and task.role == TaskRole.LEAD
    assert StopOrder.objects.restrict(world.a.users["grid"]).filter(pk=order.pk).exists()
    assert not StopOrder.objects.restrict(world.b.users["grid"]).filter(pk=order.pk).exists()


@pytest.mark.parametrize("role", ["officer", "county_admin", "joint", "supervisor"])
def test_only_a_town_orders_a_stop(world: World, role):
    with pytest.raises((PermissionDenied, DomainError)):
        stoporders.stop_order_issue(actor=world.a.users[role], region=world.a.grid,
                                    subject_name="张某", category=Category.ACADEMIC,
                                    activity="培训")
    assert not StopOrder.objects.exists()


def test_bad_input_changes_nothing(world: World):
    for kw in ({"subject_name": ""}, {"category": "nonsense"}):
        with pytest.raises(DomainError) as err:
            issue(world, **kw)
        assert err.value.field in ("subject_name", "category")
    with pytest.raises(PermissionDenied):  # county A's grid officer in county B
        stoporders.stop_order_issue(actor=world.a.users["grid"], region=world.b.grid,
                                    subject_name="李某", category=Category.ARTS,
                                    activity="培训")
    assert not StopOrder.objects.exists()


def test_a_defied_order_goes_to_the_joint_office_and_the_supervising_department(world: World):
    """001 §4(2)19: 及时上报区"双减"专班办公室和对应业务主管部门. Kunming: academic training is
    supervised by education-sports, arts by culture-tourism."""
    order = issue(world, category=Category.ARTS)
    tasks = stoporders.stop_order_report_defied(actor=world.a.users["grid"], order=order,
                                                report="拒不停止，并阻挠检查")
    order.refresh_from_db()
    assert order.state == StopOrderState.DEFIED and order.reported_at is not None
    assert order.supervisor.type == DepartmentType.CULTURE_TOURISM
    opened = {(t.department.type, t.role) for t in tasks}
    assert opened == {(stoporders.JOINT_OFFICE_HOST, TaskRole.LEAD),
                      (DepartmentType.CULTURE_TOURISM, TaskRole.ASSIST)}
    town = order.case.tasks.get(department__type=DepartmentType.TOWN_GOVERNMENT)
    assert town.status == TaskStatus.DONE
    assert order.case.state != CaseState.CLOSED
    assert Notification.objects.filter(recipient=world.a.users["joint"],
                                       case=order.case).exists()
    assert not Notification.objects.filter(recipient=world.b.users["joint"]).exists()
    # both now see the case; the supervising department through its task
    for role in ("joint", "culture"):
        assert StopOrder.objects.restrict(world.a.users[role]).filter(pk=order.pk).exists()
    with pytest.raises(InvalidState):
        stoporders.stop_order_report_defied(actor=world.a.users["grid"], order=order,
                                            report="再次上报")
    assert order.case.tasks.count() == 3


def test_an_academic_defiance_goes_to_the_education_bureau_once(world: World):
    """Where the supervising department hosts the joint office, one task is enough."""
    order = issue(world)
    tasks = stoporders.stop_order_report_defied(actor=world.a.users["grid"], order=order,
                                                report="继续培训")
    assert [t.department.type for t in tasks] == [DepartmentType.EDUCATION_SPORTS]


def test_a_kept_order_closes_its_case(world: World):
    order = issue(world)
    with pytest.raises(PermissionDenied):
        stoporders.stop_order_comply(actor=world.b.users["grid"], order=order, note="已停止")
    stoporders.stop_order_comply(actor=world.a.users["grid"], order=order, note="复查已停止")
    order.refresh_from_db()
    assert order.state == StopOrderState.COMPLIED
    assert order.case.state == CaseState.CLOSED


# -- the pages ---------------------------------------------------------------------------------

class TestStopOrderURLs(URLTests):
    """A stop order of county A's grid: the town (its grid officer and social supervisor,
    through the town's task), the admins, the joint office and discipline see it."""

    html_list = "/office/inspections/stop-orders/"
    viewers = {"grid", "supervisor", "county_admin", "joint", "discipline"}
    html_budget = 10
    budget_small, budget_large = 2, 10

    def build(self, world: World, key: str) -> Any:
        return issue(world, key)

    def html_detail(self, obj: Any) -> str:
        return f"/office/inspections/stop-orders/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        for n in range(start, stop):
            issue(world, "a", subject_name=f"经营者{n}")


def test_the_form_issues_and_shows_field_errors(world: World):
    client = Client()
    client.force_login(world.a.users["grid"])
    url = "/office/inspections/stop-orders/new/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"region": world.b.grid.pk, "subject_name": "", "category": "x",
                            "activity": "", "site_address": "某处"})
    assert bad.status_code == 400
    assert {"region", "subject_name", "category", "activity"} <= set(bad.context["form"].errors)
    assert not StopOrder.objects.exists()
    ok = client.post(url, {"region": world.a.grid.pk, "subject_name": "张某", "category": "arts",
                           "activity": "无证开展舞蹈培训", "site_address": "幸福小区3栋"})
    order = StopOrder.objects.get()
    assert ok.status_code == 302 and ok["Location"].endswith(f"/stop-orders/{order.pk}/")
    officer = Client()
    officer.force_login(world.a.users["officer"])
    assert officer.get(url).status_code == 404


def test_the_town_reports_defiance_on_the_page(world: World):
    order = issue(world, category=Category.ARTS)
    url = f"/office/inspections/stop-orders/{order.pk}/"
    other = Client()
    other.force_login(world.b.users["grid"])
    assert other.post(url, {"defied": "1", "report": "x"}).status_code == 404
    client = Client()
    client.force_login(world.a.users["grid"])
    bad = client.post(url, {"defied": "1", "report": ""})
    assert bad.status_code == 400 and "report" in bad.context["form"].errors
    assert client.post(url, {"defied": "1", "report": "拒不停止"}).status_code == 302
    order.refresh_from_db()
    assert order.state == StopOrderState.DEFIED
    page = client.get(url).content.decode()
    assert order.supervisor.name in page
    assert client.post(url, {"defied": "0", "report": "again"}).status_code == 404


def test_a_stop_order_starts_from_a_daily_inspections_findings(world: World):
    """001 §4(2)19: the grid officer who found unlicensed training on a patrol orders it to
    stop from the inspection's page; the order is filled in from it and stays linked."""
    from django.utils import timezone

    from inspections import services as inspection_services
    from inspections.models import DailyInspection, DailyState

    grid = world.a.users["grid"]
    daily = inspection_services.daily_open(
        actor=world.a.users["county_admin"], mode="patrol", region=world.a.grid,
        planned_on=timezone.localdate(), site_address="幸福小区3栋", site_type="flat",
        departments=[grid.department])
    DailyInspection.objects.filter(pk=daily.pk).update(
        state=DailyState.DONE, findings="无证开展舞蹈培训", done_at=timezone.now())
    client = Client()
    client.force_login(grid)
    page = client.get(f"/office/inspections/daily/{daily.pk}/")
    assert f"/office/inspections/stop-orders/new/?daily={daily.pk}" in page.content.decode()
    url = f"/office/inspections/stop-orders/new/?daily={daily.pk}"
    form = client.get(url)
    assert form.status_code == 200
    assert form.context["form"].initial["activity"] == "无证开展舞蹈培训"
    assert form.context["form"].initial["site_address"] == "幸福小区3栋"
    ok = client.post(url, {"region": world.a.grid.pk, "subject_name": "张某",
                           "category": "arts", "activity": "无证开展舞蹈培训",
                           "site_address": "幸福小区3栋"})
    assert ok.status_code == 302
    assert StopOrder.objects.get().daily_id == daily.pk
    other = Client()
    other.force_login(world.b.users["grid"])
    assert other.get(url).status_code == 404  # county B's grid officer: not theirs
