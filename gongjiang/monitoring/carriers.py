"""A carrier's recognised history, as spans of days on which it counts against targets.

The rule, read from the carrier's decisions in date order (on one day, in the order they were taken):

* a **recognition** on day R opens a span from R; with a term (``valid_until`` T) the span ends after T;
* a **renewal** on day N to T' extends the open span to T' when N falls within it; a renewal after the
  term has lapsed opens a new span from N (the carrier did not count in between);
* a **withdrawal** on day W ends the span on W: the carrier counts up to the day before and not from W on;
* applications, rejections, assessments and funding decisions change nothing.

A span is (start, end) with ``end`` exclusive or None (open); the carrier counts on day d when
``start <= d < end``. Indicators read the spans through :func:`spans_by_carrier`
(``monitoring.measures``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from gongjiang.monitoring.models import Carrier, CarrierDecision, CarrierDecisionKind
from gongjiang.reference.regions import scope_prefix

Span = tuple[datetime.date, datetime.date | None]
ONE_DAY = datetime.timedelta(days=1)


def _end(valid_until: datetime.date | None) -> datetime.date | None:
    return valid_until + ONE_DAY if valid_until is not None else None


def spans(decisions: Iterable[tuple[datetime.date, str, datetime.date | None]]) -> list[Span]:
    """The spans of one carrier from its decisions (date, kind, valid_until), already in order."""
    out: list[Span] = []
    start: datetime.date | None = None
    end: datetime.date | None = None
    for day, kind, valid_until in decisions:
        if start is not None and end is not None and day >= end:
            out.append((start, end))  # the term lapsed before this decision
            start = end = None
        if kind == CarrierDecisionKind.RECOGNISE:
            if start is None:
                start, end = day, _end(valid_until)
        elif kind == CarrierDecisionKind.RENEW:
            if start is None:
                start = day
            end = _end(valid_until)
        elif kind == CarrierDecisionKind.WITHDRAW and start is not None:
            if day > start:
                out.append((start, day))
            start = end = None
    if start is not None:
        out.append((start, end))
    return out


def counts_on(carrier_spans: list[Span], day: datetime.date) -> bool:
    return any(start <= day and (end is None or day < end) for start, end in carrier_spans)


def spans_by_carrier(carriers: Iterable[int] | None = None) -> dict[int, list[Span]]:
    """Every carrier's spans (one query over the decisions)."""
    decisions = CarrierDecision.objects.filter(
        kind__in=(CarrierDecisionKind.RECOGNISE, CarrierDecisionKind.RENEW, CarrierDecisionKind.WITHDRAW)
    )
    if carriers is not None:
        decisions = decisions.filter(carrier_id__in=list(carriers))
    history: dict[int, list[tuple[datetime.date, str, datetime.date | None]]] = defaultdict(list)
    for carrier, day, kind, valid_until in decisions.order_by("carrier_id", "date", "id").values_list(
        "carrier_id", "date", "kind", "valid_until"
    ):
        history[carrier].append((day, kind, valid_until))
    return {carrier: spans(rows) for carrier, rows in history.items()}


def counted_spans() -> list[tuple[str, str, bool, datetime.date, datetime.date | None]]:
    """(region code, kind, digital, start, end) of every span of every carrier: what the indicators count."""
    by_carrier = spans_by_carrier()
    out = []
    for pk, code, kind, digital in Carrier.objects.values_list("pk", "region_code", "kind", "digital"):
        for start, end in by_carrier.get(pk, ()):
            out.append((code, kind, digital, start, end))
    return out


def recognised_on(day: datetime.date, *, region: str = "", kind: str = "") -> list[Carrier]:
    """The carriers counting on ``day`` (within a span of their history), in a region's subtree and of a kind."""
    carriers = Carrier.objects.select_related("organisation")
    if region:
        carriers = carriers.filter(region_code__startswith=scope_prefix(region))
    if kind:
        carriers = carriers.filter(kind=kind)
    carriers = carriers.exclude(since__isnull=True).filter(since__lte=day)
    by_carrier = spans_by_carrier(list(carriers.values_list("pk", flat=True)))
    return [c for c in carriers.order_by("region_code", "kind", "name") if counts_on(by_carrier.get(c.pk, []), day)]
