"""The one way the platform reads yes/no and date cells, as Polars expressions over text columns.

* Yes/no: 是/否, true/false, 1/0, yes/no, y/n, t/f, √/× (any case, surrounding space ignored).
* Dates: 2024-05-01, 2024/5/1, 2024.5.1, 20240501 or 2024年5月1日 (a time part is ignored); with
  ``excel_serials``, also an Excel day number of five digits (45413 is 2024-05-01, a fraction of a day
  ignored), which otherwise is refused with the advice to format the column as a date.

Unreadable values become null; the caller reports them with :func:`date_message` or its own words.
"""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext as _

TRUE_WORDS = ("是", "1", "true", "yes", "y", "√", "✓", "t")
FALSE_WORDS = ("否", "0", "false", "no", "n", "×", "f")

# Excel's day 25569 is 1970-01-01, Polars' day 0. Only five-digit day numbers are read (10000 is
# 1927-05-18, 99999 is 2173-10-14): a four-digit year in a date column is not taken for a day of 1905.
EXCEL_UNIX_DAY = 25569
EXCEL_SERIAL = r"^[0-9]{5}(?:\.[0-9]+)?$"


def _column(column: str | pl.Expr) -> pl.Expr:
    return pl.col(column) if isinstance(column, str) else column


def booleans(column: str | pl.Expr) -> pl.Expr:
    """True, False, or null for a blank or unreadable cell."""
    s = _column(column).fill_null("").str.strip_chars().str.to_lowercase()
    return pl.when(s.is_in(TRUE_WORDS)).then(True).when(s.is_in(FALSE_WORDS)).then(False).otherwise(None)


def dates(column: str | pl.Expr, *, excel_serials: bool = False) -> pl.Expr:
    """The date a cell holds, or null when it is none of the accepted spellings or not a real date."""
    raw = _column(column).fill_null("").str.strip_chars()
    s = raw.str.replace(r"[T\s].*$", "").str.replace_all(r"[年月/.]", "-").str.replace_all("日", "")
    s = (
        pl.when(s.str.contains(r"^[0-9]{8}$"))
        .then(s.str.slice(0, 4) + "-" + s.str.slice(4, 2) + "-" + s.str.slice(6, 2))
        .otherwise(s)
    )
    g = s.str.extract_groups(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
    iso = g.struct.field("1") + "-" + g.struct.field("2").str.zfill(2) + "-" + g.struct.field("3").str.zfill(2)
    parsed = iso.str.to_date("%Y-%m-%d", strict=False)
    if not excel_serials:
        return parsed
    day = raw.str.extract(r"^([0-9]+)", 1).cast(pl.Int64, strict=False)
    return (
        pl.when(raw.str.contains(EXCEL_SERIAL))
        .then((day - EXCEL_UNIX_DAY).cast(pl.Int32).cast(pl.Date))
        .otherwise(parsed)
    )


def date_message(raw: str, *, excel_serials: bool = False) -> str:
    """Why a cell is not a date, for a value :func:`dates` left null."""
    raw = (raw or "").strip()
    if not excel_serials and raw.isdigit() and 3 <= len(raw) <= 6:
        return _(
            "%(v)s is a number, not a date (Excel keeps dates as day numbers): format the column as a date, "
            "e.g. 2024-05-01."
        ) % {"v": raw}
    return _("%(v)s is not a date; write it as 2024-05-01.") % {"v": raw}
