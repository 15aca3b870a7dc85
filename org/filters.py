import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.vocab import DepartmentType
from org.models import Department, Region, RegionLevel


class RegionFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices)
    parent = django_filters.CharFilter(field_name="parent__code", label=_("Parent code"))
    within = django_filters.CharFilter(method="filter_within", label=_("Within region code"))

    class Meta:
        model = Region
        fields = ["level", "parent", "within"]

    def filter_within(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(path__contains=f"/{value}/")


class DepartmentFilter(django_filters.FilterSet):
    type = django_filters.ChoiceFilter(choices=DepartmentType.choices)
    region = django_filters.CharFilter(field_name="region__code", label=_("Region code"))

    class Meta:
        model = Department
        fields = ["type", "region"]
