"""The training API (/api/training/). Lists and details are narrowed with restrict(); every write is a
service call, which decides who may act (an institution applies and uploads its roster; the stage's
officer decides; another officer approves a batch). Refusals are 400 with the field, or 403."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from gongjiang.core.models import Role
from gongjiang.core.scope import can, restrict
from gongjiang.registry.models import Organisation
from gongjiang.training import checks, selectors, services
from gongjiang.training.api import serializers as s
from gongjiang.training.filtersets import (
    ApplicationFilter,
    BatchFilter,
    CatalogFilter,
    ClaimFilter,
    ClassFilter,
    DesignationFilter,
    FindingFilter,
    NeedFilter,
)
from gongjiang.training.forms import CATALOG_COLUMNS, ROSTER_COLUMNS, read_table
from gongjiang.training.models import (
    Application,
    AuditSample,
    CatalogEntry,
    Claim,
    Designation,
    Finding,
    PaymentBatch,
    SampleItem,
    TrainingClass,
    TrainingNeed,
)


class TrainingPermission(BasePermission):
    """Reads need the model's view permission (institutions also read published needs); writes need a
    signed-in user, and the service called then decides whether that user may take the step."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            model = view.queryset.model
            return can(user, "view", model)
        return bool(user.role in (Role.OFFICER, Role.ORGANISATION) or user.is_superuser)


class TrainingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [TrainingPermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        return restrict(super().get_queryset(), self.request.user, "view")

    def valid(self, serializer_class: Any) -> dict[str, Any]:
        ser = serializer_class(data=self.request.data)
        ser.is_valid(raise_exception=True)
        return dict(ser.validated_data)

    def answer(self, instance: Any, status: int = 200, serializer_class: Any = None) -> Response:
        cls = serializer_class or self.get_serializer_class()
        return Response(s.data(cls, instance, self.request), status=status)


class DesignationViewSet(TrainingViewSet):
    queryset = Designation.objects.select_related("organisation").order_by("pk")
    serializer_class = s.DesignationSerializer
    filterset_class = DesignationFilter

    @extend_schema(request=s.DesignationSerializer, responses={201: s.DesignationSerializer})
    def create(self, request: Request) -> Response:
        d = self.valid(s.DesignationSerializer)
        organisation = get_object_or_404(restrict(Organisation.objects.all(), request.user), pk=d["organisation"].pk)
        designation = services.designation_create(
            actor=request.user,
            organisation=organisation,
            region_code=d["region_code"],
            period_start=d["period_start"],
            tender_reference=d["tender_reference"],
        )
        return self.answer(designation, 201)


class CatalogViewSet(TrainingViewSet):
    queryset = CatalogEntry.objects.select_related("occupation").order_by("pk")
    serializer_class = s.CatalogEntrySerializer
    filterset_class = CatalogFilter

    @extend_schema(request={"multipart/form-data": s.CatalogImportSerializer}, responses={201: dict})
    @action(detail=False, methods=["post"], url_path="import")
    def import_file(self, request: Request) -> Response:
        d = self.valid(s.CatalogImportSerializer)
        count = services.catalog_import(
            actor=request.user,
            region_code=d["region_code"],
            year=d["year"],
            frame=read_table(d["file"], CATALOG_COLUMNS),
            clause=d["clause"],
        )
        return Response({"rows": count}, status=201)


class NeedViewSet(TrainingViewSet):
    queryset = TrainingNeed.objects.select_related("occupation", "level").order_by("pk")
    serializer_class = s.NeedSerializer
    filterset_class = NeedFilter

    def get_queryset(self) -> Any:
        return selectors.needs_for(self.request.user).select_related("occupation", "level").order_by("pk")

    @extend_schema(request=s.NeedCreateSerializer, responses={201: s.NeedSerializer})
    def create(self, request: Request) -> Response:
        need = services.need_create(actor=request.user, **self.valid(s.NeedCreateSerializer))
        return self.answer(need, 201)

    @extend_schema(request=None, responses={200: s.NeedSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        return self.answer(services.need_publish(actor=request.user, need=self.get_object()))

    @extend_schema(request=None, responses={200: s.NeedSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self.answer(services.need_close(actor=request.user, need=self.get_object()))


class ApplicationViewSet(TrainingViewSet):
    queryset = Application.objects.prefetch_related("decisions__reviewer").order_by("pk")
    serializer_class = s.ApplicationSerializer
    filterset_class = ApplicationFilter

    @extend_schema(request=s.ApplicationCreateSerializer, responses={201: s.ApplicationSerializer})
    def create(self, request: Request) -> Response:
        """An institution's user applies for a published need, for its own institution."""
        d = self.valid(s.ApplicationCreateSerializer)
        need = get_object_or_404(selectors.needs_for(request.user), pk=d.pop("need"))
        user: Any = request.user
        application = services.application_submit(actor=user, need=need, institution=user.organisation, **d)
        return self.answer(application, 201)

    @extend_schema(request=s.DecideSerializer, responses={200: s.ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        d = self.valid(s.DecideSerializer)
        services.application_decide(actor=request.user, application=application, **d)
        application.refresh_from_db()
        return self.answer(application)

    @extend_schema(request=None, responses={200: s.ApplicationSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self.answer(services.application_withdraw(actor=request.user, application=self.get_object()))


class ClassViewSet(TrainingViewSet):
    queryset = TrainingClass.objects.select_related("occupation", "level").order_by("pk")
    serializer_class = s.ClassSerializer
    filterset_class = ClassFilter

    @extend_schema(responses={200: s.EnrolmentSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def roster(self, request: Request, pk: str | None = None) -> Response:
        tc = self.get_object()
        rows = restrict(tc.enrolments.select_related("person"), request.user)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.EnrolmentSerializer(page, many=True).data)

    @extend_schema(request={"multipart/form-data": s.FileSerializer}, responses={201: dict})
    @roster.mapping.post
    def roster_upload(self, request: Request, pk: str | None = None) -> Response:
        d = self.valid(s.FileSerializer)
        count = services.roster_upload(
            actor=request.user, training_class=self.get_object(), frame=read_table(d["file"], ROSTER_COLUMNS)
        )
        return Response({"rows": count}, status=201)

    @extend_schema(request=None, responses={200: s.ClassSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        return self.answer(services.class_end(actor=request.user, training_class=self.get_object()))

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"])
    def match(self, request: Request, pk: str | None = None) -> Response:
        return Response(services.results_match(actor=request.user, training_class=self.get_object()))

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="compute-claims")
    def compute_claims(self, request: Request, pk: str | None = None) -> Response:
        count = services.claims_compute(actor=request.user, training_class=self.get_object())
        return Response({"claims": count})

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="approve-claims")
    def approve_claims(self, request: Request, pk: str | None = None) -> Response:
        tc = self.get_object()
        claims = restrict(Claim.objects.filter(training_class=tc), request.user, "change")
        return Response(services.claims_approve(actor=request.user, claims=claims))


class ClaimViewSet(TrainingViewSet):
    queryset = Claim.objects.select_related("person", "occupation", "level").prefetch_related("findings").order_by("pk")
    serializer_class = s.ClaimSerializer
    filterset_class = ClaimFilter

    @extend_schema(request=None, responses={200: s.ClaimSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self.answer(services.claim_approve(actor=request.user, claim=self.get_object()))

    @extend_schema(request=s.ReasonSerializer, responses={200: s.ClaimSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        d = self.valid(s.ReasonSerializer)
        return self.answer(services.claim_reject(actor=request.user, claim=self.get_object(), reason=d["reason"]))


class BatchViewSet(TrainingViewSet):
    queryset = PaymentBatch.objects.select_related("created_by", "approved_by").order_by("pk")
    serializer_class = s.BatchSerializer
    filterset_class = BatchFilter

    @extend_schema(request=s.BatchCreateSerializer, responses={201: s.BatchSerializer})
    def create(self, request: Request) -> Response:
        return self.answer(
            services.payment_batch_create(actor=request.user, **self.valid(s.BatchCreateSerializer)), 201
        )

    @extend_schema(request=None, responses={200: s.BatchSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self.answer(services.payment_batch_approve(actor=request.user, batch=self.get_object()))

    @extend_schema(
        request=s.ReasonSerializer,
        responses={
            200: OpenApiResponse(description="The bank-transfer workbook (XLSX); a logged personal-data access")
        },
    )
    @action(detail=True, methods=["post"])
    def export(self, request: Request, pk: str | None = None) -> HttpResponse:
        batch = self.get_object()
        content = services.payment_batch_export(
            actor=request.user, batch=batch, reason=self.valid(s.ExportSerializer)["reason"]
        )
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{batch.reference}.xlsx"'
        return response

    @extend_schema(request=s.PaidSerializer, responses={200: s.BatchSerializer})
    @action(detail=True, methods=["post"])
    def paid(self, request: Request, pk: str | None = None) -> Response:
        data = self.valid(s.PaidSerializer)
        return self.answer(
            services.payment_batch_mark_paid(
                actor=request.user, batch=self.get_object(), voucher=data["voucher"], paid_on=data["paid_on"]
            )
        )


class FindingViewSet(TrainingViewSet):
    queryset = Finding.objects.select_related("reviewer").prefetch_related("claims").order_by("pk")
    serializer_class = s.FindingSerializer
    filterset_class = FindingFilter

    @extend_schema(request=s.FindingReviewSerializer, responses={200: s.FindingSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        d = self.valid(s.FindingReviewSerializer)
        return self.answer(services.finding_review(actor=request.user, finding=self.get_object(), **d))

    @extend_schema(request=None, responses={200: dict})
    @action(detail=False, methods=["post"])
    def run(self, request: Request) -> Response:
        """Run every check over all claims now (officers)."""
        return Response(checks.checks_run(actor=request.user))


class SampleViewSet(TrainingViewSet):
    queryset = AuditSample.objects.prefetch_related("items").order_by("pk")
    serializer_class = s.SampleSerializer

    @extend_schema(request=s.SampleCreateSerializer, responses={201: s.SampleSerializer})
    def create(self, request: Request) -> Response:
        d = self.valid(s.SampleCreateSerializer)
        batch = None
        if d["batch"] is not None:
            batch = get_object_or_404(restrict(PaymentBatch.objects.all(), request.user), pk=d["batch"])
        sample = services.audit_sample_draw(
            actor=request.user, region_code=d["region_code"], size=d["size"], batch=batch, seed=d["seed"]
        )
        return self.answer(sample, 201)

    @extend_schema(request=s.SampleRecordSerializer, responses={200: s.SampleSerializer})
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        sample = self.get_object()
        d = self.valid(s.SampleRecordSerializer)
        item = get_object_or_404(restrict(SampleItem.objects.filter(sample=sample), request.user), pk=d["item"])
        services.sample_item_record(actor=request.user, item=item, result=d["result"], note=d["note"])
        return self.answer(AuditSample.objects.prefetch_related("items").get(pk=sample.pk))
