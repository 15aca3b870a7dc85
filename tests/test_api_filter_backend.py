"""The API's filter backend (`core.api.filters.FilterBackend`, issue 13) skips the filter
form only where that cannot change the answer: no filter parameter given, and a filter set
with no required filter and no defaults of its own."""

from __future__ import annotations

import pytest
from django.test import Client

from cases.filters import CaseFilter, TaskFilter, TaskPageFilter
from core.api.filters import _inert_when_unbound
from inspections.filters import PublicResultFilter
from tests.factories import World, make_case

pytestmark = pytest.mark.django_db


def test_only_filter_sets_without_defaults_or_required_filters_are_skipped() -> None:
    assert _inert_when_unbound(CaseFilter) and _inert_when_unbound(TaskFilter)
    assert _inert_when_unbound(None)
    assert not _inert_when_unbound(TaskPageFilter)  # open tasks and an order by default
    assert not _inert_when_unbound(PublicResultFilter)  # `year` is required


def test_a_required_filter_still_answers_400_when_missing() -> None:
    response = Client().get("/api/v1/public/inspection-results/")
    assert response.status_code == 400
    assert "year" in response.json()["errors"]


def test_a_filter_beside_the_cursor_parameters_still_filters(world: World) -> None:
    make_case(world.a, category="arts")
    make_case(world.a, category="sports")
    client = Client()
    client.force_login(world.a.users["county_admin"])
    every = client.get("/api/v1/cases/?page_size=10").json()["results"]
    arts = client.get("/api/v1/cases/?page_size=10&category=arts").json()["results"]
    assert {r["category"] for r in every} == {"arts", "sports"}
    assert {r["category"] for r in arts} == {"arts"}
