"""Building CSV and XLSX files for the tests."""

from __future__ import annotations

import datetime
import io
import itertools
from typing import Any

from openpyxl import Workbook

from gongjiang.synth.ids import make_certificate_number, make_id_number, make_uscc

_seq = itertools.count(100)


def csv_file(rows: list[list[Any]], *, encoding: str = "utf-8", bom: bool = False) -> bytes:
    text = "\r\n".join(",".join("" if v is None else str(v) for v in row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_file(rows: list[list[Any]], *, merge: str | None = None, text_columns: tuple[int, ...] = ()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if c - 1 in text_columns and isinstance(value, str):
                cell.data_type = "s"
    if merge:
        sheet.merge_cells(merge)
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def new_id(region: str = "320582", birth: datetime.date = datetime.date(1990, 5, 17)) -> str:
    return make_id_number(region, birth, next(_seq) % 1000)


def new_uscc(region: str = "320582") -> str:
    return make_uscc(region, 700000 + next(_seq))


def new_cert(*, year: int = 2024, level: int = 3, evaluator: str = "S") -> str:
    return make_certificate_number(
        evaluator=evaluator, station=800000, year=year, national_level=level, serial=next(_seq)
    )


PERSON_HEADER = ["姓名", "身份证号码", "居住地区划代码", "手机号码"]


def person_rows(n: int, region: str = "320582") -> list[list[Any]]:
    return [
        [f"测试{i}", new_id(region, datetime.date(1980 + i % 20, 1 + i % 12, 1 + i % 28)), region, f"1381234{i:04d}"]
        for i in range(n)
    ]
