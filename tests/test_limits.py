"""Issue 14 D6: inputs are bounded by the columns they land in, tested at the limits, on
PostgreSQL (this module, in the ordinary run) and on SQLite (the last test runs this
module again in a fresh process with an SQLite database): an id beyond 64 bits in a URL or
a body, a text one character past its column, a name that fills its column composed into a
longer title. Each answers a field error or 404, never a database error (500)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from cases.models import Case, Notification, TaskStatus
from institutions.tests.helpers import application_documents, register
from licensing import services as licensing
from licensing.models import ApplicationAction
from tests.factories import make_case, make_task
from tests.test_api import post_json, user_client

pytestmark = pytest.mark.django_db

MAX_ID = 2**63 - 1
BEYOND = [2**63, 2**64, 10**30]


@pytest.mark.parametrize("number", BEYOND)
def test_ids_beyond_64_bits_in_a_url_are_not_found(world, number):
    officer = world.a.users["officer"]
    case = make_case(world.a)
    client = user_client(world.a.users["county_admin"])
    for url in (f"/office/tasks/{number}/complete/", f"/office/notifications/{number}/",
                f"{case.get_absolute_url()}attachments/{number}/",
                f"/office/imports/{number}/", f"/office/licensing/{number}/accept/"):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    api = user_client(officer)
    assert api.post(f"/api/v1/tasks/mine/{number}/complete/").status_code == 404


@pytest.mark.parametrize("number", BEYOND)
def test_ids_beyond_64_bits_in_a_body_are_refused(world, number):
    officer = world.a.users["officer"]
    make_task(world.a, make_case(world.a))  # notifies the officer
    response = post_json(user_client(officer), "/api/v1/notifications/mark-read/",
                         {"ids": [number]})
    assert response.status_code == 400 and "ids" in response.json()["errors"]
    client = Client()
    client.force_login(officer)
    assert client.post("/office/notifications/", {"id": str(number)}).status_code == 404
    assert Notification.objects.filter(recipient=officer, read_at__isnull=False).count() == 0


def test_the_largest_id_is_simply_not_found(world):
    officer = world.a.users["officer"]
    response = post_json(user_client(officer), "/api/v1/notifications/mark-read/",
                         {"ids": [MAX_ID]})
    assert response.status_code == 200, response.content


def test_a_task_note_at_and_past_its_limit(world):
    officer = world.a.users["officer"]
    task = make_task(world.a, make_case(world.a), assignee=officer)
    url = f"/api/v1/tasks/mine/{task.pk}/complete/"
    too_long = post_json(user_client(officer), url, {"note": "注" * 5001})
    assert too_long.status_code == 400 and "note" in too_long.json()["errors"]
    assert post_json(user_client(officer), url, {"note": "注" * 5000}).status_code == 200
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and len(task.completion_note) == 5000


def test_a_case_title_at_and_past_its_column(world):
    admin = world.a.users["county_admin"]
    client = Client()
    client.force_login(admin)
    data = {"kind": "supervision", "region": world.a.region.pk, "category": "arts",
            "phase": "daily_supervision"}
    response = client.post("/office/cases/new/", {**data, "title": "题" * 201})
    assert response.status_code == 400 and response.context["form"].errors["title"]
    assert not Case.objects.exists()
    response = client.post("/office/cases/new/", {**data, "title": "题" * 200})
    assert response.status_code == 302
    assert Case.objects.get().title == "题" * 200


def test_a_name_that_fills_its_column_makes_a_title_that_fits(world):
    """The licensing case title is composed from the action and a 200-character name."""
    inst = register(world, name="艺" * 200)
    app = licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst))
    assert len(app.case.title) == 200 and app.case.title.endswith("…")


@pytest.mark.skipif(os.environ.get("LIMITS_ON_SQLITE") == "1", reason="already on SQLite")
def test_the_limits_hold_on_sqlite(tmp_path: Path):
    """The cases above, again on SQLite: its integers overflow where PostgreSQL's do not,
    and it does not enforce a column's length, so the bounds must be the application's."""
    if connection.vendor == "sqlite":
        pytest.skip("this run is on SQLite already")
    env = {**os.environ, "LIMITS_ON_SQLITE": "1",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'limits.sqlite3'}"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
         "--create-db", __file__],
        cwd=Path(__file__).resolve().parent.parent, env=env, capture_output=True, text=True,
        timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout and "failed" not in result.stdout
