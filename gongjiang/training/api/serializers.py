from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gongjiang.core import pii
from gongjiang.core.scope import can
from gongjiang.training.models import (
    STAGE_LEVELS,
    Application,
    AuditSample,
    CatalogEntry,
    Claim,
    Decision,
    Designation,
    Enrolment,
    Finding,
    FindingStatus,
    PaymentBatch,
    ReviewDecision,
    SampleItem,
    SampleResult,
    TrainingClass,
    TrainingNeed,
)


def _code() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="code", read_only=True)


def _username() -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(slug_field="username", read_only=True)


class DesignationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Designation
        fields = [
            "id",
            "organisation",
            "region_code",
            "period_start",
            "period_end",
            "tender_reference",
            "clause",
            "status",
            "revoked_on",
            "revoke_reason",
            "created",
        ]
        read_only_fields = ["period_end", "clause", "status", "revoked_on", "revoke_reason", "created"]


class CatalogEntrySerializer(serializers.ModelSerializer):
    occupation: serializers.SlugRelatedField = _code()

    class Meta:
        model = CatalogEntry
        fields = ["id", "region_code", "year", "occupation", "tier", "digital", "shortage", "clause"]


class CatalogImportSerializer(serializers.Serializer):
    region_code = serializers.CharField(max_length=6)
    year = serializers.IntegerField()
    clause = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    file = serializers.FileField()


class NeedSerializer(serializers.ModelSerializer):
    occupation: serializers.SlugRelatedField = _code()
    level: serializers.SlugRelatedField = _code()

    class Meta:
        model = TrainingNeed
        fields = [
            "id",
            "region_code",
            "year",
            "occupation",
            "level",
            "places",
            "price_fen",
            "stages",
            "note",
            "status",
            "published_at",
        ]


class NeedCreateSerializer(serializers.Serializer):
    region_code = serializers.CharField(max_length=6)
    year = serializers.IntegerField()
    occupation_code = serializers.CharField(max_length=12)
    level_code = serializers.CharField(max_length=20)
    places = serializers.IntegerField(min_value=1)
    price_fen = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    stages = serializers.ListField(
        child=serializers.ChoiceField(choices=STAGE_LEVELS), required=False, allow_null=True, default=None
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ReviewDecisionSerializer(serializers.ModelSerializer):
    reviewer: serializers.SlugRelatedField = _username()

    class Meta:
        model = ReviewDecision
        fields = ["stage", "stage_level", "reviewer", "reviewer_region_code", "decision", "comment", "decided_at"]


class ApplicationSerializer(serializers.ModelSerializer):
    decisions = ReviewDecisionSerializer(many=True, read_only=True)
    current_stage_level = serializers.CharField(read_only=True)
    training_class = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "need",
            "institution",
            "region_code",
            "start_date",
            "end_date",
            "class_hours",
            "practical_hours",
            "places",
            "price_fen",
            "plan",
            "status",
            "stage",
            "current_stage_level",
            "submitted_at",
            "decided_at",
            "decisions",
            "training_class",
        ]

    def get_training_class(self, obj: Application) -> int | None:
        tc = TrainingClass.objects.filter(application=obj).values_list("pk", flat=True).first()
        return tc


class ApplicationCreateSerializer(serializers.Serializer):
    need = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    class_hours = serializers.IntegerField(min_value=1)
    practical_hours = serializers.IntegerField(min_value=0)
    places = serializers.IntegerField(min_value=1)
    price_fen = serializers.IntegerField(min_value=1)
    plan = serializers.CharField(required=False, allow_blank=True, default="")


class DecideSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ClassSerializer(serializers.ModelSerializer):
    occupation: serializers.SlugRelatedField = _code()
    level: serializers.SlugRelatedField = _code()

    class Meta:
        model = TrainingClass
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "institution",
            "application",
            "region_code",
            "occupation",
            "level",
            "start_date",
            "end_date",
            "class_hours",
            "practical_hours",
            "fee_fen",
            "status",
        ]


class EnrolmentSerializer(serializers.ModelSerializer):
    """A roster row: the trainee's name and ID number masked, the account masked."""

    name_masked = serializers.SerializerMethodField()
    id_number_masked = serializers.SerializerMethodField()
    bank_account_masked = serializers.CharField(read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "person",
            "name_masked",
            "id_number_masked",
            "bank_name",
            "bank_account_masked",
            "outcome",
            "certificate",
        ]

    def get_name_masked(self, obj: Enrolment) -> str:
        return pii.mask_name(obj.person.name)

    def get_id_number_masked(self, obj: Enrolment) -> str:
        return obj.person.id_number_masked


class FileSerializer(serializers.Serializer):
    file = serializers.FileField()


class ClaimSerializer(serializers.ModelSerializer):
    occupation: serializers.SlugRelatedField = _code()
    level: serializers.SlugRelatedField = _code()
    name_masked = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "person",
            "name_masked",
            "training_class",
            "institution",
            "occupation",
            "level",
            "certificate",
            "region_code",
            "event_date",
            "policy_set",
            "policy_version",
            "eligible",
            "reason",
            "amount_fen",
            "trace",
            "clauses",
            "status",
            "decided_by",
            "decided_at",
            "computed_at",
            "findings",
        ]

    def get_name_masked(self, obj: Claim) -> str:
        return pii.mask_name(obj.person.name)

    def get_findings(self, obj: Claim) -> list[int]:
        request = self.context.get("request")

        if request is None or not can(request.user, "view", Finding):
            return []
        return sorted(f.pk for f in obj.findings.all())


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ExportSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PaidSerializer(serializers.Serializer):
    voucher = serializers.CharField(max_length=60)
    paid_on = serializers.DateField()


class BatchSerializer(serializers.ModelSerializer):
    created_by: serializers.SlugRelatedField = _username()
    approved_by: serializers.SlugRelatedField = _username()
    claims = serializers.SerializerMethodField()

    class Meta:
        model = PaymentBatch
        fields = [
            "id",
            "reference",
            "region_code",
            "purpose",
            "status",
            "line_count",
            "total_fen",
            "created_by",
            "approved_by",
            "approved_at",
            "exported_at",
            "paid_at",
            "paid_on",
            "bank_voucher",
            "created",
            "claims",
        ]

    def get_claims(self, obj: PaymentBatch) -> list[int]:
        return list(obj.lines.order_by("line_no").values_list("claim_id", flat=True))


class BatchCreateSerializer(serializers.Serializer):
    region_code = serializers.CharField(max_length=6)
    purpose = serializers.CharField(max_length=100)
    claim_ids = serializers.ListField(child=serializers.IntegerField(), required=False, allow_null=True, default=None)


class FindingSerializer(serializers.ModelSerializer):
    reviewer: serializers.SlugRelatedField = _username()
    claims: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "kind",
            "region_code",
            "explanation",
            "details",
            "claims",
            "person",
            "institution",
            "status",
            "reviewer",
            "reviewed_at",
            "note",
            "detected_at",
        ]


class FindingReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[FindingStatus.CONFIRMED, FindingStatus.DISMISSED])
    note = serializers.CharField(max_length=500)


class SampleItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SampleItem
        fields = ["id", "claim", "line", "result", "note", "checked_by", "checked_at"]


class SampleSerializer(serializers.ModelSerializer):
    items = SampleItemSerializer(many=True, read_only=True)

    class Meta:
        model = AuditSample
        fields = ["id", "region_code", "batch", "seed", "size", "population", "created_by", "created", "items"]


class SampleCreateSerializer(serializers.Serializer):
    region_code = serializers.CharField(max_length=6)
    size = serializers.IntegerField(min_value=1, max_value=10000)
    batch = serializers.IntegerField(required=False, allow_null=True, default=None)
    seed = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)


class SampleRecordSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    result = serializers.ChoiceField(choices=[SampleResult.CONFIRMED, SampleResult.PROBLEM])
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


def data(serializer_class: Any, instance: Any, request: Any) -> Any:
    return serializer_class(instance, context={"request": request}).data
