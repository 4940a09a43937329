"""The registry as an officer sees it in a real browser: region scope, ID search, masking, language."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(reference, make_user, make_person):
    people = {
        "zjg": make_person(region="320582", name="张家港甲", birth=datetime.date(1987, 3, 9)),
        "zjg2": make_person(region="320582", name="张家港乙", birth=datetime.date(1979, 12, 31)),
        "huqiu": make_person(region="320505", name="虎丘丙", birth=datetime.date(1992, 7, 1)),
        "changzhou": make_person(region="320412", name="武进丁", birth=datetime.date(1990, 1, 20)),
    }
    make_user("suzhou", region_code="320500")
    make_user("zhangjiagang", region_code="320582")
    return people


def _names_on_page(page) -> set[str]:
    return set(page.locator("#person-table tbody tr td:nth-child(2)").all_inner_texts())


def test_suzhou_officer_sees_suzhou_only_and_finds_by_id_number_masked(world, login, live_server):
    page = login("suzhou")
    page.goto(f"{live_server.url}/registry/persons/")
    names = _names_on_page(page)
    assert {"张家港甲", "张家港乙", "虎丘丙"} <= names
    assert "武进丁" not in names

    target = world["zjg2"]
    full_id = target.id_number
    # The ID number is looked up by POST: it opens the person's page, and no address ever holds it.
    page.fill("#id_id_number", full_id)
    with page.expect_navigation():
        page.click("#id-lookup-submit")
    assert full_id not in page.url
    page.wait_for_selector("#id-number")
    assert page.locator("h1").first.inner_text().startswith("张家港乙")
    shown = page.locator("#id-number").inner_text()
    assert "*" in shown and shown != full_id and shown[:4] == full_id[:4] and shown[-4:] == full_id[-4:]
    assert full_id not in page.content()

    # A Changzhou person's ID number is answered as one held nowhere.
    page.goto(f"{live_server.url}/registry/persons/")
    page.fill("#id_id_number", world["changzhou"].id_number)
    page.click("#id-lookup-submit")
    page.wait_for_selector("[data-field=id_number]")
    assert page.locator("[data-field=id_number]").inner_text() == "在您的辖区内未找到。"
    assert "武进" not in page.content() and "常州" not in page.locator("#id-lookup-form").inner_text()

    # A Changzhou person's page does not exist for a Suzhou officer.
    response = page.goto(f"{live_server.url}/registry/persons/{world['changzhou'].pk}/")
    assert response is not None and response.status == 404


def test_reveal_is_logged(world, login, live_server):
    from gongjiang.core.models import PiiAccess

    page = login("suzhou")
    person = world["huqiu"]
    page.goto(f"{live_server.url}/registry/persons/{person.pk}/")
    page.click("#reveal-id")
    page.wait_for_selector("#id-number")
    assert page.locator("#id-number").inner_text() == person.id_number
    assert PiiAccess.objects.filter(object_id=str(person.pk), field="id_number", user__username="suzhou").count() == 1


def test_zhangjiagang_sees_only_its_district(world, login, live_server):
    page = login("zhangjiagang")
    page.goto(f"{live_server.url}/registry/persons/")
    assert _names_on_page(page) == {"张家港甲", "张家港乙"}
    regions = page.locator("#person-table tbody tr td.region").all_inner_texts()
    assert regions and all(r.endswith("(320582)") for r in regions)
    response = page.goto(f"{live_server.url}/registry/persons/{world['huqiu'].pk}/")
    assert response is not None and response.status == 404


def test_chinese_by_default_and_english_on_request(world, login, live_server):
    page = login("suzhou")
    page.goto(f"{live_server.url}/registry/persons/")
    assert page.locator("h1").inner_text() == "人员"
    with page.expect_navigation():
        page.select_option("#language-form select", "en")
    expect(page.locator("h1")).to_have_text("Persons")


def test_an_employment_names_a_person_among_too_many_to_list_found_by_name(
    world, login, live_server, monkeypatch, make_org
):
    """Beyond the select's limit the employment form shows a search box for the person: typing the start of a
    name lists the district's persons (searched by POST, never in an address), by name, birth date and
    masked ID number; choosing one shows that, its number stays out of sight, and the employment is saved
    for that person."""
    from gongjiang.core import pickers
    from gongjiang.registry.models import Employment

    monkeypatch.setattr(pickers, "SELECT_LIMIT", 1)
    enterprise = make_org(region="320582", name="张家港精工机械")
    chosen = world["zjg2"]
    page = login("zhangjiagang")
    page.goto(f"{live_server.url}/registry/employments/new/")
    box = page.locator("[name=person-search]")
    with page.expect_request(lambda r: "/pick/persons/" in r.url) as searched:
        box.fill("张家港")
    assert searched.value.method == "POST" and "张家港" not in searched.value.url
    page.wait_for_selector(f".picker-choices [data-pick='{chosen.pk}']")
    listed = page.locator(".picker-choices [data-pick]")
    assert sorted(listed.evaluate_all("els => els.map(e => e.dataset.pick)")) == sorted(
        [str(world["zjg"].pk), str(chosen.pk)]
    )
    page.click(f".picker-choices [data-pick='{chosen.pk}']")
    shown = box.input_value()
    assert shown.startswith("张家港乙（1979-12-31，") and chosen.id_number not in page.content()
    assert page.locator("input[type=hidden][name=person]").input_value() == str(chosen.pk)
    page.select_option("[name=organisation]", str(enterprise.pk))
    page.fill("[name=start]", "2022-03-01")
    page.click("#save")
    page.wait_for_selector("#record-fields")
    assert Employment.objects.get().person == chosen
