"""A class starts and ends (开始日期, 结束日期), it is not hired nor left; a roster row in error names its
column by the header of the file (身份证号码), not by the platform's internal name (id_number)."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _label(html: str, field: str) -> str:
    found = re.search(rf'<label[^>]*for="id_{field}"[^>]*>([^<]*)</label>', html)
    assert found is not None, field
    return found.group(1)


def test_the_class_form_asks_for_the_start_and_end_dates(tw, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(tw.zjg)
    with translation.override("zh-hans"):
        html = client.get("/training/classes/new/", **ZH).content.decode()
    assert (_label(html, "start_date"), _label(html, "end_date")) == ("开始日期", "结束日期")
    assert "入职日期" not in html and "离职日期" not in html


def test_a_roster_row_in_error_names_the_column_by_its_header(tw, open_class, client) -> None:  # type: ignore[no-untyped-def]
    person = tw.persons[0]
    number = person.id_number
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")  # a wrong check digit
    roster = f"身份证号码,姓名,银行账号\n{wrong},{person.name},6222021500000000001\n".encode()
    client.force_login(tw.inst_user)
    with translation.override("zh-hans"):
        response = client.post(
            f"/training/classes/{open_class.pk}/roster/",
            {"file": SimpleUploadedFile("名册.csv", roster, content_type="text/csv")},
            **ZH,
        )
    assert response.status_code == 200 and not open_class.enrolments.exists()
    errors = response.context["actions"]["roster"].errors["file"]
    assert any(e.startswith("第2行身份证号码列：") for e in errors), errors
    assert "id_number" not in " ".join(errors)
