"""The credit export (issue 9: "a credit export (CSV and JSON, with its format
documented) ... split by nature"), checked against its documented format
(inspections/credit.py)."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core.vocab import DepartmentType
from inspections import credit, services
from inspections.models import Penalty, ViolationType
from inspections.tests.helpers import DAILY_OK, make_daily
from institutions.tests.helpers import licensed_with_gate
from tests.factories import World
from tests.samplefiles import pdf

pytestmark = pytest.mark.django_db

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
AMOUNT = re.compile(r"^\d+\.\d{2}$")
DECISIONS = {
    "licence": {"licensed", "suspended", "revoked", "terminated"},
    "penalty": {p for p in Penalty.values if p},
    "spot_check": {"clear", "findings"},
    "blacklist": {"listed", "removed"},
}


def _records(world: World, key: str = "a") -> dict[str, Any]:
    """A for-profit institution with a fine and a spot check with findings; a non-profit
    one on the black list; an individual fined (no organisation: not exported)."""
    county = world.county(key)
    n = 0 if key == "a" else 10
    profit = licensed_with_gate(world, key, 601 + n, name=f"营利机构{key}")
    nonprofit = licensed_with_gate(world, key, 602 + n, name=f"非营利机构{key}",
                                   nature="non_profit")
    hours = ViolationType.objects.get(code="hours")
    fine = services.enforcement_open(actor=None, violation=hours, region=profit.region,
                                     institution=profit, findings="21:00后仍在培训")
    services.penalty_decide(actor=county.users["head"], enforcement=fine, penalty=Penalty.FINE,
                            fine_amount=Decimal("5000"), legal_basis="《规定》第十条",
                            document=SimpleUploadedFile("d.pdf", pdf()))
    person = services.enforcement_open(actor=None, violation=hours, region=county.town,
                                       subject_name="王某", findings="住宅内培训")
    check = make_daily(world, key, mode="random", institution=profit)
    services.daily_record(actor=county.users["officer"], inspection=check,
                          answers={**DAILY_OK, "hours": "problem"})
    entry = services.blacklist_enter(actor=county.users["county_admin"],
                                     institution=nonprofit, reason="=违规招生")
    return {"profit": profit, "nonprofit": nonprofit, "fine": fine, "person": person,
            "check": check, "entry": entry}


def _client(world: World, role: str = "county_admin") -> Client:
    client = Client()
    client.force_login(world.a.users[role])
    return client


def _csv(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _json(response: Any) -> dict[str, Any]:
    return json.loads(b"".join(response.streaming_content).decode("utf-8"))


def _check_record(record: dict[str, Any], nature: str) -> None:
    """One record against the documented format (credit.py's docstring)."""
    assert list(record) == credit.FIELD_NAMES
    assert record["record_type"] in credit.RECORD_TYPES
    assert record["record_id"].startswith(record["record_type"] + "-")
    assert len(record["uscc"]) == 18 and record["subject_name"]
    assert record["nature"] == nature and record["region"]
    assert record["decision"] in DECISIONS[record["record_type"]]
    if record["record_type"] == "licence":
        assert record["decided_on"] is None or DAY.match(record["decided_on"])
        assert record["document_number"]
    else:
        assert DAY.match(record["decided_on"] or ""), record
    assert record["valid_until"] is None or DAY.match(record["valid_until"])
    assert record["amount"] is None or AMOUNT.match(record["amount"])
    if record["record_type"] != "penalty":
        assert record["legal_basis"] is None and record["amount"] is None


def test_every_field_is_documented_in_the_module_and_on_the_page(world: World):
    page = _client(world).get("/office/inspections/credit/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in credit.FIELD_NAMES:
        assert f"``{name}``" in credit.__doc__
        assert f"<code>{name}</code>" in html
    for record_type in credit.RECORD_TYPES:
        assert f"``{record_type}``" in credit.__doc__
    for system in credit.SYSTEMS:
        for fmt in credit.FORMATS:
            assert f"/office/inspections/credit/{system}.{fmt}" in html


def test_the_export_splits_by_nature_and_follows_the_documented_format(world: World):
    made = _records(world, "a")
    other = _records(world, "b")
    client = _client(world)
    enterprise = _json(client.get("/office/inspections/credit/enterprise.json"))
    assert set(enterprise) == {"system", "generated_at", "fields", "records"}
    assert enterprise["system"] == "enterprise"
    assert enterprise["fields"] == credit.FIELD_NAMES
    for record in enterprise["records"]:
        _check_record(record, "for_profit")
    by_type = {(r["record_type"], r["uscc"]) for r in enterprise["records"]}
    profit = made["profit"].uscc
    assert {("licence", profit), ("penalty", profit), ("spot_check", profit)} <= by_type
    assert not any(t == "blacklist" for t, _u in by_type)
    fine = next(r for r in enterprise["records"] if r["record_type"] == "penalty")
    assert fine["amount"] == "5000.00" and fine["legal_basis"] == "《规定》第十条"
    assert fine["document_number"] == made["fine"].case.number
    spot = next(r for r in enterprise["records"] if r["record_type"] == "spot_check")
    assert spot["decision"] == "findings" and spot["content"]
    assert spot["authority"] == world.a.depts[DepartmentType.EDUCATION_SPORTS].name
    # county B's institutions and the individual are not in county A's file
    usccs = {r["uscc"] for r in enterprise["records"]}
    assert other["profit"].uscc not in usccs and made["nonprofit"].uscc not in usccs
    assert "王某" not in json.dumps(enterprise, ensure_ascii=False)
    assert len({r["record_id"] for r in enterprise["records"]}) == len(enterprise["records"])

    social = _json(client.get("/office/inspections/credit/social.json"))
    for record in social["records"]:
        _check_record(record, "non_profit")
    listed = [r for r in social["records"] if r["record_type"] == "blacklist"]
    assert [(r["uscc"], r["decision"], r["content"]) for r in listed] == [
        (made["nonprofit"].uscc, "listed", "=违规招生")]

    rows = _csv(client.get("/office/inspections/credit/social.csv"))
    assert rows[0] == credit.FIELD_NAMES
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [{k: v or None for k, v in r.items()} for r in records] == [
        {**r, "content": "'=违规招生" if r["content"] == "=违规招生" else r["content"]}
        for r in social["records"]]


def test_the_download_needs_the_ability_and_answers_404_to_bad_names(world: World):
    _records(world, "a")
    for role in ("officer", "institution", "grid"):
        client = _client(world, role)
        assert client.get("/office/inspections/credit/").status_code == 404
        assert client.get("/office/inspections/credit/enterprise.csv").status_code == 404
    assert Client().get("/office/inspections/credit/enterprise.csv").status_code == 302
    head = _client(world, "head")
    assert head.get("/office/inspections/credit/enterprise.csv").status_code == 200
    assert head.get("/office/inspections/credit/bank.csv").status_code == 404
    assert head.get("/office/inspections/credit/social.pdf").status_code == 404


def test_the_download_is_rate_limited(world: World, settings):
    from django.core.cache import cache

    settings.PAGE_RATES = {**settings.PAGE_RATES, "export": "2/min"}
    cache.clear()
    client = _client(world)
    answers = [client.get("/office/inspections/credit/enterprise.csv") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]


def test_the_download_costs_the_same_queries_for_few_rows_and_many(
        world: World, django_assert_num_queries: Any):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(world)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _json(client.get("/office/inspections/credit/enterprise.json"))
        return len(ctx.captured_queries)

    _records(world, "a")
    few = count()
    for n in range(3):
        inst = licensed_with_gate(world, "a", 640 + n, name=f"增长机构{n}")
        check = make_daily(world, "a", mode="random", institution=inst)
        services.daily_record(actor=world.a.users["officer"], inspection=check,
                              answers=DAILY_OK)
    assert count() == few
