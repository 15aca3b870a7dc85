"""Shared pytest fixtures: the policy profiles and calendar are loaded once into the test
database; every test starts with an empty cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from portal.demo import ensure_calendar

    with django_db_blocker.unblock():
        # The package's years, and this year and the next with weekdays as working days
        # where the package does not know them yet (as `load_demo` does): from December a
        # deadline of a few weeks runs into a year whose holidays the State Council has not
        # published to the package, and every test would depend on the day it is run.
        ensure_calendar(timezone.localdate())
        call_command("load_profiles", verbosity=0)


@pytest.fixture(autouse=True)
def _clear_cache():  # type: ignore[no-untyped-def]
    from org.scope import forget_built

    cache.clear()
    forget_built()  # the scope rules built for an earlier test's users (org.scope)
    yield
    cache.clear()


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    from tests.factories import build_world

    return build_world()


@pytest.fixture
def query_budget(settings):  # type: ignore[no-untyped-def]
    """`tests.budget.assert_constant_queries` with a process-local cache: the shared Redis
    cache may be flushed by another test run at any moment, and a cold policy-profile
    cache would add its queries to a measurement. The local cache starts empty: its store
    outlives a test, and a profile cached by an earlier test could expire between a
    warm-up and its measurement (the profile's 7 queries: 11 against 18)."""
    from django.core.cache import cache

    from tests.budget import assert_constant_queries

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "query-budget"}}
    # The budgets are those of production with Redis: the signed-in user cached between
    # requests (the measurement warms up first, as it does for the profile).
    settings.AUTH_USER_CACHE = True
    cache.clear()
    return assert_constant_queries
