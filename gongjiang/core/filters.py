"""Filters shared by every app's filtersets."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

from gongjiang.reference.regions import is_code_shape, scope_prefix


def region_filter(field: str) -> Callable[[QuerySet, str, str], QuerySet]:
    """A filterset method: the records whose ``field`` lies in the typed region's subtree (a district
    exactly, a city or the province by code prefix); a malformed code matches nothing."""

    def method(queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        if not is_code_shape(value):
            return queryset.none()
        prefix = scope_prefix(value)
        return queryset.filter(**{field: prefix} if len(prefix) == 6 else {f"{field}__startswith": prefix})

    return method
