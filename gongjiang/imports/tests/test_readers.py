"""Reading CSV and XLSX: encodings, headers, blank and ragged rows, cell types, and the structural guards."""

from __future__ import annotations

import datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongjiang.core.tabular import FileRejected, HeaderError, cell_text, normalise_header
from gongjiang.imports.readers import map_headers
from gongjiang.imports.readers import read_upload as read_table
from gongjiang.imports.tests.files import csv_file, xlsx_file

HEADER = ["姓名", "身份证号码", "居住地区划代码"]
ROW = ["张三", "320582199005170074", "320582"]


def test_utf8_with_and_without_bom_and_gbk_read_the_same() -> None:
    plain = read_table(csv_file([HEADER, ROW]), "a.csv", "persons")
    bom = read_table(csv_file([HEADER, ROW], bom=True), "a.csv", "persons")
    gbk = read_table(csv_file([HEADER, ROW], encoding="gbk"), "a.csv", "persons")
    assert plain.encoding == bom.encoding == "utf-8" and gbk.encoding == "gb18030"
    for table in (plain, bom, gbk):
        assert table.frame.select("_row", "name", "id_number", "residence_region_code").rows() == [(2, *ROW)]


def test_utf16_unicode_text_is_read_with_tabs() -> None:
    data = ("\t".join(HEADER) + "\r\n" + "\t".join(ROW) + "\r\n").encode("utf-16")
    table = read_table(data, "a.txt", "persons")
    assert table.frame["name"].to_list() == ["张三"]


def test_undecodable_file_names_the_byte_and_line() -> None:
    data = csv_file([HEADER, ROW]) + b"\xff\xfe\xfa broken\n"
    with pytest.raises(FileRejected) as info:
        read_table(data, "a.csv", "persons")
    message = str(info.value)
    offset = len(csv_file([HEADER, ROW]))
    assert f"byte {offset} (line 3)" in message


def test_binary_file_is_not_a_csv() -> None:
    with pytest.raises(FileRejected, match="NUL"):
        read_table(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "a.csv", "persons")


def test_old_xls_and_fake_xlsx_are_refused_clearly() -> None:
    with pytest.raises(FileRejected, match=r"\.xls"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "a.xls", "persons")
    with pytest.raises(FileRejected, match="not an Excel workbook"):
        read_table(csv_file([HEADER, ROW]), "a.xlsx", "persons")


def test_headers_in_english_with_remarks_and_unknown_columns() -> None:
    data = csv_file([["序号", "Name", "ID Number *", "residence_region_code（必填）", "备注"], ["1", *ROW, "x"]])
    table = read_table(data, "a.csv", "persons")
    assert table.headers.ignored == ["序号", "备注"]
    assert table.frame.select("name", "id_number", "residence_region_code").rows() == [tuple(ROW)]


def test_the_labels_the_pages_and_exports_show_are_accepted_as_headers() -> None:
    # The export's "户籍地区代码" / "常住地区代码" and the English labels map to their columns.
    zh = map_headers("persons", ["姓名", "身份证号码", "常住地区代码", "户籍地区代码", "手机号码"])
    en = map_headers("persons", ["Name", "ID number", "Residence region code", "Household region code", "Phone"])
    for mapped in (zh, en):
        assert mapped.fields == {
            "name": 0,
            "id_number": 1,
            "residence_region_code": 2,
            "household_region_code": 3,
            "phone": 4,
        }


def test_duplicate_headers_are_an_error_naming_both_columns() -> None:
    with pytest.raises(HeaderError) as info:
        read_table(csv_file([["姓名", "name", "身份证号码", "居住地"], ["a", "b", "c", "d"]]), "a.csv", "persons")
    assert "A" in str(info.value) and "B" in str(info.value) and "name" in str(info.value)


def test_missing_required_column_is_named() -> None:
    with pytest.raises(HeaderError, match="身份证号码"):
        map_headers("persons", ["姓名", "居住地"])


def test_blank_rows_skipped_and_rows_keep_their_spreadsheet_numbers() -> None:
    rows = [[], HEADER, ROW, ["", "", ""], [], ["李四", "320582199005170074", "320582"]]
    table = read_table(csv_file(rows), "a.csv", "persons")
    assert table.header_row == 2
    assert table.frame["_row"].to_list() == [3, 6]
    assert table.blank_rows == 2


def test_ragged_rows_are_reported_not_read() -> None:
    rows = [HEADER, ROW, ["王五", "1"], ["赵六", "2", "3", "surplus"], ["钱七", "3", "4", "", ""]]
    table = read_table(csv_file(rows), "a.csv", "persons")
    assert [r for r, _m in table.ragged] == [3, 4]
    assert "2 cells" in table.ragged[0][1] and "ragged" in table.ragged[0][1]
    assert table.frame["_row"].to_list() == [2, 5]  # trailing empty cells are not data


def test_quoted_csv_matches_the_fast_path() -> None:
    rows = [HEADER, ["张三", "320582199005170074", "320582"], [], ["李四", "1", "2", "3"], ["王五", "2"]]
    fast = read_table(csv_file(rows), "a.csv", "persons")
    quoted_text = "\r\n".join(",".join(f'"{v}"' for v in row) for row in rows) + "\r\n"
    quoted = read_table(quoted_text.encode(), "a.csv", "persons")
    assert fast.frame.equals(quoted.frame)
    assert fast.ragged == quoted.ragged and fast.blank_rows == quoted.blank_rows


def test_quoted_fields_keep_commas_and_newlines() -> None:
    data = '姓名,身份证号码,居住地\r\n"张,三","3205",320582\r\n"多\n行",1,2\r\n'.encode()
    table = read_table(data, "a.csv", "persons")
    assert table.frame["name"].to_list() == ["张,三", "多\n行"]
    assert table.frame["_row"].to_list() == [2, 3]


def test_column_with_data_but_no_header_is_refused() -> None:
    with pytest.raises(HeaderError, match=r"Column D .*row 2"):
        read_table(csv_file([[*HEADER, ""], [*ROW, "x"]]), "a.csv", "persons")


def test_xlsx_cells_become_text_as_the_validators_expect() -> None:
    assert cell_text(None) == ""
    assert cell_text(320582) == "320582"
    assert cell_text(320582.0) == "320582"
    assert cell_text(3.20582199001011e17) == "3.20582199001011E+17"
    assert cell_text(13812345678.0) == "13812345678"
    assert cell_text(datetime.datetime(2024, 5, 1)) == "2024-05-01"
    assert cell_text(True) == "true"


def test_xlsx_reads_first_sheet_with_row_numbers_and_formulas_as_text() -> None:
    data = xlsx_file(
        [HEADER, ROW, [None, None, None], ["李四", "=A2&B2", 320582], ["王五", 3.20582199001011e17, 320582]]
    )
    table = read_table(data, "a.xlsx", "persons")
    assert table.file_format == "xlsx"
    assert table.frame.rows() == [
        (2, "张三", "320582199005170074", "320582"),
        (4, "李四", "=A2&B2", "320582"),
        (5, "王五", "3.20582199001011E+17", "320582"),
    ]


def test_xlsx_merged_cells_are_refused() -> None:
    data = xlsx_file([["人员名册", None, None], HEADER, ROW], merge="A1:C1")
    with pytest.raises(FileRejected, match="A1:C1"):
        read_table(data, "a.xlsx", "persons")


def test_xlsx_data_beyond_the_header_is_a_ragged_row() -> None:
    table = read_table(xlsx_file([HEADER, ROW, [*ROW, "x"]]), "a.xlsx", "persons")
    assert [r for r, _m in table.ragged] == [3]


def test_too_many_rows_and_columns(settings) -> None:  # type: ignore[no-untyped-def]
    settings.IMPORT_MAX_ROWS = 3
    with pytest.raises(FileRejected, match="more than 3"):
        read_table(csv_file([HEADER, *[ROW] * 4]), "a.csv", "persons")
    with pytest.raises(FileRejected, match="more than 3"):
        read_table(xlsx_file([HEADER, *[ROW] * 4]), "a.xlsx", "persons")
    settings.IMPORT_MAX_COLUMNS = 4
    with pytest.raises(FileRejected, match="columns"):
        read_table(csv_file([[*HEADER, "a", "b"], [*ROW, "1", "2"]]), "a.csv", "persons")


@given(st.text(alphabet="姓名 _-*（必填）NAMEname", max_size=12))
@settings(max_examples=50, deadline=None)
def test_header_normalisation_never_crashes(text: str) -> None:
    assert isinstance(normalise_header(text), str)


def test_header_only_file_has_no_rows() -> None:
    table = read_table(csv_file([HEADER]), "a.csv", "persons")
    assert table.frame.height == 0 and isinstance(table.frame, pl.DataFrame)


@pytest.mark.parametrize(
    "body",
    [
        '"张三","320582199005170074","320582"\r\n"李,四",,"1"\r\n',  # wholly quoted fields (Polars path)
        '"张三",""\r\n"李""四","1","2","3"\r\n\r\n',  # empty quoted fields, escaped quotes, ragged
        '张"三,1,2\r\n=HYPERLINK("a","b"),1,2\r\n',  # quotes inside bare fields (csv module)
        '"多\r\n行",1,2\r\n"x",,\r\n',  # a quoted line break (csv module)
    ],
)
def test_every_csv_path_agrees_with_the_csv_module(body: str) -> None:
    import csv
    import io

    text = "姓名,身份证号码,居住地\r\n" + body
    table = read_table(text.encode(), "a.csv", "persons")
    expected_rows, expected_ragged = [], []
    for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
        if number == 1 or not any(c.strip() for c in row):
            continue
        if len(row) < 3 or any(c.strip() for c in row[3:]):
            expected_ragged.append(number)
        else:
            expected_rows.append((number, *row[:3]))
    assert table.frame.rows() == expected_rows
    assert [r for r, _m in table.ragged] == expected_ragged
