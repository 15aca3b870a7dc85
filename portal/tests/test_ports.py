"""The ports the portal wires between sibling apps: funds reads the complaints about an
institution (its complaints warning rule, 003 §4(4)) without importing complaints."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from complaints.tests.conftest import seed_taxonomy
from complaints.tests.helpers import submit
from institutions import ports
from institutions.tests.helpers import register
from portal import ports as portal_ports

pytestmark = pytest.mark.django_db


def test_the_portal_wires_the_complaints_count_for_funds(world):
    seed_taxonomy()
    assert ports.complaint_counts() is portal_ports.complaint_counts
    inst = register(world)
    other = register(world, n=2)
    for _n in range(2):
        submit(world, institution=inst, topic_code="refund")
    submit(world, institution=inst, topic_code="other")  # not about refunds or fees
    submit(world, institution=other, topic_code="refund")
    now = timezone.now()
    window = {"since": now - dt.timedelta(days=1), "until": now + dt.timedelta(minutes=1)}
    found = portal_ports.complaint_counts(topics=("refund", "price"), **window)
    assert found == {inst.pk: 2, other.pk: 1}
    later = {"since": now + dt.timedelta(minutes=1), "until": now + dt.timedelta(days=1)}
    assert portal_ports.complaint_counts(topics=("refund",), **later) == {}
