from rest_framework import serializers

from core.api.serializers import ModelSerializer
from org.models import Department, Region


class RegionSerializer(ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "level_display", "kind", "parent", "path"]


class DepartmentSerializer(ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    type_display = serializers.CharField(source="get_type_display", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "type", "type_display", "region", "region_name", "duties",
                  "responsible_office", "office_head", "consultation_address",
                  "consultation_phone", "complaint_phone"]
