"""API: documents and clauses, policy sets with versions, parameters and tables; evaluation and diff.

Reads are open to every signed-in user (policy texts are public); evaluation and diff write nothing.
Bad events are a 400 listing each error with its row and column.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gongjiang.core.permissions import ReferenceReadOnly
from gongjiang.policy.api.serializers import (
    DecisionTableSerializer,
    DiffRequestSerializer,
    EvaluateRequestSerializer,
    ParameterSerializer,
    PolicyDocumentSerializer,
    PolicySetSerializer,
)
from gongjiang.policy.engine import evaluate
from gongjiang.policy.inputs import PolicyInputError, frame_from_records
from gongjiang.policy.models import PolicyDocument, PolicySet
from gongjiang.policy.outputs import diff_versions, summary
from gongjiang.policy.runs import api_rows, events_from_upload
from gongjiang.policy.selectors import PolicySetNotFound, fill_digital, get_version

MAX_DIFF_ROWS = 1000


class PolicyDocumentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PolicyDocumentSerializer
    permission_classes = [ReferenceReadOnly]
    queryset = PolicyDocument.objects.prefetch_related("clauses").order_by("code")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"


class PolicySetViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = PolicySetSerializer
    permission_classes = [ReferenceReadOnly]
    queryset = PolicySet.objects.prefetch_related("versions").order_by("name")
    lookup_field = "name"

    @extend_schema(
        parameters=[
            OpenApiParameter("version", int, description="default: the current version"),
            OpenApiParameter("name", str, description="parameter name"),
            OpenApiParameter("region", str, description="region code (exact)"),
        ],
        responses=ParameterSerializer(many=True),
    )
    @action(detail=True, methods=["get"])
    def parameters(self, request: Request, name: str | None = None) -> Response:
        version = self._version(request, name)
        qs = version.parameters.select_related("clause__document").order_by("name", "region_code", "effective_from")
        if request.query_params.get("name"):
            qs = qs.filter(name=request.query_params["name"])
        if request.query_params.get("region"):
            qs = qs.filter(region_code=request.query_params["region"])
        return Response(ParameterSerializer(qs, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("version", int)], responses=DecisionTableSerializer(many=True))
    @action(detail=True, methods=["get"])
    def tables(self, request: Request, name: str | None = None) -> Response:
        version = self._version(request, name)
        qs = version.tables.select_related("clause__document").order_by("name", "region_code", "effective_from")
        return Response(DecisionTableSerializer(qs, many=True).data)

    def _version(self, request: Request, name: str | None) -> Any:
        get_object_or_404(PolicySet, name=name)
        raw = request.query_params.get("version")
        if raw is not None and not raw.isdigit():
            raise serializers.ValidationError({"version": "must be a whole number"})
        try:
            return get_version(str(name), int(raw) if raw else None)
        except PolicySetNotFound as exc:
            raise serializers.ValidationError({"version": str(exc)}) from None


def _errors_response(exc: PolicyInputError) -> Response:
    body: dict[str, Any] = {"errors": [{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors]}
    if exc.truncated:
        body["more"] = exc.truncated
    return Response(body, status=400)


def _events(data: dict[str, Any]) -> tuple[Any, Any]:
    events = events_from_upload(data["file"]) if data.get("file") else fill_digital(frame_from_records(data["events"]))
    history = frame_from_records(data["history"], history=True) if data.get("history") else None
    return events, history


_RESULT = inline_serializer(
    "PolicyEvaluation",
    {
        "policy_set": serializers.CharField(),
        "version": serializers.IntegerField(),
        "summary": serializers.DictField(),
        "results": serializers.ListField(child=serializers.DictField()),
    },
)


class EvaluateView(APIView):
    """Evaluate events (JSON list or CSV file) against a policy set; results with eligibility, amount in
    fen, clauses and the trace sentence for each event, in input order."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=EvaluateRequestSerializer, responses={200: _RESULT})
    def post(self, request: Request) -> Response:
        req = EvaluateRequestSerializer(data=request.data)
        req.is_valid(raise_exception=True)
        data = req.validated_data
        try:
            events, history = _events(data)
            results = evaluate(
                events,
                policy_set=data["policy_set"],
                version=data.get("version"),
                as_of=data.get("as_of"),
                history=history,
            )
        except PolicyInputError as exc:
            return _errors_response(exc)
        except PolicySetNotFound as exc:
            return Response({"policy_set": [str(exc)]}, status=400)
        version = int(results["policy_version"][0]) if results.height else get_version(data["policy_set"]).number
        return Response(
            {
                "policy_set": data["policy_set"],
                "version": version,
                "summary": summary(results),
                "results": api_rows(results),
            }
        )


class DiffView(APIView):
    """Run two versions of a set over the same events: who changes, by how much, per clause."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request=DiffRequestSerializer,
        responses={
            200: inline_serializer(
                "PolicyDiff",
                {
                    "policy_set": serializers.CharField(),
                    "from_version": serializers.IntegerField(),
                    "to_version": serializers.IntegerField(),
                    "events": serializers.IntegerField(),
                    "changed": serializers.IntegerField(),
                    "by_clause": serializers.ListField(child=serializers.DictField()),
                    "rows": serializers.ListField(child=serializers.DictField()),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        req = DiffRequestSerializer(data=request.data)
        req.is_valid(raise_exception=True)
        data = req.validated_data
        try:
            events, history = _events(data)
            report = diff_versions(
                events,
                policy_set=data["policy_set"],
                from_version=data["from_version"],
                to_version=data["to_version"],
                history=history,
            )
        except PolicyInputError as exc:
            return _errors_response(exc)
        except PolicySetNotFound as exc:
            return Response({"policy_set": [str(exc)]}, status=400)
        return Response(
            {
                "policy_set": report.policy_set,
                "from_version": report.from_version,
                "to_version": report.to_version,
                "events": report.events,
                "changed": report.changed,
                "persons_changed": report.persons_changed,
                "gained": report.gained,
                "lost": report.lost,
                "increased": report.increased,
                "decreased": report.decreased,
                "total_before_fen": report.total_before_fen,
                "total_after_fen": report.total_after_fen,
                "by_clause": report.by_clause,
                "by_type": report.by_type,
                "rows": report.rows.head(MAX_DIFF_ROWS).to_dicts(),
                "rows_truncated": report.rows.height > MAX_DIFF_ROWS,
            }
        )
