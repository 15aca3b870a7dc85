"""Issue 13: the screening list (/api/v1/governance/screening/) answers from values() rows
rendered by orjson; its JSON must be `ScreeningEntitySerializer`'s, field for field, for
the same rows (its query count is held by test_api.py's URLTests)."""

import json

import pytest
from django.test import Client
from rest_framework.renderers import JSONRenderer

from governance import selectors
from governance.models import ScreeningEntity
from governance.screening import screening_import, screening_outcome_record
from governance.serializers import ScreeningEntitySerializer
from governance.tests.test_screening import xlsx
from institutions.tests.helpers import register
from portal.demo import demo_uscc

pytestmark = pytest.mark.django_db


def test_the_fast_list_writes_what_the_serializer_writes(world):
    """Entities matched to the registry (no check), checked without an outcome, and
    with each outcome: unlicensed training names its enforcement case and black-list
    entry."""
    inst = register(world, "a", n=5)
    codes = [demo_uscc("530191", 60 + n) for n in range(4)]
    screening_import(actor=world.city_admin, upload=xlsx(
        [(inst.uscc, "某教育咨询有限公司", "530191", "人民路1号")]
        + [(code, f"某公司{n}", "530191", "") for n, code in enumerate(codes)]))
    admin = world.a.users["county_admin"]
    for code, kind, extra in ((codes[0], "licensed_elsewhere", {"other_reference": "R1"}),
                              (codes[1], "not_training", {"note": "咨询"}),
                              (codes[2], "unlicensed", {"category": "arts", "note": "无证培训",
                                                        "legal_representative": "张三"})):
        screening_outcome_record(actor=admin, entity=ScreeningEntity.objects.get(
            credit_code=code), kind=kind, **extra)
    client = Client()
    client.force_login(admin)
    response = client.get("/api/v1/governance/screening/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    fast = response.json()["results"]
    rows = selectors.screened_api(admin).order_by("-id")
    slow = json.loads(JSONRenderer().render(ScreeningEntitySerializer(rows, many=True).data))
    assert len(fast) == 5 and fast == slow
    assert {r["check"] is None for r in fast} == {True, False}
    assert {r["institution"] is None for r in fast} == {True, False}
    outcomes = [r["outcome"] for r in fast]
    assert None in outcomes
    unlicensed = next(o for o in outcomes if o and o["kind"] == "unlicensed")
    assert unlicensed["enforcement"] and unlicensed["blacklist"]
    assert client.get("/api/v1/governance/screening/?outcome=not_training"
                      ).json()["results"][0]["outcome"]["note"] == "咨询"
