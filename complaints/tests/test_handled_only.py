"""Issue 13: a department's complaint list reads the complaints its tasks lie on first
(`selectors.handled_ids`, `Task.case_kind`) where they are few, and is then exactly what
its rule shows; a department that handles none reads no complaint at all."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import kinds
from cases.models import Task
from complaints import selectors
from complaints.models import KIND, Complaint
from complaints.tests.helpers import lead, submit
from core.vocab import Category
from institutions.tests.helpers import register
from org.models import DEPARTMENT_ROLES, DepartmentType, Role
from tests.factories import COUNTY_ROLES, UserFactory, World, make_case, make_task

pytestmark = pytest.mark.django_db
FEW = [0, 1, 2, selectors.HANDLED_FEW]


def _department_users(world: World) -> list[Any]:
    users = [c.users[k] for c in (world.a, world.b) for k in COUNTY_ROLES
             if c.users[k].role in DEPARTMENT_ROLES]
    return [*users, world.city_officer]


@pytest.fixture
def handled(world: World) -> World:
    """Complaints in both counties about arts and tech institutions (the culture office's
    and the science office's categories in the matrix, which a complaint's case, with no
    phase, never matches), each with its lead task as routed; the culture office has a
    task on some; a supervision case of county a holds a culture task too (another
    kind, never a complaint's)."""
    arts = register(world, n=1, category=Category.ARTS)
    tech = register(world, n=2, category=Category.TECH)
    arts_b = register(world, "b", n=3, category=Category.ARTS)
    for i, (key, institution) in enumerate([("a", arts), ("a", tech), ("a", None),
                                             ("b", arts_b), ("a", arts), ("b", None)]):
        complaint, _code, _created = submit(world, key, institution=institution,
                                            complainant_phone=f"1390002{i:04d}")
        lead(complaint)
        if i in (0, 3):
            make_task(world.county(key), complaint.case, dept=DepartmentType.CULTURE_TOURISM)
    make_task(world.a, make_case(world.a), dept=DepartmentType.CULTURE_TOURISM)
    return world


def _ids(qs: Any) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@pytest.mark.parametrize("few", FEW)
def test_the_narrowed_list_is_the_rule(handled: World, monkeypatch, few: int) -> None:
    """Whatever the bound, every department principal's list shows exactly the complaints
    its rule shows: the narrowing leaves none out and adds none."""
    monkeypatch.setattr(selectors, "HANDLED_FEW", few)
    narrowed = 0
    for user in _department_users(handled):
        expected = _ids(Complaint.objects.restrict(user))
        assert _ids(selectors.office_list(user)) == expected, user.username
        ids = selectors.handled_ids(user)
        if ids is not None:
            narrowed += 1
            assert len(ids) <= few
            assert expected <= set(Complaint.objects.filter(case_id__in=ids)
                                   .values_list("pk", flat=True)), user.username
    # The bound decides: at the full bound every department principal's list is
    # narrowed (none handles more than a handful here), past it none that handles one.
    workers = [u for u in _department_users(handled) if u.department_id]
    if few == FEW[-1]:
        assert narrowed == len(workers)
    if few == 0:
        assert narrowed == sum(not _ids(Complaint.objects.restrict(u)) for u in workers)


def test_the_rule_shows_the_culture_office_its_tasks_only(handled: World) -> None:
    """The fixture's point: the culture office's pair (arts, daily supervision) matches no
    complaint's case, so its list is the complaints it has a task on (the arts ones it
    leads, as routed, and the one given it by hand)."""
    culture = handled.a.users["culture"]
    shown = list(selectors.office_list(culture))
    assert len(shown) == 2
    for complaint in shown:
        assert Task.objects.filter(case=complaint.case, department=culture.department).exists()


def test_others_are_not_narrowed(handled: World) -> None:
    """Only department principals: admins, the joint office, discipline and institution
    staff read their rule as it is."""
    for key in ("county_admin", "joint", "discipline", "institution"):
        assert selectors.handled_ids(handled.a.users[key]) is None, key
    assert selectors.handled_ids(handled.city_admin) is None


def test_a_kind_opened_outside_the_matrix_is_not_narrowed(handled: World, monkeypatch) -> None:
    """Were the complaint kind to open its cases to others (`visible_to`), the task would
    no longer be all a department's rule shows, and the list reads the rule whole."""
    spec = dataclasses.replace(kinds.get(KIND), visible_to=lambda scope, action, prefix: None)
    monkeypatch.setitem(kinds._kinds, KIND, spec)
    assert selectors.handled_ids(handled.a.users["culture"]) is None


def test_tasks_keep_their_case_kind(handled: World) -> None:
    """Every task carries its case's kind from its creation."""
    tasks = list(Task.objects.select_related("case"))
    assert tasks and all(t.case_kind == t.case.kind for t in tasks)
    assert {t.case_kind for t in tasks} >= {KIND, "supervision"}


def _complaint_reads(queries: list[dict[str, Any]]) -> list[str]:
    return [q["sql"] for q in queries if '"complaints_complaint"' in q["sql"]]


def test_a_department_that_handles_none_reads_no_complaint(handled: World) -> None:
    """The civil affairs office has no task on a complaint: its page and its API list read its
    own tasks and no complaint (before, a page tested every complaint of the county)."""
    civil = UserFactory(username="a_civil", role=Role.OFFICER,
                        department=handled.a.depts[DepartmentType.CIVIL_AFFAIRS])
    assert not Complaint.objects.restrict(civil).exists()
    client = Client()
    client.force_login(civil)
    for url in ("/office/complaints/", "/api/v1/complaints/"):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        assert not _complaint_reads(ctx.captured_queries), url


def test_the_culture_office_page_and_api(handled: World) -> None:
    """The culture office's page and API list its complaint, reading complaints by their
    cases; a complaint it is given a task on afterwards appears on the next call (the
    compiled API list is keyed by the ids it read)."""
    culture = handled.a.users["culture"]
    client = Client()
    client.force_login(culture)
    first = client.get("/api/v1/complaints/").json()["results"]
    assert len(first) == 2
    page = client.get("/office/complaints/")
    assert page.status_code == 200 and len(page.context["rows"]) == 2
    other = Complaint.objects.filter(case__county_code=handled.a.region.code).exclude(
        case__tasks__department=culture.department).first()
    make_task(handled.a, other.case, dept=DepartmentType.CULTURE_TOURISM)
    again = client.get("/api/v1/complaints/").json()["results"]
    assert {r["number"] for r in again} == {*(r["number"] for r in first), other.case.number}
    assert len(client.get("/office/complaints/").context["rows"]) == 3
