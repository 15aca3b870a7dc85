from __future__ import annotations

from rest_framework import serializers

from complaints.models import Complaint, Topic
from core.api.serializers import ModelSerializer
from org.models import Region

#: Where a 12345 topic we do not know is filed.
FALLBACK_TOPIC = "other"


class ComplaintSerializer(ModelSerializer):
    """A complaint as the API shows it. The complainant's identity is left out: the API
    serves lists and integrating systems, where it is masked (issue 10 "Privacy")."""

    number = serializers.CharField(source="case.number", read_only=True)
    topic = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region = serializers.CharField(source="case.region.code", read_only=True)
    institution = serializers.CharField(source="case.institution.uscc", read_only=True,
                                        default=None, allow_null=True)
    institution_name = serializers.CharField(source="institution_label", read_only=True)

    class Meta:
        model = Complaint
        fields = ["number", "topic", "channel", "external_ticket", "origin", "status",
                  "region", "institution", "institution_name", "finding", "outcome",
                  "rating", "received_at", "replied_at"]
        read_only_fields = fields


class TextField(serializers.CharField):
    """Text only: DRF's CharField turns a number or a boolean into text, which the schema
    (type string) does not allow."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class HotlineTicketSerializer(serializers.Serializer):
    """A ticket of the 12345 citizen hotline (004 §6(2)1: 与12345平台互联互通).

    12345's classification is not ours: a topic code we do not know is filed as "other"
    and a district we do not know as the client's own region, so the ticket is never
    lost and the dispatcher places it. An institution whose credit code is not in the
    register is taken as described (an unlicensed one)."""

    ticket = TextField(max_length=60)
    topic = TextField(max_length=40)
    region = TextField(max_length=20, required=False, allow_blank=True)
    description = TextField(min_length=10, max_length=5000)
    institution_name = TextField(max_length=200)
    institution_uscc = TextField(max_length=18, required=False, allow_blank=True)
    address = TextField(max_length=200, required=False, allow_blank=True)
    complainant_name = TextField(max_length=50, required=False, allow_blank=True)
    complainant_phone = TextField(max_length=30, required=False, allow_blank=True)

    def validate_topic(self, value: str) -> Topic:
        found = Topic.objects.filter(code=value, is_active=True).first()
        if found is not None:
            return found
        # The ticket is never lost, even when an admin removed the fallback topic.
        fallback, _created = Topic.objects.get_or_create(
            code=FALLBACK_TOPIC, defaults={"name": "其他", "name_en": "Other", "order": 999})
        return fallback

    def validate_region(self, value: str) -> Region | None:
        return Region.objects.filter(code=value).first() if value else None


class CountSerializer(serializers.Serializer):
    label = serializers.CharField()
    n = serializers.IntegerField()


class DepartmentOnTimeSerializer(serializers.Serializer):
    department = serializers.CharField()
    closed = serializers.IntegerField()
    on_time = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class AnalyticsSerializer(serializers.Serializer):
    """The analysis by the dimensions of 004 §6(2)1 (rates in percent, null without data)."""

    total = serializers.IntegerField()
    closed = serializers.IntegerField()
    completion_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    region = CountSerializer(many=True)
    category = CountSerializer(many=True)
    topic = CountSerializer(many=True)
    channel = CountSerializer(many=True)
    status = CountSerializer(many=True)
    rating = CountSerializer(many=True)
    month = CountSerializer(many=True)
    repeats = CountSerializer(many=True)
    repeat_complainants = CountSerializer(many=True)
    by_department = DepartmentOnTimeSerializer(many=True)
