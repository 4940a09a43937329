"""One project-based training from listing to payment, in a real browser, each step by the right role:
the 张家港 officer lists the need, the institution applies, the district and then the city officer
review, the institution uploads its real-name roster, the district officer matches results, computes
the claims (with their traces) and drafts the payment batch, and the city officer approves, exports the
bank-transfer file and marks it paid."""

from __future__ import annotations

import datetime
import io

import polars as pl
import pytest
from openpyxl import load_workbook

from gongjiang.core.audit import audit_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZJG = "320582"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Eight sign-ins: Argon2 is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(reference, make_user, make_org, make_person):
    from gongjiang.policy.services import policy_set_load
    from gongjiang.training import services

    institution = make_org(region=ZJG, kind="training", name="张家港市港城职业培训学校", industry="P")
    users = {
        "zhangjiagang": make_user("zhangjiagang", region_code=ZJG),
        "suzhou": make_user("suzhou", region_code="320500"),
        "school": make_user("school", role="organisation", organisation=institution),
    }
    with audit_context(source="cli"):
        policy_set_load(actor=None, name="zhangjiagang", adopt=True)
        services.designation_create(
            actor=users["zhangjiagang"],
            organisation=institution,
            region_code=ZJG,
            period_start=datetime.date(2024, 1, 1),
            tender_reference="ZJGCG-2023-118",
        )
    trainees = [
        make_person(region=ZJG, name=name, birth=datetime.date(1980 + i, 4, 2), phone=f"1391234{i:04d}")
        for i, name in enumerate(["陈建国", "周海燕", "吴晓明"])
    ]
    return {"users": users, "institution": institution, "trainees": trainees}


def switch(page, login, live_server, username: str):
    """Log out whoever is signed in, then sign in as ``username``."""
    if page.locator("#whoami").count():
        page.click("form[action$='/accounts/logout/'] button")
        page.wait_for_url("**/accounts/login/**")
    return login(username)


def fill(page, within: str, **fields: str) -> None:
    """Fill the fields of a form by name."""
    for field, value in fields.items():
        page.fill(f"{within} [name={field}]", value)


def step(page, name: str, *, choose: str = "", **fields: str) -> None:
    """Take a workflow step of the record shown: its button opens the confirmation in place, where the step's
    form is filled in (``choose`` a choice, ``fields`` by name); then confirm."""
    page.click(f"#step-{name}")
    if choose:
        page.check(f"#step-form-card input[value={choose}]")
    fill(page, "#step-form-card", **fields)
    with page.expect_navigation():
        page.click("#step-submit")


def test_project_based_training_from_listing_to_payment(world, page, login, live_server, make_certificate):
    from gongjiang.core.models import PiiAccess
    from gongjiang.training.models import Application, Claim, PaymentBatch, ReviewDecision, TrainingClass

    url = live_server.url
    # 列清单: the district officer lists the need and publishes it.
    switch(page, login, live_server, "zhangjiagang")
    page.click("#nav-training")
    page.click("#training-nav a[href='/training/needs/']")
    page.click("#need-new")
    assert page.input_value("[name=region_code]") == ZJG  # the officer's own region, to start with
    fill(page, "form", year="2026", occupation_code="6-18-02")
    page.click(".picker-choices [data-pick='6-18-02-04']")  # picked by searching the classification
    page.select_option("[name=level]", "level3")
    fill(page, "form", places="20", price="2400", note="焊工紧缺")
    page.click("#save")
    page.wait_for_selector("#step-publish")
    step(page, "publish")
    page.wait_for_selector("#step-close")
    need_url = page.url

    # 提申请: the institution finds the published need and applies.
    switch(page, login, live_server, "school")
    page.goto(f"{url}/training/")
    page.click("#open-needs-table a")
    assert page.url == need_url
    fill(
        page,
        "#apply-form",
        start_date="2026-03-02",
        end_date="2026-04-24",
        class_hours="120",
        practical_hours="84",
        places="20",
        price="2350",
        plan="理论36学时，实操84学时",
    )
    page.click("#submit-application")
    page.wait_for_selector("#review-stages")
    application = Application.objects.get()
    assert page.locator("#step-decide").count() == 0

    # 组评审: the city cannot decide before the district; the district decides, then the city.
    switch(page, login, live_server, "suzhou")
    page.goto(f"{url}/training/applications/{application.pk}/")
    assert page.locator("#step-decide").count() == 0
    switch(page, login, live_server, "zhangjiagang")
    page.goto(f"{url}/training/")
    page.click(f"#awaiting-table a[href='/training/applications/{application.pk}/']")
    step(page, "decide", choose="approve", comment="材料齐全，同意")
    page.wait_for_selector("#review-stages")
    assert page.locator("#step-decide").count() == 0
    switch(page, login, live_server, "suzhou")
    page.goto(f"{url}/training/applications/{application.pk}/")
    step(page, "decide", choose="approve", comment="同意立项")
    page.wait_for_selector("#class-link")
    assert list(ReviewDecision.objects.order_by("stage").values_list("reviewer__username", "decision")) == [
        ("zhangjiagang", "approve"),
        ("suzhou", "approve"),
    ]
    tc = TrainingClass.objects.get(application=application)

    # The real-name roster, by the institution; then the class ends.
    switch(page, login, live_server, "school")
    page.goto(f"{url}/training/classes/{tc.pk}/")
    trainees = world["trainees"]
    roster = pl.DataFrame(
        {
            "id_number": [p.id_number for p in trainees],
            "name": [p.name for p in trainees],
            "bank_account": [f"62284803000000000{i}" for i in range(1, 4)],
            "bank_name": ["中国农业银行张家港分行"] * 3,
        }
    )
    buf = io.BytesIO()
    roster.write_csv(buf)
    page.set_input_files(
        "#roster-form input[type=file]",
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": buf.getvalue()}],
    )
    page.click("#upload-roster")
    page.wait_for_selector("#roster-table")
    assert page.locator("#roster-table tbody tr").count() == 3
    assert "6228 **** 0001" in page.locator("#roster-table").inner_text()
    assert trainees[0].id_number not in page.content()
    step(page, "end")
    page.wait_for_selector("#roster-table")
    assert page.locator("#step-match").count() == 0  # matching is the officer's

    # Two trainees pass: their certificates reach the registry from the evaluation institution.
    for p in trainees[:2]:
        make_certificate(
            p, level="level3", national_level=3, issue_date=datetime.date(2026, 5, 15), occupation="6-18-02-04"
        )

    # 发补贴: results, claims with traces, approval, a batch drafted by the district officer.
    switch(page, login, live_server, "zhangjiagang")
    page.goto(f"{url}/training/classes/{tc.pk}/")
    step(page, "match")
    page.wait_for_selector("#step-compute")
    step(page, "compute")
    page.wait_for_selector("#class-claims")
    traces = page.locator("#class-claims .trace").all_inner_texts()
    assert len(traces) == 2 and all("2350元" in t and "一项一价" in t for t in traces), traces
    page.click("#action-approve")
    page.wait_for_selector("#class-claims")
    assert set(Claim.objects.values_list("status", flat=True)) == {"approved"}
    page.click("#training-nav a[href='/training/batches/']")
    assert "2" in page.locator("#batchable-count").inner_text()
    page.click("#batch-new")
    page.fill("[name=purpose]", "2026年焊工项目制培训补贴")
    page.click("#save")
    page.wait_for_selector("#record-fields")
    batch = PaymentBatch.objects.get()
    assert page.locator("#step-approve").count() == 0  # not by the officer who drafted it

    # The city officer approves, exports the bank-transfer file and marks the batch paid.
    switch(page, login, live_server, "suzhou")
    page.goto(f"{url}/training/batches/{batch.pk}/")
    step(page, "approve")
    page.wait_for_selector("#action-export")
    with page.expect_download() as download:
        page.click("#action-export")
    wb = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    rows = list(wb.active.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], float(r[4])) for r in rows] == [
        ("陈建国", "622848030000000001", 2350.0),
        ("周海燕", "622848030000000002", 2350.0),
    ]
    assert PiiAccess.objects.filter(user__username="suzhou", model="training.PaymentBatch").count() == 1
    page.goto(f"{url}/training/batches/{batch.pk}/")
    step(page, "pay", voucher="ICBC-ZJG-0042")
    page.wait_for_selector("#step-sample")
    batch.refresh_from_db()
    assert batch.status == "paid" and batch.approved_by.username == "suzhou"
    assert set(Claim.objects.values_list("status", flat=True)) == {"paid"}

    # The institution sees its paid claims; it never sees the batch.
    switch(page, login, live_server, "school")
    page.goto(f"{url}/training/claims/")
    assert page.locator("#claim-table tbody tr").count() == 2
    response = page.goto(f"{url}/training/batches/{batch.pk}/")
    assert response is not None and response.status in (403, 404)
