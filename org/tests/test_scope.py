"""The scope gateway (org/scope.py; DESIGN.md "Scope"): `restrict(user, action)` is one
query for every role and model, by role and region, with django-guardian grants OR-ed
in."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
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
from org.models import User
from org.scope import Action, scope_of
from policy.profile import active_profile
from tests.budget import captured_queries
from tests.factories import COUNTY_ROLES, World, make_case, make_task

pytestmark = pytest.mark.django_db


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


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


def test_the_written_grant_subqueries_select_what_the_orms_did(
        world: World, cases_ab: dict[str, Any]) -> None:
    """`org.scope._grant_sql` writes the grant subqueries once (issue 13: the API's fixed
    cost); for user and group grants, view and change, and for users with and without
    them, they select exactly the rows the ORM's own subqueries selected."""
    from django.db.models import Q

    from org.scope import _grant_q

    officer, head = world.a.users["officer"], world.a.users["head"]
    case_a, case_b = cases_ab["a"]["case"], cases_ab["b"]["case"]
    group = Group.objects.create(name="跨区联合检查组")
    head.groups.add(group)
    assign_perm("view_case", officer, case_b)
    assign_perm("change_case", group, case_a)
    assign_perm("view_case", group, case_b)
    assign_perm("view_case", world.a.users["culture"], case_a)

    def orm_q(user: User, action: str) -> Q:
        codename = f"{action}_case"
        return (Q(pk__in=CaseUserObjectPermission.objects.filter(
            user_id=user.pk, permission__codename=codename).values("content_object_id"))
            | Q(pk__in=CaseGroupObjectPermission.objects.filter(
                group__user__id=user.pk, permission__codename=codename
            ).values("content_object_id")))

    seen = []
    for user in (officer, head, world.a.users["culture"], world.b.users["officer"]):
        user = User.objects.get(pk=user.pk)
        for action in (Action.VIEW, Action.CHANGE):
            written = set(Case.objects.filter(_grant_q(Case, scope_of(user), action)))
            assert written == set(Case.objects.filter(orm_q(user, action))), (user, action)
            seen.append(len(written))
    assert seen == [1, 0, 1, 1, 1, 0, 0, 0]


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
