"""Filters shared by every app's filtersets."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

from gongjiang.core.scope import region_q
from gongjiang.reference.regions import is_code_shape


def region_filter(field: str) -> Callable[[QuerySet, str, str], QuerySet]:
    """A filterset method: the records whose ``field`` lies in the typed region's subtree (a district
    exactly, a city or the province by code prefix); a malformed code matches nothing."""

    def method(queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        if not is_code_shape(value):
            return queryset.none()
        return queryset.filter(region_q(field, value))

    return method
