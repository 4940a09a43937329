"""The evaluation API (/api/evaluation/): institutions, plans and resources, read through ``restrict``; a
plan's results uploaded, its list publicised and its batch issued through the same services as the pages,
which decide who may act (the institution enters and publicises; the bureau issues)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from gongjiang.core.models import Role
from gongjiang.core.scope import can, restrict
from gongjiang.core.uploads import read_table
from gongjiang.evaluation.api import serializers as s
from gongjiang.evaluation.filtersets import InstitutionFilter, PlanFilter, ResourceFilter
from gongjiang.evaluation.forms import RESULT_COLUMNS
from gongjiang.evaluation.models import Institution, Plan, Resource
from gongjiang.evaluation.services import plans


class EvaluationPermission(BasePermission):
    """Reads need the model's view permission; writes a signed-in officer or organisation user, whom the
    service then checks."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return can(user, "view", view.queryset.model)
        return bool(user.role in (Role.OFFICER, Role.ORGANISATION) or user.is_superuser)


class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [EvaluationPermission]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        return restrict(super().get_queryset(), self.request.user, "view")


class InstitutionViewSet(EvaluationViewSet):
    queryset = (
        Institution.objects.select_related("organisation")
        .prefetch_related("scope_items__occupation", "scope_items__level", "decisions")
        .order_by("pk")
    )
    serializer_class = s.InstitutionSerializer
    filterset_class = InstitutionFilter


class PlanViewSet(EvaluationViewSet):
    queryset = Plan.objects.select_related("occupation", "level", "batch").order_by("pk")
    serializer_class = s.PlanSerializer
    filterset_class = PlanFilter

    def _answer(self, plan: Plan) -> Response:
        return Response(s.PlanSerializer(plan, context={"request": self.request}).data)

    @extend_schema(request={"multipart/form-data": s.ResultsUploadSerializer}, responses={200: s.PlanSerializer})
    @action(detail=True, methods=["post"])
    def results(self, request: Request, pk: str | None = None) -> Response:
        """Upload the candidates' results (CSV or XLSX, columns as the page's template)."""
        ser = s.ResultsUploadSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        plan = self.get_object()
        plans.results_upload(
            actor=request.user, plan=plan, frame=read_table(ser.validated_data["file"], RESULT_COLUMNS)
        )
        return self._answer(Plan.objects.get(pk=plan.pk))

    @extend_schema(request=None, responses={200: s.PlanSerializer})
    @action(detail=True, methods=["post"])
    def publicise(self, request: Request, pk: str | None = None) -> Response:
        return self._answer(plans.plan_publicise(actor=request.user, plan=self.get_object()))

    @extend_schema(request=s.IssueSerializer, responses={200: s.PlanSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str | None = None) -> Response:
        ser = s.IssueSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        plan = plans.plan_issue(
            actor=request.user, plan=self.get_object(), review_note=ser.validated_data["review_note"]
        )
        return self._answer(plan)

    @extend_schema(responses={200: s.CandidateSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def candidates(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        rows = restrict(plan.candidates.select_related("certificate").order_by("pk"), request.user)
        return Response(s.CandidateSerializer(rows, many=True).data)


class ResourceViewSet(EvaluationViewSet):
    queryset = Resource.objects.select_related("occupation", "level").order_by("pk")
    serializer_class = s.ResourceSerializer
    filterset_class = ResourceFilter
