from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from gongjiang.core.api_views import ScopedViewSet
from gongjiang.core.services import pii_reveal
from gongjiang.registry import services
from gongjiang.registry.api.serializers import (
    EmploymentSerializer,
    EmploymentStatSerializer,
    OrganisationSerializer,
    PersonRevealSerializer,
    PersonSearchSerializer,
    PersonSerializer,
)
from gongjiang.registry.filtersets import OrganisationFilter, PersonFilter
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, Person
from gongjiang.registry.selectors import person_lookup


class PersonViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    queryset = Person.objects.all().order_by("pk")
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    action_scope = {"search": "view"}  # a look-up, posted only to keep the number out of the address

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.person_create(
            actor=self.request.user,
            name=data["name"],
            id_number=data["id_number"],
            residence_region_code=data["residence_region_code"],
            household_region_code=data.get("household_region_code", ""),
            phone=data.get("phone", ""),
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.person_update(actor=self.request.user, person=serializer.instance, **data)

    @extend_schema(request=PersonSearchSerializer, responses={200: PersonSerializer(many=True)})
    @action(detail=False, methods=["post"], serializer_class=PersonSearchSerializer)
    def search(self, request: Request) -> Response:
        """The person with this ID number in the caller's scope, as a list of zero or one. The number goes in
        the body, never in the address; a number held outside the scope is answered as one held nowhere, and
        repeated misses are logged and, past a limit, refused (429)."""
        ser = PersonSearchSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        person = person_lookup(request.user, ser.validated_data["id_number"])
        found = [person] if person is not None else []
        return Response({"count": len(found), "results": PersonSerializer(found, many=True).data})

    @extend_schema(request=PersonRevealSerializer, responses={200: dict})
    @action(detail=True, methods=["post"], serializer_class=PersonRevealSerializer)
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        """The full value of one personal-data field; officers only, and every call is logged."""
        person = self.get_object()
        ser = PersonRevealSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        field = ser.validated_data["field"]
        value = pii_reveal(actor=request.user, obj=person, field=field, reason=ser.validated_data.get("reason", ""))
        return Response({"id": person.pk, "field": field, "value": value}, status=status.HTTP_200_OK)


class OrganisationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet
):
    queryset = Organisation.objects.select_related("industry").order_by("pk")
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.organisation_create(
            actor=self.request.user,
            uscc=data["uscc"],
            name=data["name"],
            kind=data["kind"],
            region_code=data["region_code"],
            industry_code=data.get("industry_code", ""),
            self_evaluation=data.get("self_evaluation", False),
        )

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("uscc", None)
        serializer.instance = services.organisation_update(
            actor=self.request.user, organisation=serializer.instance, **data
        )


class EmploymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    queryset = Employment.objects.select_related("occupation").order_by("pk")
    serializer_class = EmploymentSerializer
    filterset_fields = ["person", "organisation"]

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.employment_create(
            actor=self.request.user,
            person=data["person"],
            organisation=data["organisation"],
            start=data["start"],
            end=data.get("end"),
            occupation_code=data.get("occupation_code", ""),
        )


class EmploymentStatViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    queryset = EmploymentStat.objects.order_by("region_code", "year")
    serializer_class = EmploymentStatSerializer
    filterset_fields = ["region_code", "year"]

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.employment_stat_set(
            actor=self.request.user,
            region_code=data["region_code"],
            year=data["year"],
            employed=data["employed"],
            source=data.get("source", ""),
        )
