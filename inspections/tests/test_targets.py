"""Institutions with many complaints as inspection targets (issue 9), by the profile's
threshold and window (documented defaults), through the scope gateway."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from complaints.models import Complaint
from complaints.tests.conftest import seed_taxonomy
from complaints.tests.helpers import submit
from inspections import targets
from inspections.tests.helpers import today
from institutions.tests.helpers import licensed_with_gate
from policy.profile import active_profile
from tests.factories import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _topics(db):  # type: ignore[no-untyped-def]
    seed_taxonomy()


def complain(world: World, key: str, institution, times: int) -> None:
    for n in range(times):
        submit(world, key, institution=institution, complainant_phone=f"1390000{n:04d}")


def test_the_threshold_and_window_are_documented_profile_parameters():
    profile = active_profile()
    for key in (targets.THRESHOLD, targets.WINDOW):
        rule = profile.rules[key]
        assert rule.source == "default" and not rule.from_seed and rule.value > 0


def test_institutions_with_many_complaints_are_offered(world: World):
    threshold = int(active_profile().rule(targets.THRESHOLD))
    many = licensed_with_gate(world, "a", 61, name="投诉多机构")
    few = licensed_with_gate(world, "a", 62, name="投诉少机构")
    other = licensed_with_gate(world, "b", 63, name="乙区投诉多机构")
    complain(world, "a", many, threshold)
    complain(world, "a", few, threshold - 1)
    complain(world, "b", other, threshold + 1)
    found = targets.complaint_targets(world.a.users["county_admin"], today=today())
    assert found is not None
    assert [(t.institution.pk, t.complaints) for t in found.rows] == [(many.pk, threshold)]
    city = targets.complaint_targets(world.city_admin, today=today())
    assert [t.institution.pk for t in city.rows] == [other.pk, many.pk]
    only_a = targets.complaint_targets(world.city_admin, today=today(), region=world.a.region)
    assert [t.institution.pk for t in only_a.rows] == [many.pk]


def test_complaints_older_than_the_window_do_not_count(world: World):
    threshold = int(active_profile().rule(targets.THRESHOLD))
    days = int(active_profile().rule(targets.WINDOW))
    inst = licensed_with_gate(world, "a", 64, name="旧投诉机构")
    with time_machine.travel(dt.datetime.combine(today() - dt.timedelta(days=days + 2),
                                                 dt.time(10)).astimezone()):
        complain(world, "a", inst, threshold)
    assert Complaint.objects.count() == threshold
    assert targets.complaint_targets(world.a.users["county_admin"], today=today()).rows == []
    complain(world, "a", inst, threshold)
    assert [t.complaints for t in targets.complaint_targets(
        world.a.users["county_admin"], today=today()).rows] == [threshold]


def test_the_planner_and_the_new_inspection_form_offer_them(world: World):
    threshold = int(active_profile().rule(targets.THRESHOLD))
    inst = licensed_with_gate(world, "a", 65, name="投诉多机构甲")
    complain(world, "a", inst, threshold)
    client = Client()
    client.force_login(world.a.users["county_admin"])
    for url in ("/office/inspections/planner/", "/office/inspections/daily/new/"):
        body = client.get(url).content.decode()
        assert 'id="complaint-targets"' in body and inst.name in body, url
        assert f"institution={inst.uscc}" in body
    form = client.get(f"/office/inspections/daily/new/?institution={inst.uscc}")
    assert form.context["form"]["institution"].value() == inst.uscc
    other = Client()
    other.force_login(world.b.users["county_admin"])
    assert inst.name not in other.get("/office/inspections/planner/").content.decode()


def test_the_window_begins_at_local_midnight_of_its_first_day(world: World):
    """The window is counted in local days (Asia/Shanghai), also where the count reads
    the receipt time's index (issue 13, targets._index_bounds): a complaint received at
    00:00 of the window's first day counts, one received a second before does not,
    although in UTC both fall on the day before."""
    threshold = int(active_profile().rule(targets.THRESHOLD))
    days = int(active_profile().rule(targets.WINDOW))
    inst = licensed_with_gate(world, "a", 66, name="窗口边界机构")
    first = dt.datetime.combine(today() - dt.timedelta(days=days), dt.time.min,
                                tzinfo=ZoneInfo("Asia/Shanghai"))
    for at in (first - dt.timedelta(seconds=1), first):
        with time_machine.travel(at, tick=False):
            complain(world, "a", inst, threshold - 1 if at == first else 1)
    assert Complaint.objects.count() == threshold
    admin = world.a.users["county_admin"]
    assert targets.complaint_targets(admin, today=today()).rows == []
    complain(world, "a", inst, 1)
    assert [t.complaints for t in targets.complaint_targets(admin, today=today()).rows] == [
        threshold]
