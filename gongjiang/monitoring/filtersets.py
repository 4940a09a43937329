"""The carrier register's filters."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongjiang.core.filters import region_filter
from gongjiang.core.filtersets import FilterSet
from gongjiang.monitoring.models import Carrier, CarrierKind, CarrierLevel, CarrierStatus


class CarrierFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=CarrierKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CarrierStatus.choices)
    level = django_filters.ChoiceFilter(label=_("Level"), choices=CarrierLevel.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))
    current = django_filters.BooleanFilter(label=_("Current only"), method="filter_current")

    class Meta:
        model = Carrier
        fields = ["q", "kind", "status", "level", "region", "current"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        return queryset.filter(name__contains=value) if value else queryset

    def filter_current(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.filter(status=CarrierStatus.RECOGNISED, until__isnull=True) if value else queryset
