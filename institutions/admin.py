from django.contrib import admin

from institutions.models import EmploymentBan, Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    """Read-only: institutions change through services (audited)."""

    list_display = ["name", "uscc", "category", "status", "list_status", "region"]
    list_filter = ["category", "status", "list_status"]
    search_fields = ["name", "uscc"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(EmploymentBan)
class EmploymentBanAdmin(admin.ModelAdmin):
    list_display = ["name", "id_number_masked", "source", "until", "created_at"]
    search_fields = ["name"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
