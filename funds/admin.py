from django.contrib import admin

from funds.models import RiskRule


@admin.register(RiskRule)
class RiskRuleAdmin(admin.ModelAdmin):
    """The warning rules are data (issue 11): each rule's threshold and window are set in
    the policy profile (`risk_*` rules, documented defaults in base.yaml) and copied onto
    the row on each scan (`funds.services.RULE_PARAMS`); here a rule is switched on or
    off. Codes are fixed, since the scan knows each one."""

    list_display = ["code", "threshold", "window_days", "active", "source"]
    readonly_fields = ["code", "threshold", "window_days", "source"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
