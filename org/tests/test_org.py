"""Organisation and scope (issue 3 §2): the region tree, departments and their duty
publicity (000 §3), the user model's rules, the scope gateway and the admin."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils.html import escape
from guardian.shortcuts import assign_perm

from cases import services
from cases.models import (
    Attachment,
    AuditEvent,
    Case,
    CaseGroupObjectPermission,
    CaseUserObjectPermission,
    Notification,
    Task,
)
from core.vocab import Category, DepartmentType, Phase
from org.models import Department, Region, RegionLevel, Role, User
from org.scope import Action, scope_of
from policy.models import CalendarDay, CalendarYear, MatrixCell, PolicyProfile
from policy.profile import active_profile
from tests.budget import captured_queries
from tests.factories import (
    COUNTY_ROLES,
    RegionFactory,
    UserFactory,
    World,
    make_case,
    make_task,
)
from tests.permmatrix import Endpoint

pytestmark = pytest.mark.django_db

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


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
    assert len(statements) == 2
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


# -- public duty pages (000 §3) ---------------------------------------------------------


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


#: The org app's URLs. None is scoped: regions, departments and their published duties
#: are public facts (000 §3 asks for them to be published), so the cross-county matrix of
#: tests/permmatrix.py does not apply. Instead every role, and anonymous visitors for the
#: public pages, must get 200 for both counties.
PUBLIC_PAGES = [
    Endpoint("duty counties", lambda o: "/duties/", set(COUNTY_ROLES)),
    Endpoint("duty page", lambda o: f"/duties/{o['county'].code}/", set(COUNTY_ROLES)),
]
SIGNED_IN_API = [
    Endpoint("api region", lambda o: f"/api/v1/regions/{o['county'].code}/", set(COUNTY_ROLES),
             api=True),
    Endpoint("api department", lambda o: f"/api/v1/departments/{o['dept'].pk}/",
             set(COUNTY_ROLES), api=True),
]


def test_public_org_pages_are_open_to_every_role_and_anonymous(world: World) -> None:
    failures = []
    objects = [{"county": c.region, "dept": c.depts[DepartmentType.EDUCATION_SPORTS]}
               for c in (world.a, world.b)]
    users: list[User | None] = [None, *(world.a.users[r] for r in COUNTY_ROLES),
                                world.city_admin, world.system_admin]
    for user in users:
        client = Client()
        if user is not None:
            client.force_login(user)
        endpoints = PUBLIC_PAGES + (SIGNED_IN_API if user is not None else [])
        for ep in endpoints:
            for obj in objects:
                status = client.get(ep.url(obj)).status_code
                if status != 200:
                    failures.append(f"{user or 'anonymous'} {ep.name} {obj['county'].code}: "
                                    f"{status}")
    assert not failures, "\n".join(failures)


# -- the scope gateway ------------------------------------------------------------------


@pytest.fixture
def cases_ab(world: World) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("a", "b"):
        county = world.county(key)
        case = make_case(county, title=f"{key}-巡查")
        task = make_task(county, case)
        Notification.objects.create(recipient=county.users["officer"], kind="case",
                                    case=case, title=f"{key}-通知")
        out[key] = {"case": case, "task": task}
    return out


def _all_users(world: World) -> list[User]:
    return [*(world.a.users[r] for r in COUNTY_ROLES), world.city_admin, world.system_admin,
            world.city_officer]


def _one_query(user: User, model: type, action: str) -> list[Any]:
    """Evaluate restrict() with the profile and the user's scope already cached (as they
    are after the first use in a request) and check it costs at most one statement. A
    rule that admits nothing at all is answered without a query (Django skips
    `pk IN ()`), which is fine; everything else is exactly one."""
    active_profile()
    scope_of(user)
    with captured_queries() as ctx:
        rows = list(model.objects.restrict(user, action))
    assert len(ctx.captured_queries) <= 1, (user.username, model.__name__, action,
                                            [q["sql"] for q in ctx.captured_queries])
    if rows:
        assert len(ctx.captured_queries) == 1
    return rows


@pytest.mark.parametrize(("model", "actions"), [
    (Case, [Action.VIEW, Action.CHANGE, Action.ASSIGN, Action.MANAGE]),
    (Task, [Action.VIEW, Action.CHANGE, Action.ASSIGN]),
    (Notification, [Action.VIEW]),
])
def test_restrict_is_one_query_for_every_role(world: World, cases_ab: dict[str, Any],
                                              model: type, actions: list[str]) -> None:
    for user in _all_users(world):
        for action in actions:
            _one_query(user, model, action)


def test_restrict_case_visibility_by_role(world: World, cases_ab: dict[str, Any]) -> None:
    """DESIGN.md "Scope": admins their region, department roles the cases their
    department has a part in, nobody another county's."""
    a, b = cases_ab["a"]["case"], cases_ab["b"]["case"]
    seen = {role: set(_one_query(world.a.users[role], Case, Action.VIEW))
            for role in COUNTY_ROLES}
    for role in ("officer", "head", "county_admin", "joint", "discipline"):
        assert seen[role] == {a}, role
    assert seen["institution"] == set()
    assert set(_one_query(world.city_admin, Case, Action.VIEW)) == {a, b}
    assert set(_one_query(world.system_admin, Case, Action.VIEW)) == {a, b}
    assert set(_one_query(world.a.users["discipline"], Case, Action.CHANGE)) == set()


def test_notifications_are_only_the_recipients(world: World, cases_ab: dict[str, Any]) -> None:
    officer = world.a.users["officer"]
    rows = _one_query(officer, Notification, Action.VIEW)
    assert rows and all(n.recipient_id == officer.pk for n in rows)
    # A county admin reads only their own inbox too, not their officers'.
    admin = world.a.users["county_admin"]
    assert all(n.recipient_id == admin.pk
               for n in _one_query(admin, Notification, Action.VIEW))


def test_user_grant_shows_a_foreign_case_in_one_query(world: World,
                                                      cases_ab: dict[str, Any]) -> None:
    """An explicit django-guardian grant is OR-ed into the same statement."""
    officer = world.a.users["officer"]
    case_b = cases_ab["b"]["case"]
    assert case_b not in _one_query(officer, Case, Action.VIEW)

    assign_perm("view_case", officer, case_b)
    assert CaseUserObjectPermission.objects.filter(user=officer, content_object=case_b).exists()
    officer = User.objects.get(pk=officer.pk)
    assert set(_one_query(officer, Case, Action.VIEW)) == {cases_ab["a"]["case"], case_b}
    # A view grant is not a change grant.
    assert case_b not in _one_query(officer, Case, Action.CHANGE)
    # Another officer of county A does not inherit it.
    assert case_b not in _one_query(world.a.users["culture"], Case, Action.VIEW)


def test_group_grant_shows_a_foreign_case(world: World, cases_ab: dict[str, Any]) -> None:
    officer = world.a.users["officer"]
    case_b = cases_ab["b"]["case"]
    group = Group.objects.create(name="跨区联合检查组")
    officer.groups.add(group)
    assign_perm("view_case", group, case_b)
    assert CaseGroupObjectPermission.objects.filter(group=group, content_object=case_b).exists()
    officer = User.objects.get(pk=officer.pk)
    assert case_b in _one_query(officer, Case, Action.VIEW)
    assert case_b not in _one_query(world.a.users["head"], Case, Action.VIEW)


def test_a_case_grant_shows_the_case_tasks_timeline_and_attachments(
        world: World, cases_ab: dict[str, Any]) -> None:
    """A task is visible when its case is; so are its timeline and its attachments. A
    grant on the case must not leave the case page with attachments that 404."""
    officer = world.a.users["officer"]
    case_b, task_b = cases_ab["b"]["case"], cases_ab["b"]["task"]
    attachment = services.attachment_add(
        actor=world.b.users["county_admin"], case=case_b,
        upload=SimpleUploadedFile("photo.png", PNG, content_type="image/png"))
    assign_perm("view_case", officer, case_b)
    officer = User.objects.get(pk=officer.pk)

    assert task_b in _one_query(officer, Task, Action.VIEW)
    assert task_b not in _one_query(officer, Task, Action.CHANGE)
    assert attachment in _one_query(officer, Attachment, Action.VIEW)
    assert {e.case_id for e in _one_query(officer, AuditEvent, Action.VIEW)} >= {case_b.pk}

    client = Client()
    client.force_login(officer)
    assert client.get(f"/office/cases/{case_b.number}/").status_code == 200
    url = f"/office/cases/{case_b.number}/attachments/{attachment.pk}/"
    assert client.get(url).status_code == 200


def test_an_inactive_user_sees_nothing(world: World, cases_ab: dict[str, Any]) -> None:
    for user in (world.a.users["county_admin"], world.system_admin):
        assign_perm("view_case", user, cases_ab["a"]["case"])
        User.objects.filter(pk=user.pk).update(is_active=False)
        inactive = User.objects.get(pk=user.pk)
        for model in (Case, Task, Notification):
            assert _one_query(inactive, model, Action.VIEW) == [], (user.username, model)


def test_anonymous_sees_no_case() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert list(Case.objects.restrict(AnonymousUser())) == []
    assert list(Task.objects.restrict(AnonymousUser())) == []


# -- admin ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(world: World) -> Client:
    client = Client()
    client.force_login(world.system_admin)
    return client


def test_case_and_audit_admin_are_read_only(admin_client: Client,
                                            cases_ab: dict[str, Any]) -> None:
    """Cases and the audit trail change only through services, which audit themselves."""
    case = cases_ab["a"]["case"]
    event = AuditEvent.objects.filter(case=case).first()
    assert event is not None
    for base, obj in (("/admin/cases/case/", case), ("/admin/cases/auditevent/", event)):
        assert admin_client.get(base).status_code == 200, base
        assert admin_client.get(f"{base}add/").status_code == 403, base
        assert admin_client.get(f"{base}{obj.pk}/delete/").status_code == 403, base
        assert admin_client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
        # The change page shows the record but offers no save.
        response = admin_client.get(f"{base}{obj.pk}/change/")
        assert response.status_code == 200, base
        assert 'name="_save"' not in response.content.decode()
    assert Case.objects.filter(pk=case.pk).exists()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_admin_is_closed_to_non_staff(world: World) -> None:
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.get("/admin/cases/case/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


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
