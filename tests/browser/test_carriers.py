"""A master studio in a real browser: the enterprise applies on the carriers page, the 张家港 officer
recognises it at the city level, records the annual assessment and finally withdraws it with the reason;
the studio indicator of 张家港 (技能大师工作室数) follows each step, dated, and the public list shows the
studio only while it is recognised."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.core.tests.audit_guard import unaudited

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZJG = "320582"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(reference, make_user, make_org):
    from gongjiang.monitoring.services import targets_load

    targets_load(actor=None)
    org = make_org(region=ZJG, kind="enterprise", name="张家港精工机械有限公司")
    make_user("zhangjiagang", region_code=ZJG)
    make_user("enterprise", role="organisation", organisation=org)
    return {"org": org}


def switch(page, login, username: str):
    if page.locator("#whoami").count():
        page.click("form[action$='/accounts/logout/'] button")
        page.wait_for_url("**/accounts/login/**")
    return login(username)


def step(page, name: str, selects: dict[str, str] | None = None, **fields: str) -> None:
    page.click(f"#step-{name}")
    page.wait_for_selector("#step-form-card")
    for field, value in (selects or {}).items():
        page.select_option(f"#step-form-card [name={field}]", value)
    for field, value in fields.items():
        page.fill(f"#step-form-card [name={field}]", value)
    with page.expect_navigation():
        page.click("#step-submit")


def studios(page, url: str, day: datetime.date | None = None) -> str:
    page.goto(f"{url}/monitoring/carriers/" + (f"?as_of={day.isoformat()}" if day else ""))
    return page.inner_text("#carrier-indicators [data-indicator=master_studios] .indicator-count")


def test_master_studio_recognised_assessed_withdrawn_and_counted(world, page, login, live_server):
    from gongjiang.monitoring.models import Carrier, CarrierDecision

    url = live_server.url
    today = datetime.date.today()
    name = "张家港精工数控技能大师工作室"

    # 申报: the enterprise applies from its menu.
    switch(page, login, "enterprise")
    page.click("#nav-carriers")
    page.click("#carrier-apply-open")
    page.select_option("#apply-form [name=kind]", "master_studio")
    page.fill("#apply-form [name=name]", name)
    page.fill("#apply-form [name=description]", "数控车铣复合加工；领办人为高级技师；年带徒20人")
    with page.expect_navigation():
        page.click("#apply-submit")
    carrier = Carrier.objects.get(name=name)
    assert carrier.status == "applied" and carrier.organisation == world["org"]
    assert "已申报，待审核" in page.inner_text("#record-fields")
    assert page.locator("#step-recognise").count() == 0  # the decision is the bureau's
    # The application was lodged 100 days ago (the history runs in date order).
    lodged = today - datetime.timedelta(days=100)
    with unaudited():
        Carrier.objects.filter(pk=carrier.pk).update(applied_on=lodged)
        CarrierDecision.objects.filter(carrier=carrier).update(date=lodged)

    # 认定: the officer recognises the studio at the city level; the indicator counts it from that day.
    switch(page, login, "zhangjiagang")
    assert studios(page, url) == "0"
    recognised = today - datetime.timedelta(days=90)
    page.goto(f"{url}/monitoring/carriers/{carrier.pk}/")
    step(page, "recognise", {"level": "municipal"}, date=recognised.isoformat())
    carrier.refresh_from_db()
    assert (carrier.status, carrier.level, carrier.since) == ("recognised", "municipal", recognised)
    assert studios(page, url) == "1"
    assert studios(page, url, recognised - datetime.timedelta(days=1)) == "0"
    page.goto(f"{url}/monitoring/carriers/recognised/?region={ZJG}")
    assert name in page.inner_text("#carriers-public-table")

    # 年度考核: a score and findings, with the clause.
    page.goto(f"{url}/monitoring/carriers/{carrier.pk}/")
    step(
        page,
        "assess",
        year=str(recognised.year),
        date=(today - datetime.timedelta(days=10)).isoformat(),
        score="58.5",
        findings="带徒计划未完成；台账不全",
    )
    assert "带徒计划未完成" in page.inner_text("#carrier-decisions")

    # 撤销: withdrawn today, with the reason, after confirmation; from today it no longer counts.
    step(page, "withdraw", until=today.isoformat(), reason="年度考核不合格")
    carrier.refresh_from_db()
    assert (carrier.status, carrier.until) == ("withdrawn", today)
    history = page.inner_text("#carrier-decisions")
    for kind in ("申报", "认定", "年度考核", "撤销"):
        assert kind in history
    assert "苏政办发〔2024〕37号 (八)" in history and "年度考核不合格" in history
    assert studios(page, url) == "0"
    assert studios(page, url, today - datetime.timedelta(days=1)) == "1"
    page.goto(f"{url}/monitoring/carriers/recognised/?region={ZJG}")
    assert name not in page.inner_text("#carriers-public-table")
