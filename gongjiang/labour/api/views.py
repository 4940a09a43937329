"""The labour API (/api/labour/): skill demand, need catalogs, order classes and matching rounds (with
their stability certificate) read through ``restrict``, and a seeker's recommended posts with the
sentence explaining each. Writes go through the pages' services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from gongjiang.core.scope import can, restrict
from gongjiang.labour import filtersets, models, selectors
from gongjiang.labour.api import serializers as s


class ViewPermission(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and can(user, "view", view.queryset.model))


class LabourViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [ViewPermission]

    def get_queryset(self) -> Any:
        return restrict(super().get_queryset(), self.request.user, "view")


class PostViewSet(LabourViewSet):
    queryset = models.DemandPost.objects.select_related("occupation", "level").order_by("pk")
    serializer_class = s.PostSerializer
    filterset_class = filtersets.PostFilter


class CatalogViewSet(LabourViewSet):
    queryset = models.NeedCatalog.objects.prefetch_related("entries__occupation").order_by("pk")
    serializer_class = s.CatalogSerializer
    filterset_class = filtersets.CatalogFilter


class FairViewSet(LabourViewSet):
    """Job fairs with the posts brought and their counts (booths, posts, places, seekers, interviewed, hired)."""

    queryset = models.JobFair.objects.order_by("pk")
    serializer_class = s.FairSerializer
    filterset_class = filtersets.FairFilter


class OrderClassViewSet(LabourViewSet):
    queryset = models.OrderClass.objects.select_related("occupation").order_by("pk")
    serializer_class = s.OrderClassSerializer
    filterset_class = filtersets.OrderClassFilter


class RoundViewSet(LabourViewSet):
    queryset = models.MatchRound.objects.order_by("pk")
    serializer_class = s.RoundSerializer
    filterset_class = filtersets.RoundFilter


class SeekerViewSet(viewsets.GenericViewSet):
    permission_classes = [ViewPermission]
    queryset = models.Seeker.objects.select_related("occupation", "level").order_by("pk")

    def get_queryset(self) -> Any:
        return restrict(super().get_queryset(), self.request.user, "view")

    @extend_schema(responses=s.RecommendationSerializer(many=True))
    @action(detail=True, methods=["get"])
    def recommendations(self, request: Request, pk: str | None = None) -> Response:
        """The open posts recommended to the seeker, best first, with the sentence explaining each."""
        seeker = self.get_object()
        found = selectors.posts_for(seeker, restrict(models.DemandPost.objects.all(), request.user))
        return Response(s.RecommendationSerializer(found, many=True).data)
