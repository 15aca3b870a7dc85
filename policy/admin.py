"""The admin of the policy: profiles, matrix cells, routes, rules and the change trail
are shown read-only, because the profile files are their only writer (policy/loader.py,
FORMAT.md "One writer"). The working-day calendar and school vacations are not part of a
profile and stay editable here."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from policy import calendar
from policy.models import (
    CalendarDay,
    CalendarYear,
    ComplaintRoute,
    LicenceApproval,
    MatrixAssist,
    MatrixCell,
    MatrixStep,
    PolicyChange,
    PolicyProfile,
    RuleParameter,
    SchoolVacation,
)


class ReadOnly:
    """Viewable, never added, changed or deleted here: the file is the only writer."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LicenceApprovalInline(ReadOnly, admin.TabularInline):
    model = LicenceApproval
    extra = 0


class RuleInline(ReadOnly, admin.TabularInline):
    model = RuleParameter
    extra = 0
    fields = ["group", "key", "value", "label", "source", "from_seed"]


@admin.register(PolicyProfile)
class PolicyProfileAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["code", "name", "source", "loaded_at", "file_sha256"]
    inlines = [LicenceApprovalInline, RuleInline]


class AssistInline(ReadOnly, admin.TabularInline):
    model = MatrixAssist
    extra = 0


class StepInline(ReadOnly, admin.TabularInline):
    model = MatrixStep
    extra = 0
    fields = ["order", "step", "owner_type", "role", "nature", "participants", "cosigners",
              "source"]


@admin.register(MatrixCell)
class MatrixCellAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["profile", "region_code", "category", "phase", "lead_type", "source"]
    list_filter = ["profile", "category", "phase", "region_code"]
    inlines = [AssistInline, StepInline]


@admin.register(ComplaintRoute)
class ComplaintRouteAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["profile", "category", "topic", "lead_type", "hotline", "source"]
    list_filter = ["profile", "topic"]


@admin.register(PolicyChange)
class PolicyChangeAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "profile_code", "actor", "old_hash", "new_hash"]
    list_filter = ["profile_code"]
    date_hierarchy = "at"


@admin.register(SchoolVacation)
class SchoolVacationAdmin(admin.ModelAdmin):
    list_display = ["name", "start", "end", "region_code"]


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "note"]
    actions = ["add_next_year"]

    @admin.action(description=_("Add the year after the newest one (weekdays as working days)"))
    def add_next_year(self, request: HttpRequest, queryset: Any) -> None:
        newest = CalendarYear.objects.order_by("-year").first()
        year = (newest.year + 1) if newest else 2020
        calendar.add_year_with_weekends(year, note="added in admin")
        messages.success(request, _("%(year)s added: now mark its legal holidays and make-up "
                                    "working days.") % {"year": year})


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["year", "is_workday"]
    list_editable = ["is_workday", "name"]
    date_hierarchy = "date"
    readonly_fields = ["date", "year"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
