from __future__ import annotations

from rest_framework import serializers

from complaints.models import Complaint, Topic
from core.api.serializers import ModelSerializer
from org.models import Region


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


class HotlineTicketSerializer(serializers.Serializer):
    """A ticket of the 12345 citizen hotline (004 §6(2)1: 与12345平台互联互通)."""

    ticket = serializers.CharField(max_length=60)
    topic = serializers.SlugRelatedField(slug_field="code",
                                         queryset=Topic.objects.filter(is_active=True))
    description = serializers.CharField(max_length=5000)
    institution_uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    institution_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(),
                                          required=False, allow_null=True)
    complainant_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    complainant_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
