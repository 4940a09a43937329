"""Award applications are priced by the policy engine (``gongjiang.policy.engine.evaluate``, docs/policy.md),
never here: this module turns an application into one engine event and hands the engine, as ``history``,
the awards already approved that its stateful limits must see: the person's own (``max_per_person``,
``cap_per_person``, across applications and years) and, for a rule with a yearly quota, the region's
awards of that rule (``quota_per_region_year``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from gongjiang.policy.engine import evaluate
from gongjiang.policy.inputs import PolicyInputError
from gongjiang.reference.regions import city_of
from gongjiang.training.pricing import policy_set_for

# Approved awards (and stopped ones: what was given stays given) count against the limits.
COUNTED = ("approved", "stopped")

SCHEMA: dict[str, Any] = {
    "event_id": pl.Utf8,
    "event_type": pl.Utf8,
    "event_date": pl.Date,
    "region_code": pl.Utf8,
    "person_id": pl.Int64,
    "org_id": pl.Int64,
    "level": pl.Utf8,
    "talent_title": pl.Utf8,
    "shortage": pl.Boolean,
    "work_start": pl.Date,
    "requested_fen": pl.Int64,
}


@dataclass(frozen=True)
class Priced:
    policy_set: str
    policy_version: int | None
    eligible: bool
    reason: str
    payee: str
    amount_fen: int
    instalments: int
    instalment_fen: int
    trace: str
    clauses: list[str]


def _row(event_id: str, a: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "event_type": a.rule,
        "event_date": a.event_date,
        "region_code": a.region_code,
        "person_id": a.person_id,
        "org_id": a.organisation_id,
        "level": a.level or None,
        "talent_title": a.talent_title or ("none" if a.rule == "talent_introduction" else None),
        "shortage": bool(a.shortage),
        "work_start": a.work_start,
        "requested_fen": a.requested_fen,
    }


def history_of(application: Any) -> pl.DataFrame:
    """The approved awards the engine's limits must count for ``application`` (itself excluded)."""
    from gongjiang.honours.models import AwardApplication

    year = application.event_date.year
    city = city_of(application.region_code) or application.region_code
    same_rule_region = Q(rule=application.rule, event_date__year=year, region_code__startswith=city[:4])
    rows = (
        AwardApplication.objects.filter(Q(person_id=application.person_id) | same_rule_region)
        .filter(status__in=COUNTED, eligible=True)
        .exclude(pk=application.pk)
        .order_by("event_date", "pk")
    )
    records = [{**_row(f"a{r.pk}", r), "amount_fen": r.amount_fen} for r in rows]
    return pl.DataFrame(records, schema={**SCHEMA, "amount_fen": pl.Int64}, orient="row")


def price(application: Any) -> Priced:
    """The engine's answer for one application, with the limits of the awards already approved."""
    events = pl.DataFrame([_row("new", application)], schema=SCHEMA, orient="row")
    history = history_of(application)
    name = policy_set_for(application.region_code)
    try:
        out = evaluate(events, policy_set=name, history=history if history.height else None)
    except LookupError as exc:  # the policy set is not loaded or not adopted
        raise ValidationError({"rule": [str(exc)]}) from None
    except PolicyInputError as exc:
        raise ValidationError(
            {"rule": [_("%(c)s: %(m)s") % {"c": e.column, "m": e.message} for e in exc.errors]}
        ) from None
    row = out.row(0, named=True)
    return Priced(
        policy_set=row["policy_set"],
        policy_version=row["policy_version"],
        eligible=bool(row["eligible"]),
        reason="" if row["reason"] == "ok" else str(row["reason"]),
        payee=str(row["payee"] or ""),
        amount_fen=int(row["amount_fen"] or 0),
        instalments=int(row["instalments"] or 1),
        instalment_fen=int(row["instalment_fen"] or 0),
        trace=str(row["trace_text"] or ""),
        clauses=list(row["clauses"] or []),
    )


def schedule(
    *, start: datetime.date, instalments: int, amount_fen: int, each_fen: int
) -> list[tuple[int, datetime.date, int]]:
    """(year of the term, due date, amount): yearly from ``start``; the last takes what rounding left."""
    out = []
    for year in range(1, instalments + 1):
        due = _add_years(start, year - 1)
        amount = each_fen if year < instalments else amount_fen - each_fen * (instalments - 1)
        out.append((year, due, amount))
    return out


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
