from typing import Any

from django.http import HttpRequest

from cases.selectors import unread_count
from org.models import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    role = getattr(user, "role", None)
    return {
        "nav_unread": unread_count(user),
        "nav_is_admin": role in (Role.COUNTY_ADMIN, Role.CITY_ADMIN) or user.is_superuser,
        "nav_is_head": role == Role.DEPARTMENT_HEAD,
        "nav_has_department": bool(user.department_id),
        "nav_may_open": role in (Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.JOINT_OFFICE)
        or user.is_superuser,
    }
