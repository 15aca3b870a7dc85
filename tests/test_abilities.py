"""DESIGN.md "Abilities": one predicate per action, asked by the service to refuse and by
the page to offer. Every declared ability is walked both ways over the roles, and for each
role no page offers an action that its service refuses."""

from __future__ import annotations

import importlib

import pytest
from django.db import transaction
from django.test import Client

from cases import services as case_services
from cases.models import TaskRole
from core.abilities import declared, may
from core.errors import DomainError
from core.vocab import DepartmentType
from institutions import services as registry
from institutions.tests.helpers import application_documents, register
from licensing import services as licensing
from tests.factories import COUNTY_ROLES, World, make_case, make_task

pytestmark = pytest.mark.django_db

ADMINS = {"county_admin", "city_admin", "system_admin"}
DEPARTMENT_OFFICERS = {"officer", "head", "culture", "market", "health"}

#: ability -> the roles that may, asked in general (no object). Every declared ability is
#: here, so a new ability cannot go untested.
EXPECTED: dict[str, set[str]] = {
    "cases.open_case": ADMINS | {"joint"},
    "cases.move_task": ADMINS,
    "cases.assign_to_department": ADMINS | {"joint", "head"},
    "cases.assign_across_departments": ADMINS | {"joint"},
    "cases.oversee_tasks": ADMINS | {"head"},
    "cases.view_county_overview": ADMINS,
    "cases.bulk_assign_department": {"head"},
    "cases.view_department_tasks": DEPARTMENT_OFFICERS | {"grid", "supervisor"},
    # Kunming: education-sports supervises sports, culture-tourism arts; market regulation
    # and health neither accept nor supervise a category.
    "institutions.register": ADMINS | {"officer", "head", "culture"},
    "institutions.decide": ADMINS | DEPARTMENT_OFFICERS,
    "institutions.set_status": ADMINS | {"head"},
    "institutions.add_ban": ADMINS,
    "institutions.follow_profile_supervisors": {"system_admin"},
    "institutions.import": ADMINS | DEPARTMENT_OFFICERS,
    "institutions.import_licensed": ADMINS | {"head"},
    "institutions.record_staff_check": {"system_admin"},  # an owner is needed; see below
    "institutions.read_record_notes": (ADMINS | DEPARTMENT_OFFICERS |
                                       {"joint", "discipline", "grid", "supervisor"}),
    "licensing.conclude": set(),  # a task is needed; see below
    "licensing.apply": ADMINS | {"officer", "head", "culture"},
    "licensing.apply_as_applicant": set(),  # their institution is needed; see below
}

# The later apps keep their rows beside their code, in `<app>/tests/expected_abilities.py`
# (a dict EXPECTED of the same shape), so that their abilities are walked here too.
for _app in ("complaints", "funds", "inspections", "governance", "reports"):
    try:
        EXPECTED.update(importlib.import_module(f"{_app}.tests.expected_abilities").EXPECTED)
    except ModuleNotFoundError:
        pass

ALL_ROLES = [*COUNTY_ROLES, "city_admin", "system_admin"]


def user_of(world: World, key: str):
    if key in ("city_admin", "system_admin"):
        return getattr(world, key)
    return world.a.users[key]


def test_every_declared_ability_is_in_the_table():
    assert set(declared()) == set(EXPECTED)


@pytest.mark.parametrize("ability", sorted(EXPECTED))
def test_each_ability_both_ways_over_the_roles(world: World, ability: str):
    allowed = {key for key in ALL_ROLES if may(user_of(world, key), ability)}
    assert allowed == EXPECTED[ability]


def test_object_abilities_both_ways(world: World):
    """A staff check by the department that owns its step (000 §3); the conclusion by the
    head of the task's department (001 §4(2)4); a case opened in one's own county only."""
    owner = DepartmentType.EDUCATION_SPORTS
    assert {k for k in ALL_ROLES if may(user_of(world, k), "institutions.record_staff_check",
                                        owner)} == {"officer", "head", "system_admin"}
    case = make_case(world.a)
    own = make_task(world.a, case)  # education-sports
    other = make_task(world.a, case, dept=DepartmentType.CULTURE_TOURISM)
    assert may(world.a.users["head"], "licensing.conclude", own)
    assert not may(world.a.users["head"], "licensing.conclude", other)
    assert not may(world.a.users["officer"], "licensing.conclude", own)
    assert may(world.a.users["county_admin"], "cases.open_case", world.a.region)
    assert not may(world.a.users["county_admin"], "cases.open_case", world.b.region)
    inst = register(world)
    staff = world.a.users["institution"]
    assert not may(staff, "licensing.apply", inst)
    staff.institution = inst
    staff.save()
    staff = type(staff).objects.get(pk=staff.pk)  # a fresh scope
    assert may(staff, "licensing.apply", inst) and may(staff, "licensing.apply_as_applicant", inst)
    assert not may(world.a.users["officer"], "licensing.apply_as_applicant", inst)
    assert may(world.a.users["head"], "cases.assign_to_department", own.department)
    assert not may(world.a.users["head"], "cases.assign_to_department", other.department)


def _service_accepts(call) -> bool:
    """Run a service in a transaction that is always rolled back."""

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            call()
            raise Rollback
    except Rollback:
        return True
    except DomainError:
        return False


def _page(user, url: str) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("key", ALL_ROLES)
def test_no_page_offers_what_its_service_refuses(world: World, key: str):
    user = user_of(world, key)
    inst = register(world)
    staff_page = key == "institution"

    # Opening a case: the case list's button, and case_open in the user's own county.
    status, page = _page(user, "/office/cases/")
    offered = status == 200 and "/office/cases/new/" in page
    accepted = _service_accepts(lambda: case_services.case_open(
        actor=user, kind="supervision", title="巡查", region=world.a.region))
    assert offered == accepted, "open a case"

    # The task overview (bulk assignment): the page, and the navigation link to it.
    status, page = _page(user, "/office/tasks/overview/")
    assert (status == 200) == may(user, "cases.oversee_tasks"), "overview"

    # Licence status: the institution page's form, and institution_set_status.
    status, page = _page(user, f"/office/institutions/{inst.uscc}/")
    offered = status == 200 and f"/office/institutions/{inst.uscc}/status/" in page
    accepted = _service_accepts(lambda: registry.institution_set_status(
        actor=user, institution=inst, status="terminated", reason="停办"))
    assert offered == accepted, "licence status"

    # Registering: the list's button, and institution_register for some category.
    status, page = _page(user, "/office/institutions/")
    offered = status == 200 and "/office/institutions/new/" in page
    accepted = any(_service_accepts(lambda c=c, n=n: registry.institution_register(
        actor=user, name=f"新机构{n}", uscc=_uscc(world, 90 + n), nature="for_profit",
        category=c, legal_representative="李四", safety_person="李四", address="路1号",
        region=world.a.town)) for n, c in enumerate(("arts", "tech", "sports")))
    if staff_page:
        assert not offered
    else:
        assert offered == accepted, "register"

    # Applying for a licence: the institution page's button, and application_submit.
    status, page = _page(user, f"/office/institutions/{inst.uscc}/")
    offered = status == 200 and f"/office/institutions/{inst.uscc}/apply/" in page
    accepted = _service_accepts(lambda: licensing.application_submit(
        actor=user, institution=inst, action="establish",
        documents=application_documents(inst)))
    assert offered == accepted, "apply"

    # The forms themselves open only for who may submit them, and offer only what the
    # service takes: the case-open form, and the register form's categories.
    status, _page_html = _page(user, "/office/cases/new/")
    assert (status == 200) == may(user, "cases.open_case"), "case-open form"
    status, page = _page(user, "/office/institutions/new/")
    takes = {c for n, c in enumerate(("arts", "tech", "sports")) if _service_accepts(
        lambda c=c, n=n: registry.institution_register(
            actor=user, name=f"表单机构{n}", uscc=_uscc(world, 80 + n), nature="for_profit",
            category=c, legal_representative="李四", safety_person="李四", address="路1号",
            region=world.a.town))}
    offered = {c for c in ("arts", "tech", "sports") if f'value="{c}"' in page} \
        if status == 200 else set()
    assert offered == takes, "register form categories"

    # Assigning a task to a department of the case.
    case = make_case(world.a)
    edu = world.a.depts[DepartmentType.EDUCATION_SPORTS]
    accepted = _service_accepts(lambda: case_services.task_assign(
        actor=user, case=case, department=edu, role=TaskRole.LEAD, duty="核查", workdays=3))
    status, page = _page(user, f"/office/cases/{case.number}/")
    offered = status == 200 and f"/office/cases/{case.number}/assign/" in page
    assert offered == accepted, "assign"


def test_the_apply_form_offers_only_what_the_status_allows(world: World):
    """000 §3: a licensed institution changes, re-licenses or terminates; it is not
    established again. The form offers exactly what application_submit takes."""
    from institutions.tests.helpers import licensed_with_gate

    inst = licensed_with_gate(world)
    admin = world.a.users["county_admin"]
    status, page = _page(admin, f"/office/institutions/{inst.uscc}/apply/")
    offered = {a for a in ("establish", "relicense", "change", "terminate")
               if f'value="{a}"' in page}
    takes = {a for a in ("establish", "relicense", "terminate") if _service_accepts(
        lambda a=a: licensing.application_submit(
            actor=admin, institution=inst, action=a,
            documents=application_documents(inst, a)))}
    assert status == 200 and offered == takes | {"change"} and "establish" not in offered


def test_queue_filters_offer_only_the_user_s_own_department(world: World):
    officer = world.a.users["officer"]
    status, page = _page(officer, "/office/tasks/department/")
    other = world.a.depts[DepartmentType.CULTURE_TOURISM]
    assert status == 200 and f'value="{officer.department_id}"' in page
    assert f'value="{other.pk}"' not in page
    status, page = _page(world.a.users["county_admin"], "/office/tasks/overview/")
    assert f'value="{other.pk}"' in page


def _uscc(world: World, n: int) -> str:
    from portal.demo import demo_uscc

    return demo_uscc(world.a.region.code, n)
