"""Read-only answers of the competitions API: a competition with its judges' names, its aspects and, once
published, its ranked results (names masked, as on the public results page)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gongjiang.competitions.models import Aspect, Competition, Participant
from gongjiang.core.pii import mask_name


def _code() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", read_only=True)


class AspectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Aspect
        fields = ["name", "kind", "max_mark"]


class ResultSerializer(serializers.ModelSerializer):
    holder_name_masked = serializers.SerializerMethodField()
    organisation_name = serializers.CharField(source="organisation.name", default=None, read_only=True)
    certificate: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Participant
        fields = [
            "rank",
            "holder_name_masked",
            "organisation_name",
            "score",
            "measurement",
            "medal",
            "recognised",
            "flagged",
            "certificate",
        ]

    def get_holder_name_masked(self, obj: Participant) -> str:
        return mask_name(obj.person.name)


class CompetitionSerializer(serializers.ModelSerializer):
    occupation = _code()
    award_level = _code()
    organiser_name = serializers.CharField(source="organiser.name", default=None, read_only=True)
    participants = serializers.IntegerField(source="participant_count", read_only=True)
    judges: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    aspects = AspectSerializer(many=True, read_only=True)
    batch: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)
    results = serializers.SerializerMethodField()

    class Meta:
        model = Competition
        fields = [
            "id",
            "name",
            "level",
            "region_code",
            "organiser_name",
            "occupation",
            "award_level",
            "start",
            "end",
            "cap",
            "recognised_ranks",
            "spread",
            "status",
            "published_on",
            "participants",
            "judges",
            "aspects",
            "batch",
            "results",
        ]

    def get_results(self, obj: Competition) -> list[dict[str, Any]] | None:
        """The ranked results once published (None before)."""
        if obj.status != "published":
            return None
        ranked = obj.participants.filter(rank__isnull=False).select_related("person", "organisation", "certificate")
        return list(ResultSerializer(ranked.order_by("rank"), many=True).data)
