from rest_framework import serializers

from core.api.serializers import ModelSerializer
from inspections.models import (
    AnnualInspection,
    BlacklistEntry,
    DailyInspection,
    Enforcement,
    InspectionRound,
    RectificationOrder,
    ZombieCleanup,
)


class RoundSerializer(ModelSerializer):
    number = serializers.CharField(source="case.number", read_only=True)
    county = serializers.CharField(source="region.code", read_only=True)
    lead_department = serializers.CharField(source="lead_department.name", read_only=True)

    class Meta:
        model = InspectionRound
        fields = ["id", "number", "county", "year", "category", "lead_department", "starts_on",
                  "ends_on", "state", "published_at"]
        read_only_fields = fields


class DailyInspectionSerializer(ModelSerializer):
    number = serializers.CharField(source="case.number", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    institution = serializers.CharField(source="institution.uscc", read_only=True,
                                        default=None, allow_null=True)

    class Meta:
        model = DailyInspection
        fields = ["id", "number", "mode", "region", "institution", "site_type", "site_address",
                  "planned_on", "state", "outcome", "findings", "done_at"]
        read_only_fields = fields


class RectificationOrderSerializer(ModelSerializer):
    number = serializers.CharField(source="case.number", read_only=True)
    institution = serializers.CharField(source="institution.uscc", read_only=True,
                                        default=None, allow_null=True)
    department = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = RectificationOrder
        fields = ["id", "number", "institution", "department", "findings", "due_on",
                  "extended", "state", "closed_at"]
        read_only_fields = fields


class PublicResultSerializer(ModelSerializer):
    """One published annual-inspection result (000 §3)."""

    year = serializers.IntegerField(source="round.year", read_only=True)
    county = serializers.CharField(source="round.region.code", read_only=True)
    category = serializers.CharField(source="round.category", read_only=True)
    uscc = serializers.CharField(source="institution.uscc", read_only=True)
    institution = serializers.CharField(source="institution.name", read_only=True)
    published_by = serializers.CharField(source="round.lead_department.name", read_only=True)

    class Meta:
        model = AnnualInspection
        fields = ["id", "year", "county", "category", "uscc", "institution", "result",
                  "published_by"]
        read_only_fields = fields


# -- zombies, enforcement and the black list (issue 9 REST) --------------------------------

class ZombieCleanupSerializer(ModelSerializer):
    """A zombie flag (000 §4(3)) and its cleanup case."""

    number = serializers.CharField(source="case.number", read_only=True)
    institution = serializers.CharField(source="institution.uscc", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    region = serializers.CharField(source="institution.region.code", read_only=True)

    class Meta:
        model = ZombieCleanup
        fields = ["id", "number", "institution", "institution_name", "region", "criteria",
                  "combination", "flagged_on", "outcome", "outcome_note", "closed_at"]
        read_only_fields = fields


class EnforcementSerializer(ModelSerializer):
    """An enforcement case with its penalty (003 §5(1); 000 §4(2))."""

    number = serializers.CharField(source="case.number", read_only=True)
    violation = serializers.CharField(source="violation.code", read_only=True)
    violation_label = serializers.CharField(source="violation.label", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    institution = serializers.CharField(source="institution.uscc", read_only=True,
                                        default=None, allow_null=True)
    department = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Enforcement
        fields = ["id", "number", "violation", "violation_label", "mode", "region",
                  "institution", "subject_name", "department", "findings", "penalty",
                  "fine_amount", "legal_basis", "decided_at", "created_at"]
        read_only_fields = fields


class BlacklistEntrySerializer(ModelSerializer):
    """A black-list entry (004 §6(4)) with its appeal and removal."""

    number = serializers.CharField(source="case.number", read_only=True)
    institution = serializers.CharField(source="institution.uscc", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    department = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = BlacklistEntry
        fields = ["id", "number", "institution", "institution_name", "department", "reason",
                  "state", "listed_at", "appeal_state", "appeal_due", "appeal_reason",
                  "removed_at", "removal_reason"]
        read_only_fields = fields
