"""The manpower forecast API (/api/labour/forecasts/, /forecast-lines/, /shortage-warnings/,
/major-projects/): read through ``restrict``; a major project carries its assessment against the forecast
supply. A run is started by a POST to /api/labour/forecasts/ (``labour.forecasts.forecast_run_start``),
answered 202 with the queued run and its address, whose GET shows its status and progress."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import translation
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from gongjiang.core.scope import restrict
from gongjiang.labour import forecast_selectors, forecasts, models
from gongjiang.labour.api.views import LabourViewSet
from gongjiang.labour.views_forecast import LineFilter, ProjectFilter, RunFilter, WarningFilter


class RunSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = models.ForecastRun
        fields = (
            "id",
            "url",
            "status",
            "stage",
            "percent",
            "failure",
            "message",
            "created",
            "started",
            "finished",
            "region_code",
            "made_on",
            "first_year",
            "cutoff_year",
            "horizon",
            "models_used",
            "reconciliation",
            "gap_threshold",
            "gap_share",
            "history_years",
            "summary",
        )

    def get_url(self, obj: models.ForecastRun) -> str:
        path = reverse("api-labour-forecast-detail", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class RunStartSerializer(serializers.Serializer):
    region_code = serializers.CharField(max_length=6)
    cutoff_year = serializers.IntegerField()
    horizon = serializers.IntegerField(default=3)
    history_years = serializers.IntegerField(default=forecasts.HISTORY_YEARS)


class LineSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.ForecastLine
        fields = (
            "id",
            "run",
            "region_code",
            "depth",
            "group",
            "history",
            "forecast",
            "mase",
            "weights",
            "openings_total",
            "supply_total",
            "gap_total",
        )


class WarningSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.ShortageWarning
        fields = ("id", "run", "region_code", "group", "year", "openings", "supply", "gap", "severity", "evidence")


class ProjectSerializer(serializers.ModelSerializer):
    assessment = serializers.SerializerMethodField()

    class Meta:
        model = models.MajorProject
        fields = ("id", "name", "enterprise", "region_code", "start_year", "assessment")

    def get_assessment(self, obj: models.MajorProject) -> list[dict[str, Any]]:
        lines = restrict(models.ForecastLine.objects.all(), self.context["request"].user)
        return [
            {
                "occupation": r.occupation.code,
                "year": r.year,
                "need": r.need,
                "group": r.group,
                "forecast": r.run.pk if r.run else None,
                "supply": r.supply,
                "openings": r.openings,
                "remaining": r.remaining,
                "gap": r.gap,
            }
            for r in forecast_selectors.assess(obj, lines)
        ]


class RunViewSet(LabourViewSet):
    """Forecast runs: list and read (status, stage and percentage while one is computed); POST starts one in
    the background."""

    queryset = models.ForecastRun.objects.order_by("pk")
    serializer_class = RunSerializer
    filterset_class = RunFilter

    @extend_schema(request=RunStartSerializer, responses={202: RunSerializer})
    def create(self, request: Request) -> Response:
        ser = RunStartSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        run = forecasts.forecast_run_start(
            actor=request.user, language=translation.get_language() or "", **ser.validated_data
        )
        run.refresh_from_db()
        body = RunSerializer(run, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})


class LineViewSet(LabourViewSet):
    queryset = models.ForecastLine.objects.order_by("pk")
    serializer_class = LineSerializer
    filterset_class = LineFilter


class WarningViewSet(LabourViewSet):
    queryset = models.ShortageWarning.objects.order_by("pk")
    serializer_class = WarningSerializer
    filterset_class = WarningFilter


class ProjectViewSet(LabourViewSet):
    queryset = models.MajorProject.objects.order_by("pk")
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
