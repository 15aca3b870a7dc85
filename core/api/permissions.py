from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from core.principals import is_system


class IsAuthenticatedPrincipal(permissions.BasePermission):
    """A signed-in user, or an API client holding the view's `required_scope`."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not getattr(user, "is_authenticated", False):
            return False
        if is_system(user):
            scope = getattr(view, "required_scope", None)
            if getattr(view, "user_only", False) or scope is None:
                return False
            return user.has_scope(scope)
        return True
