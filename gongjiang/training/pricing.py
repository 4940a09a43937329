"""Claims are priced by the policy engine (``gongjiang.policy.engine.evaluate``, see docs/policy.md).

This module turns a class's passed trainees into engine events, hands the trainees' earlier claims to
the engine as ``history`` (so the three-trainings and same-occupation-and-level limits see them), and
folds the engine's rows back into one result per trainee: eligibility, amount in fen, clauses and the
trace sentence.

Every event carries the institution that trained (``org_id``) and whether it was designated on the
class's first day (``designated``), which the designated-institution rule requires.

Event per class kind: project-based classes are ``project_training`` (priced per project, 一项一价),
designated-institution classes ``designated_training``, enterprise classes ``enterprise_training``.
A class in a shortage occupation of its region's catalog adds a ``shortage_grant`` event for the same
trainee (ZJG-opinion 二(七)). The training event decides the claim: if it is not eligible, neither is the
claim (its reason and sentence say why). If it is, an eligible grant adds its amount, sentence and clause.
"""

from __future__ import annotations

import datetime
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongjiang.policy.engine import evaluate
from gongjiang.policy.inputs import PolicyInputError
from gongjiang.reference.regions import scope_prefix
from gongjiang.registry.models import Employment, Person
from gongjiang.training.models import Claim, ClaimStatus, ClassKind, Enrolment, Outcome, TrainingClass
from gongjiang.training.selectors import catalog_lookup, designated_on

EVENT_TYPES = {
    ClassKind.PROJECT: "project_training",
    ClassKind.DESIGNATED: "designated_training",
    ClassKind.ENTERPRISE: "enterprise_training",
}
SHORTAGE_GRANT = "shortage_grant"
# Earlier claims in these states count against the limits of a new one.
HISTORY_STATUSES = (ClaimStatus.COMPUTED, ClaimStatus.APPROVED, ClaimStatus.BATCHED, ClaimStatus.PAID)

EVENT_SCHEMA: dict[str, Any] = {
    "event_id": pl.Utf8,
    "event_type": pl.Utf8,
    "event_date": pl.Date,
    "region_code": pl.Utf8,
    "person_id": pl.Int64,
    "org_id": pl.Int64,
    "occupation_code": pl.Utf8,
    "level": pl.Utf8,
    "tier": pl.Utf8,
    "shortage": pl.Boolean,
    "digital": pl.Boolean,
    "class_hours": pl.Int64,
    "hukou_local": pl.Boolean,
    "designated": pl.Boolean,
    "insured_months": pl.Int64,
    "fee_fen": pl.Int64,
    "project_price_fen": pl.Int64,
}


def policy_set_for(region_code: str) -> str:
    """The shipped policy set that governs a region: 张家港 its own, other Suzhou and Changzhou regions their
    city's, everywhere else the Jiangsu base."""
    if region_code == "320582":
        return "zhangjiagang"
    return {"3205": "suzhou", "3204": "changzhou"}.get(region_code[:4], "jiangsu")


def _months_between(start: datetime.date, end: datetime.date) -> int:
    return max(0, (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0))


def _local_months(person_ids: list[int], prefix: str, on: datetime.date) -> dict[int, int]:
    """Months of continuous registered local employment up to ``on``: the platform's stand-in for months
    of local social insurance, which it does not hold."""
    out: dict[int, int] = {}
    jobs = Employment.objects.filter(
        person_id__in=person_ids, organisation__region_code__startswith=prefix, start__lte=on
    ).values_list("person_id", "start", "end")
    for person_id, start, end in jobs:
        if end is not None and end < on:
            continue
        out[person_id] = max(out.get(person_id, 0), _months_between(start, on))
    return out


def class_events(training_class: TrainingClass) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(events, index): the engine events for a class's passed trainees, and which enrolment each is for."""
    rows = list(
        Enrolment.objects.filter(training_class=training_class, outcome=Outcome.PASSED, certificate__isnull=False)
        .order_by("pk")
        .values_list("pk", "person_id", "certificate_id", "certificate__issue_date", "person__household_region_code")
    )
    return _events(training_class, rows)


def _events(tc: TrainingClass, rows: list[tuple[Any, ...]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine events of ``rows`` (enrolment id, person id, certificate id, event date, household region)
    in class ``tc``."""
    base = pl.DataFrame(
        rows,
        schema={
            "enrolment_id": pl.Int64,
            "person_id": pl.Int64,
            "certificate_id": pl.Int64,
            "event_date": pl.Date,
            "household": pl.Utf8,
        },
        orient="row",
    )
    prefix = scope_prefix(tc.region_code)
    catalogs = [
        catalog_lookup(tc.region_code, year, [tc.occupation_id]).with_columns(pl.lit(year).alias("year"))
        for year in sorted(set(base["event_date"].dt.year().to_list()))
    ]
    catalog = (
        pl.concat(catalogs)
        if catalogs
        else pl.DataFrame(schema={"tier": pl.Utf8, "digital": pl.Boolean, "shortage": pl.Boolean, "year": pl.Int32})
    )
    months = _local_months(base["person_id"].to_list(), prefix, tc.end_date)
    base = base.with_columns(pl.col("event_date").dt.year().alias("year")).join(
        catalog.select("year", "tier", "digital", "shortage").with_columns(pl.col("year").cast(pl.Int32)),
        on="year",
        how="left",
    )
    events = base.select(
        pl.format("e{}", pl.col("enrolment_id")).alias("event_id"),
        pl.lit(EVENT_TYPES[ClassKind(tc.kind)]).alias("event_type"),
        pl.col("event_date"),
        pl.lit(tc.region_code).alias("region_code"),
        pl.col("person_id"),
        pl.lit(tc.institution_id, dtype=pl.Int64).alias("org_id"),
        pl.lit(tc.occupation.code).alias("occupation_code"),
        pl.lit(tc.level.code).alias("level"),
        pl.col("tier"),
        pl.col("shortage").fill_null(False),
        pl.col("digital").fill_null(tc.occupation.digital),
        pl.lit(tc.class_hours, dtype=pl.Int64).alias("class_hours"),
        pl.col("household").str.starts_with(prefix).alias("hukou_local"),
        # 普惠制 (ZJG-opinion 二(六)) pays only where the institution was designated on the training date.
        pl.lit(designated_on(tc.institution_id, tc.region_code, tc.start_date)).alias("designated"),
        pl.col("person_id").replace_strict(months, default=0, return_dtype=pl.Int64).alias("insured_months"),
        pl.lit(tc.fee_fen, dtype=pl.Int64).alias("fee_fen"),
        pl.lit(tc.fee_fen, dtype=pl.Int64).alias("project_price_fen"),
        pl.col("enrolment_id"),
        pl.col("certificate_id"),
    )
    grants = events.filter(pl.col("shortage")).with_columns(
        (pl.col("event_id") + "-shortage").alias("event_id"), pl.lit(SHORTAGE_GRANT).alias("event_type")
    )
    events = pl.concat([events, grants])
    index = events.select("event_id", "enrolment_id", "person_id", "certificate_id", "event_date")
    return events.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA), index  # type: ignore[arg-type]


def history_events(person_ids: list[int], *, exclude_class: int) -> pl.DataFrame:
    """The trainees' other claims, as engine history rows (event columns plus amount_fen)."""
    rows = list(
        Claim.objects.filter(person_id__in=person_ids, status__in=HISTORY_STATUSES, eligible=True)
        .exclude(training_class_id=exclude_class)
        .values_list(
            "pk",
            "training_class__kind",
            "event_date",
            "region_code",
            "person_id",
            "institution_id",
            "occupation__code",
            "level__code",
            "amount_fen",
            "training_class__fee_fen",
            "training_class__class_hours",
        )
    )
    frame = pl.DataFrame(
        rows,
        schema={
            "claim_id": pl.Int64,
            "kind": pl.Utf8,
            "event_date": pl.Date,
            "region_code": pl.Utf8,
            "person_id": pl.Int64,
            "org_id": pl.Int64,
            "occupation_code": pl.Utf8,
            "level": pl.Utf8,
            "amount_fen": pl.Int64,
            "fee_fen": pl.Int64,
            "class_hours": pl.Int64,
        },
        orient="row",
    )
    frame = frame.with_columns(
        pl.col("fee_fen").alias("project_price_fen"),
        pl.format("claim-{}", pl.col("claim_id")).alias("event_id"),
        pl.col("kind").replace_strict({k.value: v for k, v in EVENT_TYPES.items()}).alias("event_type"),
    )
    for name, dtype in EVENT_SCHEMA.items():
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
    return frame.select([*EVENT_SCHEMA, "amount_fen"]).cast(EVENT_SCHEMA)  # type: ignore[arg-type]


def evaluate_class(training_class: TrainingClass) -> pl.DataFrame:
    """One row per passed trainee: enrolment_id, person_id, certificate_id, event_date, policy_set,
    policy_version, eligible, reason, amount_fen, clauses, trace."""

    events, index = class_events(training_class)
    out_schema: dict[str, Any] = {
        "enrolment_id": pl.Int64,
        "person_id": pl.Int64,
        "certificate_id": pl.Int64,
        "event_date": pl.Date,
        "policy_set": pl.Utf8,
        "policy_version": pl.Int64,
        "eligible": pl.Boolean,
        "reason": pl.Utf8,
        "amount_fen": pl.Int64,
        "clauses": pl.List(pl.Utf8),
        "trace": pl.Utf8,
    }
    if events.height == 0:
        return pl.DataFrame(schema=out_schema)
    policy_set = policy_set_for(training_class.region_code)
    history = history_events(index["person_id"].unique().to_list(), exclude_class=training_class.pk)
    try:
        results = evaluate(events, policy_set=policy_set, history=history if history.height else None)
    except LookupError as exc:  # the policy set is not loaded or not adopted
        raise ValidationError({"claims": [str(exc)]}) from None
    except PolicyInputError as exc:
        raise ValidationError(
            {
                "claims": [
                    _("event %(r)s, %(c)s: %(m)s") % {"r": e.row, "c": e.column, "m": e.message} for e in exc.errors
                ]
            }
        ) from None
    return fold_results(results, index).select(list(out_schema)).cast(out_schema)  # type: ignore[arg-type]


def prospective_claim(training_class: TrainingClass, person: Person, on: datetime.date) -> dict[str, Any]:
    """What the engine would pay ``person`` for passing ``training_class``: the same events, history and call
    as the class's claims (:func:`evaluate_class`), for one trainee whose certificate would be issued on
    ``on`` (not before the class ends). Returns eligible, reason, amount_fen, clauses, trace, policy_set."""
    event_date = max(on, training_class.end_date)
    events, index = _events(training_class, [(0, person.pk, None, event_date, person.household_region_code)])
    policy_set = policy_set_for(training_class.region_code)
    history = history_events([person.pk], exclude_class=training_class.pk)
    results = evaluate(events, policy_set=policy_set, history=history if history.height else None)
    row = fold_results(results, index).row(0, named=True)
    return {
        "eligible": bool(row["eligible"]),
        "reason": row["reason"] or "",
        "amount_fen": int(row["amount_fen"] or 0),
        "clauses": list(row["clauses"] or []),
        "trace": row["trace"] or "",
        "policy_set": policy_set,
        "event_date": event_date,
    }


def fold_results(results: pl.DataFrame, index: pl.DataFrame) -> pl.DataFrame:
    """Engine rows (one per event) → one row per enrolment. The training event decides: when it is not
    eligible the claim is not, whatever else the trainee might get, and its reason and sentence say why.
    When it is, the eligible extra events (the shortage grant) add their amounts, sentences and clauses."""
    joined = results.select(
        "event_id",
        "event_type",
        "eligible",
        "reason",
        "amount_fen",
        "clauses",
        "trace_text",
        "policy_set",
        "policy_version",
    ).join(index, on="event_id", how="left")
    joined = joined.with_columns((pl.col("event_type") != SHORTAGE_GRANT).alias("primary"))
    joined = joined.with_columns(
        (pl.col("eligible") & pl.col("primary")).any().over("enrolment_id").alias("training_eligible")
    )
    # The training event always counts; an extra event only when eligible and the training is.
    joined = joined.filter(pl.col("primary") | (pl.col("eligible") & pl.col("training_eligible")))
    joined = joined.with_columns(
        pl.when(pl.col("eligible") & pl.col("training_eligible")).then(pl.col("amount_fen")).otherwise(0).alias("paid")
    )
    return (
        joined.sort(["enrolment_id", "primary"], descending=[False, True])
        .group_by("enrolment_id", maintain_order=True)
        .agg(
            pl.col("person_id").first(),
            pl.col("certificate_id").first(),
            pl.col("event_date").first(),
            pl.col("policy_set").first(),
            pl.col("policy_version").first().cast(pl.Int64),
            pl.col("training_eligible").first().alias("eligible"),
            pl.col("reason").first(),
            pl.col("paid").sum().alias("amount_fen"),
            pl.col("clauses").list.explode(keep_nulls=False, empty_as_null=False).unique(maintain_order=True),
            pl.col("trace_text").drop_nulls().str.join("；").alias("trace"),
        )
    )


def region_events(region_code: str, start: datetime.date, end: datetime.date) -> tuple[pl.DataFrame, dict[int, str]]:
    """The engine events of every class in the region's subtree whose passed trainees' certificates were issued
    from ``start`` to ``end``, and the trainees' names by id: the registry's real training events, for
    measuring a draft policy version (``policy.sources``)."""
    prefix = scope_prefix(region_code)
    classes = (
        TrainingClass.objects.filter(
            region_code__startswith=prefix,
            enrolments__outcome=Outcome.PASSED,
            enrolments__certificate__issue_date__range=(start, end),
        )
        .select_related("occupation", "level")
        .distinct()
        .order_by("pk")
    )
    frames = []
    for tc in classes:
        events, _index = class_events(tc)
        frames.append(events.filter(pl.col("event_date").is_between(start, end)))
    if not frames:
        return pl.DataFrame(schema=EVENT_SCHEMA), {}
    events = pl.concat(frames)
    ids = events["person_id"].unique().to_list()
    names = dict(Person.objects.filter(pk__in=ids).values_list("pk", "name"))
    return events, names
