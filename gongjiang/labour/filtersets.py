"""Filters of the labour registers."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from gongjiang.core.filters import region_filter
from gongjiang.labour import models


class PostFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=models.PostStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.DemandPost
        fields = ["status", "region"]


class SurveyFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Survey year"))
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.NeedSurvey
        fields = ["year", "region"]


class CatalogFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=models.CatalogStatus.choices)

    class Meta:
        model = models.NeedCatalog
        fields = ["year", "status"]


class FairFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=models.FairKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=models.FairStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.JobFair
        fields = ["kind", "status", "region"]


class YearRegionFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))


class ProgrammeFilter(YearRegionFilter):
    class Meta:
        model = models.Programme
        fields = ["year", "region"]


class OrderClassFilter(YearRegionFilter):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=models.ClassKind.choices)

    class Meta:
        model = models.OrderClass
        fields = ["year", "kind", "region"]


class ReportFilter(YearRegionFilter):
    class Meta:
        model = models.SchoolReport
        fields = ["year", "region"]


class RoundFilter(YearRegionFilter):
    class Meta:
        model = models.MatchRound
        fields = ["year", "region"]


class ApprenticeshipFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=models.ApprenticeshipKind.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.Apprenticeship
        fields = ["kind", "region"]


class SeekerFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=models.SeekerKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=models.SeekerStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = models.Seeker
        fields = ["kind", "status", "region"]
