"""One filterset per model: used by the pages, the API and exports alike."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjiang.core import pii
from gongjiang.core.filters import region_filter
from gongjiang.core.filtersets import FilterSet
from gongjiang.core.validators import IdentifierError, parse_id_number
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, OrganisationKind, Person, Sex


def id_index_for(value: str) -> str:
    """Blind index of a typed ID number (15-digit numbers are upgraded; bad numbers still hash)."""
    try:
        number = parse_id_number(value).number
    except IdentifierError:
        number = (value or "").strip().upper()
    return pii.blind_index(number)


class PersonFilter(FilterSet):
    q = django_filters.CharFilter(label=pgettext_lazy("person", "Name"), method="filter_name")
    id_number = django_filters.CharFilter(label=_("ID number (exact)"), method="filter_id_number")
    region = django_filters.CharFilter(label=_("Residence region code"), method=region_filter("residence_region_code"))
    sex = django_filters.ChoiceFilter(label=_("Sex"), choices=Sex.choices)

    class Meta:
        model = Person
        fields = ["q", "id_number", "region", "sex"]

    def filter_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        return queryset.filter(name__startswith=value) if value else queryset

    def filter_id_number(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        return queryset.filter(id_index=id_index_for(value)) if value else queryset


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
