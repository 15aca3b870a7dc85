"""drf-spectacular extensions for the portal's own authentication."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "org.auth.ApiClientTokenAuthentication"
    name = "clientToken"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Per-client token: `Authorization: Token <token>`.",
        }


class PortalSessionScheme(SessionScheme):
    """The session cookie, as drf-spectacular documents DRF's own (`cookieAuth`)."""

    target_class = "org.auth.SessionAuthentication"
    priority = 0
