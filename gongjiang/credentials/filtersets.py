from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gongjiang.core.filters import region_filter
from gongjiang.core.filtersets import FilterSet
from gongjiang.credentials.models import Certificate, CertificateSource, CertificateStatus
from gongjiang.reference.models import SkillLevel


class CertificateFilter(FilterSet):
    number = django_filters.CharFilter(label=_("Certificate number"), method="filter_number")
    level = django_filters.ModelChoiceFilter(label=_("Level"), queryset=SkillLevel.objects.all(), to_field_name="code")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=CertificateStatus.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=CertificateSource.choices)
    occupation = django_filters.CharFilter(label=_("Occupation code"), field_name="occupation__code")
    year = django_filters.NumberFilter(label=_("Issue year"), field_name="issue_date__year")
    region = django_filters.CharFilter(
        label=_("Holder's region code"), method=region_filter("person__residence_region_code")
    )
    person = django_filters.NumberFilter(label=_("Holder"), field_name="person_id")

    class Meta:
        model = Certificate
        fields = ["number", "level", "status", "source", "occupation", "year", "region", "person"]

    def filter_number(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip().upper()
        return queryset.filter(number=value) if value else queryset
