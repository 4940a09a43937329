"""Writing tables for people to open in Excel: CSV (UTF-8 with BOM, every field quoted) and XLSX
(openpyxl write-only), with spreadsheet formula injection neutralised in both."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

# A cell starting with one of these is run as a formula by Excel, LibreOffice or WPS (also after a
# tab or carriage return, and in full-width forms that some spreadsheets normalise).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text line by line (for streaming), BOM first so that Excel reads it as UTF-8."""
    writer = csv.writer(_Echo(), quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([neutralise(h) for h in header])
    for row in rows:
        yield writer.writerow(["" if v is None else neutralise(v) for v in row])


def csv_bytes(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    return "".join(csv_lines(header, rows)).encode("utf-8")


def xlsx_bytes(header: list[str], rows: Iterable[Iterable[Any]], *, title: str = "Sheet1") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])

    def cells(values: Iterable[Any]) -> list[Any]:
        out = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=None if value is None else neutralise(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            out.append(cell)
        return out

    sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()
