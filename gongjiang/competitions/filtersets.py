"""Filters of the competition register."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongjiang.competitions.models import Competition, CompetitionLevel, CompetitionStatus
from gongjiang.core.filters import region_filter


class CompetitionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="filter_q")
    level = django_filters.ChoiceFilter(label=_("Competition level"), choices=CompetitionLevel.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CompetitionStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = Competition
        fields = ["q", "level", "status", "region"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(name__icontains=value.strip()) if value.strip() else queryset
