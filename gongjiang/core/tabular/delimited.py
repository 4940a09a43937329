"""Delimited text (CSV, tab-separated "Unicode text"): decoding and the two row parsers.

Encodings: UTF-8 (with or without BOM), else GB18030 (which includes GBK), as Windows Excel writes them;
UTF-16 with a BOM. A file that is none of these names the first byte that fails and its line. NUL bytes
mean a binary file, not a CSV.

A file in which one line is one row is split by Polars on whole columns; one with quoted line breaks
or quotes inside bare fields goes through Python's csv module, which follows Excel's quoting rules.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

import polars as pl
from django.utils.translation import gettext as _

from gongjiang.core.tabular.columns import HeaderError, HeaderMap, Spec, blank_columns, map_headers, no_header_error
from gongjiang.core.tabular.table import (
    CHUNK_ROWS,
    FileRejected,
    Limits,
    Progress,
    Table,
    check_columns,
    check_rows,
    empty_frame,
    ragged_message,
    rows_frame,
)


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


def read_delimited(data: bytes, spec: Spec, limits: Limits, progress: Progress | None) -> Table:
    text, encoding = decode(data)
    del data
    if "\n" not in text and "\r" in text:
        text = text.replace("\r", "\n")
    first = next((line for line in text.split("\n", 50)[:50] if line.strip(" ,\t\r")), "")
    delim = _delimiter(first)
    try:
        table = _by_lines(text, spec, delim, limits) or _by_csv_module(text, spec, delim, limits)
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


def _by_lines(text: str, spec: Spec, delim: str, limits: Limits) -> Table | None:
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
    check_columns(len(headers), limits)
    hmap = map_headers(spec, headers)
    width = len(headers)
    body = content.slice(1)
    check_rows(body.height, limits)
    blank_rows = int(frame.filter(pl.col("blank") & (pl.col("_row") > header_row)).height)
    ragged: list[tuple[int, str]] = []
    for row, cells in body.filter(pl.col("cells") < width).select("_row", "cells").iter_rows():
        ragged.append((row, ragged_message(cells, width)))
    long = body.filter(pl.col("cells") > width)
    if long.height:
        rest = long.select(
            "_row",
            "cells",
            pl.col("shape").str.splitn(delim, width + 1).struct.field(f"field_{width}").alias("rest"),
        ).filter(pl.col("rest").str.replace_all(delim, "", literal=True).str.strip_chars() != "")
        for row, cells, _rest in rest.iter_rows():
            ragged.append((row, ragged_message(cells, width)))
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
    for index in blank_columns(headers):
        filled = parts.filter(pl.col(f"field_{index}").fill_null("").str.strip_chars() != "")
        if filled.height:
            raise no_header_error(index, int(filled["_row"][0]))
    out = parts.select("_row", *(pl.col(f"field_{i}").fill_null("").alias(f) for f, i in hmap.fields.items()))
    return Table(
        frame=out,
        headers=hmap,
        header_row=header_row,
        file_format="csv",
        blank_rows=blank_rows,
        ragged=sorted(ragged),
    )


def _by_csv_module(text: str, spec: Spec, delim: str, limits: Limits) -> Table:
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
    try:
        for ordinal, row in enumerate(reader, start=1):
            if not any(cell.strip() for cell in row):
                if header is not None:
                    blank_rows += 1
                continue
            if header is None:
                header, header_row = row, ordinal
                check_columns(len(header), limits)
                hmap = map_headers(spec, header)
                width = len(header)
                blank = blank_columns(header)
                continue
            count += 1
            if count > limits.max_rows:
                check_rows(count, limits)
            if len(row) != width:
                if len(row) < width or any(cell.strip() for cell in row[width:]):
                    ragged.append((ordinal, ragged_message(len(row), width)))
                    continue
            for index in blank:
                if index < len(row) and row[index].strip():
                    raise no_header_error(index, ordinal)
            rows.append(row)
            numbers.append(ordinal)
            if len(rows) >= CHUNK_ROWS:
                assert hmap is not None
                chunks.append(rows_frame(rows, numbers, hmap))
                rows, numbers = [], []
    except csv.Error as exc:
        raise FileRejected(
            _("The CSV file is malformed near line %(line)d: %(error)s") % {"line": reader.line_num, "error": exc}
        ) from None
    if header is None or hmap is None:
        raise FileRejected(_("The file has no header row."))
    if rows:
        chunks.append(rows_frame(rows, numbers, hmap))
    frame = pl.concat(chunks) if chunks else empty_frame(hmap)
    return Table(
        frame=frame, headers=hmap, header_row=header_row, file_format="csv", blank_rows=blank_rows, ragged=ragged
    )
