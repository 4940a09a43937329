"""core.tabular: a column spec read from Chinese or English headers, its errors in the active language,
the one reading of yes/no and date cells, and writing with formulas neutralised."""

from __future__ import annotations

import datetime
import io

import polars as pl
import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from gongjiang.core import tabular
from gongjiang.core.tabular import Column

SPEC = (
    Column("id_number", "身份证号码", gettext_lazy("ID number"), ("身份证号", "idnumber"), required=True),
    Column("name", "姓名", gettext_lazy("Name"), ("name",), required=True),
    Column("bank_name", "开户银行", gettext_lazy("Bank"), ("bankname",)),
)


def csv(*rows: str) -> bytes:
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


def test_chinese_and_english_headers_name_the_same_columns() -> None:
    zh = tabular.read_table(csv("序号,姓名,身份证号码", "1,张三,320582199005170074"), "r.csv", SPEC)
    en = tabular.read_table(csv("ID Number *,Name（必填）", "320582199005170074,张三"), "r.csv", SPEC)
    for table in (zh, en):
        assert table.frame.select("_row", "id_number", "name").rows() == [(2, "320582199005170074", "张三")]
        assert "bank_name" not in table.frame.columns  # an optional column the file lacks is absent
    assert zh.headers.ignored == ["序号"] and en.headers.headers == {"id_number": "ID Number *", "name": "Name（必填）"}


def test_errors_name_the_column_and_row_in_the_active_language() -> None:
    with translation.override("zh-hans"):
        with pytest.raises(tabular.HeaderError) as missing:
            tabular.read_table(csv("姓名", "张三"), "r.csv", SPEC)
        with pytest.raises(tabular.HeaderError) as twice:
            tabular.read_table(csv("姓名,name,身份证号码", "a,b,c"), "r.csv", SPEC)
    assert "身份证号码" in str(missing.value) and "缺少" in str(missing.value)
    assert "A" in str(twice.value) and "B" in str(twice.value) and "姓名" in str(twice.value)
    with translation.override("en"):
        with pytest.raises(tabular.HeaderError, match=r"Column D .*row 2"):
            tabular.read_table(csv("姓名,身份证号码,,", "a,b,,x"), "r.csv", SPEC)
        table = tabular.read_table(csv("姓名,身份证号码", "a,b", "c"), "r.csv", SPEC)
    assert table.ragged == [(3, "The row has 1 cells but the header has 2 (ragged row).")]


def test_limits_are_the_callers() -> None:
    data = csv("姓名,身份证号码", *["a,b"] * 5)
    with pytest.raises(tabular.FileRejected):
        tabular.read_table(data, "r.csv", SPEC, limits=tabular.Limits(max_bytes=10))
    with pytest.raises(tabular.FileRejected):
        tabular.read_table(data, "r.csv", SPEC, limits=tabular.Limits(max_rows=4))
    assert tabular.read_table(data, "r.csv", SPEC, limits=tabular.Limits(max_rows=5)).frame.height == 5


def test_template_headers_are_the_chinese_ones() -> None:
    assert tabular.template_headers(SPEC) == ["身份证号码", "姓名", "开户银行"]
    workbook = tabular.xlsx_bytes(tabular.template_headers(SPEC), [])
    assert tabular.read_table(workbook, "t.xlsx", SPEC).frame.columns == ["_row", "id_number", "name", "bank_name"]


def test_dates_accept_the_common_spellings_and_refuse_impossible_ones() -> None:
    frame = pl.DataFrame(
        {"d": ["2024-05-01", "2024/5/1", "2024.5.1", "20240501", "2024年5月1日", "2024-02-30", "x", "", "45413"]}
    )
    got = frame.select(tabular.dates("d").alias("x"))["x"].to_list()
    assert got == [datetime.date(2024, 5, 1)] * 5 + [None] * 4
    with translation.override("en"):
        assert "number, not a date" in tabular.date_message("45413")


def test_excel_day_numbers_are_dates_when_asked_for() -> None:
    frame = pl.DataFrame({"d": ["45413", "45413.75", "10000", "2024", "1234567", "2024-05-01"]})
    got = frame.select(tabular.dates(pl.col("d"), excel_serials=True).alias("x"))["x"].to_list()
    assert got == [
        datetime.date(2024, 5, 1),
        datetime.date(2024, 5, 1),
        datetime.date(1927, 5, 18),
        None,  # a year, not a day number
        None,
        datetime.date(2024, 5, 1),
    ]
    with translation.override("en"):
        assert "not a date" in tabular.date_message("2024", excel_serials=True)


def test_yes_and_no() -> None:
    words = ["是", "否", "TRUE", "false", "1", "0", " Y ", "n", "yes", "No", "√", "×", "", "也许", None]
    got = pl.DataFrame({"b": words}).select(tabular.booleans("b").alias("b"))["b"].to_list()
    assert got == [True, False, True, False, True, False, True, False, True, False, True, False, None, None, None]


def test_written_formulas_are_neutralised_once() -> None:
    data = tabular.csv_bytes(["a", "b"], [["=1+1", "-2"], ["x", None]])
    assert data.decode("utf-8-sig").splitlines()[1] == '"\'=1+1","\'-2"'
    sheet = load_workbook(io.BytesIO(tabular.csv_to_xlsx(data))).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [["a", "b"], ["'=1+1", "'-2"], ["x", None]]
