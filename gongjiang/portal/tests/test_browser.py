"""Each organisation's and the worker's main job, end to end in a real browser (Debian chromium driven by
Playwright) in zh-hans, from the home page and without the API: an enterprise claims an enterprise-training
subsidy; a training institution applies for designation and reads the officer's decision; a worker signs in
with their ID number and a code sent to their phone and sees their certificates and subsidies, and nobody
else's."""

from __future__ import annotations

import datetime
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from gongjiang.core.audit import audit_context
from gongjiang.portal import sms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZJG = "320582"
PASSWORD = "Browser-test-pass-1"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def page(live_server, monkeypatch, settings) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """A chromium page in Chinese. The ORM is used beside Playwright's event loop in this thread (setting up
    and checking records); the live server answers in its own thread."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SMS_SENDER = "gongjiang.portal.sms.MemorySender"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sms.outbox.clear()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(locale="zh-CN", base_url=live_server.url)
        context.set_default_timeout(15000)
        yield context.new_page()
        context.close()
        browser.close()


def _log_in(page: Any, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def _policy_sets() -> None:
    from gongjiang.policy.services import policy_set_load

    with audit_context(source="cli"):
        policy_set_load(actor=None, name="zhangjiagang", adopt=True)


def test_an_enterprise_claims_an_enterprise_training_subsidy(
    page, tmp_path, reference, make_org, make_user, make_person, make_certificate, shot
) -> None:
    from gongjiang.training.models import Claim, ClaimStatus

    _policy_sets()
    enterprise = make_org(region=ZJG, kind="enterprise", name="张家港华达机械有限公司")
    make_user("huada", role="organisation", organisation=enterprise, password=PASSWORD)
    workers = [make_person(region=ZJG, name=n, phone=f"1395123{i:04d}") for i, n in enumerate(["孙立新", "郑美玲"])]
    for w in workers:
        make_certificate(w, level="level4", national_level=4, issue_date=datetime.date(2025, 5, 20))
    roster = tmp_path / "花名册.csv"
    roster.write_text(
        "身份证号码,姓名,银行账号,学员群体\n"
        + "".join(f"{w.id_number},{w.name},62220215{i:011d},企业职工\n" for i, w in enumerate(workers, 1)),
        encoding="utf-8",
    )

    _log_in(page, "huada")
    page.click("#nav-training")
    page.click("#training-nav >> text=培训班")
    page.select_option("#open-class-form select[name=kind]", "enterprise")
    page.fill("#open-class-form input[name=name]", "电工中级岗位提升培训")
    page.fill("#open-class-form input[name=occupation_code]", "6-31-01-03")
    page.select_option("#open-class-form select[name=level]", "level4")
    page.fill("#open-class-form input[name=start_date]", "2025-03-03")
    page.fill("#open-class-form input[name=end_date]", "2025-04-25")
    page.fill("#open-class-form input[name=class_hours]", "80")
    page.fill("#open-class-form input[name=practical_hours]", "50")
    shot(page, "enterprise-01-open-class")
    page.click("#open-class")
    page.wait_for_url(re.compile(r"/training/classes/\d+/$"))
    assert "已开班" in page.content()

    page.set_input_files("#roster-form input[type=file]", str(roster))
    page.click("#upload-roster")
    page.wait_for_selector("text=孙立新")
    shot(page, "enterprise-02-roster")
    page.click("#step-end")
    page.click("#step-submit")
    page.wait_for_selector("#action-claim")
    page.click("#action-claim")
    page.wait_for_selector("text=已计算 2 条补贴申领")
    body = page.inner_text("main")
    assert "750.00" in body  # 50% of 1,500 yuan for 中级工 tier A (ZJG-opinion 二(四))
    claims = list(Claim.objects.filter(institution=enterprise))
    assert len(claims) == 2 and {c.status for c in claims} == {ClaimStatus.COMPUTED}
    shot(page, "enterprise-03-claims-computed")
    # The claim's own page: its state and the sentence that priced it.
    page.click("#training-nav >> text=补贴申领")
    page.click(f"a[href='/training/claims/{claims[0].pk}/']")
    detail = page.inner_text("main")
    assert "750.00" in detail and "企业培训" in detail
    shot(page, "enterprise-04-claim-detail")


def test_a_training_institution_applies_for_designation_and_reads_the_decision(
    page, reference, make_org, make_user, shot
) -> None:
    from gongjiang.training.models import Designation

    school = make_org(region=ZJG, kind="training", name="张家港市新华职业培训学校", industry="P")
    make_user("xinhua", role="organisation", organisation=school, password=PASSWORD)
    make_user("zjg_officer", role="officer", region_code=ZJG, password=PASSWORD)

    _log_in(page, "xinhua")
    page.click("#nav-training")
    page.click("#nav-designation-requests")
    page.click("#designation-request-new")
    page.fill("input[name=period_start]", "2026-01-01")
    page.fill("input[name=tender_reference]", "ZJGCG-2025-201")
    page.fill("input[name=occupations]", "电工、焊工")
    page.fill("textarea[name=statement]", "实训工位 40 个，双师型教师 8 名")
    shot(page, "institution-01-designation-apply")
    page.click("#save")
    page.wait_for_url(re.compile(r"/training/designation-applications/\d+/$"))
    assert "审核中" in page.inner_text("main")
    shot(page, "institution-02-designation-submitted")
    url = page.url
    page.click("form[action='/accounts/logout/'] button")

    _log_in(page, "zjg_officer")
    page.click("#nav-training")
    page.click("#nav-designation-requests")
    page.click("text=张家港市新华职业培训学校")
    page.click("#step-decide")
    page.check("input[name=decision][value=approve]")
    page.fill("input[name=comment]", "材料齐全，同意定点")
    shot(page, "officer-11-designation-decide")
    page.click("#step-submit")
    page.wait_for_selector("text=审核结论已记录")
    page.click("form[action='/accounts/logout/'] button")

    _log_in(page, "xinhua")
    page.goto(url)
    main = page.inner_text("main")
    assert "材料齐全，同意定点" in main and "已通过" in main
    shot(page, "institution-03-designation-approved")
    designation = Designation.objects.get(organisation=school)
    assert designation.period_end == datetime.date(2028, 12, 31)


def test_a_worker_signs_in_and_sees_their_certificates_and_subsidies_and_nobody_elses(
    page, reference, make_org, make_user, make_person, make_certificate, shot
) -> None:
    from gongjiang.training import services

    _policy_sets()
    enterprise = make_org(region=ZJG, kind="enterprise", name="张家港华达机械有限公司")
    boss = make_user("huada2", role="organisation", organisation=enterprise)
    me = make_person(region=ZJG, name="王小明", phone="13900001111")
    other = make_person(region=ZJG, name="李大海", phone="13900002222")
    mine = make_certificate(me, level="level4", national_level=4, issue_date=datetime.date(2025, 5, 20))
    theirs = make_certificate(other, level="level4", national_level=4, issue_date=datetime.date(2025, 5, 21))
    import polars as pl

    with audit_context(source="web", actor=boss):
        tc = services.class_create(
            actor=boss,
            kind="enterprise",
            institution=enterprise,
            region_code=ZJG,
            name="电工中级岗位提升培训",
            occupation_code="6-31-01-03",
            level_code="level4",
            start_date=datetime.date(2025, 3, 3),
            end_date=datetime.date(2025, 4, 25),
            class_hours=80,
            practical_hours=50,
        )
        frame = pl.DataFrame(
            {
                "id_number": [me.id_number, other.id_number],
                "name": [me.name, other.name],
                "bank_account": ["6222021500000000001", "6222021500000000002"],
            }
        )
        services.roster_upload(actor=boss, training_class=tc, frame=frame)
        services.class_end(actor=boss, training_class=tc)
        services.class_claim_submit(actor=boss, training_class=tc)

    page.goto("/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.click("#worker-sign-in")
    page.fill("input[name=id_number]", me.id_number)
    shot(page, "worker-01-sign-in")
    page.click("#send-code")
    page.wait_for_url(re.compile(r"/me/sign-in/code/$"))
    assert me.id_number not in page.url and me.id_number not in page.content()
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)  # type: ignore[union-attr]
    assert sms.outbox[-1].phone == "13900001111"
    page.fill("input[name=code]", code)
    page.click("#check-code")
    page.wait_for_url(re.compile(r"/me/$"))

    main = page.inner_text("main")
    assert "个人服务" in main and "王小明" in main
    assert mine.number in main and theirs.number not in main and "李大海" not in main
    assert "750.00" in main and "企业培训" in main  # the subsidy, with the sentence that priced it
    assert "剩余补贴性培训次数" in main
    shot(page, "worker-02-my-page")
    with page.expect_download() as download:
        page.click(f"a[href='/me/certificates/{mine.pk}/certificate.pdf']")
    assert download.value.suggested_filename.endswith(".pdf")
    # Another person's certificate by its address: the platform's own page, nothing of theirs.
    response = page.goto(f"/me/certificates/{theirs.pk}/certificate.pdf")
    assert response is not None and response.status == 404
    assert theirs.number not in page.content()
    # The registers are closed to a worker.
    page.goto("/registry/persons/")
    assert "李大海" not in page.content()
