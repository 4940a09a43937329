"""Serializers of the labour API: read-only views of the records, codes rather than names."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gongjiang.labour import fairs, models


class PostSerializer(serializers.ModelSerializer):
    occupation = serializers.CharField(source="occupation.code")
    level = serializers.CharField(source="level.code", allow_null=True, default=None)

    class Meta:
        model = models.DemandPost
        fields = (
            "id",
            "organisation",
            "region_code",
            "occupation",
            "level",
            "headcount",
            "filled",
            "wage_offer",
            "start",
            "opened_on",
            "status",
        )


class EntrySerializer(serializers.ModelSerializer):
    occupation = serializers.CharField(source="occupation.code")

    class Meta:
        model = models.CatalogEntry
        fields = (
            "id",
            "occupation",
            "demand",
            "posted",
            "filled",
            "hard_to_fill",
            "open_days",
            "supply",
            "shortage_index",
            "proposed",
            "decision",
            "decided_on",
        )


class CatalogSerializer(serializers.ModelSerializer):
    entries = EntrySerializer(many=True, read_only=True)

    class Meta:
        model = models.NeedCatalog
        fields = ("id", "region_code", "year", "status", "compiled_on", "published_on", "entries")


class FairCountsSerializer(serializers.Serializer):
    booths = serializers.IntegerField()
    posts = serializers.IntegerField()
    places = serializers.IntegerField()
    seekers = serializers.IntegerField()
    interviewed = serializers.IntegerField()
    hired = serializers.IntegerField()


class FairSerializer(serializers.ModelSerializer):
    posts = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()

    class Meta:
        model = models.JobFair
        fields = (
            "id",
            "name",
            "kind",
            "region_code",
            "date",
            "place",
            "industry_code",
            "clause",
            "status",
            "held_on",
            "posts",
            "counts",
        )

    def get_posts(self, obj: models.JobFair) -> list[int]:
        return [p.pk for p in fairs.fair_posts(obj, open_only=False)]

    @extend_schema_field(FairCountsSerializer)
    def get_counts(self, obj: models.JobFair) -> dict[str, int]:
        return fairs.fair_counts(obj)


class OrderClassSerializer(serializers.ModelSerializer):
    occupation = serializers.CharField(source="occupation.code")

    class Meta:
        model = models.OrderClass
        fields = (
            "id",
            "name",
            "kind",
            "school",
            "enterprise",
            "region_code",
            "occupation",
            "year",
            "places",
            "funding_per_student",
            "school_quota",
            "region_quota",
        )


class RoundSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.MatchRound
        fields = ("id", "name", "organiser", "region_code", "year", "status", "matched_at", "certificate")


class RecommendationSerializer(serializers.Serializer):
    post = serializers.IntegerField(source="target.pk")
    score = serializers.IntegerField()
    sentence = serializers.CharField()
