import django_filters
from django import forms

from core.vocab import Category
from inspections.models import DailyMode, DailyState, OrderState, RoundState


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


class OrderFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=OrderState.choices)


class PublicResultFilter(django_filters.FilterSet):
    year = YearFilter(field_name="round__year", required=True)
    category = django_filters.ChoiceFilter(field_name="round__category",
                                           choices=Category.choices)
