"""institutions.selectors."""

import datetime as dt
from decimal import Decimal

import pytest

from institutions import selectors, services
from institutions.rules import Slot
from institutions.tests.helpers import course_for, licensed_with_gate, login
from licensing import services as licensing

pytestmark = pytest.mark.django_db


def test_a_cancelled_change_application_no_longer_holds_the_course(world):
    from cases.services import case_cancel

    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    new = course_for(admin, inst, name="新课")
    app = licensing.course_listing_submit(actor=admin, course=new)
    assert selectors.course_in_application(new)
    case_cancel(actor=admin, case=app.case, reason="机构撤回申请")
    assert not selectors.course_in_application(new)
    client = login(admin)
    assert 'id="running-application"' not in client.get(
        f"/office/institutions/{inst.uscc}/").content.decode()
    services.course_update(actor=admin, course=new, name="新课", mode="offline",
                           is_academic=False, lesson_minutes=60, break_minutes=10,
                           class_hours=40, price=Decimal("2000"),
                           slots=[Slot(2, dt.time(18, 0), dt.time(19, 0))])
    licensing.course_listing_submit(actor=admin, course=new)  # a new application may start


def test_a_credit_code_is_looked_up_exactly_on_its_index(world):
    """Issue 13: an 18-character code filters by equality on the unique index (no name
    scan); a name still matches by substring."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from institutions.tests.helpers import licensed_with_gate

    inst = licensed_with_gate(world, "a", 1)
    with CaptureQueriesContext(connection) as ctx:
        assert list(selectors.public_search(None, q=inst.uscc.lower())) == [inst]
    sql = ctx.captured_queries[-1]["sql"]
    assert "LIKE" not in sql.upper() and inst.uscc in sql
    assert list(selectors.public_search(None, q=inst.name[1:])) == [inst]
