"""Per-client token authentication for integrating systems (issue 3 §6): the principal
lives beside `ApiClient`, its model."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib.auth.backends import ModelBackend
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


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's, with its CSRF refusal in the request's language: DRF words it "CSRF Failed:
    CSRF token missing." (Django's reason, in English) whatever the language asked for."""

    def enforce_csrf(self, request: Request) -> None:
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(_(
                "The CSRF check failed: a signed-in browser sends the value of the "
                "csrftoken cookie in the X-CSRFToken header, from a page of this site."
            )) from None


#: The generation of every cached user: a new token whenever a user, a department or a
#: region is saved or deleted, so that no entry cached before the change is read after it.
USER_CACHE_GENERATION = "auth-user-generation"
#: A backstop: an entry lives at most this long, should a row change without a signal
#: (raw SQL, `QuerySet.update()` on users, which no code of the portal runs).
USER_CACHE_SECONDS = 60


def _user_key(user_id: Any) -> str:
    return f"auth-user:{user_id}"


def user_cache_invalidate(**kwargs: Any) -> None:
    """Every cached user is stale: a new generation now, and again when the transaction
    that saved the row commits (a request reading the old row before the commit could
    otherwise cache it under the new generation).

    A sign-in's own save (`update_last_login`: only `last_login`) changes nothing the
    cache serves, and would otherwise drop every cached user at every sign-in."""
    from django.core.cache import cache
    from django.db import transaction

    if set(kwargs.get("update_fields") or ()) == {"last_login"}:
        return

    def bump() -> None:
        cache.set(USER_CACHE_GENERATION, uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)


def _generation(cached: dict[str, Any]) -> str:
    from django.core.cache import cache

    generation = cached.get(USER_CACHE_GENERATION)
    if generation is None:
        cache.add(USER_CACHE_GENERATION, uuid.uuid4().hex, None)
        generation = cache.get(USER_CACHE_GENERATION)
    return generation


class PortalModelBackend(ModelBackend):
    """Django's `ModelBackend`, except that the signed-in user is read with the rows the
    scope gateway builds its `Scope` from (`org.scope._user_scope`: the department, its
    region, the user's own region) in one query, and kept in the shared cache between
    requests (issue 13: the user and its scope were two or three of the four queries of
    an API list call, and 2-3 ms of its 7).

    The cached user is the row as read; it is dropped whenever any user, department or
    region is saved or deleted (`user_cache_invalidate`), so that a deactivated user, a
    changed password (the session's hash is checked against it), role, department or
    region takes effect on the next request. Only with a shared cache (AUTH_USER_CACHE):
    a process-local one would not see another worker's invalidation. The generation is read with the entry in
    one round trip, before the row is read from the database, so that a change racing a
    reload invalidates the reloaded entry too."""

    def get_user(self, user_id: Any) -> Any:
        from django.conf import settings
        from django.core.cache import cache

        if not settings.AUTH_USER_CACHE:
            user = self._load(user_id)
            return user if user is not None and self.user_can_authenticate(user) else None
        from org.sessions import take_prefetched

        prefetched = take_prefetched(user_id)
        if prefetched is not None:  # read with the session (org.sessions)
            key, cached = prefetched
        else:
            key = _user_key(user_id)
            cached = cache.get_many([USER_CACHE_GENERATION, key])
        generation = _generation(cached)
        entry = cached.get(key)
        if entry is not None and entry[0] == generation:
            user = entry[1]
        else:
            user = self._load(user_id)
            if user is None:
                return None
            cache.set(key, (generation, user), USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None

    @staticmethod
    def _load(user_id: Any) -> Any:
        """The user from the primary (`db_for_write`), never a replica: an entry cached
        from a lagging replica right after a change (a deactivation) would outlive the
        lag by the cache's lifetime."""
        from django.db import router

        from org.models import User

        flags = _grant_flags()
        try:
            user = (User._default_manager.db_manager(router.db_for_write(User))
                    .select_related("department__region", "region")
                    .annotate(**{name: q for name, (_label, q) in flags.items()})
                    .get(pk=user_id))
        except User.DoesNotExist:
            return None
        user._grant_labels = frozenset(label for name, (label, _q) in flags.items()
                                       if getattr(user, name))
        return user


def grantable_models() -> list[tuple[type[Any], tuple[type[Any], type[Any]]]]:
    """The models with django-guardian grant tables of their own (`object_grant_models`),
    each with its (user, group) grant models."""
    from django.apps import apps

    return [(model, model.object_grant_models()) for model in apps.get_models()
            if hasattr(model, "object_grant_models")]


def _grant_flags() -> dict[str, tuple[str, Any]]:
    """Per grantable model, whether the user holds any grant on its rows, directly or
    through a group: read with the user, in the same query. The scope gateway leaves out
    the grant subqueries of a model the user holds none on (`org.scope._grant_q`): under
    the OR they kept a department officer's case list from its county's index (1.3 s at
    2M cases, issue 13). A grant given or taken, or a group joined or left, starts a new
    generation of the user cache (org.apps)."""
    from django.db.models import Exists, OuterRef

    flags = {}
    for i, (model, (user_perm, group_perm)) in enumerate(grantable_models()):
        held = (Exists(user_perm.objects.filter(user_id=OuterRef("pk")))
                | Exists(group_perm.objects.filter(group__user=OuterRef("pk"))))
        flags[f"_holds_grants_{i}"] = (model._meta.label, held)
    return flags
