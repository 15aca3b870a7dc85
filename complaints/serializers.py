from __future__ import annotations

from rest_framework import serializers

from complaints.models import Complaint, Topic
from core.api.serializers import KnownFieldsSerializer, ModelSerializer, StrictCharField
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


class HotlineTicketSerializer(KnownFieldsSerializer):
    """A ticket of the 12345 citizen hotline (004 §6(2)1: 与12345平台互联互通).

    12345's classification is not ours: a topic code we do not know is filed as "other"
    and a district we do not know as the client's own region, so the ticket is never
    lost and the dispatcher places it. An institution whose credit code is not in the
    register is taken as described (an unlicensed one).

    Text is given as text (StrictCharField: a number is refused, as the schema's type
    string says), with no NUL character (the schema's pattern)."""

    ticket = StrictCharField(max_length=60)
    topic = StrictCharField(max_length=40)
    region = StrictCharField(max_length=20, required=False, allow_blank=True)
    description = StrictCharField(
        min_length=10, max_length=5000,
        help_text="What the caller reported: at least 10 characters, not counting the "
                  "whitespace around the text (it is trimmed before it is counted).")
    institution_name = StrictCharField(max_length=200)
    institution_uscc = StrictCharField(max_length=18, required=False, allow_blank=True)
    address = StrictCharField(max_length=200, required=False, allow_blank=True)
    complainant_name = StrictCharField(max_length=50, required=False, allow_blank=True)
    complainant_phone = StrictCharField(max_length=30, required=False, allow_blank=True)

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
