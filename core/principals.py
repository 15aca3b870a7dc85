"""Who is acting: a signed-in person (`org.User`) or a system calling the API.

The kernel knows only the shape of a system principal, so that the API's permissions and
throttles can tell the two apart without importing the org app; `org.auth.ClientPrincipal`
is the concrete one, built from an `org.ApiClient`.
"""

from __future__ import annotations

from typing import Any


class SystemPrincipal:
    """Stands in for `request.user` when another system calls with a token."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None
    id = None
    role = None
    department_id = None
    institution_id = None
    region_id = None

    def has_scope(self, scope: str) -> bool:
        raise NotImplementedError

    @property
    def throttle_ident(self) -> str:
        """A stable key for rate limiting this caller."""
        raise NotImplementedError

    @property
    def throttle_rate(self) -> str | None:
        """The caller's own rate (e.g. "600/min"), or None for the default."""
        return None


def is_system(principal: Any) -> bool:
    return isinstance(principal, SystemPrincipal)
