"""A manpower forecast run as a background job: queued by the officer's form or the API (202), computed by
a worker to done with its stages and percentage on the run's row, a refusal or an error recorded as a
failure with its reason and no line saved, a second claim refused, a dead worker's run marked failed and
a waiting run queued again; the run's page follows the progress and then shows the table."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.utils import timezone, translation

from gongjiang.core import jobs
from gongjiang.core.audit import audit_context
from gongjiang.core.jobs import JobStatus
from gongjiang.core.models import ChangeRecord
from gongjiang.labour import forecasts, tasks
from gongjiang.labour.models import FORECAST_STAGES, ForecastFailure, ForecastLine, ForecastRun, ShortageWarning
from gongjiang.registry.models import Employment

pytestmark = pytest.mark.django_db
SUZHOU, ZJG = "320500", "320582"


def _cutoff() -> int:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate().year - 1


@pytest.fixture
def city(reference, make_user):  # type: ignore[no-untyped-def]
    from gongjiang.synth.generator import synthesize

    with audit_context(source="cli"):
        synthesize(region=SUZHOU, scale=0.002, seed=3)
    return make_user("sz", region_code=SUZHOU)


def _start(actor, **kwargs):  # type: ignore[no-untyped-def]
    params = {"region_code": SUZHOU, "cutoff_year": _cutoff(), "horizon": 2, "history_years": 8, **kwargs}
    with audit_context(source="web", actor=actor):
        return forecasts.forecast_run_start(actor=actor, **params)


@pytest.fixture
def stages(monkeypatch):  # type: ignore[no-untyped-def]
    """Every (stage, percent) a running run writes to its row, in order (no write skipped for time)."""
    seen: list[tuple[str, int]] = []

    class Recording(tasks.RunProgress):
        def __init__(self, job_id: int, *, interval: float = 0.0) -> None:
            super().__init__(job_id, interval=0.0)

        def __call__(self, stage: str, fraction: float) -> None:
            super().__call__(stage, fraction)
            run = ForecastRun.objects.get(pk=self.job_id)
            seen.append((run.stage, run.percent))

    monkeypatch.setattr(tasks, "RunProgress", Recording)
    return seen


def test_queued_then_computed_through_every_stage(city, stages) -> None:  # type: ignore[no-untyped-def]
    run = _start(city)
    assert run.status == JobStatus.QUEUED and run.created_by == city and run.percent == 0
    assert not ForecastLine.objects.filter(run=run).exists()

    done = tasks.forecast_run_execute(run_id=run.pk)
    assert done is not None and done.status == JobStatus.DONE
    assert done.percent == 100 and done.started and done.finished and done.failure == "" and done.message == ""
    assert done.models_used and done.summary["series"] == 2 * ForecastLine.objects.filter(run=run).count() > 0
    written = [stage for stage, _ in stages]
    assert [s for s in FORECAST_STAGES if s in written] == list(FORECAST_STAGES)[1:]  # the first is the claim's
    assert written == sorted(written, key=FORECAST_STAGES.index)
    percents = [p for _, p in stages]
    assert percents == sorted(percents) and 0 <= percents[0] < percents[-1] < 100
    # The change records: the run queued by the officer, ended by the task in the officer's name.
    records = ChangeRecord.objects.filter(object_id=str(run.pk), model="labour.ForecastRun").order_by("pk")
    assert [r.action for r in records][:1] == ["create"] and records.last().source == ChangeRecord.Source.TASK
    assert records.last().actor == city
    # A second run of the same job (its task queued twice) finds it claimed and computes nothing.
    lines = ForecastLine.objects.count()
    assert tasks.forecast_run_execute(run_id=run.pk) is None
    assert tasks.forecast_run_task.call(run_id=run.pk) == "not queued"
    assert ForecastLine.objects.count() == lines


def test_the_start_queues_the_task_which_runs_once_committed(city, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        run = _start(city)
    assert len(callbacks) == 1  # the task, queued once the run's row is committed (run at once here)
    run.refresh_from_db()
    assert run.status == JobStatus.DONE and ForecastLine.objects.filter(run=run).exists()


def test_bad_parameters_queue_nothing(city, make_user, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import PermissionDenied, ValidationError

    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(ValidationError) as caught:
            _start(city, horizon=9)
        assert "horizon" in caught.value.message_dict
        with pytest.raises(PermissionDenied):
            _start(make_user("zjg", region_code=ZJG))
        Employment.objects.update(occupation=None)  # nothing to forecast: refused in the request
        with pytest.raises(ValidationError) as caught:
            _start(city)
        assert "region_code" in caught.value.message_dict
    assert not callbacks and not ForecastRun.objects.exists()


def test_a_second_claim_is_refused(city) -> None:  # type: ignore[no-untyped-def]
    run = _start(city)
    assert tasks.forecast_run_claim(run_id=run.pk)
    assert not tasks.forecast_run_claim(run_id=run.pk)
    assert tasks.forecast_run_execute(run_id=run.pk) is None  # running elsewhere: not computed again
    run.refresh_from_db()
    assert run.status == JobStatus.RUNNING and not ForecastLine.objects.filter(run=run).exists()


def test_a_refusal_is_recorded_in_chinese_and_nothing_is_saved(city) -> None:  # type: ignore[no-untyped-def]
    with translation.override("zh-hans"):
        run = _start(city)
    # Meanwhile the records lose their occupations: nothing is left to forecast.
    Employment.objects.update(occupation=None)
    with translation.override("en"):  # the worker's own language does not matter: the run's does
        failed = tasks.forecast_run_execute(run_id=run.pk)
    assert failed is not None and failed.status == JobStatus.FAILED
    assert failed.failure == ForecastFailure.REFUSED and failed.finished is not None
    with translation.override("zh-hans"):
        expected = translation.gettext("No employment records of the region up to %(year)d: nothing to forecast.")
    assert failed.message == expected % {"year": _cutoff()}
    assert re.search(r"[\u4e00-\u9fff]", failed.message)
    assert not ForecastLine.objects.exists() and not ShortageWarning.objects.exists()


def test_an_error_while_saving_fails_the_run_and_leaves_no_partial_lines(city, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run = _start(city)
    create = ShortageWarning.objects.bulk_create

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        assert ForecastLine.objects.filter(run=run).exists()  # the lines were written in this transaction
        raise RuntimeError("disk full")

    monkeypatch.setattr(ShortageWarning.objects, "bulk_create", broken)
    failed = tasks.forecast_run_execute(run_id=run.pk)
    monkeypatch.setattr(ShortageWarning.objects, "bulk_create", create)
    assert failed is not None and failed.status == JobStatus.FAILED
    assert failed.failure == ForecastFailure.UNEXPECTED and "disk" not in failed.message
    assert not ForecastLine.objects.filter(run=run).exists() and failed.summary == {}
    # The synchronous path (the demo) raises the failure instead of returning a run.
    from django.core.exceptions import ValidationError

    monkeypatch.setattr(ShortageWarning.objects, "bulk_create", broken)
    with audit_context(source="cli", actor=city), pytest.raises(ValidationError):
        forecasts.forecast_run_create(actor=city, region_code=SUZHOU, cutoff_year=_cutoff(), horizon=2)


def test_a_dead_workers_run_is_marked_failed_and_a_waiting_one_queued_again(city) -> None:  # type: ignore[no-untyped-def]
    run = _start(city)
    assert tasks.forecast_run_claim(run_id=run.pk)
    assert tasks.forecast_runs_recover() == 0  # alive: its heartbeat is fresh
    ForecastRun.objects.filter(pk=run.pk).update(heartbeat=timezone.now() - datetime.timedelta(minutes=16))
    assert tasks.recover_on_worker_start() == "labour: marked 1 interrupted forecast runs as failed"
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED and run.failure == ForecastFailure.INTERRUPTED
    # The worker was only slow after all: its next progress report finds the run ended and stops.
    with pytest.raises(jobs.Abandoned):
        tasks.RunProgress(run.pk)("models", 0.5)
    # A run whose task was lost with its queue is queued again when a worker starts.
    again = _start(city)
    assert tasks.forecast_runs_requeue() == 1  # the immediate backend runs it at once
    again.refresh_from_db()
    assert again.status == JobStatus.DONE and ForecastLine.objects.filter(run=again).exists()


def test_a_run_marked_interrupted_while_it_computes_saves_nothing(city, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run = _start(city)
    compute = forecasts.compute

    def slow(panel, horizon, *, seed=0, progress=None):  # type: ignore[no-untyped-def]
        figures = compute(panel, horizon, seed=seed)  # no progress reported: taken for dead meanwhile
        ForecastRun.objects.filter(pk=run.pk).update(heartbeat=timezone.now() - datetime.timedelta(hours=1))
        assert tasks.forecast_runs_recover() == 1
        return figures

    monkeypatch.setattr(forecasts, "compute", slow)
    ended = tasks.forecast_run_execute(run_id=run.pk)
    assert ended is not None and ended.status == JobStatus.FAILED
    assert ended.failure == ForecastFailure.INTERRUPTED and not ForecastLine.objects.filter(run=run).exists()


# ------------------------------------------------------------------------------------------------
# the run's page and the API
# ------------------------------------------------------------------------------------------------


def test_the_page_shows_the_progress_then_the_table(city, client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(city)
    response = client.post(
        "/labour/forecasts/new/", {"region_code": SUZHOU, "cutoff_year": _cutoff(), "horizon": 2, "history_years": 8}
    )
    assert response.status_code == 302  # queued; in this test the transaction never commits, so it waits
    run = ForecastRun.objects.get()
    assert run.status == JobStatus.QUEUED and response["Location"] == f"/labour/forecasts/{run.pk}/"
    text = client.get(response["Location"]).content.decode()
    assert "预测已排队" in text and "等待" in text and 'id="reconciled"' not in text
    poll = f"/labour/forecasts/{run.pk}/progress/"
    assert f'hx-get="{poll}"' in text and 'hx-trigger="every 2s"' in text

    # Running: the stage in words, its number, the percentage; the poll goes on.
    tasks.forecast_run_claim(run_id=run.pk)
    tasks.RunProgress(run.pk)("reconcile", 0.5)
    run.refresh_from_db()
    part = client.get(poll, headers={"HX-Request": "true"})
    body = part.content.decode()
    assert "HX-Refresh" not in part.headers
    assert f'data-percent="{run.percent}"' in body and f"{run.percent}%" in body and run.percent == 62
    assert "第 3 步，共 4 步" in body and "按地区层级调和" in body and 'hx-trigger="every 2s"' in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(poll, headers={"HX-Request": "true"}).content.decode()
    assert "Stage 3 of 4" in english and "Reconciling over the region hierarchy" in english
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]

    # Done (a worker computes it): the poll reloads the page, which shows the table and no poll any more.
    ForecastRun.objects.filter(pk=run.pk).update(status=JobStatus.QUEUED)
    assert tasks.forecast_run_execute(run_id=run.pk).status == JobStatus.DONE  # type: ignore[union-attr]
    part = client.get(poll, headers={"HX-Request": "true"})
    assert part.headers.get("HX-Refresh") == "true" and "every 2s" not in part.content.decode()
    page = client.get(f"/labour/forecasts/{run.pk}/").content.decode()
    assert 'id="reconciled"' in page and "children-sum" in page and 'id="forecast-progress"' not in page

    # Another district's officer sees neither the run nor its progress.
    client.force_login(make_user("zjg", region_code=ZJG))
    assert client.get(poll).status_code == 404


def test_a_failed_run_shows_its_reason_on_the_page(city, client) -> None:  # type: ignore[no-untyped-def]
    run = _start(city)
    Employment.objects.update(occupation=None)
    tasks.forecast_run_execute(run_id=run.pk)
    client.force_login(city)
    text = client.get(f"/labour/forecasts/{run.pk}/").content.decode()
    assert 'id="run-failure"' in text and "没有从业记录" in text and 'id="reconciled"' not in text
    listing = client.get("/labour/forecasts/").content.decode()
    assert "失败" in listing


def test_a_stalled_run_is_marked_failed_when_its_page_is_opened(city, client) -> None:  # type: ignore[no-untyped-def]
    run = _start(city)
    tasks.forecast_run_claim(run_id=run.pk)
    ForecastRun.objects.filter(pk=run.pk).update(heartbeat=timezone.now() - tasks.STALE_AFTER * 2)
    client.force_login(city)
    text = client.get(f"/labour/forecasts/{run.pk}/").content.decode()
    run.refresh_from_db()
    assert run.status == JobStatus.FAILED and run.failure == ForecastFailure.INTERRUPTED
    assert 'id="run-failure"' in text and "hx-get" not in text.split('id="forecast-progress"')[1][:200]


def test_the_api_answers_202_and_shows_the_status(city, client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.force_login(city)
    body = {"region_code": SUZHOU, "cutoff_year": _cutoff(), "horizon": 2, "history_years": 8}
    response = client.post("/api/labour/forecasts/", body, content_type="application/json")
    assert response.status_code == 202, response.content
    answer = response.json()
    run = ForecastRun.objects.get()
    assert answer["id"] == run.pk and answer["status"] == "queued" and answer["percent"] == 0
    assert answer["url"].endswith(f"/api/labour/forecasts/{run.pk}/") and response["Location"] == answer["url"]
    status = client.get(answer["url"]).json()
    assert status["status"] == "queued" and status["stage"] == ""
    tasks.forecast_run_claim(run_id=run.pk)
    tasks.RunProgress(run.pk)("models", 0.0)
    status = client.get(answer["url"]).json()
    assert (status["status"], status["stage"], status["percent"]) == ("running", "models", 25)
    ForecastRun.objects.filter(pk=run.pk).update(status=JobStatus.QUEUED)
    tasks.forecast_run_execute(run_id=run.pk)
    status = client.get(answer["url"]).json()
    assert (status["status"], status["percent"], status["failure"]) == ("done", 100, "")
    assert status["summary"]["series"] > 0
    # Bad input: 400 naming the field, nothing queued; another district's officer may not run the city.
    bad = client.post("/api/labour/forecasts/", {**body, "horizon": 9}, content_type="application/json")
    assert bad.status_code == 400 and "horizon" in bad.json()
    client.force_login(make_user("zjg", region_code=ZJG))
    assert client.post("/api/labour/forecasts/", body, content_type="application/json").status_code == 403
    assert ForecastRun.objects.count() == 1


def test_the_demo_path_computes_at_once_through_the_workers_function(city, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks() as callbacks, audit_context(source="cli", actor=city):
        run = forecasts.forecast_run_create(actor=city, region_code=SUZHOU, cutoff_year=_cutoff(), horizon=2)
    assert not callbacks  # no task queued: computed here
    assert run.status == JobStatus.DONE and run.percent == 100 and run.summary["regions"] > 1
    assert ForecastLine.objects.filter(run=run).count() * 2 == run.summary["series"]
