from typing import Any

from django.http import HttpRequest

from cases import kinds
from cases.selectors import unread_count
from core.abilities import may
from core.principals import is_system


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation offers, asked of the same abilities the pages and services
    ask. A token client asking for HTML gets no navigation (it has no inbox)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or is_system(user):
        return {}
    return {
        "nav_unread": unread_count(user),
        "nav_oversee": may(user, "cases.oversee_tasks"),
        "nav_has_department": may(user, "cases.view_department_tasks"),
        "nav_may_open": may(user, "cases.open_case"),
        # The case kinds the apps registered, one entry each under "Cases".
        "nav_kinds": kinds.choices(),
    }
