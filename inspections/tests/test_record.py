"""The institution's record (issue 9): the office page shows its inspections, findings,
orders and penalties as one chronological history; the public page and the public black
list show published results and list entries only, with their reason and dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from inspections import services
from inspections.models import Penalty, ViolationType
from inspections.tests.helpers import ALL_PASS, DAILY_OK, make_daily, make_round
from institutions.models import InstitutionStatus
from institutions.tests.helpers import register, staff_of
from tests.factories import World
from tests.samplefiles import pdf

pytestmark = pytest.mark.django_db


def _at(days_ago: int) -> Any:
    noon = dt.datetime.combine(timezone.localdate() - dt.timedelta(days=days_ago),
                               dt.time(12, 0), tzinfo=timezone.get_current_timezone())
    return time_machine.travel(noon, tick=False)


def _history(world: World) -> dict[str, Any]:
    """A result 10 days ago, an inspection with a finding and an order 6 days ago, the
    order closed 4 days ago, a penalty 2 days ago, a black-listing today."""
    a = world.a
    rnd = make_round(world, institutions=1)
    annual = rnd.inspections.select_related("institution").get()
    inst = annual.institution
    services.result_record(actor=a.users["officer"], inspection=annual, answers=ALL_PASS,
                           inspected_on=timezone.localdate() - dt.timedelta(days=10))
    daily = make_daily(world, institution=inst)
    with _at(6):
        services.daily_record(actor=a.users["officer"], inspection=daily,
                              answers={**DAILY_OK, "advertising": "problem"}, rectify=True)
    order = daily.orders.get()
    with _at(4):
        services.order_recheck(actor=a.users["officer"], order=order, passed=True,
                               note="已整改到位")
    with _at(3):
        case = services.enforcement_open(
            actor=None, violation=ViolationType.objects.get(code="hours"),
            region=inst.region, institution=inst, findings="21:00后仍在培训")
    with _at(2):
        services.penalty_decide(actor=a.users["head"], enforcement=case,
                                penalty=Penalty.FINE, fine_amount=Decimal("2000"),
                                legal_basis="《规定》第十条",
                                document=SimpleUploadedFile("d.pdf", pdf()))
    services.blacklist_enter(actor=a.users["county_admin"], institution=inst,
                             reason="多次违规培训")
    return {"inst": inst, "round": rnd, "order": order, "case": case, "daily": daily}


def _section(html: str) -> str:
    start = html.index('id="institution-history"')
    return html[start:html.index("</ol>", start)]


def test_the_office_page_shows_one_chronological_history(world: World):
    made = _history(world)
    client = Client()
    client.force_login(world.a.users["county_admin"])
    html = client.get(f"/office/institutions/{made['inst'].uscc}/").content.decode()
    history = _section(html)
    marks = ["合格", "违规发布校外培训广告", made["order"].case.number, "已整改到位",
             made["case"].case.number, "¥2000.00", "多次违规培训"]
    positions = [history.find(m) for m in marks]
    assert -1 not in positions, dict(zip(marks, positions, strict=True))
    assert positions == sorted(positions), dict(zip(marks, positions, strict=True))
    assert f'href="/office/inspections/orders/{made["order"].pk}/"' in history


def test_the_office_history_costs_the_same_queries_for_few_and_many(world: World):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    made = _history(world)
    client = Client()
    client.force_login(world.a.users["county_admin"])
    url = f"/office/institutions/{made['inst'].uscc}/"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _n in range(3):
        done = make_daily(world, institution=made["inst"])
        services.daily_record(actor=world.a.users["officer"], inspection=done,
                              answers={**DAILY_OK, "hours": "problem"}, rectify=True)
    assert count() == few


def test_staff_do_not_see_an_unannounced_inspection_before_it_is_done(world: World):
    made = _history(world)
    hidden = make_daily(world, mode="unannounced", institution=made["inst"])
    staff = staff_of(world, made["inst"])
    client = Client()
    client.force_login(staff)
    response = client.get(f"/office/institutions/{made['inst'].uscc}/")
    if response.status_code == 200:
        assert f"/office/inspections/daily/{hidden.pk}/" not in response.content.decode()
    admin = Client()
    admin.force_login(world.a.users["county_admin"])
    page = admin.get(f"/office/institutions/{made['inst'].uscc}/").content.decode()
    assert f"/office/inspections/daily/{hidden.pk}/" in page


def test_county_b_sees_no_history_of_county_a(world: World):
    made = _history(world)
    client = Client()
    client.force_login(world.b.users["county_admin"])
    assert client.get(f"/office/institutions/{made['inst'].uscc}/").status_code == 404


def test_the_public_page_shows_published_results_and_list_entries_only(world: World):
    made = _history(world)
    url = f"/institutions/{made['inst'].uscc}/"
    page = Client().get(url)
    assert page.status_code == 200
    history = _section(page.content.decode())
    assert "多次违规培训" in history and timezone.localdate().isoformat() in history
    assert "合格" not in history  # the round is not published yet
    for private in ("违规发布校外培训广告", made["order"].case.number, "¥2000", "已整改到位",
                    "/office/"):
        assert private not in history
    services.round_publish(actor=world.a.users["head"], round=made["round"])
    history = _section(Client().get(url).content.decode())
    assert "合格" in history and f"/inspections/results/{made['round'].year}/" in history


def test_the_public_black_list_shows_an_unlicensed_operator_with_reason_and_date(
        world: World):
    """004 §6(4): an unlicensed operator found training goes on the black list; the public
    list (page and REST) shows it with the reason and the date, and no private data."""
    operator = register(world, "a", 650, name="无证培训点")
    assert operator.status == InstitutionStatus.APPLYING
    with _at(3):
        services.blacklist_enter(actor=world.a.users["county_admin"], institution=operator,
                                 reason="无证开展学科类培训")
    listed_on = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    rows = Client().get("/api/v1/public/blacklist/").json()["results"]
    row = next(r for r in rows if r["uscc"] == operator.uscc)
    assert row["list_reason"] == "无证开展学科类培训"
    assert row["listed_since"].startswith(listed_on)
    assert not {"legal_representative", "address", "phone", "appeal_text"} & set(row)
    page = Client().get("/whitelist/").content.decode()
    assert "无证培训点" in page and listed_on in page
    detail = Client().get(f"/institutions/{operator.uscc}/").content.decode()
    assert "无证开展学科类培训" in _section(detail)
