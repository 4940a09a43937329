from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gongjiang.monitoring.models import Carrier, CarrierDecision, CarrierKind, CarrierLevel, Target, TargetEvaluation
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
        own = getattr(obj, "own_evaluations", None)  # prefetched by the list (at most one: unique per region)
        if own is not None:
            return evaluation_json(own[0]) if own else None
        ev = (
            TargetEvaluation.objects.filter(target=obj, region_code=obj.region_code)
            .select_related("target", "target__indicator")
            .first()
        )
        return evaluation_json(ev) if ev else None


class CarrierDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CarrierDecision
        fields = ["date", "kind", "clause", "level", "valid_until", "year", "score", "findings", "amount", "reason"]
        read_only_fields = fields


class CarrierSerializer(serializers.ModelSerializer):
    """A carrier with its history. Posting one records a carrier recognised already (with ``since``); an
    application and the bureau's decisions are taken on the carrier's pages."""

    kind = serializers.ChoiceField(choices=CarrierKind.choices)
    level = serializers.ChoiceField(choices=CarrierLevel.choices)
    since = serializers.DateField()
    status = serializers.CharField(read_only=True)
    valid_until = serializers.DateField(read_only=True)
    decisions = CarrierDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Carrier
        fields = [
            "id",
            "kind",
            "name",
            "region_code",
            "status",
            "level",
            "since",
            "valid_until",
            "until",
            "digital",
            "organisation",
            "source",
            "decisions",
        ]
        validators: list = []  # the service checks the natural key and names the field
