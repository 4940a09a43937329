"""Manpower forecasts in the browser: the 苏州 officer runs a forecast of the city on a synthetic registry
(queued, its progress followed on the run's page until the worker has computed it), reads the reconciled
table (the districts' sum row equals the city's) with its chart drawn, opens a
shortage warning with its evidence, and the 张家港 officer sees that district's warning too; then assesses
a major project's needs against the forecast supply."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gongjiang.core.audit import audit_context
from gongjiang.core.pages import PER_PAGE
from tests.browser.test_training import fill, switch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUZHOU, ZJG = "320500", "320582"


def _cutoff() -> int:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate().year - 1


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(reference, make_user, make_org):
    from gongjiang.synth.generator import synthesize

    with audit_context(source="cli"):
        synthesize(region=SUZHOU, scale=0.002, seed=3)
    from gongjiang.synth.forecast_demo import GROWING, growing_workforce

    enterprise = make_org(region=ZJG, name="张家港精工机械")
    make_user("suzhou", region_code=SUZHOU)
    make_user("zhangjiagang", region_code=ZJG)
    # An employer hiring faster every year than the group's certificates and graduates supply: a shortage.
    grower = make_org(region=ZJG, name="张家港数字农业")
    with audit_context(source="cli"):
        growing_workforce(
            actor=None,
            enterprise=grower,
            occupation_code=GROWING,
            first_year=_cutoff() - 9,
            last_year=_cutoff(),
            step=2,
        )
    return {"enterprise": enterprise}


def test_officer_runs_a_forecast_reads_warnings_and_assesses_a_project(
    world, page, login, live_server, shot, monkeypatch
):
    from gongjiang.labour import forecasts, tasks
    from gongjiang.labour.models import ForecastLine, ForecastRun, MajorProject, ShortageWarning

    # The run's task is held back, as when the worker has not taken it yet; the test is the worker below.
    held: list[dict] = []
    monkeypatch.setattr(forecasts, "enqueue_on_commit", lambda task, **kwargs: held.append(kwargs))

    # The city officer runs a forecast of 苏州 from last year's records, three years ahead: the form
    # returns at once, and the run's page shows it queued, polling its progress.
    switch(page, login, live_server, "suzhou")
    page.goto(f"{live_server.url}/labour/forecasts/")
    page.click("#forecast-new")
    assert page.input_value("[name=region_code]") == SUZHOU
    fill(page, "form", cutoff_year=str(_cutoff()), horizon="3", history_years="10")
    page.click("#save")
    page.wait_for_selector("#forecast-progress[data-status='queued']")
    run = ForecastRun.objects.get()
    assert run.region_code == SUZHOU and run.cutoff_year == _cutoff() and run.status == "queued"
    assert held == [{"run_id": run.pk}] and not page.locator("#reconciled").count()
    assert "预测已排队" in page.inner_text(".alert-success") and "等待" in page.inner_text("#run-stage")

    # Running: the poll shows the stage and the percentage.
    assert tasks.forecast_run_claim(run_id=run.pk)
    tasks.RunProgress(run.pk)("models", 0.5)
    page.wait_for_selector("#forecast-progress[data-status='running']")
    assert "第 2 步，共 4 步" in page.inner_text("#run-stage") and "37%" in page.inner_text("#run-progress")
    shot(page, "forecast-00-progress")

    # The worker computes the run; the poll reloads the page, which shows the reconciled table.
    ForecastRun.objects.filter(pk=run.pk).update(status="queued")
    assert tasks.forecast_run_task.call(run_id=run.pk) == "done"
    page.wait_for_selector("#reconciled", timeout=15000)
    assert not page.locator("#forecast-progress").count()
    page.wait_for_selector("#forecast-chart[data-drawn='1'] canvas")
    shot(page, "forecast-01-run")

    # The reconciled table: the city's row and the sum of its districts' rows agree, year by year.
    cells = lambda sel: [c.strip() for c in page.locator(f"{sel} td").all_inner_texts()[1:]]  # noqa: E731
    city_row = cells("#reconciled tr.table-active")
    assert city_row and city_row == cells("#children-sum")
    group = page.input_value("#pick-group")
    city = ForecastLine.objects.get(run=run, region_code=SUZHOU, group=group)
    assert city_row[:4] == [
        str(city.forecast[str(_cutoff() + 1)][k]) for k in ("employment", "openings", "supply", "gap")
    ]

    # A district: the officer opens 张家港 in the table and reads its own line.
    page.click(f"#reconciled tr[data-region='{ZJG}'] a")
    page.wait_for_selector(f"#reconciled tr.table-active[data-region='{ZJG}']")

    # The shortage warnings: each is a gap beyond the threshold, with its evidence.
    warnings = ShortageWarning.objects.filter(run=run)
    assert warnings.exists(), "the synthetic 苏州 yields no gap beyond the threshold"
    page.click("#forecast-nav a[href='/labour/shortage-warnings/']")
    page.wait_for_selector("#warnings-table td")
    assert page.locator("#warnings-table tbody tr").count() == min(warnings.count(), PER_PAGE)
    top = warnings.order_by("-gap").first()
    page.goto(f"{live_server.url}/labour/shortage-warnings/{top.pk}/")
    evidence = page.inner_text("#warning-evidence")
    assert str(top.evidence["replacement"]) in evidence and str(top.evidence["employment_cutoff"]) in evidence
    shot(page, "forecast-02-warning")

    # A district's warning is routed up: the 张家港 officer sees 张家港's and no other district's.
    district = warnings.filter(region_code=ZJG)
    assert district.filter(group="5").exists()
    switch(page, login, live_server, "zhangjiagang")
    page.goto(f"{live_server.url}/labour/shortage-warnings/")
    shown = page.locator("#warnings-table tbody tr td:first-child a")
    assert shown.count() == min(district.count(), PER_PAGE)

    # The district officer assesses the enterprise's planned plant against the forecast supply.
    page.goto(f"{live_server.url}/labour/major-projects/")
    page.click("#project-new")
    fill(page, "form", name="精工二期智能工厂", start_year=str(_cutoff() + 1))
    page.select_option("[name=enterprise]", label=world["enterprise"].name)
    page.click("#save")
    page.wait_for_selector("#need-form")
    for code, year, headcount in (("6-18-01-01", _cutoff() + 1, "60"), ("6-31-01-03", _cutoff() + 2, "30")):
        fill(page, "#need-form", occupation=code, year=str(year), headcount=headcount)
        page.click("#add-need")
        page.wait_for_selector(".alert-success")
    project = MajorProject.objects.get()
    assert project.region_code == ZJG and project.needs.count() == 2
    rows = page.locator("#assessment tbody tr")
    assert rows.count() == 2
    line = ForecastLine.objects.get(run=run, region_code=ZJG, group="6")
    first = [c.strip() for c in rows.nth(0).locator("td").all_inner_texts()]
    f = line.forecast[str(_cutoff() + 1)]
    remaining = f["supply"] - f["openings"]
    assert first[4:8] == [str(f["supply"]), str(f["openings"]), str(remaining), str(max(0, 60 - max(remaining, 0)))]
    shot(page, "forecast-03-major-project")
