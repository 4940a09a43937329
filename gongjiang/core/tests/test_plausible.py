"""One set of plausibility rules for dates and names (core.plausible) on every write path: the API, the
pages, the bulk import and its console command. Each refusal names the field, in Chinese, and writes
nothing."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gongjiang.core.plausible import check_date, check_name, latest
from gongjiang.imports.tests.files import csv_file
from gongjiang.registry.models import Employment, Organisation, Person

pytestmark = pytest.mark.django_db

BAD_NAMES = ["=HYPERLINK(1)", "+86", "-1", "@SUM(A1)", "＝1", "张\u202e三", "李\u2066四", "王\u200b五", "赵\x07六"]
BAD_DATES = ["0001-01-01", "1899-12-31", "9999-12-31"]


def _api(user: Any) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


@pytest.fixture
def officer(make_user, reference):  # type: ignore[no-untyped-def]
    return make_user("plausible", region_code="320582")


def test_the_rules() -> None:
    today = datetime.date(2025, 6, 1)
    assert check_date(datetime.date(1990, 1, 1), field="d", today=today) == datetime.date(1990, 1, 1)
    assert check_date(None, field="d") is None
    for bad in (datetime.date(1, 1, 1), datetime.date(9999, 12, 31), datetime.date(2025, 6, 2)):
        with pytest.raises(Exception) as info:
            check_date(bad, field="start", today=today)
        assert "start" in info.value.message_dict  # type: ignore[attr-defined]
    assert latest(planned=True, today=today) == datetime.date(2035, 6, 1)
    assert check_date(datetime.date(2030, 1, 1), field="end", planned=True, today=today)
    assert check_name("  张三丰 ") == "张三丰"
    assert check_name("O'Brien-Smith") == "O'Brien-Smith"  # a hyphen inside is fine
    for bad in BAD_NAMES:
        with pytest.raises(Exception) as info:
            check_name(bad)
        assert "name" in info.value.message_dict  # type: ignore[attr-defined]


@pytest.mark.parametrize("start", BAD_DATES)
def test_api_employment_refuses_implausible_start_dates(officer, make_person, make_org, start: str) -> None:  # type: ignore[no-untyped-def]
    person, org = make_person(region="320582"), make_org(region="320582")
    response = _api(officer).post(
        "/api/employments/", {"person": person.pk, "organisation": org.pk, "start": start}, format="json"
    )
    assert response.status_code == 400
    assert "start" in response.json() and "日期" in response.json()["start"][0]
    assert not Employment.objects.exists()


def test_api_employment_refuses_an_end_far_ahead_and_a_start_before_birth(officer, make_person, make_org) -> None:  # type: ignore[no-untyped-def]
    person, org = make_person(region="320582", birth=datetime.date(1990, 5, 17)), make_org(region="320582")
    api = _api(officer)
    far = api.post(
        "/api/employments/",
        {"person": person.pk, "organisation": org.pk, "start": "2020-01-01", "end": "9999-12-31"},
        format="json",
    )
    assert far.status_code == 400 and "end" in far.json()
    early = api.post("/api/employments/", {"person": person.pk, "organisation": org.pk, "start": "1985-01-01"})
    assert early.status_code == 400 and "出生" in early.json()["start"][0]
    assert not Employment.objects.exists()


@pytest.mark.parametrize("name", BAD_NAMES)
def test_api_refuses_names_the_importer_refuses(officer, name: str) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.synth.ids import make_id_number, make_uscc

    api = _api(officer)
    person = api.post(
        "/api/persons/",
        {
            "name": name,
            "id_number": make_id_number("320582", datetime.date(1990, 1, 1), 7),
            "residence_region_code": "320582",
        },
        format="json",
    )
    assert person.status_code == 400 and "name" in person.json()
    org = api.post(
        "/api/organisations/",
        {"uscc": make_uscc("320582", 900001), "name": name, "kind": "enterprise", "region_code": "320582"},
        format="json",
    )
    assert org.status_code == 400 and "name" in org.json()
    assert not Person.objects.exists() and not Organisation.objects.exists()


def test_api_rename_to_a_bad_name_changes_nothing(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region="320582", name="张三丰")
    response = _api(officer).patch(f"/api/persons/{person.pk}/", {"name": "=1+1"}, format="json")
    assert response.status_code == 400
    person.refresh_from_db()
    assert person.name == "张三丰"


def test_page_refuses_a_bad_name_on_its_field(client, officer) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.synth.ids import make_id_number

    client.force_login(officer)
    response = client.post(
        "/registry/persons/new/",
        {
            "name": "@cmd",
            "id_number": make_id_number("320582", datetime.date(1990, 1, 1), 8),
            "residence_region_code": "320582",
        },
    )
    assert response.status_code == 200
    assert "名称不得以 =、+、- 或 @ 开头" in response.content.decode()
    assert not Person.objects.exists()


def test_import_and_its_command_refuse_the_same(officer, make_person, make_org, tmp_path) -> None:  # type: ignore[no-untyped-def]
    person, org = make_person(region="320582"), make_org(region="320582")
    employment = tmp_path / "jobs.csv"
    employment.write_bytes(
        csv_file(
            [
                ["身份证号码", "用人单位统一社会信用代码", "入职日期", "离职日期"],
                [person.id_number, org.uscc, "0001-01-01", ""],
                [person.id_number, org.uscc, "2020-01-01", "9999-12-31"],
            ]
        )
    )
    report = tmp_path / "report.csv"
    with pytest.raises(SystemExit) as info:
        call_command("import", "employment", str(employment), "--report", str(report), stdout=io.StringIO())
    assert info.value.code == 1
    text = report.read_text(encoding="utf-8-sig")
    assert "早于 1900 年" in text and "晚于今后 10 年" in text
    assert not Employment.objects.exists()
    persons = tmp_path / "persons.csv"
    from gongjiang.synth.ids import make_id_number

    persons.write_bytes(
        csv_file(
            [
                ["姓名", "身份证号码", "居住地区划代码"],
                ["张\u202e三", make_id_number("320582", datetime.date(1991, 2, 3), 9), "320582"],
            ]
        )
    )
    with pytest.raises(SystemExit):
        call_command("import", "persons", str(persons), "--report", str(report), stdout=io.StringIO())
    assert "不可见的格式字符" in report.read_text(encoding="utf-8-sig")
    assert Person.objects.count() == 1
