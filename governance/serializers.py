"""The governance API's read-only shapes (issue 12, governance part A)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.models import Task
from core.api.serializers import ModelSerializer
from governance.models import (
    Campaign,
    CampaignPhase,
    Decision,
    Meeting,
    ScreeningEntity,
    ScreeningOutcome,
)


class TaskStatusSerializer(ModelSerializer):
    department = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Task
        fields = ["id", "department", "role", "status", "due_date", "completed_at"]
        read_only_fields = fields


class DecisionSerializer(ModelSerializer):
    lead = serializers.CharField(source="lead.name", read_only=True)
    number = serializers.CharField(source="case.number", read_only=True, default=None,
                                   allow_null=True)
    tasks = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = ["id", "text", "lead", "number", "tasks"]
        read_only_fields = fields

    @extend_schema_field(TaskStatusSerializer(many=True))
    def get_tasks(self, obj: Decision) -> Any:
        """The tasks of the decision's case, once the minutes are issued."""
        if obj.case is None:
            return []
        return TaskStatusSerializer(obj.case.tasks.all(), many=True).data


class MeetingSerializer(ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "region", "kind", "title", "held_on", "status", "issued_at",
                  "decisions"]
        read_only_fields = fields


class PhaseSerializer(ModelSerializer):
    class Meta:
        model = CampaignPhase
        fields = ["phase", "start", "end"]
        read_only_fields = fields


class CampaignSerializer(ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    phases = PhaseSerializer(many=True, read_only=True)
    problems_open = serializers.IntegerField(source="n_open", read_only=True)
    problems_pending = serializers.IntegerField(source="n_pending", read_only=True)
    problems_closed = serializers.IntegerField(source="n_closed", read_only=True)

    class Meta:
        model = Campaign
        fields = ["id", "region", "title", "summary_due", "summary_submitted_at", "phases",
                  "problems_open", "problems_pending", "problems_closed"]
        read_only_fields = fields


class OutcomeSerializer(ModelSerializer):
    enforcement = serializers.CharField(source="enforcement.case.number", read_only=True,
                                        default=None, allow_null=True)
    blacklist = serializers.CharField(source="blacklist.case.number", read_only=True,
                                      default=None, allow_null=True)

    class Meta:
        model = ScreeningOutcome
        fields = ["kind", "other_reference", "note", "enforcement", "blacklist",
                  "recorded_at"]
        read_only_fields = fields


class ScreeningEntitySerializer(ModelSerializer):
    county = serializers.CharField(source="region.code", read_only=True)
    institution = serializers.CharField(source="institution.uscc", read_only=True,
                                        default=None, allow_null=True)
    check = serializers.CharField(source="case.number", read_only=True, default=None,
                                  allow_null=True)
    check_state = serializers.CharField(source="case.state", read_only=True, default=None,
                                        allow_null=True)
    outcome = OutcomeSerializer(read_only=True, allow_null=True, default=None)

    class Meta:
        model = ScreeningEntity
        fields = ["id", "credit_code", "name", "county", "institution", "check",
                  "check_state", "outcome"]
        read_only_fields = fields
