from rest_framework import serializers

from org.models import Department, Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    level_display = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "level_display", "kind", "parent", "path"]


class DepartmentSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    type_display = serializers.CharField(source="get_type_display", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "type", "type_display", "region", "region_name", "duties",
                  "responsible_office", "office_head", "consultation_address",
                  "consultation_phone", "complaint_phone"]
