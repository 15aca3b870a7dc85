"""Duplicate hints on intake (issue 10 "Duplicates": suggested on intake): the public
receipt says a similar complaint is being handled, naming no one; the officers' entry
lists the likely repeats in their view before recording."""

from __future__ import annotations

import pytest
from django.test import Client

from complaints.models import Complaint
from complaints.tests.helpers import submit, topic
from institutions.tests.helpers import licensed_with_gate
from tests.factories import World

pytestmark = pytest.mark.django_db

TEXT = "交了五千元学费，机构停课后拒不退费，多次沟通无果。"


def _public(client, inst, phone="13800001234", text=TEXT):
    return client.post("/complaints/new/", {
        "topic": topic("refund").pk, "uscc": inst.uscc, "institution_name": inst.name,
        "description": text, "complainant_name": "李先生", "complainant_phone": phone})


def test_public_receipt_hints_at_a_similar_open_complaint_without_private_data(world: World):
    inst = licensed_with_gate(world)
    first, _c, _ = submit(world, institution=inst, description=TEXT,
                          complainant_name="王女士", complainant_phone="13900001111")
    response = _public(Client(), inst, phone="13700009999")
    body = response.content.decode()
    assert response.status_code == 200 and response.context["similar_open"] == 1
    assert 'id="duplicate-hint"' in body
    for private in ("王女士", "13900001111", "139******11", first.case.number):
        assert private not in body
    # the same phone about the same institution, with other words, also matches
    other = _public(Client(REMOTE_ADDR="10.1.1.2"), inst, phone="13900001111",
                    text="上课时间经常临时变动，也不通知家长。")
    assert other.context["similar_open"] == 1  # the first, by its phone


def test_no_hint_when_nothing_matches_or_the_match_is_closed(world: World):
    inst = licensed_with_gate(world)
    response = _public(Client(), inst)
    assert response.context["similar_open"] == 0
    assert 'id="duplicate-hint"' not in response.content.decode()
    Complaint.objects.update(status="closed")
    again = _public(Client(REMOTE_ADDR="10.1.1.3"), inst)
    assert again.context["similar_open"] == 0


def test_staff_entry_checks_for_duplicates_before_recording(world: World):
    inst = licensed_with_gate(world)
    first, _c, _ = submit(world, institution=inst, description=TEXT)
    client = Client()
    client.force_login(world.a.users["joint"])
    data = {"channel": "walk_in", "topic": topic("refund").pk, "uscc": inst.uscc,
            "institution_name": inst.name, "description": TEXT,
            "complainant_phone": "13900001111"}
    checked = client.post("/office/complaints/new/", {**data, "check": "1"})
    assert checked.status_code == 200 and Complaint.objects.count() == 1  # nothing recorded
    assert [c.pk for c, _n, _p in checked.context["matches"]] == [first.pk]
    assert first.case.number in checked.content.decode()
    recorded = client.post("/office/complaints/new/", data, follow=True)
    assert Complaint.objects.count() == 2
    assert first.case.number in " ".join(str(m) for m in recorded.context["messages"])
    # an officer of the other county sees no match in county A
    other = Client()
    other.force_login(world.b.users["joint"])
    data_b = {**data, "institution_name": "某补习班", "uscc": "",
              "region": world.b.town.pk}
    checked_b = other.post("/office/complaints/new/", {**data_b, "check": "1"})
    assert checked_b.context["matches"] == []


def test_staff_check_shows_field_errors_and_records_nothing(world: World):
    client = Client()
    client.force_login(world.a.users["joint"])
    response = client.post("/office/complaints/new/", {"check": "1", "channel": "walk_in",
                                                       "topic": topic().pk})
    assert response.status_code == 400 and "description" in response.context["form"].errors
    assert not Complaint.objects.exists()
