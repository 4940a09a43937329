"""The manpower forecast API (/api/labour/forecasts/, /forecast-lines/, /shortage-warnings/,
/major-projects/): read-only, through ``restrict``; a major project carries its assessment against the
forecast supply. Runs are made on the pages (``labour.forecasts.forecast_run_create``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gongjiang.core.scope import restrict
from gongjiang.labour import forecast_selectors, models
from gongjiang.labour.api.views import LabourViewSet
from gongjiang.labour.views_forecast import LineFilter, ProjectFilter, RunFilter, WarningFilter


class RunSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.ForecastRun
        fields = (
            "id",
            "region_code",
            "made_on",
            "first_year",
            "cutoff_year",
            "horizon",
            "models_used",
            "reconciliation",
            "gap_threshold",
            "gap_share",
            "summary",
        )


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
    queryset = models.ForecastRun.objects.order_by("pk")
    serializer_class = RunSerializer
    filterset_class = RunFilter


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
