"""The wage pages as their users read them, in Simplified Chinese and in English: an edition named by its
region, its officers by name, dates in the page's language, skill levels and chart labels translated."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from gongjiang.wages import services
from gongjiang.wages.models import Cell, Edition, SizeClass
from gongjiang.wages.tests.conftest import WELDER, World
from gongjiang.wages.tests.test_editions import _filled, _published

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_an_edition_page_names_its_region_and_officers(world: World, client) -> None:  # type: ignore[no-untyped-def]
    world.officer.first_name = "苏州市人社局 市级经办人员"
    world.officer.save(update_fields=["first_name"])
    _filled(world)
    edition = services.edition_create(actor=world.officer, survey=world.survey)
    services.edition_estimate(actor=world.officer, edition=edition, replicates=20)
    client.force_login(world.officer)
    page = _text(client.get(f"/wages/manage/editions/{edition.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "苏州市 2025年第1版" in page and "2025 · 320500 · 1" not in page
    assert "苏州市人社局 市级经办人员" in page
    assert not re.search(rf"\b{world.officer.username}\b", page.replace(f"{world.officer.username} ·", ""))
    english = _text(client.get(f"/wages/manage/editions/{edition.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "苏州市 2025, edition 1" in english


def test_a_medium_enterprise_is_a_size_not_a_severity() -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        assert str(SizeClass.MEDIUM.label) == "中型"


def test_the_public_pages_in_chinese_and_in_english(world: World, client) -> None:  # type: ignore[no-untyped-def]
    edition: Edition = _published(world)
    page = _text(client.get(f"/wages/published/{edition.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert re.search(r"已?发布\s*\d{4}年\d{1,2}月\d{1,2}日", page), "the publication date in Chinese"
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", page)
    welder = Cell.objects.get(
        edition=edition,
        cell_kind="occupation_level",
        region_code="320500",
        occupation_code=WELDER,
        skill_level="level3",
    )
    zh = client.get(f"/wages/cells/{welder.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    chart = json.loads(re.search(r'<script id="cell-data" type="application/json">(.*?)</script>', zh, re.S).group(1))
    assert chart["labels"]["mean"] == "平均数" and chart["labels"]["empty"]
    assert "高级工" in [level["level"] for level in chart["levels"]]
    en = _text(client.get(f"/wages/cells/{welder.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Senior worker (level 3)" in en and "高级工" not in en


def test_a_response_names_its_industry(world: World, client) -> None:  # type: ignore[no-untyped-def]
    response = world.response(world.orgs[0])
    client.force_login(world.officer)
    page = _text(client.get(f"/wages/manage/responses/{response.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert re.search(rf"{response.industry_section}\s+制造业", page)


def test_the_wage_lists_lead_to_each_other(world: World, client) -> None:  # type: ignore[no-untyped-def]
    """From the menu's surveys list the officer reaches the responses and the editions (none made yet), and
    the enterprise its responses only."""
    client.force_login(world.officer)
    for path in ("surveys", "responses", "editions"):
        html = client.get(f"/wages/manage/{path}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert 'id="wages-nav"' in html and "工资价位发布版本" in html, path
        for other in ("surveys", "responses", "editions"):
            assert f'href="/wages/manage/{other}/"' in html, (path, other)
    client.force_login(world.enterprise_user)
    html = client.get("/wages/manage/responses/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'href="/wages/manage/responses/"' in html and 'href="/wages/manage/editions/"' not in html


def test_the_method_notice_says_the_intervals_use_students_t(world: World, client) -> None:  # type: ignore[no-untyped-def]
    _published(world)
    zh = _text(client.get("/wages/method/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "学生氏分布" in zh and "等级工资溢价" in zh and "1.96" in zh
    assert not re.search(r"\bStudent\b", zh)
    en = _text(client.get("/wages/method/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Student's t distribution" in en and "the level premiums' included" in en
