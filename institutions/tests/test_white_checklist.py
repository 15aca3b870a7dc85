"""issue 14 C5: the institution page shows what the white list asks (licence, each
condition of the enrollment gate, listed courses, not black-listed) and what is missing;
once met, it leads to the published list (004 §6(4); 000 §4(3))."""

import pytest

from institutions import selectors, services
from institutions.models import InstitutionStatus
from institutions.tests.helpers import licensed_with_gate, login, register, staff_of

pytestmark = pytest.mark.django_db


def by_key(inst):
    return {i["key"]: i for i in selectors.white_list_checklist(inst)}


def test_an_applying_institution_sees_every_missing_condition(world):
    inst = register(world)
    items = by_key(inst)
    assert [k for k, i in items.items() if not i["met"]] == [
        "licence", "fund_account", "national_platform", "courses_listed"]
    assert items["not_black"]["met"]
    assert "申请中" in items["licence"]["missing"] or "applying" in items["licence"]["missing"]
    page = login(staff_of(world, inst)).get(f"/office/institutions/{inst.uscc}/").content.decode()
    assert 'id="white-list-checklist"' in page and 'id="white-list-link"' not in page
    for key in ("licence", "fund_account", "national_platform", "courses_listed"):
        assert f'id="white-{key}"' in page
    # The seed sources, shown as users read them (issue 14 C10).
    from django.utils.html import escape

    from policy.sources import cite

    assert escape(cite("000 §4(3)")) in page and escape(cite("004 §6(4)")) in page


def test_a_white_listed_institution_is_led_to_the_published_list(world):
    inst = licensed_with_gate(world)
    assert inst.list_status == "white"
    assert all(i["met"] for i in selectors.white_list_checklist(inst))
    client = login(staff_of(world, inst))
    page = client.get(f"/office/institutions/{inst.uscc}/").content.decode()
    assert 'id="white-list-link"' in page
    link = page.split('id="white-list-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert link.startswith("/whitelist/")
    assert inst.name in client.get(link.replace("&amp;", "&")).content.decode()


def test_a_licensed_institution_without_the_gate_is_told_what_is_missing(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    inst = services.institution_set_status(
        actor=admin, institution=inst, status=InstitutionStatus.LICENSED, reason="审核通过",
        licence_number="教民009号", issuer=world.a.depts["education_sports"])
    items = by_key(inst)
    assert items["licence"]["met"] and not items["fund_account"]["met"]
    assert "课程" in items["courses_listed"]["missing"] or "course" in \
        items["courses_listed"]["missing"]


def test_a_black_listed_institution_reads_why(world):
    inst = licensed_with_gate(world)
    inst = services.blacklist_add(actor=world.a.users["county_admin"], institution=inst,
                                  reason="超范围培训")
    items = by_key(inst)
    assert not items["not_black"]["met"] and items["not_black"]["missing"] == "超范围培训"


def test_the_checklist_is_read_only_where_the_page_is(world):
    inst = register(world)
    assert login(world.b.users["county_admin"]).get(
        f"/office/institutions/{inst.uscc}/").status_code == 404
    other = register(world, n=2)
    assert login(staff_of(world, other)).get(
        f"/office/institutions/{inst.uscc}/").status_code == 404


def test_the_change_confirmation_is_offered_only_to_who_may_start_it(world):
    """issue 14 C5: the button that starts a multi-department application opens a
    confirmation page; who may not start it gets 404 there too."""
    from institutions.models import Course

    inst = licensed_with_gate(world)
    staff = staff_of(world, inst)
    course = services.course_create(
        actor=staff, institution=inst, name="新课", mode="offline", is_academic=False,
        lesson_minutes=60, break_minutes=10, class_hours=40, price=3000,
        slots=[selectors_slot()])
    assert Course.objects.get(pk=course.pk).added_after_licence
    url = f"/office/institutions/{inst.uscc}/courses/{course.pk}/list/"
    assert login(staff).get(url).status_code == 200
    assert login(world.a.users["county_admin"]).get(url).status_code == 200
    for user in (world.b.users["county_admin"], world.a.users["joint"],
                 world.a.users["market"]):
        assert login(user).get(url).status_code == 404, user.role


def selectors_slot():
    import datetime as dt

    from institutions.rules import Slot

    return Slot(2, dt.time(18, 0), dt.time(19, 0))
