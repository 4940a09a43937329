"""Reading an uploaded table, CSV or XLSX, against a column spec.

The first non-blank row holds the headers (see :mod:`.columns`); blank rows are skipped and counted; a
row with fewer cells than the header, or with data beyond it, is reported (ragged row) and left out.
The result is a Polars frame of text columns named by the spec (those the file has; a missing optional
column is absent, not empty), plus ``_row``, the row number a spreadsheet shows (the header row is row 1
when it is the first line). Everything that refuses the whole file raises :class:`FileRejected` or
:class:`HeaderError`, with a message naming the row, column, byte or line.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from gongjiang.core.tabular.columns import Spec
from gongjiang.core.tabular.delimited import read_delimited
from gongjiang.core.tabular.table import FileRejected, Limits, Progress, Table, check_size
from gongjiang.core.tabular.xlsx import read_xlsx

_XLS_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_table(
    data: bytes, filename: str, spec: Spec, *, limits: Limits | None = None, progress: Progress | None = None
) -> Table:
    """Read ``data`` (the file's bytes) as a table of ``spec``; raises FileRejected or HeaderError."""
    limits = limits or Limits()
    check_size(len(data), limits)
    if not data.strip():
        raise FileRejected(_("The file is empty."))
    name = filename.lower()
    if data[:4] == b"PK\x03\x04":
        return read_xlsx(data, spec, limits, progress)
    if data[:8] == _XLS_MAGIC:
        raise FileRejected(
            _("This is an old Excel 97–2003 (.xls) workbook. Save it as .xlsx or as CSV and upload it again.")
        )
    if name.endswith((".xlsx", ".xlsm")):
        raise FileRejected(_("The file is named .xlsx but is not an Excel workbook (not a zip archive)."))
    return read_delimited(data, spec, limits, progress)
