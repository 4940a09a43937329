from __future__ import annotations

import datetime
from typing import Any

from rest_framework import serializers, viewsets

from gongjiang.core.permissions import ReferenceReadOnly
from gongjiang.reference.models import Industry, Occupation, Region, SkillLevel


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent_code", "valid_from", "valid_to"]


class OccupationSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, default=None)

    class Meta:
        model = Occupation
        fields = ["code", "name", "kind", "parent_code", "digital"]


class IndustrySerializer(serializers.ModelSerializer):
    class Meta:
        model = Industry
        fields = ["code", "name", "kind", "section"]


class SkillLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = SkillLevel
        fields = ["code", "rank", "name", "name_en", "national_level", "high_skilled"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 2260 regions. ``?as_of=YYYY-MM-DD`` gives the versions valid on that date."""

    permission_classes = [ReferenceReadOnly]
    serializer_class = RegionSerializer
    queryset = Region.objects.all()
    filterset_fields = ["code", "parent_code", "level"]

    def get_queryset(self) -> Any:
        qs = Region.objects.all()
        as_of = self.request.query_params.get("as_of")
        if as_of:
            try:
                when = datetime.date.fromisoformat(as_of)
            except ValueError:
                raise serializers.ValidationError({"as_of": "Use the date format YYYY-MM-DD."}) from None
            qs = qs.as_of(when)
        return qs


class OccupationViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ReferenceReadOnly]
    serializer_class = OccupationSerializer
    queryset = Occupation.objects.select_related("parent")
    lookup_field = "code"
    filterset_fields = ["kind", "digital"]


class IndustryViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ReferenceReadOnly]
    serializer_class = IndustrySerializer
    queryset = Industry.objects.all()
    lookup_field = "code"
    filterset_fields = ["kind", "section"]


class SkillLevelViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [ReferenceReadOnly]
    serializer_class = SkillLevelSerializer
    queryset = SkillLevel.objects.all()
    lookup_field = "code"
    pagination_class = None
