"""Serializer base classes shared by the API (issue 14 §A4: the schema tells the truth;
§D8: typed fields refuse other types). Writable fields of a plain Serializer use the
Strict* fields below; a ModelSerializer built on this base gets them for its model fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """Text given as text: DRF's CharField turns a number (or true) into its string, so a
    task note sent as 123 was stored as "123". A typed API refuses it (issue 14 D8)."""

    default_error_messages = {"invalid": _("Not a valid string.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictRegexField(serializers.RegexField):
    """Text matching a pattern, given as text: DRF's RegexField turned the number
    123456789012345678 into a credit code (issue 14 D8)."""

    default_error_messages = {"not_a_string": _("Not a valid string.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A whole number given as a JSON number: not "5", 5.0 or true (issue 14 D8)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false, not "yes", 1 or "on" (issue 14 D8)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return bool(data)


class BoundedListField(serializers.ListField):
    """A list whose length is checked before its items. DRF validates every item first:
    250,000 bad credit codes (5 MB) took 26 s and answered 12 MB of errors, one per item,
    before the one that mattered, "no more than 200"."""

    def to_internal_value(self, data: Any) -> list[Any]:
        if self.max_length is not None and isinstance(data, list) \
                and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class KnownFieldsMixin:
    """A request body names only the serializer's fields: any other top-level key is a
    400 naming it ("Unknown field."), and the schema says so (`additionalProperties:
    false`, core.api.schema). A typo was otherwise silently dropped: mark-read's
    `{"idz": [1]}` read as `{}`, "mark every notification read"; a misspelt optional field
    (a hotline ticket's `institution_usc`) lost what it carried with a 200."""

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[Any]] = {}
        if isinstance(data, Mapping):
            # (the browsable API's forms post their CSRF token beside the fields)
            known = set(self.fields)  # type: ignore[attr-defined]
            unknown = {name: [_("Unknown field.")] for name in
                       sorted(set(data) - known - {"csrfmiddlewaretoken"})}
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as refused:
            # One answer names every mistake: the typo and the field it misses.
            if unknown and isinstance(refused.detail, dict):
                raise serializers.ValidationError({**refused.detail, **unknown}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class KnownFieldsSerializer(KnownFieldsMixin, serializers.Serializer):
    """The base of every request body that is not a model's (see KnownFieldsMixin)."""


class ModelSerializer(KnownFieldsMixin, serializers.ModelSerializer):
    """Written to, it takes only its fields (KnownFieldsMixin).

    DRF drops `allow_blank` from a read-only field, so the schema of a blank-able choice
    (a case with no category) left out the "" it answers. Kept here, the schema lists it
    (drf-spectacular's BlankEnum)."""

    def include_extra_kwargs(self, kwargs: dict[str, Any],
                             extra_kwargs: dict[str, Any]) -> dict[str, Any]:
        allow_blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if kwargs.get("read_only") and allow_blank:
            kwargs["allow_blank"] = True
        return kwargs

    #: Writable model fields are typed strictly (issue 14 D8).
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.IntegerField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.PositiveBigIntegerField: StrictIntegerField,
        models.BooleanField: StrictBooleanField,
    }
