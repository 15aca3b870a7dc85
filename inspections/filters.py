import django_filters

from core.vocab import Category
from inspections.models import DailyMode, DailyState, OrderState, RoundState


class RoundFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter()
    category = django_filters.ChoiceFilter(choices=Category.choices)
    state = django_filters.ChoiceFilter(choices=RoundState.choices)


class DailyFilter(django_filters.FilterSet):
    mode = django_filters.ChoiceFilter(choices=DailyMode.choices)
    state = django_filters.ChoiceFilter(choices=DailyState.choices)


class OrderFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=OrderState.choices)


class PublicResultFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="round__year", required=True)
    category = django_filters.ChoiceFilter(field_name="round__category",
                                           choices=Category.choices)
