"""Issue 14 D5: the public pages and every export are limited per client; a rotated
X-Forwarded-For is not a new client (no proxy is trusted by default)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@override_settings(PAGE_RATES={"page": "3/min", "export": "1/min"})
def test_public_pages_and_exports_are_limited_per_client(world):
    client = Client()
    for n in range(3):
        assert client.get("/whitelist/", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code == 200
    refused = client.get("/whitelist/", HTTP_X_FORWARDED_FOR="10.0.0.9")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "请稍候" in refused.content.decode() or "wait" in refused.content.decode()
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.get("/?q=机构&export=xlsx").status_code == 200
    assert other.get("/?q=机构&export=xlsx").status_code == 429  # exports: 1 a minute


@override_settings(PAGE_RATES={"page": "1/min", "export": "1/min"})
def test_officers_lists_limit_only_their_exports(world):
    client = Client()
    client.force_login(world.a.users["county_admin"])
    for _ in range(3):
        assert client.get("/office/cases/").status_code == 200
    assert client.get("/office/cases/?export=xlsx").status_code == 200
    assert client.get("/office/cases/?export=xlsx").status_code == 429
