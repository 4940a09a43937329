"""Read-only answers of the honours API: calls, nominations, honours with their entitlements, award
applications and their instalments. A person appears by masked name and masked ID number; bank accounts
are never given (they are read only in the bank workbook, a logged access)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gongjiang.core.pii import mask_name
from gongjiang.honours.models import AwardApplication, AwardInstalment, Entitlement, Honour, HonourCall, Nomination


class _PersonMasked(serializers.ModelSerializer):
    person_name_masked = serializers.SerializerMethodField()
    person_id_number_masked = serializers.SerializerMethodField()

    def get_person_name_masked(self, obj: Any) -> str:
        return mask_name(obj.person.name)

    def get_person_id_number_masked(self, obj: Any) -> str:
        return str(obj.person.id_number_masked)


class HonourCallSerializer(serializers.ModelSerializer):
    min_level: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = HonourCall
        fields = [
            "id",
            "title",
            "kind",
            "level",
            "region_code",
            "year",
            "quota",
            "min_level",
            "local_only",
            "closes",
            "publicity_until",
            "decided_on",
            "term_years",
            "award_rule",
            "public",
            "clause",
            "status",
        ]


class NominationSerializer(_PersonMasked):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = Nomination
        fields = [
            "id",
            "call",
            "person_name_masked",
            "person_id_number_masked",
            "organisation",
            "organisation_name",
            "status",
            "comment",
            "created",
        ]


class EntitlementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Entitlement
        fields = ["id", "service", "clause", "state", "granted_on", "valid_until", "used_on"]


class HonourSerializer(_PersonMasked):
    entitlements = EntitlementSerializer(many=True, read_only=True)

    class Meta:
        model = Honour
        fields = [
            "id",
            "person_name_masked",
            "person_id_number_masked",
            "kind",
            "level",
            "title",
            "region_code",
            "organisation",
            "call",
            "awarded_on",
            "term_start",
            "term_end",
            "status",
            "ended_on",
            "clause",
            "entitlements",
        ]


class AwardApplicationSerializer(_PersonMasked):
    class Meta:
        model = AwardApplication
        fields = [
            "id",
            "rule",
            "region_code",
            "person_name_masked",
            "person_id_number_masked",
            "organisation",
            "honour",
            "event_date",
            "level",
            "policy_set",
            "policy_version",
            "eligible",
            "reason",
            "amount_fen",
            "instalments",
            "instalment_fen",
            "trace",
            "clauses",
            "stages",
            "stage",
            "status",
            "stop_reason",
            "submitted_at",
            "decided_at",
        ]


class AwardInstalmentSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="application.rule", read_only=True)
    region_code = serializers.CharField(source="application.region_code", read_only=True)

    class Meta:
        model = AwardInstalment
        fields = [
            "id",
            "application",
            "rule",
            "region_code",
            "year_no",
            "due_on",
            "amount_fen",
            "status",
            "stop_reason",
        ]
