"""Error reports: one line per problem (row, column, value, message), file-level problems first, as CSV
or XLSX with formulas neutralised (the values come from the uploaded file)."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from gongjiang.core.tabular import csv_bytes, csv_to_xlsx, xlsx_bytes


def report_header() -> list[str]:
    return [_("Row"), _("Column"), _("Value"), _("Problem")]


def report_rows(*, errors: pl.DataFrame, file_errors: list[str]) -> list[list[Any]]:
    rows: list[list[Any]] = [["", "", "", message] for message in file_errors]
    rows.extend([r, c, v, m] for r, c, v, m in errors.iter_rows())
    return rows


def report_bytes(rows: list[list[Any]], fmt: str) -> bytes:
    if fmt == "xlsx":
        return xlsx_bytes(report_header(), rows, title=_("Errors"))
    return csv_bytes(report_header(), rows)


def write_report(*, errors: pl.DataFrame, file_errors: list[str], path: str) -> None:
    """The report as CSV or XLSX, chosen by the file name's extension (the command's ``--report``)."""
    fmt = "xlsx" if path.lower().endswith(".xlsx") else "csv"
    with open(path, "wb") as out:
        out.write(report_bytes(report_rows(errors=errors, file_errors=file_errors), fmt))


def stored_report_as_xlsx(data: bytes) -> bytes:
    """A stored (CSV) report as XLSX, for the download."""
    return csv_to_xlsx(data, title=_("Errors"))
