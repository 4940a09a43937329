"""Writing tables for people to open in Excel: CSV (UTF-8 with BOM, every field quoted) and XLSX
(openpyxl write-only), with spreadsheet formula injection neutralised in both."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# A cell starting with one of these is run as a formula by Excel, LibreOffice or WPS (also after a
# tab or carriage return, and in full-width forms that some spreadsheets normalise).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """The text :func:`neutralise` was given (for a table read back from a CSV this module wrote)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_START) else value


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


def csv_to_xlsx(data: bytes, *, title: str = "Sheet1") -> bytes:
    """A CSV written by :func:`csv_bytes` as XLSX, with the same cells (neutralised once, not twice)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    header = [unneutralise(h) for h in next(reader, [])]
    rows = [[unneutralise(v) for v in row] for row in reader]
    return xlsx_bytes(header, rows, title=title)
