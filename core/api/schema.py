"""The OpenAPI schema tells the truth about every operation (issue 14 §A4): the error
answers it can give, in the one error format (core.api.errors); the schemes it really
accepts (a user-only operation takes no client token); that a query parameter is never
empty or blank (the views refuse it, core.api.views); that a request body takes no key
but its fields (core.api.serializers.KnownFieldsMixin)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from core.api.errors import ErrorSerializer
from core.api.serializers import (
    KnownFieldsMixin,
    KnownFieldsSerializer,
    ModelSerializer,
    StrictCharField,
)

#: Text the API takes holds no NUL (core.request refuses it; PostgreSQL could not store it).
NO_NUL = r"^[^\u0000]*$"
#: ...and, where blanks are trimmed and refused, at least one other character.
NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


def trimmed_at_least(length: int) -> str:
    """Text of `length` characters or more once the whitespace around it is trimmed, and
    no NUL: what a text field with `min_length` takes (DRF trims before it counts). A
    `minLength` alone counts the raw text, and "          abc" (13 characters) passed
    the schema and failed the server (a user-facing review)."""
    return rf"^\s*[^\s\u0000][^\u0000]{{{length - 2},}}[^\s\u0000]\s*$"


#: The token scheme's name (org.schema declares it for org.auth's authentication).
TOKEN_SCHEME = "clientToken"

ERROR_DESCRIPTIONS = {
    "400": _("Bad input: a field, a filter or a query parameter, named in `errors`."),
    "401": _("No valid session or token."),
    "403": _("Signed in, but this principal may not do this (a missing scope, an operation "
             "for people only, or a task of another department)."),
    "404": _("Missing, or outside the caller's scope: the two answer alike."),
    "409": _("The record is not in a state that allows this."),
    "429": _("Too many requests; retry after the number of seconds in Retry-After."),
}


def lib_doc_excludes() -> list[Any]:
    """drf-spectacular's GET_LIB_DOC_EXCLUDES: the base classes here describe how the API
    is built, not an operation or a body; a class of no docstring of its own reads as
    none, not as its base's (every model's schema said "DRF drops `allow_blank`...")."""
    from drf_spectacular.plumbing import get_lib_doc_excludes

    from core.api.fastlist import FastListMixin
    from core.api.views import StrictQueryMixin

    return [*get_lib_doc_excludes(), KnownFieldsMixin, KnownFieldsSerializer,
            ModelSerializer, StrictQueryMixin, FastListMixin]


class ApiAutoSchema(AutoSchema):
    """Views may add statuses of their own with `extend_schema(responses={409: ...})`."""

    def _is_public(self) -> bool:
        return not self.view.get_authenticators() or all(
            isinstance(p, AllowAny) for p in self.view.get_permissions())

    def error_statuses(self) -> list[str]:
        # Every operation refuses unknown or empty query parameters and NUL characters.
        statuses = ["400"]
        if not self._is_public():
            statuses += ["401", "403"]
        if "{" in self.path:
            statuses.append("404")
        if self.view.get_throttles():
            statuses.append("429")
        return statuses

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, body in responses.items():
            if code >= "400" and not body.get("description"):
                body["description"] = str(ERROR_DESCRIPTIONS.get(code, ""))
        for code in self.error_statuses():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code,
                                                       ["application/json"], direction)
                response["description"] = str(ERROR_DESCRIPTIONS[code])
                responses[code] = response
        return dict(sorted(responses.items()))

    def get_auth(self) -> list[dict[str, Any]]:
        auth = super().get_auth()
        if getattr(self.view, "user_only", False):
            auth = [scheme for scheme in auth if TOKEN_SCHEME not in scheme]
        return auth

    def _get_parameters(self) -> list[dict[str, Any]]:
        parameters = super()._get_parameters()
        for parameter in parameters:
            schema = parameter.get("schema", {})
            items = schema.get("items", {}) if schema.get("type") == "array" else schema
            if items.get("type") == "string" and "enum" not in items \
                    and "format" not in items:
                if parameter.get("in") == "query":
                    # Blank is empty: `?county=%C2%A0` (a no-break space) is refused as
                    # `?county=` is (core.api.views), so the schema must not offer it.
                    items.setdefault("pattern", NOT_BLANK)
                    items.setdefault("minLength", 1)
                else:
                    items.setdefault("pattern", NO_NUL)
        return parameters

    def _map_basic_serializer(self, serializer: Any, direction: Any) -> dict[str, Any]:
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, KnownFieldsMixin):
            # The body refuses any other key (400 "Unknown field."), so a fuzzer may not
            # count that refusal as a valid body turned away.
            schema["additionalProperties"] = False
        return schema

    def _map_serializer_field(self, field: Any, direction: Any,
                              bypass_extensions: bool = False) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction == "request" and type(field) in (serializers.CharField, StrictCharField) and \
                not field.read_only:
            blank_refused = field.trim_whitespace and not field.allow_blank
            if field.trim_whitespace and (field.min_length or 0) > 1:
                schema.setdefault("pattern", trimmed_at_least(field.min_length))
            schema.setdefault("pattern", NOT_BLANK if blank_refused else NO_NUL)
        return schema
