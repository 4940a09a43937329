"""Tables from and for spreadsheets: reading CSV and XLSX uploads against a declared column spec, the
one way to read yes/no and date cells, and writing CSV and XLSX with formulas neutralised.

    from gongjiang.core import tabular

    SPEC = (
        tabular.Column("id_number", "身份证号码", gettext_lazy("ID number"), ("身份证号", "idnumber"), required=True),
        tabular.Column("name", "姓名", gettext_lazy("Name"), ("name",), required=True),
    )
    table = tabular.read_table(data, filename, SPEC, limits=tabular.Limits(max_bytes=5 * 1024 * 1024))
    table.frame  # text columns id_number, name (those the file has) and _row, the spreadsheet's row number

Every refusal (:class:`FileRejected`, :class:`HeaderError`) carries a translatable message naming the
row, column, byte or line. Modules: ``columns`` (spec and headers), ``reader`` with ``delimited`` and
``xlsx`` (reading), ``table`` (result and limits), ``values`` (yes/no and dates), ``writing``.
"""

from gongjiang.core.tabular.columns import (
    Column,
    HeaderError,
    HeaderMap,
    Spec,
    column_letter,
    map_headers,
    normalise_header,
    template_headers,
)
from gongjiang.core.tabular.delimited import decode
from gongjiang.core.tabular.reader import read_table
from gongjiang.core.tabular.table import FileRejected, Limits, Progress, Table, check_size, human_size, row_errors
from gongjiang.core.tabular.values import FALSE_WORDS, TRUE_WORDS, booleans, date_message, dates
from gongjiang.core.tabular.writing import (
    CSV_TYPE,
    FORMULA_START,
    XLSX_TYPE,
    csv_bytes,
    csv_lines,
    csv_to_xlsx,
    neutralise,
    unneutralise,
    xlsx_bytes,
)
from gongjiang.core.tabular.xlsx import cell_text, check_zip

__all__ = [
    "CSV_TYPE",
    "FALSE_WORDS",
    "FORMULA_START",
    "TRUE_WORDS",
    "XLSX_TYPE",
    "Column",
    "FileRejected",
    "HeaderError",
    "HeaderMap",
    "Limits",
    "Progress",
    "Spec",
    "Table",
    "booleans",
    "cell_text",
    "check_size",
    "check_zip",
    "column_letter",
    "csv_bytes",
    "csv_lines",
    "csv_to_xlsx",
    "date_message",
    "dates",
    "decode",
    "human_size",
    "map_headers",
    "neutralise",
    "normalise_header",
    "read_table",
    "row_errors",
    "template_headers",
    "unneutralise",
    "xlsx_bytes",
]
