from rest_framework import serializers

from core.api.serializers import ModelSerializer
from inspections.models import (
    AnnualInspection,
    DailyInspection,
    InspectionRound,
    RectificationOrder,
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
