"""Who a principal is, as predicates the apps' abilities are built from (django-rules).

These name roles once; an app's `abilities.py` combines them into one rule per action.
"""

from __future__ import annotations

from typing import Any

import rules

from org.models import Role
from org.scope import scope_of


def has_role(*roles: str) -> rules.Predicate:
    wanted = frozenset(roles)

    def check(user: Any) -> bool:
        scope = scope_of(user)
        return scope.kind == "user" and scope.role in wanted

    return rules.Predicate(check, name="has_role(" + ",".join(sorted(wanted)) + ")")


@rules.predicate
def is_unrestricted(user: Any) -> bool:
    """A system admin, or a superuser."""
    return scope_of(user).unrestricted


#: The admins of a county or city (and the system admin).
is_region_admin = is_unrestricted | has_role(Role.COUNTY_ADMIN, Role.CITY_ADMIN)
#: Who opens, assigns and closes cases in a region: the admins and the joint-meeting office.
is_coordinator = is_region_admin | has_role(Role.JOINT_OFFICE)
is_department_head = has_role(Role.DEPARTMENT_HEAD)
#: The officers of a department who decide for it (not grid officers or social
#: supervisors, who report and follow up).
is_department_officer = has_role(Role.OFFICER, Role.DEPARTMENT_HEAD)
is_institution_staff = has_role(Role.INSTITUTION_STAFF)


@rules.predicate
def has_department(user: Any) -> bool:
    return scope_of(user).department_id is not None


def _region_of(target: Any) -> Any:
    return target[0] if isinstance(target, tuple) else target


def _has_region(target: Any) -> bool:
    return target is not None and hasattr(_region_of(target), "path")


@rules.predicate
def has_target(user: Any, target: Any) -> bool:
    return target is not None


@rules.predicate
def in_region(user: Any, target: Any) -> bool:
    """The target's region (a Region, or a tuple starting with one) lies in the user's
    subtree; no target (a page asking in general) passes."""
    if not _has_region(target):
        return True
    scope = scope_of(user)
    return scope.unrestricted or bool(scope.region_path) and \
        _region_of(target).path.startswith(scope.region_path)


@rules.predicate
def owns_department(user: Any, target: Any) -> bool:
    """The target is the user's own department, or the department of a task; no target
    passes."""
    if target is None:
        return True
    department_id = getattr(target, "department_id", None) or getattr(target, "pk", None)
    return scope_of(user).department_id == department_id
