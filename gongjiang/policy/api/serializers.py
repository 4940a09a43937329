from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gongjiang.policy.models import Clause, DecisionTable, Parameter, PolicyDocument, PolicySet, PolicySetVersion


class ClauseSerializer(serializers.ModelSerializer):
    citation = serializers.CharField(read_only=True)
    key = serializers.CharField(read_only=True)

    class Meta:
        model = Clause
        fields = ["path", "summary", "citation", "key"]


class PolicyDocumentSerializer(serializers.ModelSerializer):
    clauses = ClauseSerializer(many=True, read_only=True)
    kind = serializers.CharField(read_only=True)

    class Meta:
        model = PolicyDocument
        fields = [
            "code",
            "number",
            "short",
            "title",
            "issuer",
            "issued_on",
            "region_code",
            "kind",
            "note",
            "note_en",
            "clauses",
        ]


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicySetVersion
        fields = ["number", "digest", "loaded_at", "loaded_by", "adopted_at", "cases_count", "note", "files"]


class PolicySetSerializer(serializers.ModelSerializer):
    versions = VersionSerializer(many=True, read_only=True)
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = PolicySet
        fields = [
            "name",
            "title",
            "title_en",
            "region_code",
            "description",
            "description_en",
            "current_version",
            "versions",
        ]

    def get_current_version(self, obj: PolicySet) -> int | None:
        v = obj.current_version()
        return v.number if v else None


class ParameterSerializer(serializers.ModelSerializer):
    clause = serializers.CharField(source="clause.citation")

    class Meta:
        model = Parameter
        fields = [
            "name",
            "value",
            "unit",
            "region_code",
            "effective_from",
            "effective_to",
            "recorded_at",
            "clause",
            "origin",
            "note",
            "note_en",
        ]


class DecisionTableSerializer(serializers.ModelSerializer):
    clause = serializers.CharField(source="clause.citation")

    class Meta:
        model = DecisionTable
        fields = [
            "name",
            "hit_policy",
            "region_code",
            "effective_from",
            "effective_to",
            "recorded_at",
            "clause",
            "inputs",
            "outputs",
            "rows",
            "unmatched",
            "origin",
        ]


class EvaluateRequestSerializer(serializers.Serializer):
    policy_set = serializers.CharField()
    version = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    as_of = serializers.DateField(required=False, allow_null=True)
    events = serializers.ListField(child=serializers.DictField(), required=False, max_length=100_000)
    history = serializers.ListField(child=serializers.DictField(), required=False, max_length=100_000)
    file = serializers.FileField(required=False, help_text="events CSV (multipart) instead of 'events'")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("events") and not attrs.get("file"):
            raise serializers.ValidationError({"events": "Give the events as a list or as a CSV file ('file')."})
        return attrs


class DiffRequestSerializer(serializers.Serializer):
    policy_set = serializers.CharField()
    from_version = serializers.IntegerField(min_value=1)
    to_version = serializers.IntegerField(min_value=1)
    events = serializers.ListField(child=serializers.DictField(), required=False, max_length=100_000)
    history = serializers.ListField(child=serializers.DictField(), required=False, max_length=100_000)
    file = serializers.FileField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("events") and not attrs.get("file"):
            raise serializers.ValidationError({"events": "Give the events as a list or as a CSV file ('file')."})
        return attrs
