"""Filters of the evaluation registers."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongjiang.core.filters import region_filter
from gongjiang.evaluation.models import (
    FilingStatus,
    Institution,
    InstitutionKind,
    Plan,
    PlanSource,
    PlanStatus,
    Resource,
    ResourceKind,
    ResourceStatus,
)


class InstitutionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=InstitutionKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=FilingStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("organisation__region_code"))

    class Meta:
        model = Institution
        fields = ["q", "kind", "status", "region"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        return queryset.filter(organisation__name__contains=value) if value else queryset


class PlanFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(label=_("Plan number"), lookup_expr="startswith")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=PlanStatus.choices)
    source = django_filters.ChoiceFilter(label=_("Kind of evaluation"), choices=PlanSource.choices)
    region = django_filters.CharFilter(
        label=_("Region code"), method=region_filter("institution__organisation__region_code")
    )

    class Meta:
        model = Plan
        fields = ["code", "status", "source", "region"]


class ResourceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ResourceKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ResourceStatus.choices)
    occupation = django_filters.CharFilter(label=_("Occupation code"), field_name="occupation__code")
    digital = django_filters.BooleanFilter(label=_("Digital occupations"))

    class Meta:
        model = Resource
        fields = ["kind", "status", "occupation", "digital"]
