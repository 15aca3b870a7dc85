"""The calendar admin (policy/admin.py): later years are added there (issue 3 §3)."""

from __future__ import annotations

import pytest
from django.test import Client

from policy.models import CalendarDay, CalendarYear
from tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(world: World) -> Client:
    client = Client()
    client.force_login(world.system_admin)
    return client


def test_calendar_admin_action_adds_the_next_year_with_weekdays(admin_client: Client) -> None:
    """Years the chinese-calendar package does not know are added in the admin with
    Monday to Friday as working days; holidays are then marked by hand (issue 3 §3)."""
    newest = CalendarYear.objects.order_by("-year").first()
    assert newest is not None
    response = admin_client.post("/admin/policy/calendaryear/", {
        "action": "add_next_year", "_selected_action": [newest.pk]})
    assert response.status_code == 302
    year = newest.year + 1
    added = CalendarYear.objects.get(year=year)
    assert added.source == "admin"
    days = list(CalendarDay.objects.filter(year=added))
    assert len(days) in (365, 366)
    assert all(d.is_workday == (d.date.weekday() < 5) for d in days)
    # Running it again adds the year after, not the same one twice.
    admin_client.post("/admin/policy/calendaryear/", {
        "action": "add_next_year", "_selected_action": [year]})
    assert CalendarYear.objects.filter(year=year + 1).exists()
    assert CalendarDay.objects.filter(year_id=year).count() == len(days)
