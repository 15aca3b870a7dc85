from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import (
    BoundedListField,
    KnownFieldsSerializer,
    ModelSerializer,
    StrictRegexField,
)
from institutions.models import Course, Institution
from institutions.uscc import normalise

#: A credit code as it is stored: 18 characters of GB 32100-2015's alphabet (institutions.uscc).
CREDIT_CODE = r"^[0-9A-HJ-NPQRTUWXY]{18}$"


@extend_schema_field({
    "type": "string",
    # what the field takes: any case, whitespace around it (str.strip's, Python's \s)
    "pattern": r"^\s*[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}\s*$",
})
class CreditCodeField(StrictRegexField):
    """A credit code as the public status look-up takes it (`PublicStatusView`): in any
    case, with whitespace around it, normalised by `institutions.uscc.normalise`. Only
    ASCII is upper-cased, so that no other letter turns into one of the alphabet
    ("ﬀ".upper() is "FF")."""

    def __init__(self, **kwargs: Any) -> None:
        # The pattern fixes the length; a max_length would hold the schema to 18
        # characters, spaces around included.
        super().__init__(CREDIT_CODE, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)  # text, stripped
        return normalise(value) if value.isascii() else value


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


class PublicListEntrySerializer(PublicInstitutionSerializer):
    """A row of the published white or black list."""

    gate_met = None  # type: ignore[assignment]  (a query per row; the detail has it)
    relicensed = serializers.BooleanField(read_only=True, default=False)

    class Meta(PublicInstitutionSerializer.Meta):
        fields = [*(f for f in PublicInstitutionSerializer.Meta.fields if f != "gate_met"),
                  "relicensed"]
        read_only_fields = fields


class PublicBlackListEntrySerializer(PublicListEntrySerializer):
    """A row of the published black list (004 §6(4)): the reason (`list_reason`) and when
    the listing began."""

    listed_since = serializers.DateTimeField(read_only=True, allow_null=True, default=None)

    class Meta(PublicListEntrySerializer.Meta):
        fields = [*PublicListEntrySerializer.Meta.fields, "listed_since"]
        read_only_fields = fields


class BulkLookupSerializer(KnownFieldsSerializer):
    uscc = BoundedListField(
        child=CreditCodeField(),
        min_length=1, max_length=200,
        help_text="Up to 200 unified social credit codes.")


class BulkLookupResultSerializer(serializers.Serializer):
    results = InstitutionListSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField(),
                                    help_text="Codes not found in the caller's scope.")
