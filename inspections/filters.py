import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.filters import MonthFilter, RegionCodeFilter
from core.vocab import Category
from inspections.models import (
    AppealState,
    BlacklistState,
    DailyMode,
    DailyState,
    EnforcementMode,
    OrderState,
    Penalty,
    RoundState,
    ZombieOutcome,
)


class YearFilter(django_filters.NumberFilter):
    """A whole year: "2026", never "2026.5" (the schema says integer)."""

    field_class = forms.IntegerField


class RoundFilter(django_filters.FilterSet):
    year = YearFilter()
    category = django_filters.ChoiceFilter(choices=Category.choices)
    state = django_filters.ChoiceFilter(choices=RoundState.choices)


class DailyFilter(django_filters.FilterSet):
    mode = django_filters.ChoiceFilter(choices=DailyMode.choices)
    state = django_filters.ChoiceFilter(choices=DailyState.choices)


class RoundPageFilter(RoundFilter):
    """The office round list's filter: the API's, with the county (a division code) and a
    bounded year. The dashboards' annual figures open the list so filtered (issue 12
    "Dashboards"); a code outside the reader's area finds nothing (the rows come through
    the scope gateway first)."""

    year = YearFilter(min_value=1900, max_value=9999, label=_("Year"))
    region = RegionCodeFilter(field_name="region__path")


class DailyPageFilter(DailyFilter):
    """The office daily list's filter: the API's, with the region (a division code) and
    the month planned in (YYYY-MM). The dashboards' daily figures open the list so
    filtered (issue 12 "Dashboards")."""

    region = RegionCodeFilter(field_name="region__path")
    month = MonthFilter(field_name="planned_on", label=_("Planned in month"))


class OrderFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=OrderState.choices)


class PublicResultFilter(django_filters.FilterSet):
    year = YearFilter(field_name="round__year", required=True)
    category = django_filters.ChoiceFilter(field_name="round__category",
                                           choices=Category.choices)


# -- zombies, enforcement and the black list -----------------------------------------------

class ZombieFilter(django_filters.FilterSet):
    """`outcome`: "open" for the cleanups still running, or a recorded outcome."""

    outcome = django_filters.ChoiceFilter(
        choices=[("open", "open"), *((v, v) for v in ZombieOutcome.values if v)],
        method="filter_outcome")

    def filter_outcome(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(outcome="" if value == "open" else value)


class EnforcementFilter(django_filters.FilterSet):
    """`penalty`: "none" for the cases not yet decided, or a penalty."""

    mode = django_filters.ChoiceFilter(choices=EnforcementMode.choices)
    penalty = django_filters.ChoiceFilter(
        choices=[("none", "none"), *((v, v) for v in Penalty.values if v)],
        method="filter_penalty")
    #: A violation code; a code no violation has finds nothing (the codes are data, so
    #: the schema cannot list them and an unknown one is not bad input).
    violation = django_filters.CharFilter(field_name="violation__code")

    def filter_penalty(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(penalty="" if value == "none" else value)


class BlacklistFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=BlacklistState.choices)
    appeal_state = django_filters.ChoiceFilter(
        choices=[(v, v) for v in AppealState.values if v])
