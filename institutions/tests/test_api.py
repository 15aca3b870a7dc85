"""institutions.api: the public status endpoint and the token clients' list and detail
of institutions (issue 4 "Public and integration")."""

import pytest
from django.test import Client

from institutions.tests.helpers import licensed_with_gate, register
from tests.test_api import issue_client, token_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def locmem_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "institutions-tests"}}
    from django.core.cache import cache

    cache.clear()


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
