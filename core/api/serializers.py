"""Serializer base classes shared by the API (issue 14 §A4: the schema tells the truth)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class ModelSerializer(serializers.ModelSerializer):
    """DRF drops `allow_blank` from a read-only field, so the schema of a blank-able
    choice (a case with no category) left out the "" it answers. Kept here, the schema
    lists it (drf-spectacular's BlankEnum)."""

    def include_extra_kwargs(self, kwargs: dict[str, Any],
                             extra_kwargs: dict[str, Any]) -> dict[str, Any]:
        allow_blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if kwargs.get("read_only") and allow_blank:
            kwargs["allow_blank"] = True
        return kwargs
