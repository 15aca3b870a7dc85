"""Filters shared by the API's lists (issue 14 §A1, §A4)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request

from core.api.listcache import ListRecorder


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


class StrictNullBooleanField(forms.NullBooleanField):
    """true or false (or 1 and 0): anything else is refused. Django's field reads any
    other value as "not given", so `?overdue=yes` answered every task, overdue or not."""

    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        result = super().to_python(value)
        if result is None:
            raise ValidationError(_("Give true or false."), code="invalid")
        return result


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictNullBooleanField


#: Query parameters that are never a filter's: the format and the cursor paginator's.
NOT_FILTERS = frozenset({"format", "cursor", "page_size"})


@functools.cache
def _inert_when_unbound(filterset_class: type[django_filters.FilterSet] | None) -> bool:
    """A filter set that, given no parameters, returns its queryset as it is: it keeps
    django-filter's own `filter_queryset` (no defaults applied in code, as the task pages'
    filter does) and requires no parameter (which must answer 400 when missing)."""
    if filterset_class is None:
        return True
    return (filterset_class.filter_queryset is django_filters.FilterSet.filter_queryset
            and not any(f.extra.get("required") for f in
                        filterset_class.base_filters.values()))


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, except that a list called with no filter parameter (the
    common call: the first page, or the next one by cursor) does not build and validate
    the filter form only to return the queryset unchanged; 0.5-1 ms of each call
    (issue 13: the fixed cost of an API list)."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        named = any(name not in NOT_FILTERS for name in request.query_params)
        if not named and _inert_when_unbound(self.get_filterset_class(view, queryset)):
            return queryset
        if isinstance(queryset, ListRecorder):
            queryset = queryset.real()  # filtered: built and filtered as Django does
        return super().filter_queryset(request, queryset, view)
