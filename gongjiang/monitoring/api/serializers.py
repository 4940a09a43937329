from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gongjiang.monitoring.models import Carrier, CarrierKind, CarrierLevel, Target, TargetEvaluation
from gongjiang.monitoring.selectors import evaluation_json


class TargetSerializer(serializers.ModelSerializer):
    indicator: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    citation = serializers.CharField(read_only=True)
    evaluation = serializers.SerializerMethodField()

    class Meta:
        model = Target
        fields = [
            "id",
            "key",
            "indicator",
            "region_code",
            "kind",
            "comparison",
            "value",
            "baseline_year",
            "baseline_value",
            "horizon",
            "window_start",
            "stable",
            "document_id",
            "document",
            "clause",
            "citation",
            "summary",
            "evaluation",
        ]

    def get_evaluation(self, obj: Target) -> dict[str, Any] | None:
        ev = (
            TargetEvaluation.objects.filter(target=obj, region_code=obj.region_code)
            .select_related("target", "target__indicator")
            .first()
        )
        return evaluation_json(ev) if ev else None


class CarrierSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=CarrierKind.choices)
    level = serializers.ChoiceField(choices=CarrierLevel.choices)

    class Meta:
        model = Carrier
        fields = ["id", "kind", "name", "region_code", "level", "since", "until", "digital", "organisation", "source"]
        validators: list = []  # the service checks the natural key and names the field
