"""The survey and its estimates as frames: the registry's enterprises as the sample frame, a survey's
frame, sample and employees as the estimation reads them, and the protected cells and premiums as the
rows of their tables. Pure reads and transformations; the services write."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
from typing import Any

import polars as pl
from django.db.models import Count, Q

from gongjiang.reference.regions import scope_prefix
from gongjiang.registry.models import Organisation
from gongjiang.wages.models import STATISTICS, EmployeeRecord, ResponseStatus, Survey

SIZE_THRESHOLDS = ((1000, "large"), (300, "medium"), (20, "small"), (0, "micro"))


def size_class(employees: int) -> str:
    return next(label for threshold, label in SIZE_THRESHOLDS if employees >= threshold)


def frame_of_registry(region_code: str, as_of: datetime.date, year: int) -> pl.DataFrame:
    """The enterprises of the region's subtree on ``as_of``: id, uscc, industry section, size class,
    district and employment (see the module's doc)."""
    prefix = scope_prefix(region_code)
    active = Q(employments__start__lte=as_of) & (Q(employments__end__isnull=True) | Q(employments__end__gt=as_of))
    rows = (
        Organisation.objects.filter(kind="enterprise", region_code__startswith=prefix, industry__isnull=False)
        .annotate(employed=Count("employments", filter=active))
        .values_list("id", "uscc", "industry__section", "region_code", "employed")
    )
    frame = pl.DataFrame(
        list(rows),
        schema={
            "organisation_id": pl.Int64,
            "uscc": pl.String,
            "industry_section": pl.String,
            "region_code": pl.String,
            "employed": pl.Int64,
        },
        orient="row",
    )
    # An enterprise employs at least one person, whatever the registry holds of it: no stratum has an
    # employment of zero to calibrate to.
    return frame.with_columns(
        size_class=pl.col("employed").map_elements(size_class, return_dtype=pl.String),
        employed=pl.col("employed").clip(lower_bound=1),
    )


def survey_frames(survey: Survey) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The survey as the estimation reads it: frame, sample (responded = submitted) and employees (yuan)."""
    frame = pl.DataFrame(
        list(
            survey.strata.values_list(
                "industry_section", "size_class", "region_code", "population_enterprises", "population_employment"
            )
        ),
        schema={
            "industry_section": pl.String,
            "size_class": pl.String,
            "region_code": pl.String,
            "population_enterprises": pl.Int64,
            "population_employment": pl.Float64,
        },
        orient="row",
    )
    sample = pl.DataFrame(
        [
            (pk, uscc, sec, size, region, status == ResponseStatus.SUBMITTED)
            for pk, uscc, sec, size, region, status in survey.responses.values_list(
                "id", "uscc", "industry_section", "size_class", "region_code", "status"
            )
        ],
        schema={
            "enterprise_id": pl.Int64,
            "uscc": pl.String,
            "industry_section": pl.String,
            "size_class": pl.String,
            "region_code": pl.String,
            "responded": pl.Boolean,
        },
        orient="row",
    )
    rows = EmployeeRecord.objects.filter(response__survey=survey, response__status=ResponseStatus.SUBMITTED)
    employees = pl.DataFrame(
        [
            (r[0], r[1], r[2], r[3], r[4], float(r[5]), *(v / 100.0 for v in r[6:]))
            for r in rows.values_list(
                "response_id",
                "occupation_code",
                "skill_level",
                "education",
                "months_worked",
                "hours_per_month",
                "base_pay",
                "bonus",
                "allowances",
                "overtime_pay",
            )
        ],
        schema={
            "enterprise_id": pl.Int64,
            "occupation_code": pl.String,
            "skill_level": pl.String,
            "education": pl.String,
            "months_worked": pl.Int64,
            "hours_per_month": pl.Float64,
            "base_pay": pl.Float64,
            "bonus": pl.Float64,
            "allowances": pl.Float64,
            "overtime_pay": pl.Float64,
        },
        orient="row",
    )
    return frame, sample, employees


def jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _whole_yuan(column: str) -> pl.Expr:
    """Rounded to the yuan: a monotone rounding, so ordered quantiles stay ordered."""
    return pl.col(column).round(0).cast(pl.Int64)


CELL_TEXT = ("occupation_code", "minor_group", "skill_level", "industry_section", "level_group", "reason")


def cells_table(cells: pl.DataFrame, edition_id: int) -> pl.DataFrame:
    """The protected cells as the rows of the ``Cell`` table."""
    stats = []
    for s in STATISTICS:
        stats += [
            _whole_yuan(s).alias(s),
            pl.col(f"se_{s}").cast(pl.Float64),
            _whole_yuan(f"lo_{s}"),
            _whole_yuan(f"hi_{s}"),
        ]
    detail = cells["reason_detail"] if "reason_detail" in cells.columns else pl.Series([None] * cells.height)
    details = [json.dumps(jsonable(d) if d is not None else {}, ensure_ascii=False) for d in detail.to_list()]
    return cells.select(
        pl.lit(edition_id).alias("edition_id"),
        "cell_kind",
        "region_code",
        *(pl.col(c).fill_null("").cast(pl.String) for c in CELL_TEXT),
        pl.col("n_enterprises").cast(pl.Int64),
        pl.col("n_employees").cast(pl.Int64),
        pl.col("weighted_employees").cast(pl.Float64),
        pl.col("weighted_total_pay").cast(pl.Float64),
        pl.col("top1_share").cast(pl.Float64),
        pl.col("top2_share").cast(pl.Float64),
        "status",
        *stats,
    ).with_columns(reason_detail=pl.Series(details, dtype=pl.String))


def premiums_table(premium: pl.DataFrame, cells: pl.DataFrame, edition_id: int) -> pl.DataFrame:
    """The premium table's rows, each marked publishable when both its levels' cells are published."""
    if premium.height == 0:
        return pl.DataFrame()
    p = premium
    for c in ("occupation_code", "minor_group"):
        if c not in p.columns:
            p = p.with_columns(pl.lit("").alias(c))
    lo = next((c for c in ("lo", "ratio_lo", "lo_ratio") if c in p.columns), None)
    hi = next((c for c in ("hi", "ratio_hi", "hi_ratio") if c in p.columns), None)
    published = (
        cells.filter(
            pl.col("status") == "published", pl.col("cell_kind").is_in(["occupation_level", "minor_group_level"])
        )
        .select(
            "region_code",
            pl.col("occupation_code").fill_null(""),
            pl.col("minor_group").fill_null(""),
            pl.col("skill_level").fill_null(""),
            pl.lit(True).alias("ok"),
        )
        .unique()
    )
    p = p.with_columns(pl.col("occupation_code").fill_null(""), pl.col("minor_group").fill_null(""))
    # an occupation's premium is looked up on its occupation cells, a group's on the group cells
    keys = ["region_code", "occupation_code", "minor_group"]
    p = p.with_columns(
        pl.when(pl.col("occupation_code") != "").then(pl.lit("")).otherwise(pl.col("minor_group")).alias("minor_group")
    )
    pub = published.with_columns(
        pl.when(pl.col("occupation_code") != "").then(pl.lit("")).otherwise(pl.col("minor_group")).alias("minor_group")
    ).unique()
    p = p.join(pub.rename({"skill_level": "from_level", "ok": "ok_from"}), on=[*keys, "from_level"], how="left").join(
        pub.rename({"skill_level": "to_level", "ok": "ok_to"}), on=[*keys, "to_level"], how="left"
    )
    return p.select(
        pl.lit(edition_id).alias("edition_id"),
        "region_code",
        "occupation_code",
        "minor_group",
        "from_level",
        "to_level",
        pl.col("ratio").cast(pl.Float64),
        (pl.col(lo).cast(pl.Float64) if lo else pl.lit(None, dtype=pl.Float64)).alias("lo"),
        (pl.col(hi).cast(pl.Float64) if hi else pl.lit(None, dtype=pl.Float64)).alias("hi"),
        (pl.col("ok_from").fill_null(False) & pl.col("ok_to").fill_null(False)).alias("publishable"),
    )
