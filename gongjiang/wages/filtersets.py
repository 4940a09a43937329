"""Filters of the wage-price registers."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from gongjiang.core.filters import region_filter
from gongjiang.wages.models import Edition, EditionStatus, Response, ResponseStatus, Survey, SurveyStatus


class SurveyFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Survey year"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=SurveyStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = Survey
        fields = ["year", "status", "region"]


class ResponseFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Survey year"), field_name="survey__year")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ResponseStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = Response
        fields = ["year", "status", "region"]


class EditionFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(label=_("Year"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=EditionStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = Edition
        fields = ["year", "status", "region"]
