"""Lists that stay fast at province scale: a count that never counts millions of rows to draw 50, and
pages that do not skip over millions of rows to reach a deep one.

* **Counts** are counted up to ``COUNT_CAP`` rows (``LIMIT``, so the database stops there). Above it the
  list says so honestly: on PostgreSQL with the planner's estimate ("about 2,640,000 records"), elsewhere
  as "more than 10,000 records".
* **Pages** are numbered while they lie within the counted rows (the first ``COUNT_CAP / per_page``
  pages, a short ``OFFSET``). Past them, in the list's default order, "next page" continues from the
  last row's key (keyset pagination: ``WHERE (key) < (last key)``, served by the index of the order), so
  page 5,000 costs what page 1 does. A list sorted by a column the user chose goes on by offset.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import Model, Q, QuerySet
from django.db.models.query import ModelIterable
from django.utils.translation import gettext, ngettext

COUNT_CAP = 10_000
KEY_SEPARATOR = "|"


@dataclass(frozen=True)
class ListCount:
    """How many rows a list holds: ``exact``, ``about`` (the planner's estimate) or ``over`` (more than
    ``value``, the cap)."""

    value: int
    kind: str = "exact"

    @property
    def exact(self) -> bool:
        return self.kind == "exact"

    @property
    def figure(self) -> str:
        """The count alone, as a figure on a card: 1,234, about 2,640,000, more than 10,000."""
        shown = f"{self.value:,}"
        if self.kind == "about":
            return gettext("about %(n)s") % {"n": shown}
        if self.kind == "over":
            return gettext("more than %(n)s") % {"n": shown}
        return shown

    def __str__(self) -> str:
        shown = f"{self.value:,}"
        if self.kind == "about":
            return ngettext("about %(counter)s record", "about %(counter)s records", self.value) % {"counter": shown}
        if self.kind == "over":
            return ngettext("more than %(counter)s record", "more than %(counter)s records", self.value) % {
                "counter": shown
            }
        return ngettext("%(counter)s record", "%(counter)s records", self.value) % {"counter": shown}


def planner_estimate(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the rows ``queryset`` returns (its plan's top row count), without running
    it; None on other databases or when the plan cannot be read."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        return int(plan[0]["Plan"]["Plan Rows"])
    except (LookupError, TypeError, ValueError):
        return None


def _rounded(n: int) -> int:
    """An estimate to three significant figures (2,637,411 to 2,640,000): it is no more precise."""
    if n < 1000:
        return n
    step = 10 ** (len(str(n)) - 3)
    return round(n / step) * step


def list_count(queryset: QuerySet, cap: int | None = None) -> ListCount:
    """The rows of ``queryset``: counted exactly up to ``cap`` (``COUNT_CAP``), estimated (PostgreSQL) or
    capped above it."""
    cap = COUNT_CAP if cap is None else cap
    # A region's list led by its region key (scope_ordered) is counted in that order: the first rows of
    # the region's index, not a scan of the table that meets the region's rows wherever they are stored.
    led = bool(queryset.query.order_by) and not isinstance(queryset.query.order_by[0], str)
    counted = (queryset if led else queryset.order_by()).values("pk")[: cap + 1].count()
    if counted <= cap:
        return ListCount(counted)
    estimate = planner_estimate(queryset)
    if estimate is not None and estimate > cap:
        return ListCount(_rounded(estimate), "about")
    return ListCount(cap, "over")


# --- the order of a region's list ------------------------------------------------------------------------


def scope_ordered(queryset: QuerySet, user: Any, ordering: Sequence[str]) -> QuerySet:
    """``queryset`` in ``ordering``; where that is a list's default order (by the primary key alone) and
    ``user`` sees one district or one city of a model whose region is its own column, led by the region
    key the scope holds constant: the district's code, or the city's four digits.

    The rows and their order are the same (the lead is one value throughout the scope), but only the
    region's index, (code, id) or (city, id), gives that order, so the database reads the region's
    newest 50 from it. Ordered by the key alone, PostgreSQL's planner assumes a city's rows spread
    evenly over the ids and reads the primary key backwards, filtering: where a city's rows are stored
    together (a registry loaded city by city) that reads every newer row of the other cities first.
    Pages by key (:func:`after_filter`) still compare the primary key alone."""
    from django.db.models import BigIntegerField, ExpressionWrapper, F
    from django.db.models.functions import Substr

    from gongjiang.core.models import Role
    from gongjiang.core.scope import scope_of
    from gongjiang.reference.regions import scope_prefix

    ordered = queryset.order_by(*ordering)
    if len(ordering) != 1 or ordering[0].lstrip("-") not in ("pk", "id", queryset.model._meta.pk.name):
        return ordered
    if user is None or getattr(user, "is_superuser", False):
        return ordered
    try:
        scope = scope_of(queryset.model)
    except LookupError:
        return ordered
    desc = ordering[0].startswith("-")
    if getattr(user, "role", "") == Role.ORGANISATION:
        if scope.organisation_via or "__" in scope.organisation:
            # The organisation's rows are a union found through other tables (core.scope.restrict): few
            # beside the table. Ordered by the key itself, the planner reads the table's primary key in
            # order and meets them where they are stored (4.7 s for an enterprise's certificates on a
            # province of 4.8 million); ordered by an expression of the key (the same order), it
            # fetches the union's rows by key and sorts them.
            key = ExpressionWrapper(F("pk") + 0, output_field=BigIntegerField())
            return queryset.order_by(key.desc() if desc else key.asc())
        return ordered
    if not getattr(user, "region_code", "") or getattr(user, "role", "") not in (Role.OFFICER, Role.AUDITOR):
        return ordered
    path = scope.region
    if not path or "__" in path:
        return ordered
    prefix = scope_prefix(user.region_code)
    if len(prefix) == 6:
        lead: Any = F(path)
    elif len(prefix) == 4:
        lead = Substr(path, 1, 4)
    else:
        return ordered
    return queryset.order_by(lead.desc() if desc else lead.asc(), *ordering)


# --- keyset pagination ---------------------------------------------------------------------------------


def keyset_fields(model: type[Model], ordering: Sequence[str]) -> list[tuple[Any, bool]] | None:
    """The fields of ``ordering`` as (model field, descending) when the list can go on by key: each a
    column of the model itself, none nullable, the last one the primary key (so the key is unique).
    None otherwise."""
    out = []
    for name in ordering:
        desc = name.startswith("-")
        bare = name.lstrip("-")
        if "__" in bare:
            return None
        field = model._meta.pk if bare == "pk" else model._meta.get_field(bare)
        if getattr(field, "null", True) or not getattr(field, "concrete", False):
            return None
        out.append((field, desc))
    if not out or not getattr(out[-1][0], "primary_key", False):
        return None
    return out


def key_of(obj: Model, fields: list[tuple[Any, bool]]) -> str:
    """The key of a row as the ``after`` parameter writes it."""
    return KEY_SEPARATOR.join(str(field.value_from_object(obj)) for field, _desc in fields)


def after_filter(queryset: QuerySet, fields: list[tuple[Any, bool]], key: str) -> QuerySet:
    """The rows after ``key`` in the order of ``fields`` (a lexicographic comparison, written as the OR of
    equal prefixes so that each column may go its own direction). A malformed key is a ValidationError."""
    parts = key.split(KEY_SEPARATOR)
    if len(parts) != len(fields):
        raise ValidationError(gettext("The page address is not valid."))
    values = []
    for (field, _desc), text in zip(fields, parts, strict=True):
        try:
            values.append(field.to_python(text))
        except (ValidationError, ValueError, TypeError) as exc:
            raise ValidationError(gettext("The page address is not valid.")) from exc
    condition = Q()
    for i, (field, desc) in enumerate(fields):
        step = Q(**{f"{field.attname}__{'lt' if desc else 'gt'}": values[i]})
        for (earlier, _d), value in zip(fields[:i], values[:i], strict=True):
            step &= Q(**{earlier.attname: value})
        condition |= step
    queryset = queryset.filter(condition)
    first, desc = fields[0]
    if first.is_relation:
        # Ordered by a foreign key whose table the scope already joins (certificates by holder, scoped by the
        # holder's region): the bound is said of the joined table's id too, where its index can use it (the
        # database does not carry an inequality across a join).
        table = first.related_model._meta.db_table
        alias = next((a for a, j in queryset.query.alias_map.items() if j.table_name == table), None)
        if alias is not None:
            connection = connections[queryset.db]
            column = connection.ops.quote_name(first.related_model._meta.pk.column)
            where = f"{connection.ops.quote_name(alias)}.{column} {'<=' if desc else '>='} %s"
            queryset = queryset.extra(where=[where], params=[values[0]])  # noqa: S610 (names from the model)
    return queryset


def offset_rows(queryset: QuerySet, start: int, limit: int) -> list[Any]:
    """The ``limit`` rows of ``queryset`` (ordered) from the ``start``-th: the first page as one query; a
    later one by its keys first (the same order, offset and limit, selecting the key alone), then its
    rows by key, in that order. With the whole row and its related rows selected, ``OFFSET 9,950``
    builds and joins the 9,950 rows it skips; selecting the key alone reads the order's index and
    skips index entries."""
    if start == 0 or queryset._iterable_class is not ModelIterable:
        return list(queryset[start : start + limit])
    keys = list(queryset.values_list("pk", flat=True)[start : start + limit])
    if not keys:
        return []
    found = {obj.pk: obj for obj in queryset.order_by().filter(pk__in=keys)}
    return [found[k] for k in keys if k in found]


@dataclass
class Pager:
    """One page of a list: its rows, its count and where its links go (query strings, the page's other
    parameters kept)."""

    rows: list[Any]
    count: ListCount
    number: int
    per_page: int
    numbered_pages: int  # the pages that have a number link (within the counted rows)
    has_next: bool
    next_query: str
    previous_query: str
    first_query: str
    by_key: bool  # this page was reached by key (past the numbered pages)
    object_list: Any = None  # the rows as the table draws them (django-tables2's BoundRows)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def page_range(self) -> list[int | None]:
        """The page numbers to link (None for a gap), around the current one."""
        last = self.numbered_pages
        shown = {1, 2, last - 1, last, *range(self.number - 2, self.number + 3)}
        pages = sorted(p for p in shown if 1 <= p <= last)
        out: list[int | None] = []
        for p in pages:
            if out and out[-1] is not None and p - out[-1] > 1:
                out.append(None)
            out.append(p)
        return out


def paginate(
    queryset: QuerySet,
    query: Any,
    *,
    per_page: int,
    key_fields: list[tuple[Any, bool]] | None,
    page_param: str = "page",
    count: ListCount | None = None,
) -> Pager:
    """The page of ``queryset`` (already ordered) that the request's ``query`` (a QueryDict) asks for: a
    numbered ``page``, or the rows ``after`` a key when ``key_fields`` allow it. A malformed page or key
    is a ValidationError naming it."""
    count = count or list_count(queryset)
    numbered = max(1, math.ceil(min(count.value, COUNT_CAP) / per_page))
    raw_page = query.get(page_param) or "1"
    try:
        number = int(raw_page)
    except ValueError:
        number = 0
    if number < 1:
        raise ValidationError(gettext("The page number must be a whole number from 1."))
    after = query.get("after", "")
    if after and key_fields:
        rows = list(after_filter(queryset, key_fields, after)[: per_page + 1])
        by_key = True
    else:
        if count.exact:
            number = min(number, numbered)
        start = (number - 1) * per_page
        rows = offset_rows(queryset, start, per_page + 1)
        by_key = False
    has_next = len(rows) > per_page
    rows = rows[:per_page]

    def link(**changes: Any) -> str:
        q = query.copy()
        for name in (page_param, "after"):
            q.pop(name, None)
        for name, value in changes.items():
            if value is not None:
                q[name] = str(value)
        return q.urlencode()

    if not has_next:
        next_query = ""
    elif number < numbered or not key_fields or not rows:
        next_query = link(**{page_param: number + 1})
    else:
        next_query = link(**{page_param: number + 1, "after": key_of(rows[-1], key_fields)})
    # A page reached by key has no previous key; its previous page has one when it is numbered.
    back = number > 1 and (not by_key or number - 1 <= numbered)
    previous_query = link(**{page_param: number - 1}) if back else ""
    return Pager(
        rows=rows,
        count=count,
        number=number,
        per_page=per_page,
        numbered_pages=numbered,
        has_next=has_next,
        next_query=next_query,
        previous_query=previous_query,
        first_query=link(),
        by_key=by_key,
    )
