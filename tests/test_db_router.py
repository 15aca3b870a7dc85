"""Issue 13: with a replica configured, lists read the replica and a record just written
is read from the primary (the writing request, the browser's next seconds, and every read
inside a transaction); without one, everything reads the one database."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from cases.models import Case
from core.db_router import PIN_COOKIE, PrimaryAfterWriteMiddleware, ReplicaRouter

router = ReplicaRouter()


@pytest.fixture
def replica(settings: Any) -> None:
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    settings.REPLICA_LAG_SECONDS = 5


def through_middleware(request: Any) -> tuple[str, HttpResponse]:
    seen: list[str] = []

    def view(req: Any) -> HttpResponse:
        seen.append(router.db_for_read(Case))
        return HttpResponse("ok")

    response = PrimaryAfterWriteMiddleware(view)(request)
    return seen[0], response


def test_without_a_replica_everything_reads_the_primary():
    assert router.db_for_read(Case) == "default"
    db, response = through_middleware(RequestFactory().post("/office/cases/new/"))
    assert db == "default" and PIN_COOKIE not in response.cookies


@pytest.mark.django_db(transaction=True)
def test_lists_read_the_replica_and_a_write_pins_the_primary(replica):
    factory = RequestFactory()
    db, _ = through_middleware(factory.get("/office/cases/"))
    assert db == "replica"
    db, response = through_middleware(factory.post("/office/cases/new/"))
    assert db == "default"
    assert response.cookies[PIN_COOKIE]["max-age"] == 5
    after = factory.get("/office/cases/")
    after.COOKIES[PIN_COOKIE] = "1"
    db, _ = through_middleware(after)
    assert db == "default"  # read-your-writes for the browser that just wrote
    assert router.db_for_write(Case) == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_the_primary(replica):
    assert router.db_for_read(Case) == "replica"
    with transaction.atomic():
        assert router.db_for_read(Case) == "default"
    assert router.allow_migrate("replica", "cases") is False


@pytest.mark.django_db(transaction=True)
def test_the_signed_in_user_is_read_from_the_primary(replica, settings):
    """The user cache (org.auth.PortalModelBackend) must not keep a replica's stale row.
    The fixture's replica is routed to but has no connection here: a read sent there
    would raise instead of returning the user."""
    from org.auth import PortalModelBackend
    from org.models import User

    settings.AUTH_USER_CACHE = False
    user = User.objects.create(username="pin_reader", role="officer")
    assert router.db_for_read(User) == "replica"
    assert PortalModelBackend().get_user(user.pk) == user
