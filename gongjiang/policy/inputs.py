"""Events in: the input columns and their dtypes, the input errors, and reading events from a CSV
file or from plain records.

This is the engine's input contract (docs/policy.md lists every column): which columns exist and how
each is read (``INPUT_COLUMNS``), which are required, the defaults of absent ones, and the Polars
``Enum`` dtypes of the fast path (``EVENT_TYPE_DTYPE`` and the like; columns already in them are taken
as they are). Bad input is reported as :class:`PolicyInputError`, a list of
``InputError(row, column, message)``. Reading only gets the events into a frame of text columns; the
parsing and checking of each column is :mod:`gongjiang.policy.normalise`.
"""

from __future__ import annotations

import codecs
import datetime
from typing import Any, NamedTuple

import polars as pl
from django.utils.translation import gettext as _

from gongjiang.policy.formulas import EVENT_TYPES, LEVELS, TIERS, TITLES

EVENT_TYPE_DTYPE = pl.Enum(list(EVENT_TYPES))
LEVEL_DTYPE = pl.Enum(list(LEVELS))
TIER_DTYPE = pl.Enum(list(TIERS))
TITLE_DTYPE = pl.Enum(list(TITLES))

# Input columns and how each is read.
INPUT_COLUMNS: dict[str, str] = {
    "event_id": "text",
    "event_type": "event_type",
    "event_date": "date",
    "region_code": "region",
    "person_id": "key",
    "org_id": "key",
    "occupation_code": "occupation",
    "level": "level",
    "tier": "tier",
    "shortage": "bool",
    "digital": "bool",
    "class_hours": "int",
    "hukou_local": "bool",
    "insured_months": "int",
    "fee_fen": "int",
    "project_price_fen": "int",
    "student": "bool",
    "talent_title": "title",
    "work_start": "date",
    "funding_fen": "int",
    "headcount": "int",
    "requested_fen": "int",
}
REQUIRED_COLUMNS = ("event_id", "event_type", "event_date", "region_code")
# Values taken when a column is absent or a cell empty (booleans read as false).
INPUT_DEFAULTS: dict[str, Any] = {"insured_months": 0, "talent_title": "none"}
INT_COLUMNS = tuple(c for c, k in INPUT_COLUMNS.items() if k == "int")
BOOL_COLUMNS = tuple(c for c, k in INPUT_COLUMNS.items() if k == "bool")


class InputError(NamedTuple):
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row:
            return _("row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("file, column %(column)s: %(message)s") % {"column": self.column, "message": self.message}


class PolicyInputError(ValueError):
    def __init__(self, errors: list[InputError], truncated: int = 0):
        self.errors = errors
        self.truncated = truncated
        more = f" (and {truncated} more)" if truncated else ""
        super().__init__("; ".join(str(e) for e in errors[:5]) + more)


def frame_from_records(records: list[dict[str, Any]], *, history: bool = False) -> pl.DataFrame:
    """Events given as plain records (JSON, YAML): every value as text, parsed like a CSV file."""
    columns: list[str] = []
    for r in records:
        for k in r:
            if k not in columns:
                columns.append(k)

    def text(v: Any) -> str | None:
        if v is None:
            return None
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, datetime.date):
            return v.isoformat()
        return str(v)

    del history
    data: dict[str, pl.Series] = {}
    for c in columns:
        values = [r.get(c) for r in records]
        if c in ("person_id", "org_id") and all(
            v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in values
        ):
            data[c] = pl.Series(c, values, dtype=pl.Int64)  # integer keys stay integers in the results
        else:
            data[c] = pl.Series(c, [text(v) for v in values], dtype=pl.String)
    return pl.DataFrame(data)


def _is_utf8(data: bytes, chunk: int = 1 << 24) -> bool:
    """Checks the encoding piece by piece, without decoding the whole file into one string."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), chunk):
            decoder.decode(data[start : start + chunk])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def read_events_csv(source: bytes | str) -> pl.DataFrame:
    """An events file (UTF-8, with or without BOM, or GB18030) as text columns; the engine parses them.
    ``source`` is the file's bytes or its path. UTF-8 is read without a decoding copy."""
    if isinstance(source, bytes):
        data = source
    else:
        with open(source, "rb") as f:
            data = f.read()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data or data.isspace():
        raise PolicyInputError([InputError(0, "file", _("is empty"))])
    errors = (pl.exceptions.ComputeError, pl.exceptions.NoDataError)
    if _is_utf8(data):
        try:
            return pl.read_csv(data, infer_schema=False)
        except errors as exc:
            raise PolicyInputError(
                [InputError(0, "file", _("is not a valid CSV file: %(error)s") % {"error": exc})]
            ) from None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise PolicyInputError([InputError(0, "file", _("cannot be read as UTF-8 or GB18030 text"))]) from None
    try:
        return pl.read_csv(text.encode("utf-8"), infer_schema=False)
    except errors as exc:
        raise PolicyInputError(
            [InputError(0, "file", _("is not a valid CSV file: %(error)s") % {"error": exc})]
        ) from None
