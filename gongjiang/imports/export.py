"""Export of a filtered list to CSV or XLSX: the list page's filterset and scope, personal data masked,
spreadsheet formulas neutralised. The app that owns a list registers its export (columns as the list
shows them, each a header and a getter) from its ``AppConfig.ready()``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from gongjiang.core.scope import restrict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportSpec:
    name: str  # the URL's part: /imports/export/<name>/
    model: type[Model]
    filterset: Any  # the list page's django-filter FilterSet class
    related: tuple[str, ...]
    columns: tuple[tuple[str | Promise, Callable[[Any], Any]], ...]  # (header, value of one object)
    title: str | Promise


_EXPORTS: dict[str, ExportSpec] = {}


def register(spec: ExportSpec) -> None:
    known = _EXPORTS.get(spec.name)
    if known is not None and known != spec:
        raise ValueError(f"export {spec.name!r} is already registered")
    _EXPORTS[spec.name] = spec


def get(name: str) -> ExportSpec:
    """The export registered as ``name``; KeyError if there is none."""
    return _EXPORTS[name]


def is_registered(name: str) -> bool:
    return name in _EXPORTS


class ExportTooLarge(ValueError):
    pass


def export_queryset(kind: str, user: Any, params: Any) -> QuerySet:
    """The list as its page shows it to ``user``: scoped, then filtered by the page's filterset."""
    spec = get(kind)
    queryset = restrict(spec.model._default_manager.all(), user, "view")
    filterset = spec.filterset(params or None, queryset=queryset)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    qs = qs.select_related(*spec.related).order_by("pk")
    limit = int(getattr(settings, "EXPORT_MAX_ROWS", 1_000_000))
    if qs.order_by().values("pk")[: limit + 1].count() > limit:
        raise ExportTooLarge(_("The list has more than %(n)d rows; narrow the search before exporting.") % {"n": limit})
    return qs


def header(kind: str) -> list[str]:
    return [str(h) for h, _get in get(kind).columns]


def rows(kind: str, queryset: QuerySet) -> Iterator[list[Any]]:
    getters = [get_value for _h, get_value in get(kind).columns]
    for obj in queryset.iterator(chunk_size=2000):
        yield [get_value(obj) for get_value in getters]
