from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases import kinds
from cases.models import Case, CaseState, Task, TaskRole, TaskStatus
from cases.selectors import DEFAULT_TASK_ORDER, TASK_ORDERS
from core.abilities import may
from core.api.filters import StrictBooleanFilter, UtcIsoDateTimeFilter
from core.search import contains_text
from core.vocab import Category, Phase


class CaseFilter(django_filters.FilterSet):
    #: `distinct=False`: django-filter's multiple choice adds DISTINCT for filters across a
    #: to-many join, which a column of the case is not; with it PostgreSQL de-duplicated
    #: every case of the scope before the page (seconds at 2M cases, issue 13).
    state = django_filters.MultipleChoiceFilter(choices=CaseState.choices, distinct=False)
    kind = django_filters.ChoiceFilter(choices=kinds.RegisteredKinds())
    category = django_filters.ChoiceFilter(choices=Category.choices)
    phase = django_filters.ChoiceFilter(choices=Phase.choices)
    region = django_filters.CharFilter(method="filter_region", label=_("Within region code"))
    q = django_filters.CharFilter(method="filter_q", label=_("Number or title"))
    institution = django_filters.CharFilter(
        method="filter_institution",
        label=_("Institution (unified social credit code)"))
    updated_since = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte",
                                                     label=_("Updated since"))

    class Meta:
        model = Case
        fields = ["state", "kind", "category", "phase", "region", "q", "institution",
                  "updated_since"]

    def filter_region(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(region__path__contains=f"/{value}/")

    def filter_institution(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(institution__uscc=value.strip().upper())

    def filter_q(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """The cases whose number or title holds `value` (case aside), as `icontains`
        finds them, through the gram indexes of both columns (`core.search`, migration
        0015): a rare term is a BitmapOr of the two indexes, not a walk of every case
        of the county (issue 13)."""
        value = value.strip()[:100]  # as the other search boxes: a term, not a document
        return qs.filter(contains_text("number", value) | contains_text("title", value))


def _regions(request: Any) -> QuerySet:
    """Regions to filter cases by, named: the user's region and those below it, down to
    towns (grids are too many for a list), or every such region for a city-wide reader."""
    from org.models import Region, RegionLevel
    from org.scope import scope_of

    if request is None:
        return Region.objects.none()
    qs = Region.objects.filter(level__lte=RegionLevel.TOWN).order_by("path")
    path = getattr(scope_of(request.user), "region_path", None)
    return qs.filter(path__startswith=path) if path else qs


class CasePageFilter(CaseFilter):
    """The case page's filter: a region is picked by name (its code stays the value, as in
    the API), not typed as a number (issue 14 C9)."""

    region = django_filters.ModelChoiceFilter(
        queryset=_regions, to_field_name="code", method="filter_region_choice",
        label=_("Region"))

    def filter_region_choice(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        return qs.filter(region__path__startswith=value.path)


def _departments(request: Any) -> QuerySet:
    """Departments to filter by: those of the user's region and below."""
    from org.models import Department
    from org.scope import Action

    if request is None:  # a filter built without its request offers nothing
        return Department.objects.none()
    user = getattr(request, "user", None)
    qs = Department.objects.restrict(user, Action.ASSIGN).filter(is_active=True)
    if not may(user, "cases.assign_across_departments"):
        qs = qs.filter(pk=getattr(user, "department_id", None))  # the user's own queue
    return qs.select_related("region")


class TaskFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices)
    role = django_filters.ChoiceFilter(choices=TaskRole.choices)
    overdue = StrictBooleanFilter(method="filter_overdue", label=_("Overdue"))
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte",
                                           label=_("Due on or before"))
    department = django_filters.ModelChoiceFilter(field_name="department",
                                                  queryset=_departments, label=_("Department"))
    case_kind = django_filters.ChoiceFilter(field_name="case__kind", choices=kinds.RegisteredKinds(),
                                            label=_("Case kind"))

    class Meta:
        model = Task
        fields = ["status", "role", "overdue", "due_before", "department", "case_kind"]

    def filter_overdue(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        """Not called without a value (django-filter skips an empty one); the hint is
        what the schema says (a boolean)."""
        from django.utils import timezone

        today = timezone.localdate()
        return (qs.filter(status=TaskStatus.OPEN, due_date__lt=today) if value
                else qs.exclude(status=TaskStatus.OPEN, due_date__lt=today))


class TaskPageFilter(TaskFilter):
    """The task pages' filter: no status means the open tasks (finished ones only when
    asked for, "all" for everything), "overdue" and "escalated" read All / Yes / No, and
    the reader picks the order (each one unique and indexed, so that the pages are keyset
    pages: issue 13)."""

    status = django_filters.ChoiceFilter(
        choices=[*TaskStatus.choices, ("all", _("All"))], method="filter_status",
        empty_label=_("Open (default)"), label=_("Status"))
    # A date picker, not a text box to type 2026-12-05 into on a phone (the walk of
    # 2 December); ISO is the form `<input type="date">` reads and sends.
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due on or before"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", _("Yes")), ("no", _("No"))], method="filter_overdue_choice",
        empty_label=_("All"), label=_("Overdue"))
    escalated = django_filters.ChoiceFilter(
        choices=[("yes", _("Yes")), ("no", _("No"))], method="filter_escalated",
        empty_label=_("All"), label=_("Escalated"))
    order = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _keys) in TASK_ORDERS.items()],
        method="filter_order", empty_label=None, label=_("Sort by"))

    def filter_status(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs if value == "all" else qs.filter(status=value)

    def filter_overdue_choice(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return self.filter_overdue(qs, name, value == "yes")

    def filter_escalated(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Escalated tasks are those the overdue scan raised to a head or the county
        admin (escalation_level > 0): the dashboards' "escalated" figures open this list
        (issue 12 "Dashboards")."""
        return qs.filter(escalation_level__gt=0) if value == "yes" \
            else qs.filter(escalation_level=0)

    def filter_order(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.order_by(*TASK_ORDERS[value][1])

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        qs = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            qs = qs.filter(status=TaskStatus.OPEN)
        if not self.form.cleaned_data.get("order"):
            qs = qs.order_by(*TASK_ORDERS[DEFAULT_TASK_ORDER][1])
        return qs


class TaskOverviewFilter(TaskPageFilter):
    """The task overview's filter adds the case's region (and those below it), picked by
    name: the dashboards' per-county figures open the overview so filtered (issue 12
    "Dashboards")."""

    region = django_filters.ModelChoiceFilter(
        queryset=_regions, to_field_name="code", method="filter_region_choice",
        label=_("Region"))

    def filter_region_choice(self, qs: QuerySet, name: str, value: Any) -> QuerySet:
        return qs.filter(case__region__path__startswith=value.path)
