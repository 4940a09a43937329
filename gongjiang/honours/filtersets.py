"""Filters of the honours registers (pages, exports)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongjiang.core.filters import region_filter
from gongjiang.honours import models


class CallFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Title"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("Honour"), choices=models.HonourKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=models.CallStatus.choices)
    year = django_filters.NumberFilter(label=_("Year"))
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.HonourCall
        fields = ["q", "kind", "status", "year", "region"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(title__icontains=value.strip()) if value.strip() else queryset


class NominationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=models.NominationStatus.choices)
    call = django_filters.NumberFilter(label=_("Call"), field_name="call_id")

    class Meta:
        model = models.Nomination
        fields = ["status", "call"]


class HonourFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Honour"), choices=models.HonourKind.choices)
    level = django_filters.ChoiceFilter(label=_("Honour level"), choices=models.HonourLevel.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=models.HonourStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.Honour
        fields = ["kind", "level", "status", "region"]


class EntitlementFilter(django_filters.FilterSet):
    service = django_filters.ChoiceFilter(label=_("Service"), choices=models.Service.choices)
    state = django_filters.ChoiceFilter(label=_("State"), choices=models.EntitlementState.choices)

    class Meta:
        model = models.Entitlement
        fields = ["service", "state"]


class RecognitionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Recognition"), choices=models.RecognitionKind.choices)
    year = django_filters.NumberFilter(label=_("Year"))
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.Recognition
        fields = ["kind", "year", "region"]


class AwardFilter(django_filters.FilterSet):
    rule = django_filters.ChoiceFilter(label=_("Award"), choices=models.AwardRule.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=models.AwardStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.AwardApplication
        fields = ["rule", "status", "region"]


class InstalmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=models.InstalmentStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("application__region_code"))
    fallen_due = django_filters.BooleanFilter(label=_("Fallen due only"), method="filter_fallen_due")

    class Meta:
        model = models.AwardInstalment
        fields = ["status", "region", "fallen_due"]

    def filter_fallen_due(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.filter(due_on__lte=timezone.localdate()) if value else queryset
