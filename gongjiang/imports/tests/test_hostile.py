"""Hostile and broken files: each gets a clear answer, never a crash, never a partial write."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongjiang.core.models import ChangeRecord
from gongjiang.imports.models import ImportJob
from gongjiang.imports.processing import import_file
from gongjiang.imports.reports import write_report
from gongjiang.imports.tests.files import PERSON_HEADER, csv_file, new_id, person_rows, xlsx_file
from gongjiang.registry.models import Person

pytestmark = pytest.mark.django_db


def _import(data: bytes, name: str = "f.csv", **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("actor", None)
    return import_file(kind="persons", data=data, filename=name, mode="import", **kwargs)


@pytest.fixture
def untouched(reference):  # type: ignore[no-untyped-def]
    """Asserts after the test that nothing was written to the registry or the change log."""
    before = (Person.objects.count(), ChangeRecord.objects.count())
    yield
    assert (Person.objects.count(), ChangeRecord.objects.count()) == before


def test_oversized_upload_is_refused_by_the_page_before_reading(client, make_user, settings, untouched):  # type: ignore[no-untyped-def]
    settings.IMPORT_MAX_UPLOAD_BYTES = 2000
    client.force_login(make_user("zjg", region_code="320582"))
    data = csv_file([PERSON_HEADER, *person_rows(60)])
    assert len(data) > 2000
    response = client.post("/imports/upload/", {"kind": "persons", "file": io.BytesIO(data)})
    assert response.status_code == 413
    assert "2.0 KB" in response.content.decode() or "2000" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_upload_still_needs_its_csrf_token(make_user, untouched):  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("zjg_csrf", region_code="320582"))
    response = client.post("/imports/upload/", {"kind": "persons", "file": io.BytesIO(csv_file([PERSON_HEADER]))})
    assert response.status_code == 403 and ImportJob.objects.count() == 0


def test_oversized_file_through_the_service_and_cli(settings, untouched, tmp_path):  # type: ignore[no-untyped-def]
    from django.core.management import call_command

    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    data = csv_file([PERSON_HEADER, *person_rows(40)])
    result = _import(data)
    assert result.file_errors and "limit" in result.file_errors[0] and result.status == "rejected"
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "persons", str(path), stdout=io.StringIO())
    assert exit_info.value.code == 1


def _bomb(sheet_bytes: int) -> bytes:
    """A real workbook whose first sheet is padded with highly compressible filler."""
    good = xlsx_file([PERSON_HEADER, *person_rows(2)])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * sheet_bytes)
            dst.writestr(info.filename, data)
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_without_decompressing(monkeypatch, untouched):  # type: ignore[no-untyped-def]
    bomb = _bomb(30 * 1024 * 1024)
    assert len(bomb) < 200 * 1024  # 30 MiB of sheet in a small file

    def no_decompression(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a member was decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_decompression)
    result = _import(bomb, "bomb.xlsx")
    assert result.status == "rejected"
    assert "zip bomb" in result.file_errors[0] and "sheet1.xml" in result.file_errors[0]


def test_xlsx_expanding_beyond_the_total_limit_is_refused(settings, untouched):  # type: ignore[no-untyped-def]
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED = 100 * 1024
    result = _import(xlsx_file([PERSON_HEADER, *person_rows(2000)]), "big.xlsx")
    assert result.file_errors and "limit" in result.file_errors[0]


def test_wrong_encoding_is_refused_with_byte_and_line(untouched):  # type: ignore[no-untyped-def]
    data = csv_file([PERSON_HEADER, *person_rows(3)]) + "李四,1,2,3\r\n".encode("utf-16-le")[:-1] + b"\xff\n"
    result = _import(data)
    assert result.status == "rejected" and result.total_rows == 0
    assert "UTF-8" in result.file_errors[0] and "line 5" in result.file_errors[0]


def test_big5_text_read_as_gbk_gives_a_hint(untouched):  # type: ignore[no-untyped-def]
    data = "身分證號碼,姓名,居住地\r\nx,y,z\r\n".encode("big5")
    result = _import(data)
    assert result.file_errors and ("CSV UTF-8" in result.file_errors[0] or "UTF-8" in result.file_errors[0])


def test_formulas_are_data_never_evaluated(untouched):  # type: ignore[no-untyped-def]
    rows = [PERSON_HEADER, ['=HYPERLINK("http://x","a")', new_id(), "320582", ""], ["李四", "=1+1", "320582", ""]]
    for data, name in ((csv_file(rows), "f.csv"), (xlsx_file(rows), "f.xlsx")):
        result = _import(data, name)
        assert result.status == "rejected"
        cells = {(r, c): (v, m) for r, c, v, m in result.errors.iter_rows()}
        assert "formula" in cells[(2, "姓名")][1] and cells[(2, "姓名")][0].startswith("=HYPERLINK")
        assert "formula" in cells[(3, "身份证号码")][1]


def test_formula_values_in_the_error_report_are_neutralised(tmp_path, untouched):  # type: ignore[no-untyped-def]
    result = _import(csv_file([PERSON_HEADER, ["=cmd|' /C calc'!A0", new_id(), "320582", ""]]))
    write_report(errors=result.errors, file_errors=result.file_errors, path=str(tmp_path / "r.csv"))
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    assert "\"'=cmd" in text


def test_merged_header_cells_are_refused(untouched):  # type: ignore[no-untyped-def]
    rows = [["身份证号码", None, "居住地区划代码", "姓名"], [new_id(), "x", "320582", "张三"]]
    result = _import(xlsx_file(rows, merge="A1:B1"), "m.xlsx")
    assert result.status == "rejected" and "A1:B1" in result.file_errors[0]


def test_csv_of_a_merged_header_has_a_column_without_header(untouched):  # type: ignore[no-untyped-def]
    rows = [["身份证号码", "", "居住地区划代码", "姓名"], [new_id(), "x", "320582", "张三"]]
    result = _import(csv_file(rows))
    assert result.status == "rejected" and "Column B" in result.file_errors[0]


def test_duplicate_headers_are_refused(untouched):  # type: ignore[no-untyped-def]
    rows = [["姓名", "身份证号码", "公民身份号码", "居住地"], ["张三", new_id(), new_id(), "320582"]]
    result = _import(csv_file(rows))
    assert result.status == "rejected" and "身份证号码" in result.file_errors[0]
    assert "公民身份号码" in result.file_errors[0]


def test_blank_rows_skipped_and_ragged_rows_reported(untouched):  # type: ignore[no-untyped-def]
    good = person_rows(2)
    rows = [PERSON_HEADER, good[0], [], ["", "", "", ""], ["王五", new_id()], good[1]]
    result = _import(csv_file(rows))
    assert result.status == "rejected" and result.blank_rows == 2
    assert result.errors.select("row", "column").rows() == [(5, "")]
    assert "ragged" in result.errors["message"][0]


def test_ragged_rows_with_partial_import_only_the_clean_rows(reference):  # type: ignore[no-untyped-def]
    good = person_rows(2)
    rows = [PERSON_HEADER, good[0], ["王五", new_id()], good[1]]
    result = _import(csv_file(rows), partial=True)
    assert result.status == "partial" and result.created == 2 and result.error_rows == 1
    assert Person.objects.count() == 2
    nothing_valid = _import(csv_file([PERSON_HEADER, ["王五", new_id()]]), partial=True)
    assert nothing_valid.status == "rejected" and Person.objects.count() == 2


def test_fifteen_digit_ids_are_upgraded_and_match_the_eighteen_digit_person(reference):  # type: ignore[no-untyped-def]
    from gongjiang.core.validators import upgrade_15_to_18
    from gongjiang.registry.selectors import find_person_by_id_number

    old = "320582900517123"
    result = _import(csv_file([PERSON_HEADER, ["张老", old, "320582", ""]]))
    assert result.status == "imported" and result.created == 1
    person = find_person_by_id_number(upgrade_15_to_18(old))
    assert person is not None and person.id_number == upgrade_15_to_18(old)
    assert person.birth_date == datetime.date(1990, 5, 17)
    again = _import(csv_file([PERSON_HEADER, ["张老", upgrade_15_to_18(old), "320582", ""]]))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_ids_in_scientific_notation_are_refused_never_repaired(untouched):  # type: ignore[no-untyped-def]
    csv_rows = [PERSON_HEADER, ["张三", "3.20582199005170E+17", "320582", ""]]
    xlsx_rows = [PERSON_HEADER, ["张三", 3.20582199005171e17, 320582, 13812345678]]
    for data, name in ((csv_file(csv_rows), "s.csv"), (xlsx_file(xlsx_rows), "s.xlsx")):
        result = _import(data, name)
        assert result.status == "rejected"
        (message,) = result.errors.filter(result.errors["column"] == "身份证号码")["message"].to_list()
        assert "scientific notation" in message and "lost" in message


def test_trailing_zeros_of_an_excel_number_are_explained(untouched):  # type: ignore[no-untyped-def]
    result = _import(csv_file([PERSON_HEADER, ["张三", "320582199005170000", "320582", ""]]))
    assert result.status == "rejected" and "000" in result.errors["message"][0]


@given(st.binary(max_size=400))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_bytes_never_crash(untouched, data: bytes) -> None:  # type: ignore[no-untyped-def]
    for name in ("f.csv", "f.xlsx"):
        result = _import(data, name)
        assert result.status == "rejected"


@given(st.lists(st.lists(st.text(max_size=8), max_size=6), max_size=8))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_tables_never_crash(untouched, rows: list[list[str]]) -> None:  # type: ignore[no-untyped-def]
    text = "\n".join(",".join(cell.replace("\x00", "") for cell in row) for row in [PERSON_HEADER, *rows])
    result = _import(text.encode("utf-8", "replace"))
    assert result.status == "rejected"
