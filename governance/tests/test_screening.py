"""Market-entity screening (004 §6(2)3): the import matches by credit code, each unmatched
entity becomes a check task for its county, bad rows are reported with nothing applied,
and a second import of the same list creates nothing."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from cases.models import Case, Task, TaskRole
from core.abilities import may
from core.errors import PermissionDenied
from governance.models import ScreeningEntity, ScreeningImport
from governance.screening import screening_import
from institutions.tests.helpers import register
from portal.demo import demo_uscc
from tests.factories import World

pytestmark = pytest.mark.django_db


def xlsx(rows: list[tuple]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "名称", "区县代码", "地址"])
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("list.xlsx", buf.getvalue())


def _list(world: World) -> list[tuple]:
    inst = register(world, "a", n=5)
    return [(inst.uscc, "某教育咨询有限公司", "530191", "人民路1号"),
            (demo_uscc("530191", 61), "某教育科技有限公司", "530191", "人民路2号"),
            (demo_uscc("530192", 62), "某文化传播有限公司", "530192", "北京路3号")]


def test_import_matches_and_hands_checks_to_counties_once(world: World):
    rows = _list(world)
    joint = world.city_admin
    job = screening_import(actor=joint, upload=xlsx(rows))
    assert (job.total_rows, job.matched_rows, job.created_rows, job.errors) == (3, 1, 2, [])
    matched = ScreeningEntity.objects.get(credit_code=rows[0][0])
    assert matched.institution is not None and matched.case is None
    checked = ScreeningEntity.objects.get(credit_code=rows[2][0])
    assert checked.region == world.b.region and checked.case.kind == "screening"
    tasks = {t.role: t for t in Task.objects.filter(case=checked.case)}
    assert tasks[TaskRole.LEAD].department.type == "education_sports"
    assert tasks[TaskRole.ASSIST].department.type == "market_regulation"

    again = screening_import(actor=joint, upload=xlsx(rows))
    assert (again.created_rows, again.matched_rows, again.repeated_rows) == (0, 0, 3)
    assert ScreeningEntity.objects.count() == 3
    assert Case.objects.filter(kind="screening").count() == 2


def test_bad_rows_are_reported_and_nothing_is_applied(world: World):
    rows = _list(world) + [("123", "坏代码公司", "530191", ""),
                           (demo_uscc("530191", 63), "", "530191", ""),
                           (demo_uscc("530191", 64), "外地公司", "999999", "")]
    job = screening_import(actor=world.a.users["joint"], upload=xlsx(rows))
    assert sorted((e["row"], e["field"]) for e in job.errors) == [
        (4, "county_code"),  # county B is not the county office's
        (5, "credit_code"), (6, "name"), (7, "county_code")]
    assert not ScreeningEntity.objects.exists()
    assert not Case.objects.filter(kind="screening").exists()


def test_only_coordinators_import(world: World):
    with pytest.raises(PermissionDenied):
        screening_import(actor=world.a.users["market"], upload=xlsx(_list(world)))
    assert not may(world.a.users["discipline"], "governance.import_screening")


def test_screening_page_imports_and_lists_only_the_own_county(world: World, query_budget):
    rows = _list(world)
    client = Client()
    client.force_login(world.city_admin)
    assert client.post("/office/governance/screening/",
                       {"file": xlsx(rows)}).status_code == 302
    bad = client.post("/office/governance/screening/", {"file": SimpleUploadedFile(
        "x.xlsx", b"not a workbook")})
    assert bad.status_code == 400
    county_a = Client()
    county_a.force_login(world.a.users["county_admin"])
    page = county_a.get("/office/governance/screening/").content.decode()
    assert rows[1][0] in page and rows[2][0] not in page
    officer = Client()
    officer.force_login(world.a.users["officer"])
    assert officer.post("/office/governance/screening/",
                        {"file": xlsx(rows)}).status_code == 403
    assert ScreeningImport.objects.count() == 1

    def grow(start: int, stop: int) -> None:
        screening_import(actor=world.city_admin, upload=xlsx(
            [(demo_uscc("530191", 100 + i), f"公司{i}", "530191", "") for i in
             range(start, stop)]))
    query_budget(county_a, "/office/governance/screening/", grow, small=2, large=8, budget=12)


def test_a_check_case_is_linked_only_for_those_who_may_open_it(world: World):
    """The walk of 2 December: the culture bureau's officer read the screening list, whose
    check cases (education leads, market regulation assists) answer them 404; the list
    names the case and links it only for those who may open it, as the entity's page."""
    screening_import(actor=world.city_admin, upload=xlsx(_list(world)))
    case = Case.objects.filter(kind="screening", region__path__startswith=world.a.region.path
                               ).first()
    assert case is not None
    link = f'href="/office/cases/{case.number}/"'
    for role, opens in (("officer", True), ("culture", False)):
        client = Client()
        client.force_login(world.a.users[role])
        assert (client.get(f"/office/cases/{case.number}/").status_code == 200) == opens
        page = client.get("/office/governance/screening/").content.decode()
        assert case.number in page and (link in page) == opens, role
