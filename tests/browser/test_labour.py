"""Labour market in the browser: an enterprise posts demand and answers the survey; a school registers an
order class and matches students in a round (no blocking pair, shown with the result); the officer
compiles and publishes the need catalog."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongjiang.core.audit import audit_context
from tests.browser.test_training import fill, step, switch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZJG = "320582"


def _year() -> int:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate().year


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(reference, make_user, make_org, make_person):
    from gongjiang.policy.services import policy_set_load

    enterprise = make_org(region=ZJG, name="张家港精工机械")
    school = make_org(region=ZJG, kind="technician_college", name="张家港市技师学院", industry="P")
    {
        "zhangjiagang": make_user("zhangjiagang", region_code=ZJG),
        "enterprise": make_user("enterprise", role="organisation", organisation=enterprise),
        "school": make_user("school", role="organisation", organisation=school),
    }
    with audit_context(source="cli"):
        policy_set_load(actor=None, name="zhangjiagang", adopt=True)
    students = [
        make_person(region=ZJG, name=name, birth=datetime.date(2006, 3, i + 1), phone=f"1391234{i:04d}")
        for i, name in enumerate(["陈一", "周二", "吴三"])
    ]
    return {"enterprise": enterprise, "school": school, "students": students}


def test_demand_survey_order_class_matching_and_catalog(world, page, login, live_server, shot):
    from gongjiang.labour.models import (
        Applicant,
        CatalogEntry,
        DemandPost,
        MatchRound,
        NeedCatalog,
        OrderClass,
        SurveyLine,
    )

    # The enterprise posts a skill demand.
    switch(page, login, live_server, "enterprise")
    page.click("#nav-labour")
    page.click("#post-new")
    fill(page, "form", occupation="6-18-01-01", headcount="12", wage_offer="6500", start=f"{_year()}-09-01")
    page.select_option("[name=level]", "level3")
    page.click("#save")
    page.wait_for_selector("#step-close")
    post = DemandPost.objects.get()
    shot(page, "labour-01-demand-posted")
    assert post.organisation == world["enterprise"] and post.region_code == ZJG and post.headcount == 12

    # … and answers the talent-need survey: one occupation, with a post hard to fill, then submits.
    page.click("#labour-nav a[href='/labour/surveys/']")
    page.click("#survey-new")
    fill(page, "form", year=str(_year()))
    page.click("#save")
    page.wait_for_selector("#line-form")
    fill(
        page,
        "#line-form",
        occupation="6-18-01-01",
        staff="30",
        hires_1="8",
        hires_2="6",
        hires_3="5",
        hard_to_fill="6",
        open_days="120",
    )
    page.select_option("#line-form [name=level]", "level3")
    page.click("#add-line")
    page.wait_for_selector("#survey-lines-table td")
    step(page, "send")
    assert SurveyLine.objects.get().hires_1 == 8
    assert not page.locator("#line-form").count()
    shot(page, "labour-02-survey")

    # The school registers an order class for the enterprise, two places, 800 yuan a student.
    switch(page, login, live_server, "school")
    page.goto(f"{live_server.url}/labour/classes/")
    page.click("#class-new")
    fill(
        page,
        "form",
        name="精工数控订单班",
        occupation="6-18-01-01",
        year=str(_year()),
        places="2",
        funding_per_student="800",
    )
    page.select_option("[name=kind]", "order")
    # the enterprise is chosen by name: typing narrows the list
    page.fill("[data-search-for=enterprise]", "精工")
    page.select_option("[name=enterprise]", label="张家港精工机械")
    page.click("#save")
    page.wait_for_selector("#class-students")
    oc = OrderClass.objects.get()
    shot(page, "labour-03-order-class")

    # … opens a matching round and adds three students, all choosing the class; two places.
    page.click("#labour-nav a[href='/labour/rounds/']")
    page.click("#round-new")
    fill(page, "form", name="订单班双选", year=str(_year()))
    page.click("#save")
    page.wait_for_selector("#applicant-form")
    for person, score in zip(world["students"], (88, 75, 91), strict=True):
        from gongjiang.core.pii import decrypt

        fill(
            page,
            "#applicant-form",
            id_number=decrypt(person.id_number_enc),
            name=person.name,
            score_1=str(score),
        )
        page.select_option("#applicant-form [name=class_1]", str(oc.pk))  # the class, chosen by its name
        page.click("#add-applicant")
        page.wait_for_selector(".alert-success")
    assert Applicant.objects.count() == 3
    step(page, "run")
    page.wait_for_selector("#certificate")
    assert "0" in page.inner_text("#certificate")
    rnd = MatchRound.objects.get()
    assert rnd.certificate["stable"] is True and rnd.certificate["blocking_count"] == 0
    placed = {a.person.name for a in Applicant.objects.filter(placed=oc)}
    assert placed == {"陈一", "吴三"}  # the two best scores
    shot(page, "labour-04-matching-round")
    step(page, "confirm")

    # The class's page prices the 1:1 match through the policy engine: 800 yuan each.
    page.goto(f"{live_server.url}/labour/classes/{oc.pk}/")
    assert page.inner_text("#class-funding-total").strip() == "1600.00"
    shot(page, "labour-05-class-funding")

    # The officer compiles and publishes the need catalog of the year.
    switch(page, login, live_server, "zhangjiagang")
    page.goto(f"{live_server.url}/labour/catalogs/")
    page.click("#catalog-new")
    fill(page, "form", year=str(_year()))
    page.click("#save")
    page.wait_for_selector("#step-compile")
    step(page, "compile")
    page.wait_for_selector("#catalog-entries-table td")
    step(page, "publish")
    catalog = NeedCatalog.objects.get()
    assert catalog.status == "published"
    shot(page, "labour-06-catalog-published")
    entry = CatalogEntry.objects.get()
    assert entry.demand == 12 + 8 and entry.proposed  # nothing filled, no graduates: a shortage
    # The enterprise now sees the published catalog.
    switch(page, login, live_server, "enterprise")
    page.goto(f"{live_server.url}/labour/catalogs/{catalog.pk}/")
    page.wait_for_selector("#catalog-entries-table td")


def test_an_enterprise_among_too_many_to_list_is_found_by_name(world, page, login, live_server, monkeypatch, make_org):
    """Beyond the select's limit the officer's form shows a search box: typing a name lists the district's
    matching enterprises, choosing one shows its name (its number stays out of sight) and the post is
    saved for it; typing again forgets the choice."""
    from gongjiang.core import pickers
    from gongjiang.labour.models import DemandPost

    monkeypatch.setattr(pickers, "SELECT_LIMIT", 1)
    rival = make_org(region=ZJG, name="张家港华锐机床")
    login("zhangjiagang")
    page.goto(f"{live_server.url}/labour/demand/new/")
    box = page.locator("[name=organisation-search]")
    box.fill("华锐")
    page.click(f".picker-choices [data-pick='{rival.pk}']")
    assert box.input_value() == "张家港华锐机床"
    assert page.locator("input[type=hidden][name=organisation]").input_value() == str(rival.pk)
    box.fill("张家港")
    assert page.locator("input[type=hidden][name=organisation]").input_value() == ""
    page.click(f".picker-choices [data-pick='{rival.pk}']")
    fill(page, "form", occupation="6-18-01-01", headcount="3", wage_offer="6000", start=f"{_year() + 1}-03-01")
    page.select_option("[name=level]", "level3")
    page.click("#save")
    page.wait_for_selector("#step-close")
    assert DemandPost.objects.get().organisation == rival
