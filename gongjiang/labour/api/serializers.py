"""Serializers of the labour API: read-only views of the records, codes rather than names."""

from __future__ import annotations

from rest_framework import serializers

from gongjiang.labour import models


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
            "occupation",
            "demand",
            "posted",
            "filled",
            "hard_to_fill",
            "open_days",
            "supply",
            "shortage_index",
            "proposed",
        )


class CatalogSerializer(serializers.ModelSerializer):
    entries = EntrySerializer(many=True, read_only=True)

    class Meta:
        model = models.NeedCatalog
        fields = ("id", "region_code", "year", "status", "compiled_on", "published_on", "entries")


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
