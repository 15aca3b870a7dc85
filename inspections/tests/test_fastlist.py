"""Issue 13: the zombie, enforcement and black-list endpoints answer their lists from
values() rows rendered by orjson; their JSON must be the serializers', field for field,
for the same rows (their query counts are held by test_urls.py's URLTests)."""

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from inspections import selectors, services
from inspections.models import BlacklistEntry, Enforcement, InspectionYear, ViolationType
from inspections.serializers import (
    BlacklistEntrySerializer,
    EnforcementSerializer,
    ZombieCleanupSerializer,
)
from inspections.tests.helpers import today
from institutions.tests.helpers import licensed_with_gate

pytestmark = pytest.mark.django_db


def serialized(serializer, rows):
    return json.loads(JSONRenderer().render(serializer(rows, many=True).data))


def _zombie(world, n):
    inst = licensed_with_gate(world, "a", n, name=f"僵尸机构{n}")
    year = today().year
    for y in (year - 2, year - 1):
        InspectionYear.objects.create(institution=inst, year=y, inspected=False)
    flags = services.zombie_flags(years={year - 2: False, year - 1: False}, min_years=2,
                                  active=False, unreachable=False)
    return services._zombie_open(inst, flags, "any", today())


@pytest.fixture
def client_a(world):
    """Zombies open and closed; enforcement against an institution (decided, with a
    fine) and against an individual (undecided); black-list entries listed with an
    appeal pending and removed."""
    _zombie(world, 95)
    closed = _zombie(world, 96)
    type(closed).objects.filter(pk=closed.pk).update(
        outcome="deregistered", outcome_note="已注销", closed_at=timezone.now())
    inst = licensed_with_gate(world, "a", 97, name="执法机构")
    decided = services.enforcement_open(
        actor=None, violation=ViolationType.objects.get(code="hours"), region=inst.region,
        institution=inst, findings="超时培训")
    Enforcement.objects.filter(pk=decided.pk).update(
        penalty="fine", fine_amount=Decimal("5000"), legal_basis="《规定》",
        decided_at=timezone.now())
    services.enforcement_open(
        actor=None, violation=ViolationType.objects.get(code="advertising"),
        region=world.a.town, institution=None, subject_name="张某", findings="无证培训")
    admin = world.a.users["county_admin"]
    for n, state in ((98, "listed"), (99, "removed")):
        entered = services.blacklist_enter(
            actor=admin, institution=licensed_with_gate(world, "a", n, name=f"黑名单{n}"),
            reason="违规培训")
        if state == "removed":
            BlacklistEntry.objects.filter(pk=entered.pk).update(
                state="removed", removed_at=timezone.now(), removal_reason="整改到位")
        else:
            BlacklistEntry.objects.filter(pk=entered.pk).update(
                appeal_state="pending", appeal_text="申诉", appeal_due=today())
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.parametrize(("url", "serializer", "rows"), [
    ("/api/v1/inspections/zombies/", ZombieCleanupSerializer, selectors.zombie_list),
    ("/api/v1/inspections/enforcement/", EnforcementSerializer, selectors.enforcement_list),
    ("/api/v1/inspections/blacklist/", BlacklistEntrySerializer, selectors.blacklist_list),
])
def test_the_fast_list_writes_what_the_serializer_writes(world, client_a, url, serializer,
                                                         rows):
    response = client_a.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    fast = response.json()["results"]
    expected = serialized(serializer, rows(world.a.users["county_admin"]).order_by("-id"))
    assert len(fast) == 2 and fast == expected


def test_the_rows_cover_nulls_and_nested_fields(client_a):
    zombies = client_a.get("/api/v1/inspections/zombies/").json()["results"]
    assert {z["closed_at"] is None for z in zombies} == {True, False}
    assert all(z["criteria"] and z["region"] for z in zombies)
    cases = client_a.get("/api/v1/inspections/enforcement/").json()["results"]
    assert {c["institution"] is None for c in cases} == {True, False}
    assert {c["fine_amount"] for c in cases} == {None, "5000.00"}
    assert all(c["violation_label"] and c["department"] for c in cases)
    entries = client_a.get("/api/v1/inspections/blacklist/").json()["results"]
    assert {e["appeal_due"] is None for e in entries} == {True, False}
    assert {e["removed_at"] is None for e in entries} == {True, False}


def test_the_filters_and_the_cursor_still_apply(client_a):
    fined = client_a.get("/api/v1/inspections/enforcement/?penalty=fine").json()["results"]
    assert [c["fine_amount"] for c in fined] == ["5000.00"]
    listed = client_a.get("/api/v1/inspections/blacklist/?state=listed").json()["results"]
    assert [e["state"] for e in listed] == ["listed"]
    first = client_a.get("/api/v1/inspections/enforcement/?page_size=1").json()
    second = client_a.get(first["next"]).json()
    assert first["results"][0]["id"] > second["results"][0]["id"]
