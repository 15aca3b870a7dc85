from rest_framework import serializers

from core.api.serializers import ModelSerializer
from institutions.models import Course, Institution


class CourseSerializer(ModelSerializer):
    class Meta:
        model = Course
        fields = ["name", "mode", "class_hours", "price", "starts_on"]
        read_only_fields = fields


class PublicInstitutionSerializer(ModelSerializer):
    """The public status of an institution: licence, lists, supervising department."""

    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    supervising_department = serializers.CharField(source="supervising_department.name",
                                                   read_only=True, default=None,
                                                   allow_null=True)
    complaint_phone = serializers.SerializerMethodField()
    gate_met = serializers.BooleanField(read_only=True)

    class Meta:
        model = Institution
        fields = ["uscc", "name", "category", "nature", "status", "licence_number",
                  "licence_valid_until", "list_status", "list_reason", "region", "region_name",
                  "supervising_department", "complaint_phone", "gate_met"]
        read_only_fields = fields

    def get_complaint_phone(self, obj: Institution) -> str:
        dept = obj.supervising_department
        return (dept.complaint_phone or dept.consultation_phone) if dept else ""


class InstitutionSerializer(PublicInstitutionSerializer):
    class Meta(PublicInstitutionSerializer.Meta):
        fields = [*PublicInstitutionSerializer.Meta.fields, "legal_representative", "address",
                  "converted_from_academic", "updated_at"]
        read_only_fields = fields


class InstitutionListSerializer(InstitutionSerializer):
    gate_met = None  # type: ignore[assignment]  (needs a query per row; see the detail)

    class Meta(InstitutionSerializer.Meta):
        fields = [f for f in InstitutionSerializer.Meta.fields if f != "gate_met"]
        read_only_fields = fields
