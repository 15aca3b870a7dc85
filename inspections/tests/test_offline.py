"""Issue 9, the form with no network: the submission id made on the phone makes a resend
create nothing twice (service and page), a different submission to a recorded inspection
answers 409, and the service worker and manifest of the inspection pages are served."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.models import AuditEvent
from core.errors import DomainError
from inspections import services
from inspections.models import DailyState, RectificationOrder
from inspections.tests.helpers import DAILY_OK, make_daily
from tests.factories import World
from tests.samplefiles import png

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def form(client_id: uuid.UUID | str, **extra: str) -> dict:
    return {**{f"item_{k}": v for k, v in DAILY_OK.items()}, "item_hours": "problem",
            "notes": "地下室教室", "rectify": "on", "client_id": str(client_id), **extra}


def test_the_service_records_a_resent_submission_once(world: World):
    inspection = make_daily(world, mode="night")
    officer = world.a.users["officer"]
    client_id = uuid.uuid4()

    def send() -> None:
        services.daily_record(actor=officer, inspection=inspection, answers=DAILY_OK,
                              findings="超时培训", rectify=True, client_id=client_id,
                              photos=[SimpleUploadedFile("p.png", png())])

    send()
    send()
    inspection.refresh_from_db()
    assert inspection.state == DailyState.DONE and inspection.client_id == client_id
    assert inspection.case.attachments.count() == 1
    assert RectificationOrder.objects.filter(daily=inspection).count() == 1
    assert AuditEvent.objects.filter(action="inspections.daily.record",
                                     case=inspection.case).count() == 1
    with pytest.raises(DomainError):  # another submission to the recorded inspection
        services.daily_record(actor=officer, inspection=inspection, answers=DAILY_OK,
                              client_id=uuid.uuid4())
    other = make_daily(world, n=71)
    with pytest.raises(DomainError):  # the same phone id cannot record a second inspection
        services.daily_record(actor=officer, inspection=other, answers=DAILY_OK,
                              client_id=client_id)
    other.refresh_from_db()
    assert other.state == DailyState.PLANNED


def test_the_page_answers_a_resend_as_done_and_creates_nothing_twice(world: World):
    inspection = make_daily(world, mode="night")
    client = login(world.a.users["officer"])
    url = f"/office/inspections/daily/{inspection.pk}/"
    page = client.get(url).content.decode()
    assert 'name="client_id"' in page and "data-offline-form" in page
    assert "inspections/offline.js" in page and inspection.institution.uscc in page
    client_id = uuid.uuid4()
    first = client.post(url, {**form(client_id), "photos": SimpleUploadedFile("p.png", png())})
    assert first.status_code == 302
    again = client.post(url, {**form(client_id), "photos": SimpleUploadedFile("p.png", png())})
    assert again.status_code == 302 and again["Location"] == url
    inspection.refresh_from_db()
    assert inspection.client_id == client_id and inspection.case.attachments.count() == 1
    assert RectificationOrder.objects.filter(daily=inspection).count() == 1
    conflict = client.post(url, form(uuid.uuid4()))
    assert conflict.status_code == 409 and "data-offline-conflict" in conflict.content.decode()
    assert client.post(url, form("not-a-uuid")).status_code == 409
    outsider = login(world.b.users["officer"])
    assert outsider.post(url, form(client_id)).status_code == 404
    assert inspection.case.attachments.count() == 1


def test_a_bad_submission_id_is_a_field_error(world: World):
    inspection = make_daily(world, mode="night")
    client = login(world.a.users["officer"])
    url = f"/office/inspections/daily/{inspection.pk}/"
    response = client.post(url, form("not-a-uuid"))
    assert response.status_code == 400
    inspection.refresh_from_db()
    assert inspection.state == DailyState.PLANNED


def test_the_service_worker_and_manifest_cover_the_inspection_pages(world: World):
    client = Client()
    sw = client.get("/office/inspections/sw.js")
    assert sw.status_code == 200 and sw["Content-Type"].startswith("text/javascript")
    assert sw["Service-Worker-Allowed"] == "/office/inspections/"
    body = sw.content.decode()
    for asset in ("/static/vendor/bootstrap/bootstrap.min.css", "/static/vendor/htmx/htmx.min.js",
                  "/static/inspections/offline.js", "/static/portal/portal.js"):
        assert f'"{asset}"' in body
    assert "<script" not in body and "//cdn" not in body
    manifest = json.loads(client.get("/office/inspections/manifest.webmanifest").content)
    assert manifest["scope"] == "/office/inspections/"
    assert manifest["start_url"] == "/office/inspections/daily/"
    assert manifest["display"] == "standalone" and manifest["icons"]


RESENT = {"a": uuid.UUID(int=0xA), "b": uuid.UUID(int=0xB)}


def _recorded(world: World, key: str) -> dict:
    inspection = make_daily(world, key)
    services.daily_record(actor=world.county(key).users["officer"], inspection=inspection,
                          answers=DAILY_OK, client_id=RESENT[key])
    return {"daily": inspection, "key": key}


def test_resend_and_conflict_matrix(world: World):
    """A resend of the recorded submission answers as done to who may fill the form, a
    different one 409; everyone else, and every role on county B's visit, gets 404."""
    from tests.permmatrix import Endpoint, assert_matrix

    url = lambda o: f"/office/inspections/daily/{o['daily'].pk}/"  # noqa: E731
    endpoints = [
        Endpoint("resend", url, {"officer", "head"}, method="post", ok=(302,),
                 data=lambda o: form(RESENT[o["key"]]), denied=(404,)),
        Endpoint("conflict", url, {"officer", "head"}, method="post", ok=(409,),
                 data=lambda o: form(uuid.uuid4()), denied=(404,)),
    ]
    assert_matrix(world, endpoints, _recorded)


def test_the_manifest_has_png_icons_of_192_and_512_pixels(world: World):
    """Phones install a web app from its PNG icons; the committed files are what
    inspections/icons.py draws."""
    import io

    from django.contrib.staticfiles import finders
    from PIL import Image

    from inspections import icons

    client = Client()
    manifest = json.loads(client.get("/office/inspections/manifest.webmanifest").content)
    pngs = {i["sizes"]: i["src"] for i in manifest["icons"] if i["type"] == "image/png"}
    assert set(pngs) == {"192x192", "512x512"}
    for size in icons.SIZES:
        src = pngs[f"{size}x{size}"]
        found = finders.find(src.split("/static/", 1)[1])
        assert found is not None, src
        with Image.open(found) as committed:
            assert committed.size == (size, size) and committed.format == "PNG"
            drawn = io.BytesIO()
            icons.draw(size).save(drawn, format="PNG")
            assert committed.convert("RGBA").tobytes() == \
                Image.open(drawn).convert("RGBA").tobytes()
