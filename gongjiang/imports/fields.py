"""Validations that several kinds share: ID numbers, credit codes, occupations, dates, choice columns,
and the columns every plan needs. Each works on whole columns of a :class:`Validation`."""

from __future__ import annotations

import datetime
from typing import Any

import polars as pl
from django.utils import translation
from django.utils.translation import gettext as _

from gongjiang.core import plausible, tabular
from gongjiang.imports import checks, crypto
from gongjiang.imports.lookups import fetch_all
from gongjiang.imports.validation import Context, Validation
from gongjiang.reference.models import Occupation


def id_columns(v: Validation, field_name: str, ctx: Context) -> None:
    """Validate the ID-number column and add id18, birth_date, sex, birth_region_code, id_index."""
    v.required(field_name)
    # Once per distinct value: a certificate file names most holders more than once.
    distinct = v.frame[field_name].unique()
    result = checks.id_numbers(distinct, today=ctx.today).select(
        pl.Series(field_name, distinct.to_list(), dtype=pl.String),
        pl.col("number").alias("id18"),
        pl.col("ok").alias("id_ok"),
        "birth_date",
        "sex",
        "birth_region_code",
        pl.col("message").alias("id_message"),
    )
    valid = result.filter(pl.col("id_ok"))
    index = valid.select(field_name).with_columns(id_index=crypto.blind_indexes(valid["id18"]))
    v.frame = v.frame.join(result.join(index, on=field_name, how="left"), on=field_name, how="left")
    v.fail(field_name, ~pl.col("id_ok") & (pl.col(field_name) != ""), pl.col("id_message"))
    v.frame = v.frame.drop("id_ok", "id_message")


def changed(pairs: list[tuple[str, str]]) -> pl.Expr:
    """Any (new, old) pair of columns differs (nulls compared as values)."""
    expr = pl.lit(False)
    for new, old in pairs:
        expr = expr | pl.col(new).ne_missing(pl.col(old))
    return expr


def now_columns(ctx: Context) -> list[pl.Expr]:
    return [pl.lit(ctx.now).alias("created"), pl.lit(ctx.now).alias("updated")]


def choice_table(choices: list[tuple[str, Any]], extra: dict[str, str]) -> dict[str, str]:
    """Codes, English and Chinese labels (and extra words) of a choice set → code."""
    table = {k.lower(): k for k in extra} | {w.lower(): c for w, c in extra.items()}
    for code, label in choices:
        table[code.lower()] = code
        with translation.override("en"):
            table[str(label).lower()] = code
        with translation.override("zh-hans"):
            table[str(label).lower()] = code
    return table


def map_choice(v: Validation, field_name: str, table: dict[str, str], target: str, message: str) -> None:
    mapping = pl.DataFrame(
        {"_word": list(table), target: list(table.values())}, schema={"_word": pl.String, target: pl.String}
    )
    v.frame = (
        v.frame.with_columns(_word=pl.col(field_name).str.to_lowercase().str.replace_all(r"\s", ""))
        .join(mapping, on="_word", how="left")
        .drop("_word")
    )
    v.fail(field_name, (pl.col(field_name) != "") & pl.col(target).is_null(), message)


def uscc_column(v: Validation, field_name: str, target: str, *, required: bool) -> None:
    if required:
        v.required(field_name)
    table = checks.usccs(v.frame.filter(pl.col(field_name) != "")[field_name])
    v.frame = v.frame.join(
        table.rename({"raw": field_name, "value": target, "message": f"{target}_msg"}), on=field_name, how="left"
    )
    v.fail(field_name, (pl.col(field_name) != "") & pl.col(f"{target}_msg").is_not_null(), pl.col(f"{target}_msg"))
    v.frame = v.frame.drop(f"{target}_msg")


def occupation(v: Validation, field_name: str, *, required: bool) -> None:
    if required:
        v.required(field_name)
    occupations = fetch_all(Occupation, ["code", "id"], kind="occupation")
    v.frame = v.frame.join(occupations.rename({"code": field_name, "id": "occupation_id"}), on=field_name, how="left")
    v.fail(
        field_name,
        (pl.col(field_name) != "") & pl.col("occupation_id").is_null(),
        _("Unknown occupation code; use the 2022 classification, e.g. 6-31-01-03."),
    )


def date(
    v: Validation, field_name: str, target: str, *, required: bool, today: datetime.date, planned: bool = False
) -> None:
    """A date column, read the platform's one way and held to the plausible range of core.plausible: from
    1900 to ``today`` (to ten years ahead for a ``planned`` date, an end of contract say)."""
    if required:
        v.required(field_name)
    # Parsed once per distinct text: a file of a million rows holds a few thousand different dates.
    distinct = v.frame.select(pl.col(field_name).unique())
    parsed = distinct.with_columns(tabular.dates(field_name).alias(target))
    v.frame = v.frame.with_columns(
        pl.col(field_name)
        .replace_strict(parsed[field_name], parsed[target], default=None, return_dtype=pl.Date)
        .alias(target)
    )
    bad = v.frame.filter((pl.col(field_name) != "") & pl.col(target).is_null() & v.ok(field_name))
    if bad.height:
        raws = bad[field_name].unique().to_list()
        table = pl.DataFrame(
            {field_name: raws, "date_msg": [tabular.date_message(r) for r in raws]},
            schema={field_name: pl.String, "date_msg": pl.String},
        )
        v.frame = v.frame.join(table, on=field_name, how="left")
        v.fail(field_name, pl.col("date_msg").is_not_null(), pl.col("date_msg"))
        v.frame = v.frame.drop("date_msg")
    last = plausible.latest(planned=planned, today=today)
    out = v.frame.filter(((pl.col(target) < plausible.EARLIEST) | (pl.col(target) > last)) & v.ok(field_name))
    if out.height:
        days = out[target].unique().to_list()
        table = pl.DataFrame(
            {target: days, "date_msg": [plausible.date_error(d, planned=planned, today=today) for d in days]},
            schema={target: pl.Date, "date_msg": pl.String},
        )
        v.frame = v.frame.join(table, on=target, how="left")
        v.fail(field_name, pl.col("date_msg").is_not_null(), pl.col("date_msg"))
        v.frame = v.frame.drop("date_msg")
    v.fail(field_name, pl.col(target) > today, _("The date is in the future."))
