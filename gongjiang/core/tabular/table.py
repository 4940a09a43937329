"""What reading a table gives (:class:`Table`), what refuses a whole file (:class:`FileRejected`), and the
limits a reader enforces (:class:`Limits`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from django.utils.translation import gettext as _

from gongjiang.core.tabular.columns import HeaderMap, Spec

CHUNK_ROWS = 100_000
Progress = Callable[[float], None]


class FileRejected(ValueError):
    """The whole file is refused (encoding, format, size, structure); nothing of it is used."""


@dataclass(frozen=True)
class Limits:
    """What a file may hold before it is refused unread (or, for rows, unfinished)."""

    max_bytes: int = 256 * 1024 * 1024
    max_rows: int = 2_000_000
    max_columns: int = 64
    xlsx_max_uncompressed: int = 1024 * 1024 * 1024  # all members of the XLSX zip together
    xlsx_max_ratio: int = 200  # uncompressed / compressed size of any one member over 1 MiB


@dataclass
class Table:
    frame: pl.DataFrame  # text columns named by the spec (those the file has), and ``_row``
    headers: HeaderMap
    header_row: int
    file_format: str  # "csv" or "xlsx"
    encoding: str = ""
    blank_rows: int = 0
    # (row, message) for rows whose shape is wrong; they are not in ``frame``.
    ragged: list[tuple[int, str]] = field(default_factory=list)


def human_size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):  # of 1024, as Windows and Excel count them
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def check_size(size: int, limits: Limits) -> None:
    if size > limits.max_bytes:
        raise FileRejected(
            _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
            % {"size": human_size(size), "limit": human_size(limits.max_bytes)}
        )


def check_rows(count: int, limits: Limits) -> None:
    if count > limits.max_rows:
        raise FileRejected(
            _("The file has more than %(limit)d data rows. Split it into smaller files.") % {"limit": limits.max_rows}
        )


def check_columns(count: int, limits: Limits) -> None:
    if count > limits.max_columns:
        raise FileRejected(
            _("The file has %(n)d columns; at most %(limit)d are read.") % {"n": count, "limit": limits.max_columns}
        )


def ragged_message(cells: int, width: int) -> str:
    if cells < width:
        return _("The row has %(n)d cells but the header has %(m)d (ragged row).") % {"n": cells, "m": width}
    return _("The row has data in %(n)d cells but the header has %(m)d (ragged row).") % {"n": cells, "m": width}


def rows_frame(rows: list[list[str]], numbers: list[int], hmap: HeaderMap) -> pl.DataFrame:
    """Rows of cells (as in the file) → the frame of the mapped columns, with their row numbers."""
    data: dict[str, list] = {"_row": numbers}
    for name, i in hmap.fields.items():
        data[name] = [r[i] if i < len(r) else "" for r in rows]
    return pl.DataFrame(data, schema={"_row": pl.Int64, **dict.fromkeys(hmap.fields, pl.String)})


def empty_frame(hmap: HeaderMap) -> pl.DataFrame:
    return pl.DataFrame(schema={"_row": pl.Int64, **dict.fromkeys(hmap.fields, pl.String)})


def row_errors(errors: list[tuple[int, str, str]], columns: Spec = ()) -> list[str]:
    """Row-and-column messages in file order (row 0 is the file as a whole). A column of ``columns`` is
    named by its Chinese header, as the template and the user's file name it, not by its internal name."""
    headers = {col.name: col.zh for col in columns}
    return [
        _("row %(r)d, column %(c)s: %(m)s") % {"r": r, "c": headers.get(c, c), "m": m} if r else m
        for r, c, m in sorted(errors)
    ]
