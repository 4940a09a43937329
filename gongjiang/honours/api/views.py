"""The honours API: read only, in the caller's scope (core.scope.restrict through ScopedViewSet); writes are
the pages' steps."""

from __future__ import annotations

from rest_framework import mixins

from gongjiang.core.api_views import ScopedViewSet
from gongjiang.honours.api import serializers as s
from gongjiang.honours.models import AwardApplication, AwardInstalment, Honour, HonourCall, Nomination


class _Read(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    pass


class HonourCallViewSet(_Read):
    """Calls for nominations."""

    queryset = HonourCall.objects.select_related("min_level").order_by("pk")
    serializer_class = s.HonourCallSerializer


class NominationViewSet(_Read):
    """Nominations: the nominee by masked name and ID number, the nominating enterprise, the review."""

    queryset = Nomination.objects.select_related("person", "organisation").order_by("pk")
    serializer_class = s.NominationSerializer


class HonourViewSet(_Read):
    """Honours held by persons, with their entitlements."""

    queryset = Honour.objects.select_related("person").prefetch_related("entitlements").order_by("pk")
    serializer_class = s.HonourSerializer


class AwardApplicationViewSet(_Read):
    """Award applications with the engine's price and trace."""

    queryset = AwardApplication.objects.select_related("person").order_by("pk")
    serializer_class = s.AwardApplicationSerializer


class AwardInstalmentViewSet(_Read):
    """Yearly instalments of approved awards."""

    queryset = AwardInstalment.objects.select_related("application").order_by("pk")
    serializer_class = s.AwardInstalmentSerializer
