"""A list's export leaves an empty cell empty: the dash the page shows for it is not data."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from gongjiang.registry.services import employment_create

ZJG = "320582"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_empty_cells_are_empty_in_csv_and_xlsx_and_a_dash_on_the_page(client, make_user, make_person, make_org) -> None:  # type: ignore[no-untyped-def]
    org = make_org(region=ZJG, name="精工机械")
    # No occupation, no end: two empty cells.
    employment_create(
        actor=None, person=make_person(region=ZJG, name="周海燕"), organisation=org, start=datetime.date(2022, 1, 1)
    )
    client.force_login(make_user("export_suzhou", role="officer", region_code="320500"))
    page = client.get("/registry/employments/", **ZH).content.decode()
    assert "—" in page
    text = client.get("/registry/employments/", {"export": "csv"}, **ZH).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2 and "—" not in text
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["职业"] == "" and row["截止日期"] == "" and row["起始日期"] == "2022-01-01"
    xlsx = client.get("/registry/employments/", {"export": "xlsx"}, **ZH)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c.value for row_cells in sheet.iter_rows(min_row=2) for c in row_cells]
    assert "—" not in cells and "2022-01-01" in cells
