from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from org.models import ApiClient, Department, Region, User


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "kind", "parent", "path"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "region", "responsible_office", "office_head",
                    "consultation_phone", "is_active"]
    list_filter = ["type", "is_active", "region__level"]
    search_fields = ["name", "region__name"]
    autocomplete_fields = ["region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "department", "region", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "department__name"]
    autocomplete_fields = ["department", "region"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("full_name", "phone", "role", "department", "region")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Portal"), {"fields": ("full_name", "role", "department", "region")}),
    )


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "token_prefix", "throttle_rate", "is_active", "last_used_at"]
    filter_horizontal = ["regions"]
    readonly_fields = ["token_prefix", "last_used_at"]
    actions = ["rotate_token"]

    def save_model(self, request: HttpRequest, obj: ApiClient, form: Any, change: bool) -> None:
        if not obj.token_hash:
            token = obj.issue_token()
            messages.warning(request, _("Token for %(name)s (shown once): %(token)s")
                             % {"name": obj.name, "token": token})
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Issue a new token"))
    def rotate_token(self, request: HttpRequest, queryset: Any) -> None:
        for client in queryset:
            token = client.issue_token()
            client.save(update_fields=["token_prefix", "token_hash"])
            messages.warning(request, _("Token for %(name)s (shown once): %(token)s")
                             % {"name": client.name, "token": token})
