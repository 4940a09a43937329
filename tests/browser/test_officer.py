"""An officer's main job on the pages, in Chinese, from the home page and without the API: the 张家港 officer
issues a certificate (numbered by the platform) and revokes it with the reason and the deciding document,
registers an employment, opens a designated-institution class, drafts a new version of the 张家港 rules,
changes a table row and sees what it would change over last year's real claims; the drafter cannot adopt
it, a second officer of the same district does. Every page opened reads in plain Chinese."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongjiang.core.audit import audit_context
from gongjiang.core.tests.plain_text import leaks, visible_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZJG = "320582"
ELECTRICIAN = "6-31-01-03"  # 电工


def _last_year() -> int:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate().year - 1


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(reference, make_user, make_org, make_person, make_certificate):
    """张家港: a designated institution, an enterprise, a worker, and last year's designated class whose two
    trainees passed and were priced (the real events a draft is measured on)."""
    import polars as pl

    from gongjiang.policy.services import policy_set_load
    from gongjiang.training import services

    institution = make_org(region=ZJG, kind="training", name="张家港市港城职业培训学校", industry="P")
    enterprise = make_org(region=ZJG, kind="enterprise", name="张家港市沙洲精密机械有限公司")
    officer = make_user("zhangjiagang", region_code=ZJG)
    make_user("zhangjiagang2", region_code=ZJG)
    school = make_user("school", role="organisation", organisation=institution)
    worker = make_person(region=ZJG, name="孙立新", birth=datetime.date(1988, 7, 9), phone="13962211234")
    trainees = [
        make_person(region=ZJG, name=name, birth=datetime.date(1985 + i, 3, 9), phone=f"1381234{i:04d}")
        for i, name in enumerate(["陈建国", "周海燕"])
    ]
    with audit_context(source="cli"):
        policy_set_load(actor=None, name="zhangjiagang", adopt=True)
        services.designation_create(
            actor=officer,
            organisation=institution,
            region_code=ZJG,
            period_start=datetime.date(_last_year() - 1, 1, 1),
            tender_reference="ZJGCG-2023-118",
        )
        past = services.class_create(
            actor=officer,
            kind="designated",
            institution=institution,
            region_code=ZJG,
            name="电工（中级）定点培训班",
            occupation_code=ELECTRICIAN,
            level_code="level4",
            start_date=datetime.date(_last_year(), 3, 2),
            end_date=datetime.date(_last_year(), 4, 24),
            class_hours=120,
            practical_hours=80,
            fee_fen=200000,
        )
        roster = pl.DataFrame(
            {
                "id_number": [p.id_number for p in trainees],
                "name": [p.name for p in trainees],
                "bank_account": ["6222021100000000011", "6222021100000000012"],
                "bank_name": ["中国工商银行张家港支行"] * 2,
            }
        )
        services.roster_upload(actor=school, training_class=past, frame=roster)
        services.class_end(actor=school, training_class=past, today=datetime.date(_last_year(), 4, 30))
    for p in trainees:
        make_certificate(p, level="level4", national_level=4, issue_date=datetime.date(_last_year(), 5, 20))
    with audit_context(source="cli"):
        services.results_match(actor=officer, training_class=past)
        services.claims_compute(actor=officer, training_class=past)
    return {"institution": institution, "enterprise": enterprise, "worker": worker, "trainees": trainees}


class Pages:
    """The pages the officer opens, each checked for English words on it (codes aside)."""

    def __init__(self, page, allowed: set[str]):
        self.page = page
        self.allowed = allowed
        self.opened: list[str] = []

    def check(self) -> None:
        url = self.page.url
        self.opened.append(url)
        found = leaks(visible_text(self.page.content()), self.allowed)
        assert not found, f"{url}: English on a Chinese page: {found[:5]}"


def fill(page, within: str, **fields: str) -> None:
    for field, value in fields.items():
        page.fill(f"{within} [name={field}]", value)


def pick(page, field: str, typed: str, value: object) -> None:
    """Type into a picker and choose the entry whose value is ``value``."""
    page.fill(f"[name={field}]", typed)
    page.click(f".picker-choices [data-pick='{value}']")


def choose(page, field: str, typed: str, value: object, name: str) -> None:
    """Narrow a record select by typing part of a name, and choose the record ``value``, offered by ``name``."""
    page.fill(f"[data-search-for={field}]", typed)
    assert page.locator(f"[name={field}] option[value='{value}']").inner_text().startswith(name)
    page.select_option(f"[name={field}]", str(value))


def step(page, name: str, **fields: str) -> None:
    page.click(f"#step-{name}")
    page.wait_for_selector("#step-confirm")
    fill(page, "#step-form-card", **fields)
    with page.expect_navigation():
        page.click("#step-submit")


def switch(page, login, username: str):
    if page.locator("#whoami").count():
        page.click("form[action$='/accounts/logout/'] button")
        page.wait_for_url("**/accounts/login/**")
    return login(username)


def test_an_officer_issues_and_revokes_registers_opens_a_class_and_drafts_rules_a_second_adopts(
    world, page, login, live_server, shot
):
    from gongjiang.credentials.models import Certificate
    from gongjiang.policy.models import PolicyDraft, PolicySet
    from gongjiang.registry.models import Employment
    from gongjiang.training.models import TrainingClass

    worker, institution = world["worker"], world["institution"]
    pages = Pages(page, {"zhangjiagang", "zhangjiagang2", "9O"})  # user names, and the slip typed below
    switch(page, login, "zhangjiagang")

    # 发证: a certificate for the worker, numbered by the platform for the evaluation station.
    page.click("#nav-certificates")
    page.click("#certificate-new")
    choose(page, "person", "孙立", worker.pk, "孙立新（1988-07-09，")
    pick(page, "occupation_code", "6-31-01", ELECTRICIAN)
    page.select_option("[name=level_code]", "level3")
    fill(page, "form", issue_date=datetime.date.today().isoformat(), station_code="058201")
    page.select_option("[name=source]", "third_party")
    page.click("#save")
    page.wait_for_selector("#certificate-status")
    pages.check()
    cert = Certificate.objects.get(person=worker)
    year = datetime.date.today().year % 100
    assert cert.number == f"S000032058201{year:02d}3000001"
    assert cert.number in page.inner_text("main")
    shot(page, "officer-01-certificate-issued")

    # 撤销: asked to confirm, with the reason and the deciding document.
    page.click("#step-revoke")
    page.wait_for_selector("#step-confirm")
    pages.check()
    with page.expect_navigation():
        page.click("#step-submit")  # nothing filled in: refused on the fields, nothing written
    pages.check()
    assert page.locator("[data-field=reason]").count() and page.locator("[data-field=document]").count()
    cert.refresh_from_db()
    assert cert.status == "valid"
    fill(page, "#step-form-card", reason="鉴定材料弄虚作假", document="张人社鉴〔2026〕3号")
    shot(page, "officer-02-certificate-revoke-confirm")
    with page.expect_navigation():
        page.click("#step-submit")
    cert.refresh_from_db()
    assert (cert.status, cert.revoke_document) == ("revoked", "张人社鉴〔2026〕3号")
    assert "张人社鉴〔2026〕3号" in page.inner_text("#certificate-status")
    shot(page, "officer-03-certificate-revoked")
    pages.check()

    # 就业登记: the worker's employment at the enterprise.
    page.click("#nav-employment")
    pages.check()
    page.click("#employment-new")
    pages.check()
    choose(page, "person", "孙立", worker.pk, "孙立新（1988-07-09，")
    choose(page, "organisation", "张家港市沙洲", world["enterprise"].pk, "张家港市沙洲")
    fill(page, "form", start="2024-03-01")
    shot(page, "officer-04-employment-new")
    page.click("#save")
    page.wait_for_selector("#record-fields")
    pages.check()
    job = Employment.objects.get(person=worker)
    assert job.organisation == world["enterprise"] and job.end is None
    shot(page, "officer-05-employment-saved")

    # 开班: a designated-institution class at the institution.
    page.click("#nav-training")
    page.click("#training-nav a[href='/training/classes/']")
    pages.check()
    page.click("#class-new")
    pages.check()
    page.check("[name=kind][value=designated]")
    choose(page, "institution", "张家港市港城", institution.pk, f"张家港市港城职业培训学校（{institution.uscc}）")
    assert page.input_value("[name=region_code]") == ZJG
    fill(page, "form", name="焊工（高级）定点培训班")
    pick(page, "occupation_code", "6-18-02", "6-18-02-04")
    page.select_option("[name=level]", "level3")
    start = datetime.date.today() + datetime.timedelta(days=14)
    fill(
        page,
        "form",
        start_date=start.isoformat(),
        end_date=(start + datetime.timedelta(days=60)).isoformat(),
        class_hours="120",
        practical_hours="84",
        fee="2400",
    )
    shot(page, "officer-06-class-new")
    page.click("#save")
    page.wait_for_selector("#record-fields")
    pages.check()
    opened = TrainingClass.objects.get(name="焊工（高级）定点培训班")
    assert (opened.kind, opened.institution, opened.status, opened.fee_fen) == (
        "designated",
        institution,
        "open",
        240000,
    )

    # 起草政策新版本: copy the 张家港 set, raise the local intermediate share from 80% to 90%.
    page.click("#nav-policy")
    pages.check()
    page.click("#drafts-link")
    pages.check()
    page.click("#draft-new")
    pages.check()
    page.select_option("[name=policy_set]", label=str(PolicySet.objects.get(name="zhangjiagang")))
    fill(page, "form", title="定点培训补贴比例调整（征求意见稿）")
    page.click("#save")
    page.wait_for_selector("#cell-form")
    pages.check()
    assert page.locator("#step-adopt").count() == 0  # nothing changed yet
    option = page.locator("#cell-choice option", has_text="本市户籍中级以上补助").first.get_attribute("value")
    page.select_option("#cell-choice", option)
    fill(page, "#cell-form", value="9O")  # a typing slip: refused, the draft unchanged
    page.click("#cell-submit")
    page.wait_for_selector("#cell-form [data-field=value]")
    pages.check()
    assert PolicyDraft.objects.get().edits == []
    page.select_option("#cell-choice", option)
    fill(page, "#cell-form", value="90")
    page.click("#cell-submit")
    page.wait_for_selector("#draft-edits li")
    assert "80 → 90" in page.inner_text("#draft-edits")
    shot(page, "officer-07-policy-draft")
    pages.check()

    # 看差异: over last year's real claims, who gains, by clause, in yuan.
    page.click("#draft-diff")
    page.wait_for_selector("#diff-summary")
    pages.check()
    assert page.input_value("#diff-year") == str(_last_year())
    rows = page.inner_text("#diff-rows")
    assert "陈建国" in rows and "周海燕" in rows and "+200.00" in rows  # 10% of the 2,000-yuan fee each
    assert "张家港" in page.inner_text("#clause-diff")
    shot(page, "officer-08-policy-diff")

    # The drafter may not adopt; a second officer of the district does, with the deciding document.
    draft = PolicyDraft.objects.get()
    page.goto(f"{live_server.url}/policy/drafts/{draft.pk}/")
    assert page.locator("#step-adopt").count() == 0
    switch(page, login, "zhangjiagang2")
    page.click("#nav-policy")
    page.click("#drafts-link")
    page.click(f"#drafts-table a[href='/policy/drafts/{draft.pk}/']")
    pages.check()
    page.click("#step-adopt")
    page.wait_for_selector("#step-confirm")
    pages.check()
    fill(page, "#step-form-card", adoption_document="张人社发〔2026〕12号")
    shot(page, "officer-09-policy-adopt-confirm")
    with page.expect_navigation():
        page.click("#step-submit")
    pages.check()
    draft.refresh_from_db()
    assert draft.status == "adopted" and draft.adopted_by.username == "zhangjiagang2"
    shot(page, "officer-10-policy-adopted")
    assert PolicySet.objects.get(name="zhangjiagang").current_version().number == 2
    assert len(pages.opened) >= 18
