"""Normalisation of events: every input column to its canonical dtype, with row-and-column errors.

:func:`normalise_events` reads each column of the events (and of the history, whose errors are labelled
``history.``) the way :data:`~gongjiang.policy.inputs.INPUT_COLUMNS` says: enumerations by their
aliases, dates, six-digit region codes, occupation codes, booleans, whole numbers and keys. Columns
already of the documented dtypes take the fast path and are only checked. Then the rows are checked as
a whole: the columns each event type requires, and region codes valid at the event date. Every problem
is collected (up to ``MAX_ERRORS``) and raised together as one
:class:`~gongjiang.policy.inputs.PolicyInputError`, so nothing is evaluated from bad input.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import numpy as np
import polars as pl
from django.utils.translation import gettext as _

from gongjiang.core import tabular
from gongjiang.policy.formulas import (
    EVENT_TYPES,
    FORMULAS,
    LEVEL_ALIASES,
    LEVELS,
    TIERS,
    TITLE_ALIASES,
    TITLES,
)
from gongjiang.policy.inputs import (
    EVENT_TYPE_DTYPE,
    INPUT_COLUMNS,
    INPUT_DEFAULTS,
    LEVEL_DTYPE,
    REQUIRED_COLUMNS,
    TIER_DTYPE,
    TITLE_DTYPE,
    InputError,
    PolicyInputError,
)
from gongjiang.reference.regions import versions_by_code

OCCUPATION_RE = re.compile(r"^\d-\d{2}-\d{2}-\d{2}$")
MAX_ERRORS = 100


class _Errors:
    def __init__(self, offset: int = 0, label: str = ""):
        self.items: list[InputError] = []
        self.more = 0
        self.offset = offset
        self.label = label

    def add_rows(self, mask: pl.Series, column: str, message: str | Any, values: pl.Series | None = None) -> None:
        bad = mask.fill_null(False)
        count = int(bad.sum())
        if not count:
            return
        rows = bad.arg_true()
        room = MAX_ERRORS - len(self.items)
        for i in rows[: max(room, 0)].to_list():
            text = message(values[i]) if callable(message) and values is not None else str(message)
            self.items.append(InputError(i + 1, f"{self.label}{column}", text))
        self.more += max(0, count - max(room, 0))

    def add(self, row: int, column: str, message: str) -> None:
        if len(self.items) < MAX_ERRORS:
            self.items.append(InputError(row, f"{self.label}{column}", message))
        else:
            self.more += 1


def normalise_events(events: pl.DataFrame, history: pl.DataFrame | None) -> tuple[pl.DataFrame, int]:
    if not isinstance(events, pl.DataFrame):
        raise PolicyInputError([InputError(0, "events", _("expected a Polars DataFrame"))])
    errors = _Errors()
    ev = _normalise(events, errors, history=False)
    parts = [ev]
    nh = 0
    if history is not None and history.height:
        herr = _Errors(label="history.")
        hv = _normalise(history, herr, history=True)
        errors.items.extend(herr.items)
        errors.more += herr.more
        if not herr.items:
            nh = hv.height
            parts = [hv, ev.with_columns(pl.lit(None, dtype=pl.Int64).alias("amount_fen"))]
    if errors.items:
        raise PolicyInputError(errors.items, errors.more)
    if nh:
        # Keys must compare across both: use one dtype per key column.
        for col in ("person_id", "org_id"):
            dtypes = {p.schema[col] for p in parts}
            if len(dtypes) > 1:
                parts = [p.with_columns(pl.col(col).cast(pl.String)) for p in parts]
        for col in ("occupation_code",):
            parts = [p.with_columns(pl.col(col).cast(pl.String)) for p in parts]
        frame = pl.concat(parts, how="vertical")
        dup = frame["event_id"].is_duplicated()
        if dup.any():
            first = frame["event_id"].filter(dup).first()
            raise PolicyInputError(
                [InputError(0, "event_id", _("%(id)r appears both in history and in events") % {"id": first})]
            )
    else:
        frame = ev
    return frame, nh


def _normalise(df: pl.DataFrame, errors: _Errors, *, history: bool) -> pl.DataFrame:
    unknown = [c for c in df.columns if c not in INPUT_COLUMNS and not (history and c == "amount_fen")]
    if unknown:
        errors.add(0, ", ".join(unknown), _("unknown column(s); see docs/policy.md for the input columns"))
    for c in REQUIRED_COLUMNS + (("amount_fen",) if history else ()):
        if c not in df.columns:
            errors.add(0, c, _("required column is missing"))
    if errors.items:
        return df
    n = df.height
    cols: dict[str, pl.Series] = {}
    for name, kind in INPUT_COLUMNS.items():
        s = df[name] if name in df.columns else None
        cols[name] = _column(name, kind, s, n, errors)
    if history:
        cols["amount_fen"] = _int_column("amount_fen", df["amount_fen"], errors, required=True)
    for name, default in INPUT_DEFAULTS.items():
        cols[name] = cols[name].fill_null(default)
    frame = pl.DataFrame(cols)
    _check_rows(frame, errors, history=history)
    return frame


def _column(name: str, kind: str, s: pl.Series | None, n: int, errors: _Errors) -> pl.Series:
    if kind == "text":
        if s is None:
            return pl.Series(name, [None] * n, dtype=pl.String)
        out = s.cast(pl.String)
        errors.add_rows(out.is_null() | (out.str.len_bytes() == 0), name, _("must not be empty"))
        if _may_have_duplicates(out):
            dup = out.is_duplicated()
            errors.add_rows(
                dup & out.is_not_null(), name, lambda v: _("event id %(v)r appears more than once") % {"v": v}, out
            )
        return out
    if kind == "event_type":
        return _enum_column(name, s, n, EVENT_TYPE_DTYPE, None, errors, _("an event type"), EVENT_TYPES, required=True)
    if kind == "level":
        return _enum_column(name, s, n, LEVEL_DTYPE, LEVEL_ALIASES, errors, _("a skill level"), LEVELS)
    if kind == "tier":
        return _enum_column(name, s, n, TIER_DTYPE, {t: t for t in TIERS}, errors, _("a tier"), TIERS)
    if kind == "title":
        out = _enum_column(name, s, n, TITLE_DTYPE, TITLE_ALIASES, errors, _("a title"), TITLES)
        return out.fill_null("none")
    if kind == "date":
        return _date_column(name, s, n, errors, required=name == "event_date")
    if kind == "region":
        return _region_column(name, s, n, errors)
    if kind == "key":
        if s is None:
            return pl.Series(name, [None] * n, dtype=pl.Int64)
        if s.dtype.is_integer():
            return s.cast(pl.Int64).rename(name)
        out = s.cast(pl.String).str.strip_chars()
        return out.set(out == "", None).rename(name) if (out == "").any() else out.rename(name)
    if kind == "occupation":
        return _occupation_column(name, s, n, errors)
    if kind == "bool":
        return _bool_column(name, s, n, errors)
    if kind == "int":
        return _int_column(name, s, errors) if s is not None else pl.Series(name, [None] * n, dtype=pl.Int64)
    raise AssertionError(kind)


def _may_have_duplicates(s: pl.Series) -> bool:
    """Cheap test by 64-bit hashes; an exact check follows only when two hashes collide."""
    h = s.hash()
    return bool(h.n_unique() != len(h))


def _enum_column(
    name: str,
    s: pl.Series | None,
    n: int,
    dtype: pl.Enum,
    aliases: dict[str, str] | None,
    errors: _Errors,
    what: str,
    choices: tuple[str, ...],
    *,
    required: bool = False,
) -> pl.Series:
    if s is None:
        return pl.Series(name, [None] * n, dtype=dtype)
    if s.dtype == dtype:
        out = s.rename(name)
    else:
        text = s.cast(pl.String).str.strip_chars()
        text = text.set(text == "", None) if (text == "").any() else text
        mapped = text.replace_strict(aliases, default=None, return_dtype=pl.String) if aliases else text
        out = mapped.cast(dtype, strict=False).rename(name)
        bad = text.is_not_null() & out.is_null()
        errors.add_rows(
            bad,
            name,
            lambda v: _("%(v)r is not %(what)s (%(choices)s)") % {"v": v, "what": what, "choices": ", ".join(choices)},
            text,
        )
    if required:
        errors.add_rows(out.is_null(), name, _("must not be empty"))
    return out


def _date_column(name: str, s: pl.Series | None, n: int, errors: _Errors, *, required: bool) -> pl.Series:
    if s is None:
        return pl.Series(name, [None] * n, dtype=pl.Date)
    if s.dtype == pl.Date:
        out = s.rename(name)
    elif isinstance(s.dtype, pl.Datetime):
        out = s.dt.date().rename(name)
    else:
        text = s.cast(pl.String).str.strip_chars()
        text = text.set(text == "", None) if (text == "").any() else text
        out = text.to_frame("v").select(tabular.dates("v")).to_series().rename(name)
        errors.add_rows(
            text.is_not_null() & out.is_null(), name, lambda v: _("%(v)r is not a date (YYYY-MM-DD)") % {"v": v}, text
        )
        if required:
            errors.add_rows(text.is_null(), name, _("must not be empty"))
        return out
    if required:
        errors.add_rows(out.is_null(), name, _("must not be empty"))
    return out


def _region_column(name: str, s: pl.Series | None, n: int, errors: _Errors) -> pl.Series:
    assert s is not None
    if s.dtype.is_integer():
        out = s.cast(pl.Int32)
        errors.add_rows(out.is_null() | (out < 100000) | (out > 999999), name, _("must be a six-digit GB/T 2260 code"))
    else:
        text = s.cast(pl.String).str.strip_chars()
        ok = text.str.contains(r"^\d{6}$").fill_null(False)
        errors.add_rows(~ok, name, lambda v: _("%(v)r is not a six-digit GB/T 2260 code") % {"v": v}, text)
        out = text.cast(pl.Int32, strict=False)
    return out.rename(name)


def _occupation_column(name: str, s: pl.Series | None, n: int, errors: _Errors) -> pl.Series:
    if s is None:
        return pl.Series(name, [None] * n, dtype=pl.Categorical)
    if s.dtype == pl.Categorical:
        out = s
    else:
        text = s.cast(pl.String).str.strip_chars()
        text = text.set(text == "", None) if (text == "").any() else text
        out = text.cast(pl.Categorical)
    values = [v for v in out.unique().to_list() if v is not None]
    bad = [v for v in values if not OCCUPATION_RE.match(v)]
    if bad:
        errors.add_rows(
            out.cast(pl.String).is_in(bad),
            name,
            lambda v: _("%(v)r is not an occupation code D-DD-DD-DD (2022 classification)") % {"v": v},
            out.cast(pl.String),
        )
    return out.rename(name)


def _bool_column(name: str, s: pl.Series | None, n: int, errors: _Errors) -> pl.Series:
    if s is None:
        return pl.Series(name, [None] * n, dtype=pl.Boolean)
    if s.dtype == pl.Boolean:
        return s.rename(name)
    text = s.cast(pl.String).str.strip_chars()
    out = text.to_frame("v").select(tabular.booleans("v")).to_series().rename(name)
    errors.add_rows(
        text.is_not_null() & (text != "") & out.is_null(),
        name,
        lambda v: _("%(v)r is not true/false (1/0, yes/no, 是/否)") % {"v": v},
        text,
    )
    return out


def _int_column(name: str, s: pl.Series, errors: _Errors, *, required: bool = False) -> pl.Series:
    if s.dtype.is_integer():
        out = s.cast(pl.Int64)
    elif s.dtype.is_float():
        out = s.cast(pl.Int64, strict=False)
        errors.add_rows(
            s.is_not_null() & (s != s.round(0)), name, lambda v: _("%(v)r is not a whole number") % {"v": v}, s
        )
    else:
        text = s.cast(pl.String).str.strip_chars()
        text = text.set(text == "", None) if (text == "").any() else text
        out = text.cast(pl.Int64, strict=False)
        errors.add_rows(
            text.is_not_null() & out.is_null(), name, lambda v: _("%(v)r is not a whole number") % {"v": v}, text
        )
        if required:
            errors.add_rows(text.is_null(), name, _("must not be empty"))
        errors.add_rows(out < 0, name, lambda v: _("%(v)s is negative") % {"v": v}, out)
        return out.rename(name)
    errors.add_rows(out < 0, name, lambda v: _("%(v)s is negative") % {"v": v}, out)
    if required:
        errors.add_rows(out.is_null(), name, _("must not be empty"))
    return out.rename(name)


def _check_rows(frame: pl.DataFrame, errors: _Errors, *, history: bool = False) -> None:
    """Per event type required columns (events only: history needs just what the limits read);
    region codes valid at the event date."""
    if history:
        _check_regions(frame, errors)
        return
    et = frame["event_type"]
    reported: dict[str, list[int]] = {}
    for e in errors.items:
        reported.setdefault(e.column.removeprefix(errors.label), []).append(e.row - 1)
    for code, formula in FORMULAS.items():
        mask = et == code
        if not mask.any():
            continue
        for col in formula.required:
            empty = mask & frame[col].is_null()
            if col in reported:  # a value that could not be read is already reported
                empty = empty & ~pl.Series(np.isin(np.arange(frame.height), reported[col]))
            errors.add_rows(empty, col, _("required for %(type)s") % {"type": code})
    _check_regions(frame, errors)


def _check_regions(frame: pl.DataFrame, errors: _Errors) -> None:
    usable = frame["region_code"].is_not_null() & frame["event_date"].is_not_null()
    if not usable.all():
        frame = frame.with_columns(
            region_code=pl.when(usable).then(pl.col("region_code")).otherwise(pl.lit(320000, dtype=pl.Int32)),
            event_date=pl.when(usable).then(pl.col("event_date")).otherwise(pl.lit(datetime.date(2000, 1, 1))),
        )
    region = frame["region_code"].to_numpy().astype(np.int64, copy=False)
    days = frame["event_date"].to_physical().to_numpy().astype(np.int64, copy=False)
    if not len(region):
        return
    years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    present = np.flatnonzero(np.bincount(region, minlength=1_000_000))
    lut = np.full(1_000_000, -1, dtype=np.int64)
    lut[present] = np.arange(len(present))
    y0 = int(years.min())
    span = int(years.max()) - y0 + 1
    key = lut[region] * span + (years - y0)
    seen = np.flatnonzero(np.bincount(key, minlength=len(present) * span))
    table = versions_by_code()
    bad_keys = []
    for k in seen:
        code = f"{int(present[k // span]):06d}"
        year = int(y0 + k % span)
        if not any(v.valid_in(year) for v in table.get(code, ())):
            bad_keys.append(int(k))
    if bad_keys:
        bad = np.isin(key, np.array(bad_keys))
        text = frame.select(
            pl.concat_str(
                [
                    pl.col("region_code").cast(pl.String).str.zfill(6),
                    pl.lit("|"),
                    pl.col("event_date").cast(pl.String),
                ]
            )
        ).to_series()

        def message(v: str) -> str:
            code, day = v.split("|")
            return _("%(code)s was not a GB/T 2260 region code on %(date)s") % {"code": code, "date": day}

        errors.add_rows(pl.Series(bad), "region_code", message, text)
