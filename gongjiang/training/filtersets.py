"""One filterset per list: used by the pages and the API alike."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from gongjiang.core.filters import region_filter
from gongjiang.core.filtersets import FilterSet
from gongjiang.training.models import (
    Application,
    ApplicationStatus,
    BatchStatus,
    CatalogEntry,
    Claim,
    ClaimStatus,
    ClassKind,
    ClassStatus,
    Designation,
    DesignationRequest,
    DesignationRequestStatus,
    Finding,
    FindingKind,
    FindingStatus,
    NeedStatus,
    PaymentBatch,
    Programme,
    Tier,
    TrainingClass,
    TrainingNeed,
)


class CatalogFilter(FilterSet):
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))
    year = django_filters.NumberFilter(label=_("Year"))
    tier = django_filters.ChoiceFilter(label=_("Tier"), choices=Tier.choices)
    shortage = django_filters.BooleanFilter(label=_("Shortage occupation"))
    occupation = django_filters.CharFilter(label=_("Occupation code"), field_name="occupation__code")

    class Meta:
        model = CatalogEntry
        fields = ["region", "year", "tier", "shortage", "occupation"]


class DesignationFilter(FilterSet):
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = Designation
        fields = ["region", "status"]


class DesignationRequestFilter(FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DesignationRequestStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = DesignationRequest
        fields = ["status", "region"]


class NeedFilter(FilterSet):
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))
    year = django_filters.NumberFilter(label=_("Year"))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=NeedStatus.choices)

    class Meta:
        model = TrainingNeed
        fields = ["region", "year", "status"]


class ApplicationFilter(FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ApplicationStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))

    class Meta:
        model = Application
        fields = ["status", "region", "need"]


class ClassFilter(FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ClassStatus.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=ClassKind.choices)
    programme = django_filters.ChoiceFilter(label=_("Programme"), choices=Programme.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))
    code = django_filters.CharFilter(label=_("Class code"))

    class Meta:
        model = TrainingClass
        fields = ["status", "kind", "programme", "region", "code"]


class ClaimFilter(FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ClaimStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))
    training_class = django_filters.NumberFilter(label=_("Class"), field_name="training_class_id")
    person = django_filters.NumberFilter(label=_("Trainee"), field_name="person_id")

    class Meta:
        model = Claim
        fields = ["status", "region", "training_class", "person"]


class BatchFilter(FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=BatchStatus.choices)

    class Meta:
        model = PaymentBatch
        fields = ["status"]


class FindingFilter(FilterSet):
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=FindingKind.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=FindingStatus.choices)
    region = django_filters.CharFilter(label=_("Region code"), method=region_filter("region_code"))
    claim = django_filters.NumberFilter(label=_("Claim"), field_name="claims")

    class Meta:
        model = Finding
        fields = ["kind", "status", "region", "claim"]
