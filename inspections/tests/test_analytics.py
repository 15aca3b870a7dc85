"""The inspection analytics (issue 9 "Analytics"): each figure equals its source rows,
read through restrict() (a county's officers never count another county), filters with
field errors, the .xlsx exports of the figures and of the office lists, and constant
query counts."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from inspections import analytics, services
from inspections.models import (
    AnnualInspection,
    AnnualResult,
    DailyInspection,
    DailyState,
    Enforcement,
    OrderState,
    Penalty,
    RectificationOrder,
    ViolationType,
)
from inspections.tests.helpers import (
    ALL_PASS,
    DAILY_OK,
    first_inspection,
    make_daily,
    make_order,
    make_round,
    today,
)
from tests.factories import World
from tests.samplefiles import pdf

pytestmark = pytest.mark.django_db
URL = "/office/inspections/analytics/"


def _done(world: World, key: str, mode: str, n: int) -> DailyInspection:
    inspection = make_daily(world, key, mode=mode, n=n)
    return services.daily_record(actor=world.system_admin, inspection=inspection,
                                 answers=DAILY_OK)


def _enforce(world: World, key: str, code: str, n: int, penalty: str = "",
             fine: Decimal | None = None, daily: DailyInspection | None = None) -> Enforcement:
    county = world.county(key)
    case = services.enforcement_open(
        actor=world.system_admin, violation=ViolationType.objects.get(code=code),
        region=county.region, subject_name=f"当事人{n}", findings="现场发现", daily=daily)
    if penalty:
        case = services.penalty_decide(
            actor=world.system_admin, enforcement=case, penalty=penalty, legal_basis="依据",
            document=SimpleUploadedFile("决定书.pdf", pdf()), fine_amount=fine)
    return case


def build(world: World, key: str) -> dict[str, Any]:
    """County `key`: two patrols and a night check done, one planned; an annual
    inspection recorded; findings of two violation types, two decided; three orders due
    (one closed on time, one closed late, one open and overdue) and one not yet due."""
    offset = 0 if key == "a" else 100
    patrol = _done(world, key, "patrol", 1 + offset)
    _done(world, key, "patrol", 2 + offset)
    _done(world, key, "night", 3 + offset)
    make_daily(world, key, mode="patrol", n=4 + offset)  # planned only
    rnd = make_round(world, key)
    services.result_record(actor=world.system_admin, inspection=first_inspection(rnd),
                           answers=ALL_PASS, inspected_on=today())
    _enforce(world, key, "advertising", 1, daily=patrol)
    _enforce(world, key, "advertising", 2, Penalty.FINE, Decimal("5000"))
    _enforce(world, key, "security", 3, Penalty.WARNING)
    orders = [make_order(world, key, n=90 + offset + i) for i in range(4)]
    past = today() - dt.timedelta(days=3)
    for order, (due, closed) in zip(orders, [(past, past), (past, today()), (past, None),
                                             (today() + dt.timedelta(days=9), None)],
                                    strict=True):
        RectificationOrder.objects.filter(pk=order.pk).update(
            due_on=due, state=OrderState.CLOSED if closed else OrderState.OPEN,
            closed_at=dt.datetime.combine(closed, dt.time(12)).astimezone() if closed
            else None)
    return {"patrol": patrol}


def window(**kw: Any) -> analytics.Window:
    first = today().replace(day=1) - dt.timedelta(days=40)
    return analytics.Window(first=first.replace(day=1), last=today().replace(day=1), **kw)


def test_each_figure_equals_its_source_rows(world: World):
    build(world, "a")
    build(world, "b")
    user = world.a.users["county_admin"]
    data = analytics.figures(user, window(), today=today())
    in_a = {"region__path__startswith": world.a.region.path}
    done = DailyInspection.objects.filter(state=DailyState.DONE, **in_a)
    by_kind = {r["kind"]: 0 for r in data["inspections"]}
    for r in data["inspections"]:
        by_kind[r["kind"]] += r["n"]
    assert by_kind == {"patrol": done.filter(mode="patrol").count(),
                       "night": done.filter(mode="night").count(),
                       analytics.ANNUAL: AnnualInspection.objects.filter(
                           round__region=world.a.region).exclude(
                           result=AnnualResult.PENDING).count()} == {
        "patrol": 2, "night": 1, "annual": 1}
    assert {r["county"] for rows in data.values() for r in rows} == {world.a.region.name}
    found = {}
    for r in data["findings"]:
        found[r["item"]] = found.get(r["item"], 0) + r["n"]
    source = Enforcement.objects.filter(**in_a)
    assert found == {v.label: source.filter(violation=v).count()
                     for v in ViolationType.objects.filter(code__in=["advertising",
                                                                     "security"])}
    assert sum(found.values()) == 3
    totals = analytics.totals(data)
    assert (totals["due"], totals["on_time"], totals["on_time_rate"]) == (3, 1, 33.3)
    assert totals["penalties"] == source.exclude(penalty="").count() == 2
    assert totals["fines"] == Decimal("5000")
    # the kind filter follows findings to the inspection that found them
    patrols = analytics.figures(user, window(kind="patrol"), today=today())
    assert sum(r["n"] for r in patrols["inspections"]) == 2
    assert sum(r["n"] for r in patrols["findings"]) == 1
    by_month = analytics.charts(data)["rectification_month"]
    assert (sum(r["due"] for r in by_month), sum(r["on_time"] for r in by_month)) == (3, 1)


def test_a_city_user_sees_both_counties_and_filters_one(world: World):
    build(world, "a")
    build(world, "b")
    city = world.city_admin
    everything = analytics.totals(analytics.figures(city, window(), today=today()))
    assert everything["inspections"] == 8 and everything["findings"] == 6
    only_b = analytics.figures(city, window(county=world.b.region), today=today())
    assert {r["county"] for rows in only_b.values() for r in rows} == {world.b.region.name}
    assert analytics.totals(only_b)["inspections"] == 4


def test_the_page_shows_charts_with_tables_and_exports_the_figures(world: World):
    build(world, "a")
    build(world, "b")
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-chart="chart-findings_violation"' in body and 'id="table-penalties_type"' in body
    assert "<script>" not in body  # CSP: the charts' data is JSON, the code a static file
    assert 'name="county"' not in body  # a county's officers have no county to choose
    export = client.get(URL + "?export=xlsx")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))[1:]
    assert {r[3] for r in rows} == {world.a.region.name}
    assert sum(r[5] for r in rows if r[0] in ("Inspections done", "完成的检查")) == 4


@pytest.mark.parametrize(("query", "field"), [
    ("month_from=2026-13&month_to=2026-01", "month_from"),
    ("month_from=abc", "month_from"),
    ("month_from=2026-05&month_to=2026-01", "month_to"),
    ("month_from=2000-01&month_to=2026-01", "month_to"),
    ("kind=nonsense", "kind"),
])
def test_bad_filters_answer_field_errors(world: World, query, field):
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_a_county_user_cannot_ask_for_another_county(world: World):
    build(world, "b")
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.get(f"{URL}?county={world.b.region.pk}&export=xlsx")
    # the county field is not offered to a county's officers: the filter is ignored and
    # the figures stay the user's own county's (none here)
    if response.status_code == 200:
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert len(list(sheet.iter_rows(values_only=True))) == 1
    else:
        assert response.status_code == 400


def test_an_institution_gets_404(world: World):
    client = Client()
    client.force_login(world.a.users["institution"])
    assert client.get(URL).status_code == 404
    assert client.get(URL + "?export=xlsx").status_code == 404


def test_analytics_query_count_is_constant(world: World, query_budget):
    client = Client()
    client.force_login(world.a.users["county_admin"])

    def grow(start: int, stop: int) -> None:
        for n in range(start, stop):
            _done(world, "a", "patrol" if n % 2 else "night", 200 + n)
            _enforce(world, "a", "advertising" if n % 2 else "hours", n, Penalty.WARNING)

    query_budget(client, URL, grow, small=2, large=6, budget=20)
    query_budget(client, URL + "?export=xlsx", lambda a, b: grow(10 + a, 10 + b), small=1,
                 large=3, budget=20)


@pytest.mark.parametrize("name", ["daily", "orders", "enforcement", "blacklist"])
def test_list_exports_hold_the_own_county_only(world: World, name):
    mine = {"daily": lambda k: make_daily(world, k).case.number,
            "orders": lambda k: make_order(world, k).case.number,
            "enforcement": lambda k: _enforce(world, k, "advertising", 1).case.number,
            "blacklist": lambda k: _blacklisted(world, k)}[name]
    own, other = mine("a"), mine("b")
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.get(f"/office/inspections/export/{name}.xlsx")
    assert response.status_code == 200
    numbers = [r[0] for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(
        values_only=True)][1:]
    assert own in numbers and other not in numbers
    institution = Client()
    institution.force_login(world.a.users["institution"])
    assert institution.get(f"/office/inspections/export/{name}.xlsx").status_code == 404
    assert client.get("/office/inspections/export/nothing.xlsx").status_code == 404


def _blacklisted(world: World, key: str) -> str:
    from institutions.tests.helpers import licensed_with_gate

    inst = licensed_with_gate(world, key, 97, name=f"=HYPERLINK(\"x\"){key}")
    entry = services.blacklist_enter(actor=world.system_admin, institution=inst,
                                     reason="负面清单行为")
    return entry.case.number


def test_list_export_guards_formulas(world: World):
    _blacklisted(world, "a")
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.get("/office/inspections/export/blacklist.xlsx")
    names = [r[1] for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(
        values_only=True)][1:]
    assert names and all(n.startswith("'=") for n in names)


@pytest.mark.parametrize("name", ["daily", "enforcement"])
def test_list_export_query_count_is_constant(world: World, query_budget, name):
    client = Client()
    client.force_login(world.a.users["county_admin"])

    def grow(start: int, stop: int) -> None:
        for n in range(start, stop):
            if name == "daily":
                make_daily(world, "a", site_address=f"小区{n}栋", site_type="flat")
            else:
                _enforce(world, "a", "advertising", n)

    query_budget(client, f"/office/inspections/export/{name}.xlsx", grow, small=2, large=8,
                 budget=12)
