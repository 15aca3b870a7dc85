"""The public duty pages (policy/views.py; 000 §3): each county's departments with their
contacts and their duties from the profile's responsibility matrix, open to everyone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from core.vocab import Category, DepartmentType, Phase
from org.models import Department, User
from policy.models import MatrixCell, PolicyProfile
from policy.profile import active_profile
from tests.factories import COUNTY_ROLES, World
from tests.permmatrix import Endpoint

pytestmark = pytest.mark.django_db


def _publish(world: World) -> Department:
    edu = world.a.depts[DepartmentType.EDUCATION_SPORTS]
    Department.objects.filter(pk=edu.pk).update(
        responsible_office="校外培训监管科", office_head="李明",
        consultation_address="甲区人民路1号", consultation_phone="0871-12345678")
    return edu


def _kunming_duties(department_type: str) -> list[str]:
    """Every lead and assist duty of a department type in the Kunming matrix, for the
    categories Kunming supervises."""
    profile = PolicyProfile.objects.get(code="kunming")
    cells = MatrixCell.objects.filter(profile=profile, region_code="",
                                      category__in=profile.supervised_categories)
    duties = [c.lead_duty for c in cells if c.lead_type == department_type]
    for cell in cells.prefetch_related("assists"):
        duties += [a.duty for a in cell.assists.all() if a.department_type == department_type]
    return duties


def test_duty_counties_lists_the_counties_without_login(world: World) -> None:
    response = Client().get("/duties/")
    assert response.status_code == 200
    html = response.content.decode()
    for county in (world.a.region, world.b.region):
        assert county.name in html
        assert f'href="/duties/{county.code}/"' in html
    assert world.a.town.name not in html


def test_duty_page_shows_contacts_and_the_kunming_duties(world: World) -> None:
    edu = _publish(world)
    response = Client().get(f"/duties/{world.a.region.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("校外培训监管科", "李明", "甲区人民路1号", "0871-12345678", edu.name):
        assert text in html
    for dept_type in (DepartmentType.EDUCATION_SPORTS, DepartmentType.CULTURE_TOURISM,
                      DepartmentType.MARKET_REGULATION):
        duties = _kunming_duties(dept_type)
        assert duties, dept_type
        for duty in duties:
            assert escape(duty) in html, (dept_type, duty)
    # Contacts are per department: county B's page does not show A's.
    other = Client().get(f"/duties/{world.b.region.code}/").content.decode()
    assert "校外培训监管科" not in other


def _duties_on_page(world: World, key: str) -> dict[tuple[str, str, str], list[Any]]:
    """(department type, category, phase) → the cells shown for it on a county's page."""
    response = Client().get(f"/duties/{world.county(key).region.code}/")
    assert response.status_code == 200
    out: dict[tuple[str, str, str], list[Any]] = {}
    for dept, duties in response.context["rows"]:
        for cell, role, duty in duties:
            out.setdefault((dept.type, cell.category, cell.phase), []).append((role, duty))
    return out


def test_a_county_override_changes_only_that_county_page(world: World) -> None:
    """000 §3 lets a county agree its own split of duties: an override cell replaces the
    city's cell on that county's page only."""
    active_profile()  # warm the cache: the override must invalidate it
    city_cell = MatrixCell.objects.get(profile__code="kunming", region_code="",
                                       category=Category.ARTS, phase=Phase.DAILY_SUPERVISION)
    assert city_cell.lead_type == DepartmentType.EDUCATION_SPORTS
    MatrixCell.objects.create(
        profile=city_cell.profile, region_code=world.a.region.code, category=Category.ARTS,
        phase=Phase.DAILY_SUPERVISION, lead_type=DepartmentType.CULTURE_TOURISM,
        lead_duty="甲区商定：文旅部门牵头艺术类机构日常监管", source="甲区联席会议纪要")

    a = _duties_on_page(world, "a")
    key = (Category.ARTS, Phase.DAILY_SUPERVISION)
    [(role, duty)] = a[(DepartmentType.CULTURE_TOURISM, *key)]
    assert role == "lead"
    assert duty.duty == "甲区商定：文旅部门牵头艺术类机构日常监管"
    assert (DepartmentType.EDUCATION_SPORTS, *key) not in a

    b = _duties_on_page(world, "b")
    assert [r for r, _ in b[(DepartmentType.EDUCATION_SPORTS, *key)]] == ["lead"]
    assert b[(DepartmentType.EDUCATION_SPORTS, *key)][0][1].duty == city_cell.lead_duty

    html_a = Client().get(f"/duties/{world.a.region.code}/").content.decode()
    html_b = Client().get(f"/duties/{world.b.region.code}/").content.decode()
    assert "甲区商定" in html_a
    assert "甲区商定" not in html_b


@pytest.mark.parametrize("code", ["000000", "530191001", "5301"])
def test_duty_page_for_anything_but_a_county_is_404(world: World, code: str) -> None:
    assert Client().get(f"/duties/{code}/").status_code == 404


#: The duty pages are not scoped: departments and their published duties are public facts
#: (000 §3 asks for them to be published), so the cross-county matrix of
#: tests/permmatrix.py does not apply. Instead every role, and anonymous visitors, must get
#: 200 for both counties.
PUBLIC_PAGES = [
    Endpoint("duty counties", lambda o: "/duties/", set(COUNTY_ROLES)),
    Endpoint("duty page", lambda o: f"/duties/{o['county'].code}/", set(COUNTY_ROLES)),
]


def test_duty_pages_are_open_to_every_role_and_anonymous(world: World) -> None:
    failures = []
    objects = [{"county": c.region, "dept": c.depts[DepartmentType.EDUCATION_SPORTS]}
               for c in (world.a, world.b)]
    users: list[User | None] = [None, *(world.a.users[r] for r in COUNTY_ROLES),
                                world.city_admin, world.system_admin]
    for user in users:
        client = Client()
        if user is not None:
            client.force_login(user)
        for ep in PUBLIC_PAGES:
            for obj in objects:
                status = client.get(ep.url(obj)).status_code
                if status != 200:
                    failures.append(f"{user or 'anonymous'} {ep.name} {obj['county'].code}: "
                                    f"{status}")
    assert not failures, "\n".join(failures)
