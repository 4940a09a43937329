"""Shared API base: every viewset narrows its queryset with restrict() and writes through services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from rest_framework import viewsets

from gongjiang.core.scope import region_allowed, restrict
from gongjiang.reference.selectors import validate_region_code


class ScopedViewSet(viewsets.GenericViewSet):
    scope_region_attr = "audit_region_code"

    def get_queryset(self) -> Any:
        action = {
            "list": "view",
            "retrieve": "view",
            "update": "change",
            "partial_update": "change",
            "destroy": "delete",
        }
        return restrict(super().get_queryset(), self.request.user, action.get(self.action, "view"))

    def check_region(self, region_code: str, field: str = "region_code") -> None:
        """A bad code is the caller's input error (400); a good code outside the scope is a 403."""
        validate_region_code(region_code, field=field)
        if not region_allowed(self.request.user, region_code):
            raise PermissionDenied("The region is outside your scope.")
