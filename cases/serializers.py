from collections.abc import Callable
from typing import Any

from rest_framework import serializers

from cases import kinds
from cases.models import Case, Notification, Task
from core.api.serializers import (
    BoundedListField,
    KnownFieldsSerializer,
    ModelSerializer,
    StrictCharField,
    StrictIntegerField,
)


class RegisteredChoices:
    """Read-only choice fields whose values come from the case-kind registry, read when
    the serializer is built (after every app registered its kinds), so the schema lists
    them as an enum."""

    registered: dict[str, Callable[[], list[tuple[str, str]]]] = {}
    fields: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in self.registered.items():
            self.fields[name] = serializers.ChoiceField(choices=choices(), read_only=True)


class TaskSerializer(RegisteredChoices, ModelSerializer):
    registered = {"step": lambda: [("", ""), *kinds.step_choices()]}

    case = serializers.SlugRelatedField(slug_field="number", read_only=True)
    case_title = serializers.CharField(source="case.title", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Task
        fields = ["id", "case", "case_title", "department", "department_name", "assignee",
                  "assignee_name", "role", "step", "duty", "due_date", "status",
                  "completion_note", "return_reason", "escalation_level", "overdue_since",
                  "is_overdue", "completed_at", "created_at"]
        read_only_fields = fields

    def get_assignee_name(self, task: Task) -> str | None:
        """Null when nobody is assigned (issue 14 §A3)."""
        return str(task.assignee) if task.assignee_id else None


class TaskCompleteSerializer(KnownFieldsSerializer):
    note = StrictCharField(max_length=5000, allow_blank=False, trim_whitespace=True)


class CaseInstitutionSerializer(serializers.Serializer):
    """The institution a case is about (the registry's identity: DESIGN.md "Layout")."""

    uscc = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class CaseSerializer(RegisteredChoices, ModelSerializer):
    registered = {"kind": kinds.choices}

    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    institution = CaseInstitutionSerializer(read_only=True, allow_null=True)
    open_tasks = serializers.IntegerField(read_only=True)

    class Meta:
        model = Case
        fields = ["number", "kind", "title", "region", "region_name", "institution",
                  "category", "phase",
                  "state", "opened_at", "closed_at", "updated_at", "open_tasks"]
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    tasks = TaskSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "description", "tasks"]
        read_only_fields = fields


class NotificationSerializer(ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    #: In the language of the request (Accept-Language), like the inbox page.
    title = serializers.CharField(source="display_title", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "case", "task", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(KnownFieldsSerializer):
    ids = BoundedListField(child=StrictIntegerField(min_value=1, max_value=2**63 - 1),
                           required=False, max_length=1000)
