"""Shared API base: every viewset narrows its queryset with restrict() and writes through services, which
authorize the caller (a refusal is a 403, a bad input a 400)."""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets

from gongjiang.core.scope import restrict

_ACTIONS = {"list": "view", "retrieve": "view", "update": "change", "partial_update": "change", "destroy": "delete"}


class ScopedViewSet(viewsets.GenericViewSet):
    # A viewset's extra actions name the step they take (``{"revoke": "revoke"}``): the objects it may be
    # taken on are those restrict() allows for that step.
    action_scope: dict[str, str] = {}

    def get_queryset(self) -> Any:
        step = self.action_scope.get(self.action or "") or _ACTIONS.get(self.action or "", "view")
        return restrict(super().get_queryset(), self.request.user, step)
