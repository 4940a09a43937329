"""Wage prices in a real browser, each step by the right role: an enterprise drawn into the 苏州 salary
survey uploads its employees and submits; a 苏州 officer creates the edition, runs the estimation and
sends it to review; a second officer publishes it; the public page (no sign-in) shows P10–P90 for 焊工 at
高级工 in 苏州 with their intervals and the trend over two published years, and a suppressed cell with its
reason in plain Chinese and no figure."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SZ = "320500"
WELDER = "6-18-02-04"
ELECTRICIAN = "6-31-01-03"
HEAD = "员工编号,职业编码,技能等级,学历,工作月数,月均工作小时,基本工资,奖金,津贴补贴,加班工资"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _csv(i: int, year: int) -> bytes:
    rows = [
        f"E{j:03d},{WELDER},高级工,中专,12,174,{50000 + 1500 * i + 600 * j + 2000 * (year - 2024)},8000,3000,2000"
        for j in range(12)
    ]
    if i == 0:
        rows += [f"D{j},{ELECTRICIAN},技师,大专,12,174,{90000 + 900 * j},0,0,0" for j in range(3)]
    return ("\n".join([HEAD, *rows]) + "\n").encode("utf-8")


def _survey(officer, year: int, orgs, skip=None):
    from gongjiang.wages import services
    from gongjiang.wages.models import Response

    survey = services.survey_create(
        actor=officer, region_code=SZ, year=year, as_of=datetime.date(year, 12, 31), sampling_fraction=Decimal("1")
    )
    for i, org in enumerate(orgs):
        if org == skip:
            continue
        response = Response.objects.get(survey=survey, organisation=org)
        services.response_upload(actor=officer, response=response, data=_csv(i, year), filename="s.csv")
        services.response_submit(actor=officer, response=response)
    return survey


@pytest.fixture
def world(reference, make_user, make_org):
    from gongjiang.core.audit import audit_context
    from gongjiang.wages import services

    orgs = [make_org(region="320582" if i % 2 else "320506", name=f"苏州精密制造{i}") for i in range(6)]
    users = {
        "suzhou": make_user("suzhou", region_code=SZ),
        "suzhou2": make_user("suzhou2", region_code=SZ),
        "enterprise": make_user("enterprise", role="organisation", organisation=orgs[0]),
    }
    with audit_context(source="cli"):
        # Last year's edition, published: the trend's first year.
        last = _survey(users["suzhou"], 2024, orgs)
        edition = services.edition_create(actor=users["suzhou"], survey=last)
        services.edition_estimate(actor=users["suzhou"], edition=edition, replicates=20)
        services.edition_review(actor=users["suzhou"], edition=edition)
        services.edition_publish(actor=users["suzhou2"], edition=edition)
        # This year's: every enterprise has submitted but the first, the demo enterprise.
        survey = _survey(users["suzhou"], 2025, orgs, skip=orgs[0])
    return {"users": users, "orgs": orgs, "survey": survey}


def switch(page, login, username: str):
    if page.locator("#whoami").count():
        page.click("form[action$='/accounts/logout/'] button")
        page.wait_for_url("**/accounts/login/**")
    return login(username)


def step(page, name: str) -> None:
    page.click(f"#step-{name}")
    page.wait_for_selector("#step-form-card")
    with page.expect_navigation():
        page.click("#step-submit")


def test_enterprise_submits_officers_publish_public_sees_prices(world, page, login, live_server, tmp_path, shot):
    from django.utils import translation

    from gongjiang.wages.models import Cell, Edition
    from gongjiang.wages.selectors import reason_text

    url = live_server.url
    # The enterprise sees only its own survey, uploads its employees (no names, no ID numbers) and submits.
    switch(page, login, "enterprise")
    page.goto(f"{url}/wages/manage/responses/")
    assert page.locator("#responses-table tbody tr").count() == 2  # its own, of 2024 and 2025; no other's
    page.click("#responses-table tbody tr:has-text('2025') a")
    bad = tmp_path / "bad.csv"
    bad.write_bytes((HEAD + f"\nE1,{WELDER},高级工,中专,13,174,60000,0,0,0\n").encode("utf-8"))
    page.set_input_files("#upload-form [name=file]", str(bad))
    with page.expect_navigation():
        page.click("#upload-survey")
    assert re.search(r"第2行.*工作月数", page.inner_text("#upload-form"))
    shot(page, "wages-01-upload-error")
    good = tmp_path / "survey.csv"
    good.write_bytes(_csv(0, 2025))
    page.set_input_files("#upload-form [name=file]", str(good))
    with page.expect_navigation():
        page.click("#upload-survey")
    assert "15" in page.inner_text(".alert-success")
    step(page, "send")
    assert "已提交" in page.inner_text("#record-fields")
    shot(page, "wages-02-submitted")

    # The 苏州 officer makes the edition, estimates it and sends it to review; publishing is not offered.
    switch(page, login, "suzhou")
    page.goto(f"{url}/wages/manage/surveys/{world['survey'].pk}/")
    with page.expect_navigation():
        page.click("#action-edition")
    step(page, "estimate")
    assert "测算完成" in page.inner_text(".alert-success")
    step(page, "review")
    assert page.locator("#step-publish").count() == 0
    shot(page, "wages-03-edition-estimated")
    edition = Edition.objects.get(year=2025)

    # A second officer publishes it, after confirming.
    switch(page, login, "suzhou2")
    page.goto(f"{url}/wages/manage/editions/{edition.pk}/")
    page.click("#step-publish")
    page.wait_for_selector("#step-form-card")
    assert "冻结" in page.inner_text("#step-form-card") or "更正" in page.inner_text("#step-form-card")
    shot(page, "wages-04-publish-confirm")
    with page.expect_navigation():
        page.click("#step-submit")
    assert "已发布" in page.inner_text(".alert-success")
    shot(page, "wages-05-published")
    page.click("form[action$='/accounts/logout/'] button")
    page.wait_for_url("**/accounts/login/**")

    # The public: 焊工 at 高级工 in 苏州, P10–P90 with their intervals, the trend, the chart.
    page.goto(f"{url}/wages/?q=焊工&level=level3&region={SZ}&year=2025")
    shot(page, "wages-06-public-search")
    page.click("#wage-results tbody a")
    page.wait_for_selector("#cell-figures")
    cell = Cell.objects.get(
        edition=edition, cell_kind="occupation_level", region_code=SZ, occupation_code=WELDER, skill_level="level3"
    )
    figures = page.inner_text("#cell-figures")
    for name in ("p10", "p25", "p50", "p75", "p90"):
        assert str(getattr(cell, name)) in figures
        assert f"{getattr(cell, 'lo_' + name)} – {getattr(cell, 'hi_' + name)}" in figures
    trend = page.inner_text("#cell-trend")
    assert "2024" in trend and "2025" in trend
    page.wait_for_function("document.querySelector('#box-chart canvas') !== null")
    page.wait_for_function("document.querySelector('#trend-chart canvas') !== null")
    shot(page, "wages-07-public-cell")

    # A suppressed cell: its reason in plain Chinese, no figure.
    hidden = Cell.objects.get(
        edition=edition, cell_kind="occupation_level", region_code=SZ, occupation_code=ELECTRICIAN, skill_level="level2"
    )
    assert hidden.status != "published"
    page.goto(f"{url}/wages/?q=电工&level=level2&region={SZ}&year=2025")
    assert "不公布" in page.inner_text("#wage-results")
    page.click("#wage-results tbody a")
    text = page.inner_text("#cell-suppressed")
    with translation.override("zh-hans"):
        assert "不公布" in text and reason_text(hidden.reason) in text
    assert str(hidden.p50) not in page.content()


@pytest.fixture
def start_worker(settings):  # type: ignore[no-untyped-def]
    """Tasks wait in the database, as in production; ``start_worker()`` starts a database worker in a thread
    (later than the task is queued, so the page is seen waiting for it)."""
    import threading

    from django.db import connections
    from django_tasks_db.management.commands.db_worker import Worker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    workers: list[tuple[Worker, threading.Thread]] = []

    def start() -> None:
        running = Worker(
            queue_names=["default"],
            interval=0.2,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="wages-browser-test",
            excluded_queue_names=[],
        )

        def work() -> None:
            try:
                running.run()
            finally:
                connections.close_all()

        thread = threading.Thread(target=work, name="task-worker", daemon=True)
        thread.start()
        workers.append((running, thread))

    yield start
    for running, thread in workers:
        running.running = False
        thread.join(timeout=10)


def test_the_estimation_runs_in_the_background_and_the_page_follows_it(world, page, login, live_server, start_worker):  # type: ignore[no-untyped-def]
    from gongjiang.wages.models import Edition, EstimationJob

    url = live_server.url
    login("suzhou")
    page.goto(f"{url}/wages/manage/surveys/{world['survey'].pk}/")
    with page.expect_navigation():
        page.click("#action-edition")
    step(page, "estimate")
    # Queued, no worker yet: the page says so, polls, and offers neither a second start nor the review.
    assert "测算已排队" in page.inner_text(".alert-success")
    assert page.get_attribute("#edition-estimation", "data-status") == "queued"
    assert "等待" in page.inner_text("#edition-estimation")
    assert page.locator("#step-estimate").count() == 0 and page.locator("#step-review").count() == 0
    edition = Edition.objects.get(year=2025)
    assert EstimationJob.objects.get(edition=edition).status == "queued"
    # The worker runs it; the page, polling, reloads itself once it has ended and shows the cells.
    start_worker()
    page.wait_for_selector("#edition-cells", timeout=120000)
    assert page.get_attribute("#edition-estimation", "data-status") == "done"
    assert "已完成" in page.inner_text("#estimation-status")
    assert page.locator("#step-review").count() == 1 and page.locator("#step-estimate").count() == 1
    edition.refresh_from_db()
    assert edition.estimated_at is not None and edition.summary["cells"] > 0
