"""Public look-up, white list, REST and scope of institutions (issue 4 "Public and
integration"; 004 §6(4); 000 §4(3))."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from institutions.models import InstitutionStatus
from institutions.tests.test_registry import licensed_with_gate, register
from org.models import User
from tests.test_api import issue_client, token_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def locmem_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "institutions-tests"}}
    from django.core.cache import cache

    cache.clear()


def test_public_lookup_finds_a_licensed_institution_by_name_and_code(client, world):
    inst = licensed_with_gate(world)
    applying = register(world, n=2, name="申请中机构")
    for query in (inst.name, inst.uscc, inst.uscc.lower()):
        body = client.get("/", {"q": query}).content.decode()
        assert inst.name in body
    body = client.get("/", {"q": "申请中"}).content.decode()
    assert applying.name not in body  # not published while applying
    body = client.get("/", {"region": world.a.region.code, "category": "arts"}).content.decode()
    assert inst.name in body
    assert client.get("/", {"category": "nonsense"}).status_code == 200


def test_public_detail_shows_status_lists_department_and_courses(client, world):
    inst = licensed_with_gate(world)
    dept = inst.supervising_department
    dept.complaint_phone = "0871-12345678"
    dept.save()
    body = client.get(f"/institutions/{inst.uscc}/").content.decode()
    assert "教民001号" in body and dept.name in body and "0871-12345678" in body
    assert "美术" in body  # the listed course, shown because the gate is met
    applying = register(world, n=2)
    assert client.get(f"/institutions/{applying.uscc}/").status_code == 404
    assert client.get("/institutions/XXXX/").status_code == 404


def test_white_list_page_and_export(client, world):
    inst = licensed_with_gate(world)
    other = licensed_with_gate(world, n=2, name="黑名单机构")
    from institutions.services import blacklist_add

    blacklist_add(actor=world.a.users["county_admin"], institution=other, reason="违规收费")
    body = client.get("/whitelist/").content.decode()
    assert inst.name in body and "违规收费" in body
    response = client.get("/whitelist/", {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == inst.uscc


def test_public_status_endpoint_needs_no_token(world, locmem_cache):
    inst = licensed_with_gate(world)
    response = Client().get(f"/api/v1/public/institutions/{inst.uscc}/")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "licensed" and data["list_status"] == "white"
    assert data["gate_met"] is True
    assert Client().get("/api/v1/public/institutions/91000000MA00000000/").status_code == 404


def test_public_status_endpoint_is_throttled(world, locmem_cache, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES",
                        {**ScopedRateThrottle.THROTTLE_RATES, "public": "3/min"})
    inst = licensed_with_gate(world)
    client = Client()
    codes = [client.get(f"/api/v1/public/institutions/{inst.uscc}/").status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_token_client_lists_its_regions_with_filters(world):
    a = licensed_with_gate(world, "a", 1)
    b = licensed_with_gate(world, "b", 1)
    register(world, "a", 2, category="tech")
    _client, token = issue_client(scopes=["institutions:read"], regions=[world.a.region])
    data = token_get(token, "/api/v1/institutions/").json()
    codes = {row["uscc"] for row in data["results"]}
    assert a.uscc in codes and b.uscc not in codes and len(codes) == 2
    data = token_get(token, "/api/v1/institutions/", category="tech").json()
    assert len(data["results"]) == 1
    data = token_get(token, "/api/v1/institutions/", status="licensed").json()
    assert [r["uscc"] for r in data["results"]] == [a.uscc]
    assert token_get(token, f"/api/v1/institutions/{b.uscc}/").status_code == 404
    assert token_get(token, f"/api/v1/institutions/{a.uscc}/").json()["gate_met"] is True
    assert token_get(token, "/api/v1/institutions/", status="bogus").status_code == 400
    _c, no_scope = issue_client(name="x", scopes=["cases:read"], regions=[world.a.region])
    assert token_get(no_scope, "/api/v1/institutions/").status_code == 403


def test_institution_staff_reach_only_their_own_institution(world):
    own = licensed_with_gate(world, "a", 1)
    other = licensed_with_gate(world, "a", 2)
    staff = world.a.users["institution"]
    User.objects.filter(pk=staff.pk).update(institution=own)
    staff.refresh_from_db()
    client = Client()
    client.force_login(staff)
    assert client.get(f"/office/institutions/{own.uscc}/").status_code == 200
    assert client.get(f"/office/institutions/{other.uscc}/").status_code == 404
    data = client.get("/api/v1/institutions/").json()
    assert [r["uscc"] for r in data["results"]] == [own.uscc]


# The office list and detail, HTML and API (their cross-county matrix and query budgets),
# are declared in test_urls.py.


@pytest.mark.parametrize("url", ["/?q=机构", "/whitelist/"])
def test_list_query_counts_do_not_grow(world, url, query_budget):
    client = Client()
    client.force_login(world.a.users["county_admin"])

    def grow(start, stop):
        for n in range(start + 1, stop + 1):
            licensed_with_gate(world, "a", n, name=f"机构{n}")

    query_budget(client, url, grow, small=3, large=23)


def test_suspended_institution_leaves_the_white_list(world):
    from institutions.services import institution_set_status

    inst = licensed_with_gate(world)
    inst = institution_set_status(actor=world.a.users["county_admin"], institution=inst,
                                  status=InstitutionStatus.SUSPENDED, reason="整改")
    assert inst.list_status == ""
