from typing import Any

from django.http import HttpRequest

from cases import kinds
from cases.models import Case
from cases.selectors import unread_count
from core import nav
from core.abilities import may
from core.principals import is_system
from org.scope import NOTHING, Action, scope_of


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
        # The case kinds the apps registered that this user reads, one entry each under
        # "Cases"; asked when the menu is drawn.
        "nav_kinds": lambda: readable_kinds(user),
    }


def readable_kinds(user: Any) -> list[tuple[str, str]]:
    """The registered kinds whose cases the user may read, asked of the visibility rules
    without a query: a role that reads cases in its region through the matrix reads every
    kind; anyone else (institution staff) reads only the kinds whose own `visible_to`
    opens something to them (licensing: their applications)."""
    scope = scope_of(user)
    if Case._role_q(scope, Action.VIEW, "") != NOTHING:  # the gateway's role part
        return kinds.choices()
    return [(spec.code, str(spec.label)) for spec in kinds.all_kinds()
            if spec.visible_to is not None and spec.visible_to(scope, Action.VIEW, "") is not None]
