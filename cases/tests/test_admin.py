"""The admin of cases (cases/admin.py): cases and the audit trail are read-only there;
only staff get in."""

from __future__ import annotations

import pytest
from django.test import Client

from cases.models import AuditEvent, Case
from tests.factories import World, make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world: World) -> Client:
    client = Client()
    client.force_login(world.system_admin)
    return client


def test_case_and_audit_admin_are_read_only(admin_client: Client, world: World) -> None:
    """Cases and the audit trail change only through services, which audit themselves."""
    case = make_case(world.a)
    event = AuditEvent.objects.filter(case=case).first()
    assert event is not None
    for base, obj in (("/admin/cases/case/", case), ("/admin/cases/auditevent/", event)):
        assert admin_client.get(base).status_code == 200, base
        assert admin_client.get(f"{base}add/").status_code == 403, base
        assert admin_client.get(f"{base}{obj.pk}/delete/").status_code == 403, base
        assert admin_client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
        # The change page shows the record but offers no save.
        response = admin_client.get(f"{base}{obj.pk}/change/")
        assert response.status_code == 200, base
        assert 'name="_save"' not in response.content.decode()
    assert Case.objects.filter(pk=case.pk).exists()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_admin_is_closed_to_non_staff(world: World) -> None:
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.get("/admin/cases/case/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
