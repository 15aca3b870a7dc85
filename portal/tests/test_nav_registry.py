"""core.nav: an app's menu entries appear to whoever may follow them, public ones to all."""

import pytest
from django.test import Client
from django.utils.translation import gettext_lazy as _

from core import nav
from tests.factories import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries():
    nav.register(
        nav.NavEntry("test-oversee", _("Task overview"), "cases:overview",
                     ability="cases.oversee_tasks"),
        nav.NavEntry("test-public", _("White list"), "institutions:white_list", public=True),
    )
    yield
    nav.unregister("test-oversee")
    nav.unregister("test-public")


def test_office_entry_follows_its_ability(entries):
    world = build_world()
    admin, officer = world.a.users["county_admin"], world.a.users["officer"]
    assert "test-oversee" in [e.key for e in nav.office_entries(admin)]
    assert "test-oversee" not in [e.key for e in nav.office_entries(officer)]
    assert "test-public" not in [e.key for e in nav.office_entries(admin)]


def test_public_entry_is_shown_to_anonymous_visitors(entries):
    body = Client().get("/").content.decode()
    assert body.count('href="/whitelist/"') >= 2  # the built-in link and the registered one
