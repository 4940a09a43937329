"""The labour pages as their users read them, in Simplified Chinese and in English: no login names, raw
region codes or English words on a Chinese page, no Chinese skill level on an English one, an occupation's
code shown once."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import translation

from gongjiang.labour import services
from gongjiang.labour.models import CatalogEntry
from gongjiang.labour.tests.test_fairs import CNC, YEAR, _graduate, _post, _published_catalog

pytestmark = pytest.mark.django_db


def _text(response: Any) -> str:
    """The page's text without its tags, scripts and styles."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_a_demand_post_in_chinese_and_in_english(world, client) -> None:  # type: ignore[no-untyped-def]
    post = _post(world, CNC, "level3")
    client.force_login(world["ent_user"])
    zh = _text(client.get(f"/labour/demand/{post.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "招聘中" in zh  # a post open for applications, not a claim waiting ("待处理")
    assert "待处理" not in zh
    assert f"{CNC} {CNC}" not in zh and f"{CNC} 车工" in zh  # the code once, before the name
    assert "高级工" in zh
    en = _text(client.get(f"/labour/demand/{post.pk}/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "Senior worker (level 3)" in en and "高级工" not in en


def test_a_catalog_and_its_decided_proposal_name_the_region_and_the_officer(world, client) -> None:  # type: ignore[no-untyped-def]
    officer = world["officer"]
    officer.first_name = "张家港市人社局 县级经办人员"
    officer.save(update_fields=["first_name"])
    catalog = _published_catalog(world)
    services.catalog_publish(actor=officer, catalog=catalog)
    entry = CatalogEntry.objects.get(catalog=catalog)
    services.proposal_accept(actor=officer, entry=entry, tier="A")
    client.force_login(officer)
    page = _text(client.get(f"/labour/catalogs/{catalog.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert f"张家港市 {YEAR}" in page and f"320582 {YEAR}" not in page
    page = _text(client.get(f"/labour/catalog-entries/{entry.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "张家港市人社局 县级经办人员" in page
    assert not re.search(rf"\b{officer.username}\b", page.replace(f"{officer.username} ·", ""))


def test_the_skill_gap_shows_an_occupation_code_once(world, client) -> None:  # type: ignore[no-untyped-def]
    _post(world, CNC, "level3")
    seeker = _graduate(world, world["people"][0], CNC, "level4")
    client.force_login(world["officer"])
    page = _text(client.get(f"/labour/seekers/{seeker.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "技能短板诊断" in page and re.search(rf"车工\s+{CNC}", page)
    assert not re.search(rf"车工\s+{CNC}\s+{CNC}", page) and not re.search(rf"{CNC}\s+车工\s+{CNC}", page)


def test_an_apprenticeship_is_named_with_a_date_in_the_page_language(world) -> None:  # type: ignore[no-untyped-def]
    apprenticeship = services.apprenticeship_create(
        actor=world["ent_user"],
        kind="enterprise",
        enterprise=world["enterprise"],
        person=world["people"][0],
        occupation_code=CNC,
        level_code="level3",
        start=datetime.date(2026, 10, 8),
        end=datetime.date(2027, 10, 7),
    )
    with translation.override("zh-hans"):
        assert str(apprenticeship).endswith("2026年10月8日")
    with translation.override("en"):
        assert "2026-10-08" not in str(apprenticeship) and "2026" in str(apprenticeship)


@pytest.mark.parametrize(
    ("path", "who", "offered"),
    [
        ("demand", "ent_user", True),
        ("demand", "school_user", False),
        ("surveys", "school_user", False),
        ("apprenticeships", "school_user", False),
        ("programmes", "school_user", True),
        ("programmes", "ent_user", False),
        ("classes", "ent_user", False),
        ("school-reports", "ent_user", False),
        ("rounds", "ent_user", False),
        ("seekers", "ent_user", False),
        ("programmes", "officer", True),
        ("demand", "officer", True),
    ],
)
def test_a_create_form_is_offered_only_to_who_can_fill_it_in(world, client, path, who, offered) -> None:  # type: ignore[no-untyped-def]
    """An enterprise is not offered a school's forms (a programme, a school report) nor a school an
    enterprise's (a demand post, a survey answer): the service would refuse them after the typing."""
    client.force_login(world[who])
    listing = client.get(f"/labour/{path}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert (f'href="/labour/{path}/new/"' in listing) is offered
    assert client.get(f"/labour/{path}/new/").status_code == (200 if offered else 403)


def test_a_job_fair_names_its_industry(world, client) -> None:  # type: ignore[no-untyped-def]
    fair = services.fair_create(
        actor=world["officer"],
        name="2026年制造业专场招聘会",
        kind="industry",
        region_code="320582",
        date=datetime.date(2026, 12, 1),
        place="张家港市人力资源市场",
        industry_code="C",
    )
    client.force_login(world["officer"])
    page = _text(client.get(f"/labour/fairs/{fair.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert re.search(r"C\s+制造业", page)


def test_every_labour_list_leads_to_the_others(world, client) -> None:  # type: ignore[no-untyped-def]
    """The menu's "labour market" entry opens the demand list: from it, even with no post in the region,
    the officer reaches the surveys, catalogs, classes, seekers and forecasts."""
    client.force_login(world["officer"])
    for path in ("demand", "surveys", "catalogs", "seekers", "forecasts"):
        html = client.get(f"/labour/{path}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert 'id="labour-nav"' in html, path
        for other in ("/labour/surveys/", "/labour/catalogs/", "/labour/classes/", "/labour/seekers/"):
            assert f'href="{other}"' in html, (path, other)


def test_the_level_choices_follow_the_page_language(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["ent_user"])
    zh = client.get("/labour/demand/new/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">高级工</option>" in zh
    en = client.get("/labour/demand/new/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Senior worker (level 3)</option>" in en and ">高级工</option>" not in en
