"""Reading an uploaded table, CSV or XLSX, defensively.

* CSV: UTF-8 (with or without BOM), else GB18030 (which includes GBK), as Windows Excel writes them;
  UTF-16 with a BOM ("Unicode text", tab-separated). A file that is neither names the first byte that
  fails and its line. NUL bytes mean a binary file, not a CSV.
* XLSX: the zip's declared member sizes are checked before anything is decompressed (total size and
  compression ratio: zip bombs), then the first worksheet is streamed with openpyxl's read-only parser.
  Formulas are read as their text (``=A1+B1``), never evaluated. Merged cells are refused: every row
  must carry its own values. Rows and columns are capped.
* Every cell becomes text. Numbers that Excel stored as floating point keep Excel's 15 significant
  digits (``3.20582199001011E+17``), so an identifier that lost its last digits is recognised and
  refused, never "repaired".
* The first non-blank row holds the headers (see :mod:`columns`); blank rows are skipped; a row with
  fewer cells than the header, or with data beyond it, is reported (ragged row).

The result is a Polars frame of text columns named by field, plus ``_row``, the row number a
spreadsheet shows (the header row is row 1 when it is the first line).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import polars as pl
from django.conf import settings
from django.utils.translation import gettext as _

from gongjiang.imports.columns import HeaderError, HeaderMap, column_letter, map_headers

CHUNK_ROWS = 100_000
Progress = Callable[[float], None]


class FileRejected(ValueError):
    """The whole file is refused (encoding, format, size, structure); nothing is imported."""


@dataclass
class RawTable:
    frame: pl.DataFrame  # text columns named by field, and _row
    headers: HeaderMap
    header_row: int
    file_format: str  # "csv" or "xlsx"
    encoding: str = ""
    blank_rows: int = 0
    # (row, message) for rows whose shape is wrong; they are not in ``frame``.
    ragged: list[tuple[int, str]] = field(default_factory=list)


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def check_size(size: int) -> None:
    limit = _limit("IMPORT_MAX_UPLOAD_BYTES", 256 * 1024 * 1024)
    if size > limit:
        raise FileRejected(
            _("The file is %(size)s; the limit is %(limit)s. Split it into smaller files.")
            % {"size": human_size(size), "limit": human_size(limit)}
        )


def human_size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def read_table(data: bytes, filename: str, kind: str, *, progress: Progress | None = None) -> RawTable:
    """Read ``data`` (the file's bytes) as a table of ``kind``; raises FileRejected or HeaderError."""
    check_size(len(data))
    if not data.strip():
        raise FileRejected(_("The file is empty."))
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, kind, progress)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileRejected(
            _("This is an old Excel 97–2003 (.xls) workbook. Save it as .xlsx or as CSV and upload it again.")
        )
    if name.endswith((".xlsx", ".xlsm")):
        raise FileRejected(_("The file is named .xlsx but is not an Excel workbook (not a zip archive)."))
    return _read_csv(data, kind, progress)


# ------------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------------


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise FileRejected(
                _("The file starts as UTF-16 but byte %(offset)d is not valid UTF-16.") % {"offset": exc.start}
            ) from None
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise FileRejected(
            _(
                "The file contains a NUL byte at byte %(offset)d (line %(line)d): it is not a CSV text file. "
                "Upload CSV (UTF-8 or GBK) or XLSX."
            )
            % {"offset": offset, "line": _line_of(data, offset)}
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as gb_error:
            raise FileRejected(
                _(
                    "The file is neither UTF-8 nor GBK/GB18030 text: byte %(o1)d (line %(l1)d) is not valid UTF-8 "
                    "and byte %(o2)d (line %(l2)d) is not valid GB18030. Save it as “CSV UTF-8” or as XLSX."
                )
                % {
                    "o1": utf8_error.start,
                    "l1": _line_of(data, utf8_error.start),
                    "o2": gb_error.start,
                    "l2": _line_of(data, gb_error.start),
                }
            ) from None


def _delimiter(first_line: str) -> str:
    return "\t" if "\t" in first_line and "," not in first_line else ","


def _read_csv(data: bytes, kind: str, progress: Progress | None) -> RawTable:
    text, encoding = decode(data)
    del data
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")
    first = next((line for line in text.split("\n", 50)[:50] if line.strip(" ,\t\r")), "")
    delim = _delimiter(first)
    try:
        table = _csv_lines(text, kind, delim) or _csv_quoted(text, kind, delim)
    except HeaderError as exc:
        if encoding == "gb18030" and not getattr(exc, "matched", 1):
            raise HeaderError(
                str(exc)
                + " "
                + _("The file was read as GBK/GB18030; if it is in another encoding, save it as “CSV UTF-8”.")
            ) from None
        raise
    table.encoding = encoding
    if progress:
        progress(1.0)
    return table


def _header_map(kind: str, headers: list[str]) -> HeaderMap:
    return map_headers(kind, headers)


def _blank_columns(headers: list[str]) -> list[int]:
    return [i for i, h in enumerate(headers) if not str(h or "").strip()]


def _no_header_error(index: int, row: int) -> HeaderError:
    return HeaderError(
        _(
            "Column %(col)s has data (first in row %(row)d) but no header. Merged header cells? Give every column "
            "its own header."
        )
        % {"col": column_letter(index), "row": row}
    )


def _check_rows(count: int) -> None:
    limit = _limit("IMPORT_MAX_ROWS", 2_000_000)
    if count > limit:
        raise FileRejected(
            _("The file has more than %(limit)d data rows. Split it into smaller files.") % {"limit": limit}
        )


def _check_columns(count: int) -> None:
    limit = _limit("IMPORT_MAX_COLUMNS", 64)
    if count > limit:
        raise FileRejected(_("The file has %(n)d columns; at most %(limit)d are read.") % {"n": count, "limit": limit})


def _csv_lines(text: str, kind: str, delim: str) -> RawTable | None:
    """One line is one row (no quoted field spans lines): the shape of every row from its line, the values
    by splitting (no quotes at all) or by Polars' CSV parser. None when the file needs the csv module."""
    lines = pl.Series("line", [text]).str.split("\n").explode()
    if lines.len() and lines[-1] == "":
        lines = lines.head(lines.len() - 1)
    lines = lines.str.strip_suffix("\r")
    quoted = '"' in text
    if quoted:
        # Every field either has no quote or is wholly quoted: then lines are rows and Polars parses them as
        # the csv module would. Anything else (a quoted line break, a quote inside a bare field) goes there.
        d = re.escape(delim)
        field = f'(?:[^"{d}]*|"(?:[^"]|"")*")'
        if not bool(lines.str.contains(f"^{field}(?:{d}{field})*$").all()):
            return None
    # The row's shape without its quoted parts: a non-empty quoted field counts as Q, an empty one as nothing.
    shape = lines.str.replace_all(r'"(?:[^"]|"")+"', "Q").str.replace_all('""', "", literal=True) if quoted else lines
    frame = (
        pl.DataFrame({"line": lines, "shape": shape})
        .with_row_index("_row", offset=1)
        .with_columns(pl.col("_row").cast(pl.Int64))
        .with_columns(
            blank=pl.col("shape").str.replace_all(delim, "", literal=True).str.strip_chars() == "",
            cells=pl.col("shape").str.count_matches(delim, literal=True) + 1,
        )
    )
    content = frame.filter(~pl.col("blank"))
    if content.height == 0:
        raise FileRejected(_("The file has no header row."))
    header_line = content["line"][0]
    header_row = int(content["_row"][0])
    headers = next(csv.reader([header_line], delimiter=delim)) if quoted else header_line.split(delim)
    _check_columns(len(headers))
    hmap = _header_map(kind, headers)
    width = len(headers)
    body = content.slice(1)
    _check_rows(body.height)
    blank_rows = int(frame.filter(pl.col("blank") & (pl.col("_row") > header_row)).height)
    ragged: list[tuple[int, str]] = []
    for row, cells in body.filter(pl.col("cells") < width).select("_row", "cells").iter_rows():
        ragged.append((row, _ragged_message(cells, width)))
    long = body.filter(pl.col("cells") > width)
    if long.height:
        rest = long.select(
            "_row",
            "cells",
            pl.col("shape").str.splitn(delim, width + 1).struct.field(f"field_{width}").alias("rest"),
        ).filter(pl.col("rest").str.replace_all(delim, "", literal=True).str.strip_chars() != "")
        for row, cells, _rest in rest.iter_rows():
            ragged.append((row, _ragged_message(cells, width)))
    keep = body.filter(~pl.col("_row").is_in([r for r, _m in ragged]))["_row"]
    fields = [f"field_{i}" for i in range(width)]
    if quoted:
        try:
            values = pl.read_csv(
                io.BytesIO(text.encode("utf-8")),
                has_header=False,
                schema=dict.fromkeys(fields, pl.String),
                separator=delim,
                quote_char='"',
                truncate_ragged_lines=True,
                empty_string_is_null=False,
                raise_if_empty=False,
            )
        except pl.exceptions.PolarsError:
            return None
        if values.height != lines.len():
            return None  # the parser saw the rows differently: let the csv module decide
        parts = values.with_row_index("_row", offset=1).with_columns(pl.col("_row").cast(pl.Int64))
        parts = parts.filter(pl.col("_row").is_in(keep.implode()))
    else:
        kept = body.filter(pl.col("_row").is_in(keep.implode()))
        parts = kept.select("_row", pl.col("line").str.split_exact(delim, max(width - 1, 1)).alias("f")).unnest("f")
    for index in _blank_columns(headers):
        filled = parts.filter(pl.col(f"field_{index}").fill_null("").str.strip_chars() != "")
        if filled.height:
            raise _no_header_error(index, int(filled["_row"][0]))
    out = parts.select("_row", *(pl.col(f"field_{i}").fill_null("").alias(f) for f, i in hmap.fields.items()))
    return RawTable(
        frame=out,
        headers=hmap,
        header_row=header_row,
        file_format="csv",
        blank_rows=blank_rows,
        ragged=sorted(ragged),
    )


def _ragged_message(cells: int, width: int) -> str:
    if cells < width:
        return _("The row has %(n)d cells but the header has %(m)d (ragged row).") % {"n": cells, "m": width}
    return _("The row has data in %(n)d cells but the header has %(m)d (ragged row).") % {"n": cells, "m": width}


def _csv_quoted(text: str, kind: str, delim: str) -> RawTable:
    """Files with quoting: Python's csv module, which follows Excel's quoting rules, in chunks."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=False)
    header: list[str] | None = None
    header_row = 0
    hmap: HeaderMap | None = None
    width = 0
    blank_rows = 0
    ragged: list[tuple[int, str]] = []
    chunks: list[pl.DataFrame] = []
    rows: list[list[str]] = []
    numbers: list[int] = []
    blank: list[int] = []
    count = 0
    max_rows = _limit("IMPORT_MAX_ROWS", 2_000_000)
    try:
        for ordinal, row in enumerate(reader, start=1):
            if not any(cell.strip() for cell in row):
                if header is not None:
                    blank_rows += 1
                continue
            if header is None:
                header, header_row = row, ordinal
                _check_columns(len(header))
                hmap = _header_map(kind, header)
                width = len(header)
                blank = _blank_columns(header)
                continue
            count += 1
            if count > max_rows:
                _check_rows(count)
            if len(row) != width:
                if len(row) < width or any(cell.strip() for cell in row[width:]):
                    ragged.append((ordinal, _ragged_message(len(row), width)))
                    continue
            for index in blank:
                if index < len(row) and row[index].strip():
                    raise _no_header_error(index, ordinal)
            rows.append(row)
            numbers.append(ordinal)
            if len(rows) >= CHUNK_ROWS:
                assert hmap is not None
                chunks.append(_chunk(rows, numbers, hmap))
                rows, numbers = [], []
    except csv.Error as exc:
        raise FileRejected(
            _("The CSV file is malformed near line %(line)d: %(error)s") % {"line": reader.line_num, "error": exc}
        ) from None
    if header is None or hmap is None:
        raise FileRejected(_("The file has no header row."))
    if rows:
        chunks.append(_chunk(rows, numbers, hmap))
    frame = pl.concat(chunks) if chunks else _empty(hmap)
    return RawTable(
        frame=frame, headers=hmap, header_row=header_row, file_format="csv", blank_rows=blank_rows, ragged=ragged
    )


def _chunk(rows: list[list], numbers: list[int], hmap: HeaderMap) -> pl.DataFrame:
    data: dict[str, list] = {"_row": numbers}
    for f, i in hmap.fields.items():
        data[f] = [r[i] if i < len(r) else "" for r in rows]
    return pl.DataFrame(data, schema={"_row": pl.Int64, **dict.fromkeys(hmap.fields, pl.String)})


def _empty(hmap: HeaderMap) -> pl.DataFrame:
    return pl.DataFrame(schema={"_row": pl.Int64, **dict.fromkeys(hmap.fields, pl.String)})


# ------------------------------------------------------------------------------------------------
# XLSX
# ------------------------------------------------------------------------------------------------

_MERGE_RE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*ref=\"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)\"")


def check_zip(data: bytes) -> zipfile.ZipFile:
    """Open the XLSX container after checking its declared sizes (a zip bomb is refused unopened)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRejected(_("The file is not a valid XLSX workbook (damaged zip archive).")) from None
    max_total = _limit("IMPORT_XLSX_MAX_UNCOMPRESSED", 1024 * 1024 * 1024)
    max_ratio = _limit("IMPORT_XLSX_MAX_RATIO", 200)
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
    if total > max_total:
        raise FileRejected(
            _("The XLSX workbook would expand to %(size)s; the limit is %(limit)s.")
            % {"size": human_size(total), "limit": human_size(max_total)}
        )
    if "xl/workbook.xml" not in archive.namelist():
        raise FileRejected(_("The file is a zip archive but not an XLSX workbook (no xl/workbook.xml)."))
    return archive


_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#GETTING_DATA"}


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


def _read_xlsx(data: bytes, kind: str, progress: Progress | None) -> RawTable:
    archive = check_zip(data)
    import openpyxl
    from openpyxl.worksheet._reader import WorkSheetParser

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
                return _xlsx_rows(parser.parse(), kind, expected_rows, progress)
    except (FileRejected, HeaderError):
        raise
    except Exception as exc:
        raise FileRejected(
            _("The XLSX workbook cannot be read: %(error)s") % {"error": exc.__class__.__name__}
        ) from None
    finally:
        workbook.close()


def _xlsx_rows(rows: Iterator[tuple[int, list[dict]]], kind: str, expected: int, progress: Progress | None) -> RawTable:
    max_cols = _limit("IMPORT_MAX_COLUMNS", 64)
    max_rows = _limit("IMPORT_MAX_ROWS", 2_000_000)
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
            hmap = _header_map(kind, headers)
            blank = _blank_columns(headers)
            header_row = row_number
            continue
        count += 1
        if count > max_rows:
            _check_rows(count)
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
                raise _no_header_error(index, row_number)
        buffer.append([values.get(i, "") for i in range(width)])
        numbers.append(row_number)
        if len(buffer) >= CHUNK_ROWS:
            chunks.append(_chunk(buffer, numbers, hmap))
            buffer, numbers = [], []
            if progress and expected:
                progress(min(1.0, count / expected))
    if hmap is None:
        raise FileRejected(_("The worksheet has no header row."))
    if buffer:
        chunks.append(_chunk(buffer, numbers, hmap))
    frame = pl.concat(chunks) if chunks else _empty(hmap)
    if progress:
        progress(1.0)
    return RawTable(
        frame=frame, headers=hmap, header_row=header_row, file_format="xlsx", blank_rows=blank_rows, ragged=ragged
    )
