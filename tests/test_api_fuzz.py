"""Schemathesis over /api/schema/ with every check on (issue 14, "Done when"): status
codes, content types, headers and response bodies conform to the schema, and no input
reaches a 500. A small budget, so that it runs in `make test`; run the CLI against a dev
server for more (README.md, API)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

import tests.schemathesis_hooks  # noqa: F401  (registers the hooks)
from org.models import ApiClient
from portal.wsgi import application
from tests.test_api import issue_client

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """The WSGI application is called in the test's transaction: as Django's test client
    does, the request signals do not close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_token(world: Any) -> str:
    return issue_client(scopes=[s.value for s in ApiClient.Scopes], regions=[world.city],
                        throttle_rate="100000/min")[1]


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_schema(case: Any, fuzz_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Token {fuzz_token}"})
