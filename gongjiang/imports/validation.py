"""Validation on whole columns: the frame being checked, its errors, and what a kind's ``prepare``
returns.

Every kind turns the file's text columns into the table's columns, reports every problem as
(row, column, value, message), looks its natural keys up in one set-wise query, and sorts the clean
rows into new, changed and unchanged. Nothing here writes.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import models
from django.utils.translation import gettext as _

from gongjiang.core import pii, plausible
from gongjiang.core.tabular import Column
from gongjiang.imports import checks

ERROR_SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "message": pl.String}
MAX_VALUE_CHARS = 200

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def fmt(message: str, **columns: pl.Expr) -> pl.Expr:
    """A translated message with %(name)s placeholders filled from columns, row by row (in whatever
    order the translation puts them)."""
    names = _PLACEHOLDER.findall(message)
    if not names:
        return pl.lit(message, dtype=pl.String)
    template = _PLACEHOLDER.sub("{}", message.replace("{", "(").replace("}", ")"))
    return pl.format(template, *(columns[n].cast(pl.String).fill_null("") for n in names))


def mask_value(value: str, kind: str) -> str:
    if kind == "id":
        return pii.mask_id_number(value)
    if kind == "phone":
        return pii.mask_phone(value)
    return value


def _no_progress(fraction: float) -> None:
    return None


@dataclass
class Context:
    kind: str
    prefix: str | None  # the officer's region-code prefix; None for system imports and superusers
    today: datetime.date
    now: str  # timestamp written to created / updated
    progress: Callable[[float], None] = _no_progress
    actor: Any = None  # who imports (None: the system)


class Validation:
    """The frame being validated, one ``ok_<field>`` flag per field, and the errors found so far."""

    def __init__(self, frame: pl.DataFrame, columns: Sequence[Column], headers: dict[str, str]) -> None:
        self.columns: dict[str, Column] = {c.name: c for c in columns}
        self.headers = {f: headers.get(f, str(c.label)) for f, c in self.columns.items()}
        for f in self.columns:
            if f not in frame.columns:
                frame = frame.with_columns(pl.lit("", dtype=pl.String).alias(f))
        self.frame = frame.with_columns(
            *(pl.col(f).fill_null("").str.strip_chars().alias(f) for f in self.columns),
            *(pl.lit(True).alias(f"ok_{f}") for f in self.columns),
        )
        self.parts: list[pl.DataFrame] = []

    def ok(self, *fields: str) -> pl.Expr:
        expr = pl.lit(True)
        for f in fields:
            expr = expr & pl.col(f"ok_{f}")
        return expr

    def fail(self, field_name: str, mask: pl.Expr, message: str | pl.Expr, *, value: pl.Expr | None = None) -> None:
        """Report ``message`` for rows where ``mask`` holds and the field has no error yet."""
        hit = mask.fill_null(False) & pl.col(f"ok_{field_name}")
        found = self.frame.filter(hit)
        if found.height:
            msg = pl.lit(message, dtype=pl.String) if isinstance(message, str) else message
            part = found.select(
                row=pl.col("_row"),
                column=pl.lit(self.headers[field_name], dtype=pl.String),
                value=(value if value is not None else pl.col(field_name)).cast(pl.String).fill_null(""),
                message=msg.cast(pl.String),
            )
            masking = self.columns[field_name].pii
            if masking:
                part = part.with_columns(
                    value=pl.Series([mask_value(v, masking) for v in part["value"].to_list()], dtype=pl.String)
                )
            self.parts.append(part.with_columns(pl.col("value").str.slice(0, MAX_VALUE_CHARS)))
            self.frame = self.frame.with_columns((pl.col(f"ok_{field_name}") & ~hit).alias(f"ok_{field_name}"))

    def add_rows(self, rows: list[tuple[int, str]]) -> None:
        if rows:
            self.parts.append(
                pl.DataFrame(
                    [(r, "", "", m) for r, m in rows],
                    schema=ERROR_SCHEMA,
                    orient="row",
                )
            )

    def required(self, field_name: str) -> None:
        self.fail(
            field_name,
            pl.col(field_name) == "",
            _("%(field)s is required.") % {"field": self.columns[field_name].label},
        )

    def generic(self) -> None:
        """Checks every column gets: formulas are data (refused, not evaluated), Excel error values."""
        for f in self.columns:
            self.fail(f, pl.col(f).str.starts_with("="), checks.formula_message())
            self.fail(
                f,
                pl.col(f).is_in(["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!"]),
                fmt(_("The cell holds the spreadsheet error value %(v)s."), v=pl.col(f)),
            )

    def text(self, field_name: str, *, max_length: int, required: bool = False) -> None:
        label = self.columns[field_name].label
        if required:
            self.required(field_name)
        col = pl.col(field_name)
        self.fail(
            field_name,
            col.str.len_chars() > max_length,
            _("%(field)s is longer than %(n)d characters.") % {"field": label, "n": max_length},
        )
        # The same rules as the services' (core.plausible), on whole columns.
        self.fail(
            field_name,
            col.str.contains(plausible.NAME_FORMULA_START),
            _("%(field)s must not begin with =, +, - or @ (it would be read as a spreadsheet formula).")
            % {"field": label},
        )
        self.fail(
            field_name,
            col.str.contains(plausible.NAME_FORBIDDEN),
            _("%(field)s contains control or invisible formatting characters (such as direction overrides).")
            % {"field": label},
        )

    def duplicates(self, field_name: str, keys: list[str], what: str) -> None:
        """Every row sharing a natural key with another row of the file is an error."""
        valid = self.frame.filter(self.ok(field_name) & pl.all_horizontal([pl.col(k).is_not_null() for k in keys]))
        dup = valid.filter(pl.struct(keys).is_duplicated())
        if dup.height == 0:
            return
        groups = dup.group_by(keys).agg(pl.col("_row").sort().alias("rows"))
        messages = []
        for rows in groups["rows"].to_list():
            shown = ", ".join(str(r) for r in rows[:5]) + (" …" if len(rows) > 5 else "")
            messages.append(
                _("%(what)s appears more than once in the file (rows %(rows)s).") % {"what": what, "rows": shown}
            )
        groups = groups.with_columns(dup_message=pl.Series(messages, dtype=pl.String)).drop("rows")
        self.frame = self.frame.join(groups, on=keys, how="left", nulls_equal=False)
        self.fail(field_name, pl.col("dup_message").is_not_null(), pl.col("dup_message"))
        self.frame = self.frame.drop("dup_message")

    def region(
        self, field_name: str, *, as_of: datetime.date, prefix: str | None, scoped: bool, required: bool
    ) -> None:
        """A six-digit code in use at ``as_of`` and, if ``scoped``, inside the importer's region."""
        col = pl.col(field_name)
        if required:
            self.required(field_name)
        bad = (col != "") & ~checks.region_valid_now(field_name, as_of)
        codes = self.frame.filter(bad & self.ok(field_name))[field_name].unique().to_list()
        if codes:
            table = pl.DataFrame(
                {"code": codes, "region_msg": [checks.region_message(c, as_of) for c in codes]},
                schema={"code": pl.String, "region_msg": pl.String},
            )
            self.frame = self.frame.join(table, left_on=field_name, right_on="code", how="left")
            self.fail(field_name, pl.col("region_msg").is_not_null(), pl.col("region_msg"))
            self.frame = self.frame.drop("region_msg")
        if scoped and prefix is not None:
            self.fail(
                field_name,
                (col != "") & ~checks.in_scope(field_name, prefix),
                fmt(
                    _("Region %(code)s is outside your region; you may import only rows of your own region."),
                    code=col,
                ),
            )

    def errors(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema=ERROR_SCHEMA)
        return pl.concat(self.parts).sort(["row", "column"])

    def all_ok(self) -> pl.Expr:
        return self.ok(*self.columns)


@dataclass
class Prepared:
    """Validated rows: ``existing_id`` is null for a new record; ``changed`` marks updates."""

    model: type[models.Model]
    frame: pl.DataFrame
    update_fields: list[str]  # attnames an update sets
    build_creates: Callable[[pl.DataFrame], pl.DataFrame]  # row by row: called on each chunk of new rows
    build_updates: Callable[[pl.DataFrame], pl.DataFrame]
    region_col: str  # the column with the region code of each record (for change records)
    # New rows are written in this column's order: a unique index on it then grows by appending.
    create_order: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    # Called with the written updates (their ``id`` and update fields) in the same transaction: to bring
    # along what is kept from the updated rows elsewhere (a moved person's copied region).
    after_updates: Callable[[pl.DataFrame], Any] | None = None
