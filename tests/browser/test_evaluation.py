"""The evaluation system in a real browser, each step by the right role: an enterprise files as a
self-evaluation institution, the 张家港 officer approves it, the enterprise files a plan and uploads the
results, the public 公示 page shows them, the officer issues the batch, and the public verification page
accepts the certificate's credential file with its batch proof; a suspended institution's batch is
refused with the reason."""

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
def world(reference, make_user, make_org, make_person):
    org = make_org(region=ZJG, kind="enterprise", name="张家港精工机械有限公司")
    users = {
        "zhangjiagang": make_user("zhangjiagang", region_code=ZJG),
        "enterprise": make_user("enterprise", role="organisation", organisation=org),
    }
    staff = [make_person(region=ZJG, name=n) for n in ("王考评", "李督导")]
    workers = [
        make_person(region=ZJG, name=n, birth=datetime.date(1985 + i, 3, 9), phone=f"1390000{i:04d}")
        for i, n in enumerate(["陈建国", "周海燕", "吴晓明"])
    ]
    return {"users": users, "org": org, "staff": staff, "workers": workers}


def switch(page, login, username: str):
    if page.locator("#whoami").count():
        page.click("form[action$='/accounts/logout/'] button")
        page.wait_for_url("**/accounts/login/**")
    return login(username)


def step(page, name: str, **fields: str) -> None:
    page.click(f"#step-{name}")
    page.wait_for_selector("#step-form-card")
    for field, value in fields.items():
        page.fill(f"#step-form-card [name={field}]", value)
    with page.expect_navigation():
        page.click("#step-submit")


def test_file_approve_plan_results_publicity_issue_verify(world, page, login, live_server, tmp_path, shot):
    from gongjiang.credentials.models import Certificate
    from gongjiang.evaluation.models import Institution, Plan

    url = live_server.url
    # 备案: the enterprise files, lists its examiner and supervisor, and submits.
    switch(page, login, "enterprise")
    page.click("#nav-evaluation")
    page.click("#evaluation-menu a[href='/evaluation/institutions/']")
    page.click("#institution-new")
    page.select_option("[name=kind]", "enterprise")
    page.fill("[name=sites]", "一号车间考场（张家港市杨舍镇）")
    page.fill("[name=occupation]", "电工")
    page.click(".picker-choices [data-pick='6-31-01-03']")
    page.check("input[name=levels][value=level3]")
    page.check("input[name=levels][value=level4]")
    page.click("#save")
    page.wait_for_selector("#examiner-form")
    for person, role in zip(world["staff"], ("examiner", "supervisor"), strict=True):
        page.fill("#examiner-form [name=id_number]", person.id_number)
        page.fill("#examiner-form [name=name]", person.name)
        page.select_option("#examiner-form [name=role]", role)
        page.fill("#examiner-form [name=qualification]", "KPY2023001")
        page.fill("#examiner-form [name=valid_until]", "2030-12-31")
        with page.expect_navigation():
            page.click("#add-examiner")
    assert page.locator("#examiners-table tr").count() == 2
    shot(page, "evaluation-01-institution-filed")
    step(page, "lodge")
    institution = Institution.objects.get()
    assert institution.status == "submitted"
    assert page.locator("#step-approve").count() == 0

    # 审核: the district officer approves.
    switch(page, login, "zhangjiagang")
    page.goto(f"{url}/evaluation/institutions/{institution.pk}/")
    start = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()
    step(page, "approve", valid_from=start, clause="苏政办发〔2024〕37号 (十四)")
    institution.refresh_from_db()
    assert institution.status == "approved" and institution.station_code
    assert "备案通过" in page.inner_text("#decisions-table")
    shot(page, "evaluation-02-institution-approved")

    # 评价计划 and 成绩: the enterprise files a plan and uploads the results.
    switch(page, login, "enterprise")
    page.goto(f"{url}/evaluation/plans/")
    page.click("#plan-new")
    page.fill("[name=occupation]", "6-31-01-03")
    page.select_option("[name=level]", "level3")
    page.select_option("[name=source]", "self_evaluation")
    page.fill("[name=exam_date]", (datetime.date.today() - datetime.timedelta(days=2)).isoformat())
    page.fill("[name=site]", "一号车间")
    page.check("input[name=examiners]")
    page.click("#save")
    page.wait_for_selector("#results-form")
    lines = ["身份证号码,姓名,理论成绩,实操成绩"]
    for worker, (theory, practical) in zip(world["workers"], [(86, 91), (75, 68), (58, 80)], strict=True):
        lines.append(f"{worker.id_number},{worker.name},{theory},{practical}")
    page.set_input_files(
        "#results-form [name=file]",
        files=[{"name": "成绩.csv", "mimeType": "text/csv", "buffer": "\n".join(lines).encode("utf-8")}],
    )
    with page.expect_navigation():
        page.click("#upload-results")
    assert "2" in page.inner_text(".card-header:has-text('考生')")
    shot(page, "evaluation-03-results-uploaded")
    step(page, "publicise")
    plan = Plan.objects.get()
    assert plan.status == "publicised"

    # 公示: anyone sees the list, names masked.
    page.click("form[action$='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/**")
    page.goto(f"{url}/evaluation/publicity/")
    page.click(f"#publicity-table a:has-text('{plan.code}')")
    names = page.inner_text("#publicity-candidates")
    assert "陈*国" in names and "陈建国" not in names and "吴晓明" not in names
    shot(page, "evaluation-04-publicity")

    # The objection period ends; the officer reviews the sample and issues the batch.
    with unaudited():
        Plan.objects.filter(pk=plan.pk).update(publicity_until=datetime.date.today() - datetime.timedelta(days=1))
    login("zhangjiagang")
    page.goto(f"{url}/evaluation/plans/{plan.pk}/")
    step(page, "issue", review_note="抽查2名考生的考核视频，与成绩一致")
    plan.refresh_from_db()
    assert plan.status == "issued" and plan.batch is not None
    certificate = Certificate.objects.get(person=world["workers"][0])
    assert certificate.number.startswith(f"Y000032{institution.station_code}")
    shot(page, "evaluation-05-issued")

    # 核验: the credential file, downloaded by the officer, is accepted by the public page with its batch proof.
    page.goto(f"{url}/credentials/certificates/{certificate.pk}/")
    with page.expect_download() as download:
        page.click("#download-vc")
    path = tmp_path / "credential.json"
    download.value.save_as(path)
    page.click("form[action$='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/**")
    page.goto(f"{url}/verify/")
    page.set_input_files("#id_credential", str(path))
    page.click("#credential-submit")
    page.wait_for_selector("#answer")
    assert page.get_attribute("#answer", "data-result") == "valid"
    assert plan.batch.code in page.inner_text("#credential-batch")
    assert "✓" in page.inner_text("#credential-signature")
    shot(page, "evaluation-06-verified")


def test_a_suspended_institution_s_batch_is_refused_with_the_reason(world, page, login, live_server):
    from gongjiang.credentials.models import Certificate
    from gongjiang.evaluation.services import institutions, plans
    from gongjiang.evaluation.tests.conftest import results_frame

    officer, user, org = world["users"]["zhangjiagang"], world["users"]["enterprise"], world["org"]
    inst = institutions.institution_file(
        actor=user, organisation=org, kind="enterprise", sites="车间", occupations=["6-31-01-03"], levels=["level3"]
    )
    for person, role in zip(world["staff"], ("examiner", "supervisor"), strict=True):
        examiner = institutions.examiner_add(
            actor=user,
            institution=inst,
            person=person,
            role=role,
            qualification="KP1",
            valid_until=datetime.date(2030, 1, 1),
        )
        if role == "examiner":
            first = examiner
    institutions.institution_lodge(actor=user, institution=inst)
    inst = institutions.institution_approve(actor=officer, institution=inst, valid_from=datetime.date(2025, 1, 1))
    plan = plans.plan_file(
        actor=user,
        institution=inst,
        occupation_code="6-31-01-03",
        level_code="level3",
        source="self_evaluation",
        exam_date=datetime.date.today() - datetime.timedelta(days=12),
        site="车间",
        examiners=[first],
    )
    plans.results_upload(actor=user, plan=plan, frame=results_frame(world["workers"], [("80", "80")] * 3))
    plans.plan_publicise(actor=user, plan=plan, today=datetime.date.today() - datetime.timedelta(days=9))

    login("zhangjiagang")
    page.goto(f"{live_server.url}/evaluation/institutions/{inst.pk}/")
    step(page, "suspend", reason="质量督导发现考场管理混乱")
    assert page.inner_text("#record-fields").count("已暂停") >= 1
    page.goto(f"{live_server.url}/evaluation/plans/{plan.pk}/")
    page.click("#step-issue")
    page.wait_for_selector("#step-form-card")
    page.fill("#step-form-card [name=review_note]", "抽查无误")
    page.click("#step-submit")
    page.wait_for_selector("#step-form-card .alert, #step-form-card .invalid-feedback, .alert-danger")
    assert "考场管理混乱" in page.content()
    assert not Certificate.objects.exists()
