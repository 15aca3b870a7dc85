"""Per-client token authentication for integrating systems (issue 3 §6): the principal
lives beside `ApiClient`, its model."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from core.principals import SystemPrincipal


class ClientPrincipal(SystemPrincipal):
    """Stands in for request.user when an ApiClient calls; the scope gateway knows it."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.region_paths = tuple(r.path for r in client.regions.all())

    def __str__(self) -> str:
        return f"api:{self.client.name}"

    def has_scope(self, scope: str) -> bool:
        return scope in (self.client.scopes or [])

    @property
    def throttle_ident(self) -> str:
        return f"client-{self.client.pk}"

    @property
    def throttle_rate(self) -> str | None:
        return self.client.throttle_rate or None


#: how stale `ApiClient.last_used_at` may get before a call writes it again
LAST_USED_EVERY = dt.timedelta(minutes=1)


class ApiClientTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[ClientPrincipal, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        from org.models import ApiClient

        try:
            token = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            client = ApiClient.objects.prefetch_related("regions").get(
                token_hash=ApiClient.hash_token(token), is_active=True)
        except ApiClient.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at >= LAST_USED_EVERY:
            # Written at most once a minute per client, not on every call (issue 13): the
            # admin reads "last used" to the minute, and an UPDATE per call is a row lock
            # and a WAL record on the hottest path an integrator has.
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
            client.last_used_at = now
        return ClientPrincipal(client), client

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
