"""The competitions API: read only, in the user's scope (writes are the pages' steps)."""

from __future__ import annotations

from django.db.models import Count
from rest_framework import mixins

from gongjiang.competitions.api.serializers import CompetitionSerializer
from gongjiang.competitions.filtersets import CompetitionFilter
from gongjiang.competitions.models import Competition
from gongjiang.core.api_views import ScopedViewSet


class CompetitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Skill competitions: their rules, judges, aspects and, once published, ranked results."""

    queryset = (
        Competition.objects.select_related("occupation", "award_level", "organiser", "batch")
        .prefetch_related("judges", "aspects")
        .annotate(participant_count=Count("participants"))
        .order_by("pk")
    )
    serializer_class = CompetitionSerializer
    filterset_class = CompetitionFilter
