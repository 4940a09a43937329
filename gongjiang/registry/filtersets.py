"""One filterset per model: used by the pages, the API and exports alike."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjiang.core.filters import region_filter
from gongjiang.core.filtersets import FilterSet
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, OrganisationKind, Person, Sex


class PersonFilter(FilterSet):
    """Searches that may stand in an address. The ID number is not one of them: it is looked up by POST
    (``registry.selectors.person_lookup``), never put in a URL."""

    q = django_filters.CharFilter(label=pgettext_lazy("person", "Name"), method="filter_name")
    region = django_filters.CharFilter(label=_("Residence region code"), method=region_filter("residence_region_code"))
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=Sex.choices)

    class Meta:
        model = Person
        fields = ["q", "region", "sex"]

    def filter_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        return queryset.filter(name__startswith=value) if value else queryset


class OrganisationFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Name or credit code"), method="filter_q")
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=OrganisationKind.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = Organisation
        fields = ["q", "kind", "region"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(uscc=value.upper()))


class EmploymentFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Organisation name"), method="filter_q")
    current = django_filters.BooleanFilter(label=_("Current only"), method="filter_current")
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("organisation__region_code"))

    class Meta:
        model = Employment
        fields = ["q", "current", "region"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        return queryset.filter(organisation__name__contains=value) if value else queryset

    def filter_current(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.filter(end__isnull=True) if value else queryset


class EmploymentStatFilter(FilterSet):
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = EmploymentStat
        fields = ["region", "year"]
