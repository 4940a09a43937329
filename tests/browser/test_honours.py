"""An outstanding high-skilled talent (ZJG-opinion 五(十四)) from nomination to payment, in a real browser
in Chinese, each step by the right role: the 张家港 officer issues last year's call, the enterprise
nominates its worker, the officer reviews, publishes the list (公示, names masked) and decides; the award
is priced by the policy engine into three yearly instalments; the instalments due are released and the
district officer drafts a payment batch holding the first and second years, which the city officer
approves, exports and marks paid; the third year waits for its date."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from gongjiang.core import pii
from gongjiang.core.audit import audit_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZJG = "320582"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(reference, make_user, make_org, make_person, make_certificate):
    from gongjiang.policy.services import policy_set_load
    from gongjiang.registry.services import employment_create

    enterprise = make_org(region=ZJG, name="张家港精密机械有限公司")
    users = {
        "zhangjiagang": make_user("zhangjiagang", region_code=ZJG),
        "suzhou": make_user("suzhou", region_code="320500"),
        "enterprise": make_user("enterprise", role="organisation", organisation=enterprise),
    }
    worker = make_person(region=ZJG, name="陈建国")
    make_certificate(worker, level="level2", national_level=2, issue_date=datetime.date(2023, 6, 1))
    with audit_context(source="cli"):
        policy_set_load(actor=None, name="zhangjiagang", adopt=True)
        employment_create(actor=None, person=worker, organisation=enterprise, start=datetime.date(2018, 3, 1))
    return {"users": users, "enterprise": enterprise, "worker": worker}


def switch(page, login, username: str):
    if page.locator("#whoami").count():
        page.click("form[action$='/accounts/logout/'] button")
        page.wait_for_url("**/accounts/login/**")
    return login(username)


def step(page, name: str, **fields: str) -> None:
    page.click(f"#step-{name}")
    for field, value in fields.items():
        page.fill(f"#step-form-card [name={field}]", value)
    with page.expect_navigation():
        page.click("#step-submit")


def test_outstanding_talent_nomination_award_and_instalments(world, page, login, live_server, shot) -> None:
    from gongjiang.honours.models import AwardApplication, AwardInstalment, HonourCall, Nomination
    from gongjiang.training.models import PaymentBatch

    url = live_server.url
    today = datetime.date.today()
    year = today.year - 1
    worker = world["worker"]

    # The district officer issues last year's call and opens it.
    switch(page, login, "zhangjiagang")
    page.click("#nav-honours")
    assert page.locator("#honours-nav").count() == 1
    page.click("#call-new")
    assert page.input_value("[name=region_code]") == ZJG
    page.fill("[name=title]", f"{year}年度张家港市优秀高技能人才")
    page.select_option("[name=kind]", "outstanding")
    page.select_option("[name=level]", "district")
    page.fill("[name=year]", str(year))
    page.fill("[name=quota]", "20")
    page.select_option("[name=min_level]", "level3")
    page.fill("[name=criteria]", "在本市企业工作、高级工及以上、业绩突出的一线技能人才")
    page.fill("[name=closes]", (today + datetime.timedelta(days=10)).isoformat())
    page.fill("[name=term_years]", "3")
    page.select_option("[name=award_rule]", "outstanding_talent")
    page.fill("[name=clause]", "ZJG-opinion 五(十四)")
    shot(page, "honours-01-call-new")
    page.click("#save")
    page.wait_for_selector("#step-open")
    call_url = page.url
    step(page, "open")
    page.wait_for_selector("#step-close")
    call = HonourCall.objects.get()
    assert call.status == "open"
    shot(page, "honours-02-call-open")

    # The enterprise nominates its worker; a wrong name is refused on the field.
    switch(page, login, "enterprise")
    page.goto(call_url)
    number = pii.decrypt(worker.id_number_enc)
    page.fill("#nominate-form [name=id_number]", number)
    page.fill("#nominate-form [name=name]", "陈建军")
    page.fill("#nominate-form [name=bank_account]", "6222021001234567890")
    page.click("#nominate")
    page.wait_for_selector("#nominate-form .invalid-feedback, #nominate-form .alert-danger")
    assert Nomination.objects.count() == 0
    page.fill("#nominate-form [name=id_number]", number)
    page.fill("#nominate-form [name=name]", "陈建国")
    page.fill("#nominate-form [name=statement]", "主持数控工艺攻关，带徒12名")
    shot(page, "honours-03-nominate")
    page.fill("#nominate-form [name=bank_name]", "中国工商银行张家港支行")
    page.fill("#nominate-form [name=bank_account]", "6222021001234567890")
    page.click("#nominate")
    page.wait_for_selector("#nominations-table")
    nomination = Nomination.objects.get()
    assert page.locator("#step-close").count() == 0  # not the enterprise's step
    shot(page, "honours-04-nominated")

    # The officer closes, passes the nomination, publishes the list and decides.
    switch(page, login, "zhangjiagang")
    page.goto(call_url)
    step(page, "close")
    page.goto(f"{url}/honours/nominations/{nomination.pk}/")
    step(page, "shortlist", comment="符合条件")
    page.goto(call_url)
    step(page, "publish", until=today.isoformat())
    page.wait_for_selector("#public-link")
    page.click("#public-link")
    names = page.locator("#public-names").inner_text()
    assert "陈*国" in names and "陈建国" not in names and "张家港精密机械有限公司" in names
    shot(page, "honours-05-public-list")
    page.goto(call_url)
    step(page, "decide")
    page.wait_for_selector("#record-fields")
    call.refresh_from_db()
    assert call.status == "decided"

    # The award: priced by the engine, three yearly instalments of 3,000 yuan.
    award = AwardApplication.objects.get()
    page.goto(f"{url}/honours/awards/{award.pk}/")
    assert "3000元/年" in page.locator("#award-trace").inner_text()
    assert page.locator("#instalments-table tbody tr").count() == 3
    assert "9000.00" in page.locator("#record-fields").inner_text()
    shot(page, "honours-06-award")

    # The instalments due (the first and second years) are released for payment.
    page.click("#honours-nav a[href='/honours/instalments/']")
    page.click("#action-release")
    page.wait_for_selector("#instalments-table")
    assert list(AwardInstalment.objects.order_by("year_no").values_list("status", flat=True)) == [
        "due",
        "due",
        "scheduled",
    ]
    shot(page, "honours-07-instalments-released")

    # The district officer drafts the batch on the training pages; the city officer approves and pays.
    page.goto(f"{url}/training/batches/")
    assert "2" in page.locator(".payable-count").inner_text()
    page.click("#batch-new")
    page.fill("[name=purpose]", f"{year}年度优秀高技能人才奖励")
    page.click("#save")
    page.wait_for_selector("#record-fields")
    batch = PaymentBatch.objects.get()
    assert batch.line_count == 2 and batch.total_fen == 600000
    assert page.locator("#step-approve").count() == 0  # four eyes
    shot(page, "honours-08-batch")
    switch(page, login, "suzhou")
    page.goto(f"{url}/training/batches/{batch.pk}/")
    step(page, "approve")
    page.wait_for_selector("#action-export")
    with page.expect_download() as download:
        page.click("#action-export")
    rows = list(
        load_workbook(io.BytesIO(download.value.path().read_bytes())).active.iter_rows(min_row=2, values_only=True)
    )
    assert [(r[1], r[2], float(r[4])) for r in rows] == [
        ("陈建国", "6222021001234567890", 3000.0),
        ("陈建国", "6222021001234567890", 3000.0),
    ]
    page.goto(f"{url}/training/batches/{batch.pk}/")
    step(page, "pay", voucher="ICBC-ZJG-0107")
    batch.refresh_from_db()
    assert batch.status == "paid"
    statuses = list(AwardInstalment.objects.order_by("year_no").values_list("status", flat=True))
    assert statuses == ["paid", "paid", "scheduled"]  # the second year paid in the batch, the third not yet due

    # The person's page shows the honour and the award's instalments.
    page.goto(f"{url}/registry/persons/{worker.pk}/")
    panel = page.locator("#person-honours").inner_text()
    assert f"{year}年度张家港市优秀高技能人才" in panel and "已拨付" in panel and "待到期" in panel
    shot(page, "honours-09-person")
