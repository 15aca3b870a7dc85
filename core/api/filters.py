"""Filters shared by the API's lists (issue 14 §A1, §A4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 datetime that must stay representable once converted to UTC, where it
    is compared: `9999-12-31T23:59:59-23:59` parses, then overflows the year 9999."""

    def to_python(self, value: Any) -> dt.datetime | None:
        parsed = super().to_python(value)
        if parsed is not None:
            try:
                # Compared in UTC: PostgreSQL refuses an offset beyond ±15:59
                # (`0413-09-21T19:33:57-16:44` was a 500), so it never sees the original.
                parsed = parsed.astimezone(dt.UTC)
            except (OverflowError, ValueError):
                raise ValidationError(_("This date and time is out of range."),
                                      code="invalid") from None
        return parsed


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
