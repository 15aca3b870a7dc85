"""The change feed an integrator pulls (issue 13): records ordered by `(updated_at, id)`
after a watermark the server returned, plus tombstones for records that left the
caller's regions or were deleted since. A client stores the watermark and asks again
with `?since=`; it never misses a change and never needs a full re-pull.

The watermark is signed (django.core.signing): a forged or truncated one is a 400, never a
500 or another client's position. A watermark is per feed and per principal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.db.models.signals import post_delete, pre_save
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.fastlist import iso_datetime
from core.api.views import StrictQueryMixin
from org.models import Tombstone
from org.scope import scope_of

DEFAULT_LIMIT = 200
MAX_LIMIT = 500


def _sign(kind: str, principal_key: str, position: dict[str, Any]) -> str:
    return signing.dumps(position, salt=f"feed:{kind}:{principal_key}", compress=True)


def _unsign(kind: str, principal_key: str, token: str) -> dict[str, Any]:
    try:
        position = signing.loads(token, salt=f"feed:{kind}:{principal_key}")
        dt.datetime.fromisoformat(position["t"])
        int(position["i"]), int(position["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError({"since": [_(
            "This watermark was not issued by this feed. Use the `watermark` of an "
            "earlier answer, or omit it to start from the beginning.")]}) from None
    return position


def track(model: type[Model], *, kind: str, key_field: str,
          region_field: str = "region") -> None:
    """Record a tombstone when a `model` row is deleted or moves to another region.
    Called by the app that owns the model, in its `ready()`."""

    def moved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        if raw or instance.pk is None:
            return
        old = (sender.objects.filter(pk=instance.pk)
               .values_list(f"{region_field}_id", f"{region_field}__path").first())
        if old and old[0] != getattr(instance, f"{region_field}_id"):
            Tombstone.objects.create(kind=kind, key=getattr(instance, key_field),
                                     region_path=old[1], reason=Tombstone.Reason.MOVED)

    def deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
        region = getattr(instance, region_field, None)
        Tombstone.objects.create(kind=kind, key=getattr(instance, key_field),
                                 region_path=region.path if region else "",
                                 reason=Tombstone.Reason.DELETED)

    pre_save.connect(moved, sender=model, weak=False, dispatch_uid=f"feed-moved-{kind}")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"feed-deleted-{kind}")


def tombstones_for(principal: Any, kind: str) -> QuerySet[Tombstone]:
    """Tombstones of places the principal reads: its region subtree (users) or its regions
    (clients); every one for the unrestricted."""
    scope = scope_of(principal)
    qs = Tombstone.objects.filter(kind=kind)
    if scope.unrestricted:
        return qs
    paths = (scope.client_region_paths if scope.kind == "client"
             else (scope.region_path,) if scope.region_path else ())
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(region_path__startswith=path)
    return qs.filter(q)


class ChangeFeedView(StrictQueryMixin, generics.GenericAPIView):
    """Subclasses set `feed_kind`, `key_field`, `serializer_class` and `get_queryset()`
    (the caller's scope, from the gateway)."""

    feed_kind: str = ""
    key_field: str = ""
    pagination_class = None
    filter_backends: list = []
    query_params_allowed = ("since", "limit")

    def _principal_key(self) -> str:
        user = self.request.user
        return getattr(user, "throttle_ident", None) or f"user-{user.pk}"

    def _limit(self, request: Request) -> int:
        raw = request.query_params.get("limit")
        if raw is None:
            return DEFAULT_LIMIT
        text = raw.strip()
        value = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 0
        if not 1 <= value <= MAX_LIMIT:
            raise ValidationError({"limit": [
                _("Give a whole number from 1 to %(max)d.") % {"max": MAX_LIMIT}]})
        return value

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        limit = self._limit(request)
        since = request.query_params.get("since")
        position = (_unsign(self.feed_kind, self._principal_key(), since.strip())
                    if since else None)
        qs = self.get_queryset().order_by("updated_at", "id")
        stones = tombstones_for(request.user, self.feed_kind).order_by("id")
        if position:
            t = dt.datetime.fromisoformat(position["t"])
            qs = qs.filter(Q(updated_at__gt=t) | Q(updated_at=t, id__gt=position["i"]))
            stones = stones.filter(id__gt=position["d"])
        rows = list(qs[:limit + 1])
        graves = list(stones.values("id", "key", "reason", "at")[:limit + 1])
        more = len(rows) > limit or len(graves) > limit
        rows, graves = rows[:limit], graves[:limit]
        # A key that left one of the caller's regions but is still visible (moved within
        # its regions) is not gone for the caller.
        visible = set(self.get_queryset().filter(
            **{f"{self.key_field}__in": [g["key"] for g in graves]})
            .values_list(self.key_field, flat=True)) if graves else set()
        last = rows[-1] if rows else None
        new_position = {
            "t": last.updated_at.isoformat() if last else (position or {}).get(
                "t", dt.datetime(2000, 1, 1, tzinfo=dt.UTC).isoformat()),
            "i": last.pk if last else (position or {}).get("i", 0),
            "d": graves[-1]["id"] if graves else (position or {}).get("d", 0),
        }
        return Response({
            "changes": self.get_serializer(rows, many=True).data,
            # `at` as the rows' timestamps read (DRF's DateTimeField: the current time
            # zone, Asia/Shanghai), not the JSON encoder's UTC "Z": one clock per answer.
            "tombstones": [{"key": g["key"], "reason": g["reason"],
                            "at": iso_datetime(g["at"])}
                           for g in graves if g["key"] not in visible],
            "watermark": _sign(self.feed_kind, self._principal_key(), new_position),
            "has_more": more,
        })


def feed_schema(record: type[serializers.Serializer], kind: str) -> Any:
    """The OpenAPI description of a feed of `record`s."""
    return extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.STR, description=str(gettext_lazy(
                "The `watermark` of an earlier answer; omit it to start from the beginning."))),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                             description=str(gettext_lazy(
                                 "Changes and tombstones per answer, 1 to 500 (200 by "
                                 "default)."))),
        ],
        responses=inline_serializer(f"{kind.capitalize()}ChangeFeed", fields={
            "changes": record(many=True),
            "tombstones": inline_serializer(f"{kind.capitalize()}Tombstone", many=True, fields={
                "key": serializers.CharField(),
                "reason": serializers.ChoiceField(choices=Tombstone.Reason.choices),
                "at": serializers.DateTimeField(),
            }),
            "watermark": serializers.CharField(),
            "has_more": serializers.BooleanField(),
        }),
    )
