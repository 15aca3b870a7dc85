import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.api.filters import UtcIsoDateTimeFilter
from core.vocab import Category
from institutions.models import Institution, InstitutionStatus


class InstitutionFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Category.choices)
    status = django_filters.ChoiceFilter(choices=InstitutionStatus.choices)
    region = django_filters.CharFilter(method="filter_region", label=_("Within region code"))
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Institution
        fields = ["category", "status", "region", "updated_since"]

    def filter_region(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(region__path__contains=f"/{value}/")
