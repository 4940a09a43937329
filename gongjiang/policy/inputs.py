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

import datetime
from typing import Any, NamedTuple

import polars as pl
from django.utils.translation import gettext as _

from gongjiang.core import tabular
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
    "designated": "bool",
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


# The columns of an events file, with the Chinese headers a file may use instead of the column names.
EVENT_HEADERS: dict[str, str] = {
    "event_id": "事件编号",
    "event_type": "事件类型",
    "event_date": "事件日期",
    "region_code": "地区代码",
    "person_id": "人员编号",
    "org_id": "单位编号",
    "occupation_code": "职业编码",
    "level": "技能等级",
    "tier": "职业类别",
    "shortage": "紧缺职业",
    "digital": "数字技能",
    "class_hours": "课时",
    "hukou_local": "本地户籍",
    "designated": "定点机构",
    "insured_months": "参保月数",
    "fee_fen": "培训费（分）",
    "project_price_fen": "项目价格（分）",
    "student": "在校学生",
    "talent_title": "人才称号",
    "work_start": "参加工作日期",
    "funding_fen": "资助金额（分）",
    "headcount": "人数",
    "requested_fen": "申请金额（分）",
    "amount_fen": "已付金额（分）",  # history files only
}
EVENT_SPEC = tuple(
    tabular.Column(name, zh, name, required=name in REQUIRED_COLUMNS) for name, zh in EVENT_HEADERS.items()
)
EVENT_LIMITS = tabular.Limits(max_rows=20_000_000)


def read_events_csv(source: bytes | str) -> pl.DataFrame:
    """An events file (CSV in UTF-8 or GB18030, or XLSX; column names or their Chinese headers) as text
    columns, read by ``core.tabular``; the engine parses them. ``source`` is the file's bytes or its path."""
    if isinstance(source, bytes):
        data, name = source, "events.csv"
    else:
        with open(source, "rb") as f:
            data, name = f.read(), str(source)
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise PolicyInputError([InputError(0, "file", _("is empty"))])
    try:
        table = tabular.read_table(data, name, EVENT_SPEC, limits=EVENT_LIMITS)
    except tabular.HeaderError as exc:
        raise PolicyInputError([InputError(0, "file", str(exc))]) from None
    except tabular.FileRejected as exc:
        raise PolicyInputError([InputError(0, "file", str(exc))]) from None
    errors = [InputError(row, "file", message) for row, message in table.ragged]
    if table.headers.ignored:
        errors.append(
            InputError(
                0, ", ".join(table.headers.ignored), _("unknown column(s); see docs/policy.md for the input columns")
            )
        )
    if errors:
        raise PolicyInputError(errors)
    return table.frame.drop("_row")
