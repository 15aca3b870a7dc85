"""The one error type of the domain (STYLE.md §5).

Services raise DomainError subclasses with a code and a translatable message. The API
exception handler maps them to HTTP once; views show them as form errors.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the domain refused the change. Maps to HTTP 400."""

    code = "invalid"
    http_status = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message: object = None, *, field: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.field = field
        super().__init__(str(self.message))


class InvalidState(DomainError):
    """The object is not in a state that allows this transition. Maps to HTTP 409."""

    code = "invalid_state"
    http_status = 409
    default_message = _("This action is not allowed in the current state.")


class PermissionDenied(DomainError):
    """The actor may see the object but may not do this to it. Maps to HTTP 403."""

    code = "permission_denied"
    http_status = 403
    default_message = _("You are not allowed to do this.")
