from typing import Any

from django.http import HttpRequest

from cases import kinds
from cases.selectors import unread_count
from core import nav
from core.abilities import may
from core.principals import is_system


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation offers, asked of the same abilities the pages and services
    ask. A token client asking for HTML gets no navigation (it has no inbox)."""
    user = getattr(request, "user", None)
    if user is not None and is_system(user):
        return {}
    if user is None or not user.is_authenticated:
        return {"nav_public_entries": nav.public_entries()}
    return {
        "nav_public_entries": nav.public_entries(),
        # What the other apps registered (core.nav), offered by their abilities.
        "nav_entries": nav.office_entries(user),
        "nav_unread": unread_count(user),
        "nav_oversee": may(user, "cases.oversee_tasks"),
        "nav_has_department": may(user, "cases.view_department_tasks"),
        "nav_may_open": may(user, "cases.open_case"),
        # The case kinds the apps registered, one entry each under "Cases".
        "nav_kinds": kinds.choices(),
    }
