"""The office complaint list's filters. Each complaint figure of the dashboards opens this
list so filtered (issue 12 "Dashboards": every figure opens the records behind it), so a
filter here counts exactly what the figure counts. Bad values are field errors, never a
500; a region code is matched within the rows the scope gateway already gave, so a code
outside the reader's area finds nothing, never another county's rows."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import ComplaintStatus

#: The status filter's value for every complaint but the duplicates merged into another:
#: what the dashboards and the analysis of 004 §6(2)1 count as received.
RECEIVED = "received"


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


class MonthField(forms.CharField):
    """A month as YYYY-MM (what `<input type="month">` sends), cleaned to its first day."""

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}

    def to_python(self, value: Any) -> dt.date | None:  # type: ignore[override]
        text = super().to_python(value).strip()
        if not text:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{2})", text)
        try:
            # a year the calendar can step past (the month's end is the next month's 1st)
            if match is None or not 1900 <= int(match[1]) < 9999:
                raise ValueError(text)
            return dt.date(int(match[1]), int(match[2]), 1)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class MonthFilter(django_filters.Filter):
    """Rows whose `field_name` (a date, or a datetime read in the local time zone) falls in
    the month."""

    field_class = MonthField

    def filter(self, qs: QuerySet, value: dt.date | None) -> QuerySet:
        if value is None:
            return qs
        start, end = value, next_month(value)
        if isinstance(qs.model._meta.get_field(self.field_name), models.DateTimeField):
            start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
            end_at = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
            return qs.filter(**{f"{self.field_name}__gte": start_at,
                                f"{self.field_name}__lt": end_at})
        return qs.filter(**{f"{self.field_name}__gte": start, f"{self.field_name}__lt": end})


class RegionCodeFilter(django_filters.CharFilter):
    """Rows within a region (by its division code) at `field_name` (a region path): a
    county's code finds its towns' and grids' rows too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Region"))
        kwargs.setdefault("validators", [RegexValidator(
            r"^\d{2,20}$", _("Enter a region's division code (digits only)."))])
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__contains": f"/{value}/"})


class ComplaintOfficeFilter(django_filters.FilterSet):
    """`status` (a status, or "received" for all but merged duplicates), `topic` (its
    code), `month` (received in, YYYY-MM) and `region` (a division code)."""

    status = django_filters.ChoiceFilter(
        choices=[(RECEIVED, _("All but merged duplicates")), *ComplaintStatus.choices],
        method="filter_status", empty_label=_("All statuses"), label=_("Status"))
    #: An unknown topic code finds nothing (the topics are data).
    topic = django_filters.CharFilter(field_name="topic__code", label=_("Topic"))
    month = MonthFilter(field_name="received_at", label=_("Received in month"))
    region = RegionCodeFilter(field_name="case__region__path")

    def filter_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value == RECEIVED:
            return qs.exclude(status=ComplaintStatus.MERGED)
        return qs.filter(status=value)


def region_options(user: Any, value: Any) -> list[tuple[str, str]]:
    """The regions a list's region filter offers (code, name): the reader's counties and
    towns, in one query. A code from elsewhere (a link from another county) is kept as
    chosen, shown as its bare code: it finds nothing, and the reader sees why."""
    from org.models import Region, RegionLevel
    from org.scope import Action

    options = [(r.code, r.name if r.level <= RegionLevel.COUNTY else f"· {r.name}")
               for r in Region.objects.restrict(user, Action.MANAGE)
               .filter(level__in=(RegionLevel.COUNTY, RegionLevel.TOWN)).order_by("path")]
    if value and isinstance(value, str) and value not in {code for code, _name in options}:
        options.append((value, value))
    return options
