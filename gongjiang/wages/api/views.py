"""The public wage-price API (/api/wages/), read-only and open without signing in: the published editions
and their cells, filtered by edition, year, region, occupation, level and kind."""

from __future__ import annotations

from typing import Any

import django_filters
from rest_framework import mixins, viewsets
from rest_framework.permissions import AllowAny

from gongjiang.wages.api.serializers import CellSerializer, EditionSerializer
from gongjiang.wages.models import Cell, CellKind, Edition, EditionStatus
from gongjiang.wages.selectors import current_editions


class EditionFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter()
    region = django_filters.CharFilter(field_name="region_code")
    current = django_filters.BooleanFilter(method="filter_current")

    class Meta:
        model = Edition
        fields = ["year", "region", "current"]

    def filter_current(self, queryset: Any, name: str, value: bool) -> Any:
        ids = current_editions().values("pk")
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)


class CellFilter(django_filters.FilterSet):
    edition = django_filters.NumberFilter(field_name="edition_id")
    year = django_filters.NumberFilter(field_name="edition__year")
    region = django_filters.CharFilter(field_name="region_code")
    occupation = django_filters.CharFilter(field_name="occupation_code")
    level = django_filters.CharFilter(field_name="skill_level")
    kind = django_filters.ChoiceFilter(field_name="cell_kind", choices=CellKind.choices)
    status = django_filters.CharFilter()
    current = django_filters.BooleanFilter(method="filter_current")

    class Meta:
        model = Cell
        fields = ["edition", "year", "region", "occupation", "level", "kind", "status", "current"]

    def filter_current(self, queryset: Any, name: str, value: bool) -> Any:
        ids = current_editions().values("pk")
        return queryset.filter(edition__in=ids) if value else queryset.exclude(edition__in=ids)


class EditionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Published editions (a corrected one stays, and names the edition it corrects)."""

    permission_classes = [AllowAny]
    queryset = Edition.objects.filter(status=EditionStatus.PUBLISHED).order_by("-year", "region_code", "-number")
    serializer_class = EditionSerializer
    filterset_class = EditionFilter


class CellViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cells of published editions; suppressed ones with their reason only."""

    permission_classes = [AllowAny]
    queryset = (
        Cell.objects.filter(edition__status=EditionStatus.PUBLISHED)
        .select_related("edition")
        .order_by("edition_id", "cell_kind", "region_code", "occupation_code", "skill_level", "id")
    )
    serializer_class = CellSerializer
    filterset_class = CellFilter
