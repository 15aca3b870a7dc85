from django.contrib import admin

from funds.models import RiskRule


@admin.register(RiskRule)
class RiskRuleAdmin(admin.ModelAdmin):
    """The warning rules are data (issue 11): thresholds and windows change here. The
    rows are created with their documented defaults on the first scan
    (`funds.services.DEFAULT_RULES`); codes are fixed, since the scan knows each one."""

    list_display = ["code", "threshold", "window_days", "active", "source"]
    readonly_fields = ["code"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
