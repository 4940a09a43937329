"""XLSX workbooks, read defensively.

The zip's declared member sizes are checked before anything is decompressed (total size and compression
ratio: zip bombs), then the first worksheet is streamed with openpyxl's read-only parser. Formulas are
read as their text (``=A1+B1``), never evaluated. Merged cells are refused: every row must carry its
own values. Every cell becomes text; numbers that Excel stored as floating point keep Excel's 15
significant digits (``3.20582199001011E+17``), so an identifier that lost its last digits is recognised
and refused, never "repaired".
"""

from __future__ import annotations

import datetime
import io
import re
import warnings
import zipfile
from collections.abc import Iterator

import openpyxl
import polars as pl
from django.utils.translation import gettext as _

# The row parser itself: the read-only worksheet would hide the row numbers of the rows it returns.
from openpyxl.worksheet._reader import WorkSheetParser

from gongjiang.core.tabular.columns import (
    HeaderError,
    HeaderMap,
    Spec,
    blank_columns,
    column_letter,
    map_headers,
    no_header_error,
)
from gongjiang.core.tabular.table import (
    CHUNK_ROWS,
    FileRejected,
    Limits,
    Progress,
    Table,
    check_rows,
    empty_frame,
    human_size,
    rows_frame,
)

_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")


def check_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open the XLSX container after checking its declared sizes (a zip bomb is refused unopened)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRejected(_("The file is not a valid XLSX workbook (damaged zip archive).")) from None
    max_ratio = limits.xlsx_max_ratio
    members = archive.infolist()
    if len(members) > 10_000:
        raise FileRejected(_("The XLSX archive has %(n)d members; this is not a plain workbook.") % {"n": len(members)})
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > max_ratio:
            raise FileRejected(
                _(
                    "The XLSX member %(name)s would expand %(ratio)d times (to %(size)s): refused as a possible "
                    "zip bomb (limit %(limit)d times)."
                )
                % {"name": info.filename, "ratio": ratio, "size": human_size(info.file_size), "limit": max_ratio}
            )
    if total > limits.xlsx_max_uncompressed:
        raise FileRejected(
            _("The XLSX workbook would expand to %(size)s; the limit is %(limit)s.")
            % {"size": human_size(total), "limit": human_size(limits.xlsx_max_uncompressed)}
        )
    if "xl/workbook.xml" not in archive.namelist():
        raise FileRejected(_("The file is a zip archive but not an XLSX workbook (no xl/workbook.xml)."))
    return archive


def cell_text(value: object) -> str:
    """One XLSX cell as text, the way the validators expect it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        # Excel keeps 15 significant digits: show the number as Excel would, so that a long
        # identifier stored as a number is recognised as having lost digits.
        return f"{value:.15G}"
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    text = getattr(value, "text", None)  # array formulas
    return str(text if text is not None else value)


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[str]:
    found: list[str] = []
    tail = b""
    with archive.open(path) as src:
        while True:
            block = src.read(1 << 20)
            if not block:
                break
            chunk = tail + block
            found.extend(m.decode("ascii") for m in _MERGE_RE.findall(chunk))
            # Keep a tail so a tag split across blocks is still seen (and not counted twice).
            cut = chunk.rfind(b"<")
            tail = chunk[cut:] if cut >= 0 and chunk.find(b">", cut) < 0 else b""
    return found


def read_xlsx(data: bytes, spec: Spec, limits: Limits, progress: Progress | None) -> Table:
    archive = check_zip(data, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise FileRejected(
            _("The XLSX workbook cannot be read: %(error)s") % {"error": exc.__class__.__name__}
        ) from None
    try:
        if not workbook.worksheets:
            raise FileRejected(_("The workbook has no worksheet."))
        sheet = workbook.worksheets[0]
        path = getattr(sheet, "_worksheet_path", None)
        if path is None:
            raise FileRejected(_("The first sheet of the workbook is not a worksheet."))
        merged = _merged_ranges(archive, path)
        if merged:
            shown = ", ".join(merged[:10]) + (" …" if len(merged) > 10 else "")
            raise FileRejected(
                _(
                    "The worksheet has merged cells (%(ranges)s). Unmerge them so that every column has its own "
                    "header and every row its own values."
                )
                % {"ranges": shown}
            )
        expected_rows = sheet.max_row or 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with workbook._archive.open(path) as src:  # type: ignore[attr-defined]
                parser = WorkSheetParser(
                    src,
                    workbook.shared_strings,
                    data_only=False,
                    epoch=workbook.epoch,
                    date_formats=workbook._date_formats,  # type: ignore[attr-defined]
                    timedelta_formats=workbook._timedelta_formats,  # type: ignore[attr-defined]
                )
                return _rows(parser.parse(), spec, limits, expected_rows, progress)
    except (FileRejected, HeaderError):
        raise
    except Exception as exc:
        raise FileRejected(
            _("The XLSX workbook cannot be read: %(error)s") % {"error": exc.__class__.__name__}
        ) from None
    finally:
        workbook.close()


def _rows(
    rows: Iterator[tuple[int, list[dict]]], spec: Spec, limits: Limits, expected: int, progress: Progress | None
) -> Table:
    max_cols = limits.max_columns
    hmap: HeaderMap | None = None
    header_row = 0
    width = 0
    blank_rows = 0
    ragged: list[tuple[int, str]] = []
    chunks: list[pl.DataFrame] = []
    buffer: list[list[str]] = []
    numbers: list[int] = []
    blank: list[int] = []
    count = 0
    last_row = 0
    for row_number, cells in rows:
        if hmap is not None:
            blank_rows += max(0, row_number - last_row - 1)
        last_row = row_number
        values: dict[int, str] = {}
        for cell in cells:
            column = cell["column"]
            text = cell_text(cell["value"]).strip()
            if not text:
                continue
            if column > max_cols:
                raise FileRejected(
                    _("Row %(row)d has data in column %(col)s, beyond the %(limit)d columns that are read.")
                    % {"row": row_number, "col": column_letter(column - 1), "limit": max_cols}
                )
            values[column - 1] = text
        if not values:
            if hmap is not None:
                blank_rows += 1
            continue
        if hmap is None:
            width = max(values) + 1
            headers = [values.get(i, "") for i in range(width)]
            hmap = map_headers(spec, headers)
            blank = blank_columns(headers)
            header_row = row_number
            continue
        count += 1
        if count > limits.max_rows:
            check_rows(count, limits)
        beyond = [i for i in values if i >= width]
        if beyond:
            ragged.append(
                (
                    row_number,
                    _("The row has data in column %(col)s, which has no header.") % {"col": column_letter(min(beyond))},
                )
            )
            continue
        for index in blank:
            if index in values:
                raise no_header_error(index, row_number)
        buffer.append([values.get(i, "") for i in range(width)])
        numbers.append(row_number)
        if len(buffer) >= CHUNK_ROWS:
            chunks.append(rows_frame(buffer, numbers, hmap))
            buffer, numbers = [], []
            if progress and expected:
                progress(min(1.0, count / expected))
    if hmap is None:
        raise FileRejected(_("The worksheet has no header row."))
    if buffer:
        chunks.append(rows_frame(buffer, numbers, hmap))
    frame = pl.concat(chunks) if chunks else empty_frame(hmap)
    if progress:
        progress(1.0)
    return Table(
        frame=frame, headers=hmap, header_row=header_row, file_format="xlsx", blank_rows=blank_rows, ragged=ragged
    )
