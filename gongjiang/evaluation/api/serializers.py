from __future__ import annotations

from rest_framework import serializers

from gongjiang.evaluation.models import Candidate, Decision, FiledScope, Institution, Plan, Resource


def _code() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", read_only=True)


class FiledScopeSerializer(serializers.ModelSerializer):
    occupation = _code()
    level = _code()

    class Meta:
        model = FiledScope
        fields = ["occupation", "level"]


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["kind", "date", "reason", "clause"]


class InstitutionSerializer(serializers.ModelSerializer):
    organisation: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="uscc", read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    region_code = serializers.CharField(read_only=True)
    scope = FiledScopeSerializer(source="scope_items", many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "region_code",
            "kind",
            "status",
            "station_code",
            "valid_from",
            "valid_until",
            "scope",
            "decisions",
        ]


class CandidateSerializer(serializers.ModelSerializer):
    certificate: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Candidate
        fields = ["id", "theory", "practical", "passed", "sampled", "certificate"]


class PlanSerializer(serializers.ModelSerializer):
    occupation = _code()
    level = _code()
    batch: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "code",
            "institution",
            "occupation",
            "level",
            "source",
            "exam_date",
            "site",
            "status",
            "pass_mark",
            "publicity_from",
            "publicity_until",
            "batch",
        ]


class ResultsUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class IssueSerializer(serializers.Serializer):
    review_note = serializers.CharField(max_length=500)


class ResourceSerializer(serializers.ModelSerializer):
    occupation = _code()
    level = _code()

    class Meta:
        model = Resource
        fields = [
            "id",
            "kind",
            "title",
            "occupation",
            "level",
            "region_code",
            "owner",
            "version",
            "status",
            "since",
            "until",
            "digital",
        ]
