"""The org models (issue 3 §2): the region tree as a materialised path, departments
and the user model's rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from core.vocab import DepartmentType
from org.models import CountyCoded, Department, Region, RegionLevel, Role, User
from tests.budget import captured_queries
from tests.factories import RegionFactory, UserFactory, World

pytestmark = pytest.mark.django_db


def _fresh(region: Region) -> Region:
    return Region.objects.get(pk=region.pk)


# -- region tree ------------------------------------------------------------------------


def test_region_path_is_parent_path_plus_own_code(world: World) -> None:
    assert world.city.path == "/53/5301/"
    assert world.a.region.path == world.city.path + "530191/"
    assert world.a.town.path == world.a.region.path + "530191001/"
    assert world.a.grid.path == world.a.town.path + "530191001G1/"
    assert world.a.grid.ancestor_codes() == ["53", "5301", "530191", "530191001", "530191001G1"]
    assert world.a.grid.county_code == "530191"
    assert world.city.county_code == ""


def test_subtree_is_one_prefix_query(world: World) -> None:
    """Subtree queries are one indexed prefix query, not recursion in Python."""
    with captured_queries() as ctx:
        codes = sorted(Region.objects.subtree(world.a.region).values_list("code", flat=True))
    assert codes == ["530191", "530191001", "530191001G1"]
    assert len(ctx.captured_queries) == 1
    assert "LIKE" in ctx.captured_queries[0]["sql"]


def test_subtree_does_not_catch_a_sibling_whose_code_extends_the_code(world: World) -> None:
    """Paths end in '/', so county 530191 does not swallow a sibling coded 5301910."""
    RegionFactory(code="5301910", name="丙区", level=RegionLevel.COUNTY, parent=world.city)
    codes = set(Region.objects.subtree(world.a.region).values_list("code", flat=True))
    assert "5301910" not in codes


def test_subtree_query_uses_the_path_index(world: World) -> None:
    """The varchar_pattern_ops index on path serves the prefix test (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("index plan checked on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Region.objects.subtree(world.a.region).explain()
    assert "region_path_idx" in plan


def test_moving_a_region_reroots_its_subtree_in_one_update(world: World) -> None:
    """A town moved to the other county takes its grids along: the region's own row and
    one UPDATE for the whole subtree, whatever its size."""
    town = world.a.town
    for n in range(2, 5):
        RegionFactory(code=f"530191001G{n}", name=f"网格{n}", level=RegionLevel.GRID, parent=town)
    town = _fresh(town)
    town.parent = world.b.region
    with captured_queries() as ctx:
        town.save()
    statements = [q["sql"] for q in ctx.captured_queries]
    # the region, its subtree, the county code of each county-coded model, and of the
    # tasks that copy their case's (Task.county_code), issue 13
    assert len(statements) == 2 + len(CountyCoded.models()) + 1
    assert all(sql.startswith("UPDATE") for sql in statements)

    assert _fresh(town).path == "/53/5301/530192/530191001/"
    grids = Region.objects.filter(level=RegionLevel.GRID, code__startswith="530191001G")
    assert {g.path for g in grids} == {
        f"/53/5301/530192/530191001/530191001G{n}/" for n in range(1, 5)}
    assert set(Region.objects.subtree(world.a.region).values_list("code", flat=True)) == {
        "530191"}
    assert _fresh(world.a.grid).county_code == "530192"


def test_renaming_a_code_reroots_the_subtree(world: World) -> None:
    county = _fresh(world.a.region)
    county.code = "530199"
    county.save()
    assert _fresh(world.a.grid).path == "/53/5301/530199/530191001/530191001G1/"


def test_region_clean_rejects_a_parent_below_the_child(world: World) -> None:
    region = Region(code="530193", name="丁区", level=RegionLevel.COUNTY, parent=world.a.town)
    with pytest.raises(ValidationError):
        region.clean()


# -- departments ------------------------------------------------------------------------


def test_one_department_per_type_and_region(world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(region=world.a.region, type=DepartmentType.EDUCATION_SPORTS,
                                  name="重复的教体局")
    # The same type in another region is a different department.
    Department.objects.create(region=world.a.town, type=DepartmentType.EDUCATION_SPORTS,
                              name="街道教体办")


# -- user rules -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OFFICER, Role.DEPARTMENT_HEAD, Role.GRID_OFFICER,
                                  Role.SOCIAL_SUPERVISOR])
def test_department_roles_need_a_department(world: World, role: str) -> None:
    user = User(username="x", role=role, region=world.a.region)
    with pytest.raises(ValidationError) as exc:
        user.clean()
    assert "department" in exc.value.message_dict


@pytest.mark.parametrize("role", [Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.JOINT_OFFICE,
                                  Role.DISCIPLINE])
def test_region_roles_need_a_region_or_a_department(world: World, role: str) -> None:
    with pytest.raises(ValidationError) as exc:
        User(username="x", role=role).clean()
    assert "region" in exc.value.message_dict
    User(username="y", role=role, region=world.a.region).clean()
    User(username="z", role=role,
         department=world.a.depts[DepartmentType.EDUCATION_SPORTS]).clean()


def test_system_admin_needs_no_region() -> None:
    User(username="root", role=Role.SYSTEM_ADMIN).clean()


def test_user_region_must_lie_inside_the_department_region(world: World) -> None:
    edu_a = world.a.depts[DepartmentType.EDUCATION_SPORTS]
    with pytest.raises(ValidationError) as exc:
        User(username="x", role=Role.OFFICER, department=edu_a, region=world.b.region).clean()
    assert "region" in exc.value.message_dict
    with pytest.raises(ValidationError):
        User(username="x", role=Role.OFFICER, department=edu_a, region=world.city).clean()
    # A smaller region inside the department's region (a grid) is fine.
    User(username="y", role=Role.OFFICER, department=edu_a, region=world.a.grid).clean()


def test_save_fills_the_region_from_the_department(world: World) -> None:
    edu_a = world.a.depts[DepartmentType.EDUCATION_SPORTS]
    user = UserFactory(username="new_officer", role=Role.OFFICER, department=edu_a)
    user.refresh_from_db()
    assert user.region_id == world.a.region.pk
    grid_user = UserFactory(username="grid2", role=Role.GRID_OFFICER,
                            department=edu_a, region=world.a.grid)
    grid_user.refresh_from_db()
    assert grid_user.region_id == world.a.grid.pk


def test_system_admin_is_staff() -> None:
    user = UserFactory(username="root", role=Role.SYSTEM_ADMIN)
    assert user.is_staff
