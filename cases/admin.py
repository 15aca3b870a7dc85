from django.contrib import admin
from django.http import HttpRequest

from cases.models import AuditEvent, Case, Task


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["department", "assignee", "role", "duty", "due_date", "status", "escalation_level"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change only through services (audited)."""

    list_display = ["number", "kind", "title", "region", "state", "opened_at"]
    list_filter = ["kind", "state"]
    search_fields = ["number", "title"]
    inlines = [TaskInline]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "actor_label", "action", "case", "object_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["case__number", "object_repr", "reason"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
