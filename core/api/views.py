"""Behaviour every API view shares (issue 14 §A4): the query string names only what the
operation documents. An unknown parameter (a typo such as `?uscc=`) or a documented one
given empty answers 400 naming it, instead of silently returning the whole list."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.http import http_date
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.mixins import ListModelMixin
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.throttling import RATELIMIT_ATTR

#: Read by DRF's content negotiation (`?format=json`, `?format=api`) on every operation.
ALWAYS_ALLOWED = frozenset({"format"})


class StrictQueryMixin:
    """Mixed into every API view, before DRF's view class. A view names parameters it
    reads by hand in `query_params_allowed`; filters and pagination are found on their
    own."""

    query_params_allowed: tuple[str, ...] = ()
    request: Request

    def documented_query_params(self) -> set[str]:
        names = set(self.query_params_allowed)
        lists = (getattr(self, "action", None) == "list" if hasattr(self, "action")
                 else isinstance(self, ListModelMixin))
        if lists:
            paginator = getattr(self, "paginator", None)
            if paginator is not None:
                names |= {p["name"] for p in paginator.get_schema_operation_parameters(self)}
            filterset_class = getattr(self, "filterset_class", None)
            if filterset_class is not None:
                names |= set(filterset_class.base_filters)
        return names

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if getattr(self, (request.method or "").lower(), None) is None:
            return  # no handler: DRF answers 405 next
        if not request.query_params:
            return  # nothing to check (most calls: a list's first page, a detail)
        known = self.documented_query_params()
        errors: dict[str, list[str]] = {}
        for name, values in request.query_params.lists():
            if name in ALWAYS_ALLOWED:
                continue
            if name not in known:
                errors[name] = [_("Unknown query parameter.")]
            elif any(not v.strip() for v in values):
                errors[name] = [_("This parameter may not be empty.")]
            elif len(values) > 1 and name not in self.repeatable_query_params():
                # Read as the last value: `?category=arts&category=tech` answered tech
                # alone to a client that meant either.
                errors[name] = [_("Give this parameter once.")]
        if errors:
            raise ValidationError(errors)

    def repeatable_query_params(self) -> set[str]:
        """The filters that take several values (a case's `state`)."""
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is None:
            return set()
        return {name for name, f in filterset_class.base_filters.items()
                if isinstance(f, django_filters.MultipleChoiceFilter)}

    #: a detail's timestamp that moves with everything the detail shows (its nested rows
    #: included); None where no such field exists, and then the ETag alone answers 304
    last_modified_field: str | None = None

    def get_object(self) -> Any:
        obj = super().get_object()  # type: ignore[misc]
        if self.last_modified_field:
            self._last_modified = getattr(obj, self.last_modified_field, None)
        return obj

    def finalize_response(self, request: Request, response: Response, *args: Any,
                          **kwargs: Any) -> Response:
        """Every answer carries the `RateLimit-*` reading of the tightest throttle; a
        detail answers `Last-Modified` from the record, so that with the ETag (Django's
        ConditionalGetMiddleware) a client's conditional GET gets 304 (issue 13)."""
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        reading = getattr(request._request, RATELIMIT_ATTR, None)
        if reading is not None:
            limit, remaining, reset = reading
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
        updated = getattr(self, "_last_modified", None)
        if (updated is not None and request.method in ("GET", "HEAD")
                and response.status_code == 200):
            response["Last-Modified"] = http_date(updated.timestamp())
        return response
