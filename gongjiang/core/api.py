from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from gongjiang.core import listing


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Django ValidationErrors raised by services become 400 answers naming the field."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = serializers.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


class ListPagination(BasePagination):
    """The API's lists, paged as the pages are (:mod:`gongjiang.core.listing`): ``count`` counted up to
    10,000 rows and estimated above (``count_kind``: ``exact``, ``about`` or ``over``); ``?page=`` numbers
    the pages within the counted rows, and ``next`` goes on from the last row's key (``?after=``) past
    them, so a deep page costs what the first does."""

    page_size = 50

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any]:
        ordering = queryset.query.order_by or queryset.model._meta.ordering or ()
        key_fields = listing.keyset_fields(queryset.model, [str(o) for o in ordering])
        if key_fields is not None:
            # A district's or a city's rows from its region index (the same rows in the same order).
            queryset = listing.scope_ordered(queryset, request.user, [str(o) for o in ordering])
        try:
            self.pager = listing.paginate(
                queryset, request.query_params, per_page=self.page_size, key_fields=key_fields
            )
        except DjangoValidationError as exc:
            raise NotFound(exc.messages[0]) from exc
        self.request = request
        return self.pager.rows

    def _link(self, query: str) -> str | None:
        if not query:
            return None
        return self.request.build_absolute_uri(f"{self.request.path}?{query}")

    def get_paginated_response(self, data: Any) -> Response:
        pager = self.pager
        return Response(
            {
                "count": pager.count.value,
                "count_kind": pager.count.kind,
                "next": self._link(pager.next_query),
                "previous": self._link(pager.previous_query),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "count_kind", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "count_kind": {"type": "string", "enum": ["exact", "about", "over"]},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
