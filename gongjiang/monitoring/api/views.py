"""The monitoring API: targets and carriers (scoped lists), and per-region values, dashboards, maps,
warnings and forecasts. A region outside the caller's scope is a 404; a malformed parameter a 400 that
names it."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from gongjiang.core.api_views import ScopedViewSet
from gongjiang.core.scope import can
from gongjiang.monitoring import selectors, services
from gongjiang.monitoring.api.serializers import CarrierSerializer, TargetSerializer
from gongjiang.monitoring.models import Carrier, Indicator, Target, TargetEvaluation
from gongjiang.reference.regions import is_code_shape

REGION = OpenApiParameter("region", str, required=True, description="six-digit region code")
YEAR = OpenApiParameter("year", int, required=False)


class TargetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    # Each target's own evaluation (one per target and region), read for the whole page in one query.
    queryset = (
        Target.objects.select_related("indicator")
        .prefetch_related(
            Prefetch(
                "evaluations",
                queryset=TargetEvaluation.objects.filter(region_code=F("target__region_code")),
                to_attr="own_evaluations",
            )
        )
        .order_by("region_code", "horizon", "key")
    )
    serializer_class = TargetSerializer


class CarrierViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    queryset = Carrier.objects.prefetch_related("decisions").order_by("pk")
    serializer_class = CarrierSerializer

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.carrier_create(
            actor=self.request.user,
            kind=data["kind"],
            name=data["name"],
            region_code=data["region_code"],
            level=data["level"],
            since=data["since"],
            until=data.get("until"),
            digital=data.get("digital", False),
            organisation=data.get("organisation"),
            source=data.get("source", ""),
        )


def _monitor(request: Request) -> None:
    if not can(request.user, "view", Target):
        raise PermissionDenied(_("Your role has no access to monitoring."))


def _region_param(request: Request) -> str:
    code = (request.query_params.get("region") or "").strip()
    if not is_code_shape(code):
        raise ValidationError({"region": _("Give a six-digit region code.")})
    if not selectors.sees_region(request.user, code):
        raise Http404(_("No such region in your scope."))
    return code


def _year_param(request: Request) -> int | None:
    raw = (request.query_params.get("year") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1990 <= int(raw) <= 2100:
        raise ValidationError({"year": _("Give a year such as 2025.")})
    return int(raw)


QUARTER = OpenApiParameter("quarter", str, required=False, description="a quarter such as 2025Q3")


@extend_schema(parameters=[REGION, YEAR, QUARTER], responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def values(request: Request) -> Response:
    """Every indicator of the region in the year (or quarter): value, numerator, denominator, targets, status."""
    _monitor(request)
    quarter = (request.query_params.get("quarter") or "").strip() or None
    if quarter and selectors.quarter_end(quarter) is None:
        raise ValidationError({"quarter": _("Give a quarter such as 2025Q3.")})
    return Response(selectors.indicator_values(_region_param(request), _year_param(request), quarter))


@extend_schema(
    parameters=[
        REGION,
        YEAR,
        OpenApiParameter("scope", str, required=False, description="all, digital or school_digital"),
    ],
    responses={200: dict},
)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def breakdowns(request: Request) -> Response:
    """Persons by industry, occupation group, skill level, sex and age band in the region and year."""
    _monitor(request)
    code = _region_param(request)
    scope = request.query_params.get("scope", "all")
    if scope not in ("all", "digital", "school_digital"):
        raise ValidationError({"scope": _("Give all, digital or school_digital.")})
    st = selectors.state()
    year = _year_param(request) or (st.data_as_of.year if st and st.data_as_of else None)
    if year is None:
        return Response({"region": selectors.region_card(code), "year": None, "scope": scope, "breakdowns": {}})
    return Response(
        {
            "region": selectors.region_card(code),
            "year": year,
            "scope": scope,
            "breakdowns": selectors.breakdowns(code, year, scope),
        }
    )


@extend_schema(parameters=[REGION, YEAR], responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def dashboard(request: Request) -> Response:
    """The overview's data: targets with status, trends with forecasts, rankings, breakdowns, warnings."""
    _monitor(request)
    return Response(selectors.dashboard(_region_param(request), _year_param(request)))


@extend_schema(parameters=[REGION, YEAR, OpenApiParameter("indicator", str, required=False)], responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def map_view(request: Request) -> Response:
    """Boundaries of the region's subregions (GeoJSON) with each one's value of the indicator."""
    _monitor(request)
    code = _region_param(request)
    indicator = request.query_params.get("indicator", "high_share_skilled")
    if not Indicator.objects.filter(code=indicator).exclude(source="not_collected").exists():
        raise ValidationError({"indicator": _("Unknown or uncollected indicator %(i)s.") % {"i": indicator}})
    return Response(selectors.map_data(code, indicator, _year_param(request)))


@extend_schema(parameters=[REGION], responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def warnings(request: Request) -> Response:
    """Early warnings of the region and of every region inside it."""
    _monitor(request)
    code = _region_param(request)
    return Response({"region": selectors.region_card(code), "warnings": selectors.warnings_for(code, limit=None)})


@extend_schema(parameters=[REGION], responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def forecasts(request: Request) -> Response:
    """Forecast series of the region with the back-test error of each candidate model."""
    _monitor(request)
    code = _region_param(request)
    return Response({"region": selectors.region_card(code), "series": selectors.forecasts_for(code)})


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def indicators(request: Request) -> Response:
    """Indicator definitions."""
    _monitor(request)
    return Response({"indicators": selectors.indicator_definitions()})


def _officer(request: Request) -> None:
    if not can(request.user, "add", Target):
        raise PermissionDenied(_("Only officers may update the rollup."))


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def rollup_status(request: Request) -> Response:
    """The rollup's state: data as of, changes waiting, and the background update (queued, running with its
    step, refreshing evaluations city by city, failed, or up to date) with the outcome of the last run."""
    _monitor(request)
    return Response(selectors.rollup_status())


@extend_schema(request=None, responses={202: dict})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def rollup_update(request: Request) -> Response:
    """Ask for a background update of the rollup and of the evaluations it touches (officers). Writes
    ask for one themselves; this one is for "now". One task waits at a time: a request while one waits
    enqueues nothing. Answers the state, to follow at ``GET /api/monitoring/rollup/``."""
    _officer(request)
    task_id = services.rollup_request(actor=request.user)
    return Response({"enqueued": task_id is not None, "task_id": task_id, **selectors.rollup_status()}, status=202)


@extend_schema(request=None, responses={202: dict})
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def rollup_rebuild(request: Request) -> Response:
    """Ask for a background full rebuild of the rollup and of every evaluation (officers)."""
    _officer(request)
    task_id = services.rollup_request(actor=request.user, rebuild=True)
    return Response({"enqueued": task_id is not None, "task_id": task_id, **selectors.rollup_status()}, status=202)
