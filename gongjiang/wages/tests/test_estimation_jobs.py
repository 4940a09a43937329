"""The estimation of an edition as a background job: queued by the officer's step, run by a worker to done
with its stages on the job's row, a refusal or an error recorded as a failure with its reason and nothing
saved, a second start refused (by the service, and by the database when two starts race), a dead worker's
job marked failed; the edition page follows the job's progress."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from gongjiang.core import jobs
from gongjiang.wages import services, tasks
from gongjiang.wages.models import (
    Cell,
    Edition,
    EstimationFailure,
    EstimationJob,
    EstimationStage,
    EstimationStatus,
    ResponseStatus,
)
from gongjiang.wages.tests.conftest import ELECTRICIAN, World, employees_of, survey_csv

pytestmark = pytest.mark.django_db
REPLICATES = 20
BUSY = "已在排队或运行中"  # the refusal of a second start, in the default language


def _filled(world: World) -> None:
    for i, org in enumerate(world.orgs):
        rows = employees_of(12, base=52000 + 1500 * i)
        if i == 0:
            rows += [(f"D{j}", ELECTRICIAN, "技师", "大专", 12, 174, 90000 + 900 * j, 0, 0, 0) for j in range(3)]
        response = world.response(org)
        services.response_upload(actor=world.officer, response=response, data=survey_csv(rows), filename="s.csv")
        services.response_submit(actor=world.officer, response=response)


@pytest.fixture
def edition(world: World) -> Edition:
    _filled(world)
    return services.edition_create(actor=world.officer, survey=world.survey)


@pytest.fixture
def stages(monkeypatch):  # type: ignore[no-untyped-def]
    """Every (stage, percent) a running job writes to its row, in order (no time between writes skipped)."""
    seen: list[tuple[str, int]] = []

    class Recording(tasks.JobProgress):
        def __init__(self, job_id: int, *, interval: float = 0.0) -> None:
            super().__init__(job_id, interval=0.0)

        def __call__(self, stage: str, fraction: float) -> None:
            super().__call__(stage, fraction)
            job = EstimationJob.objects.get(pk=self.job_id)
            seen.append((job.stage, job.percent))

    monkeypatch.setattr(tasks, "JobProgress", Recording)
    return seen


def test_queued_then_run_to_done_through_every_stage(world, edition, stages) -> None:  # type: ignore[no-untyped-def]
    job = services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)
    assert job.status == EstimationStatus.QUEUED and job.created_by == world.officer
    edition.refresh_from_db()
    assert edition.estimated_at is None and not Cell.objects.filter(edition=edition).exists()

    done = tasks.edition_estimation_run(job_id=job.pk)
    assert done is not None and done.status == EstimationStatus.DONE
    assert done.percent == 100 and done.started and done.finished and done.failure == ""
    order = [s.value for s in EstimationStage if s.value]
    written = [stage for stage, _ in stages]
    assert [s for s in order if s in written] == order  # every stage reported
    assert written == sorted(written, key=order.index)  # in the order they run
    percents = [p for _, p in stages]
    assert percents == sorted(percents) and 0 <= percents[0] < percents[-1] < 100
    edition.refresh_from_db()
    assert edition.estimated_by == world.officer and edition.summary["cells"] == edition.cells.count() > 0
    # A second run of the same job (its task queued twice) finds it claimed and does nothing.
    assert tasks.edition_estimation_run(job_id=job.pk) is None
    assert tasks.edition_estimation_task.call(job_id=job.pk) == "not queued"


def test_the_step_queues_the_task_which_runs_once_committed(world, edition, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)
    assert len(callbacks) == 1  # the task, queued once the job's row is committed (run at once here)
    job.refresh_from_db()
    assert job.status == EstimationStatus.DONE
    assert Cell.objects.filter(edition=edition).exists()


def test_a_refusal_is_recorded_in_chinese_and_nothing_is_saved(world, edition) -> None:  # type: ignore[no-untyped-def]
    with translation.override("zh-hans"):
        job = services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)
    # Meanwhile every response goes back to its enterprise: nothing submitted is left to estimate.
    world.survey.responses.update(status=ResponseStatus.PENDING)
    with translation.override("en"):  # the worker's own language does not matter: the job's does
        failed = tasks.edition_estimation_run(job_id=job.pk)
    assert failed is not None and failed.status == EstimationStatus.FAILED
    assert failed.failure == EstimationFailure.REFUSED
    with translation.override("zh-hans"):
        assert failed.message == str(translation.gettext("No enterprise has submitted its survey yet."))
    assert re.search(r"[\u4e00-\u9fff]", failed.message)
    edition.refresh_from_db()
    assert edition.estimated_at is None and not Cell.objects.filter(edition=edition).exists()
    # Once ended, the edition can be estimated again.
    world.survey.responses.update(status=ResponseStatus.SUBMITTED)
    again = services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)
    assert tasks.edition_estimation_run(job_id=again.pk).status == EstimationStatus.DONE  # type: ignore[union-attr]


def test_an_error_fails_the_job_and_keeps_the_earlier_estimate(world, edition, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    services.edition_estimate(actor=world.officer, edition=edition, replicates=REPLICATES)
    edition.refresh_from_db()
    cells = sorted(Cell.objects.filter(edition=edition).values_list("pk", "p50"))
    job = services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_save", broken)
    failed = tasks.edition_estimation_run(job_id=job.pk)
    assert failed is not None and failed.status == EstimationStatus.FAILED
    assert failed.failure == EstimationFailure.UNEXPECTED and "disk" not in failed.message
    assert sorted(Cell.objects.filter(edition=edition).values_list("pk", "p50")) == cells


def test_a_second_start_is_refused_while_one_is_active(world, edition) -> None:  # type: ignore[no-untyped-def]
    first = services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)
    with pytest.raises(ValidationError, match=BUSY):
        services.edition_estimate_start(actor=world.second, edition=edition, replicates=REPLICATES)
    with pytest.raises(ValidationError, match=BUSY):
        services.edition_estimate(actor=world.second, edition=edition, replicates=REPLICATES)
    assert tasks.edition_estimation_claim(job_id=first.pk)
    with pytest.raises(ValidationError, match=BUSY):
        services.edition_estimate_start(actor=world.second, edition=edition, replicates=REPLICATES)
    assert EstimationJob.objects.filter(edition=edition).count() == 1


def test_the_database_refuses_a_second_active_job_when_two_starts_race(world, edition, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)
    # Directly: the constraint admits one queued or running job per edition.
    with pytest.raises(IntegrityError), transaction.atomic():
        EstimationJob.objects.create(edition=edition, status=EstimationStatus.RUNNING)
    # Through the service, as when another officer's start has not committed when this one checks.
    monkeypatch.setattr(services, "_estimation_active", lambda edition: False)
    with pytest.raises(ValidationError, match=BUSY):
        services.edition_estimate_start(actor=world.second, edition=edition, replicates=REPLICATES)
    assert EstimationJob.objects.filter(edition=edition).count() == 1
    # Ended jobs do not count.
    EstimationJob.objects.filter(edition=edition).update(status=EstimationStatus.FAILED)
    EstimationJob.objects.create(edition=edition, status=EstimationStatus.QUEUED)


def test_a_dead_workers_job_is_marked_failed_and_its_late_work_dropped(world, edition, stages) -> None:  # type: ignore[no-untyped-def]
    job = services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)
    assert tasks.edition_estimation_claim(job_id=job.pk)
    assert tasks.edition_estimations_recover() == 0  # alive: its heartbeat is fresh
    EstimationJob.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - datetime.timedelta(minutes=16))
    assert tasks.recover_on_worker_start() == "wages: marked 1 interrupted estimations as failed"
    job.refresh_from_db()
    assert job.status == EstimationStatus.FAILED and job.failure == EstimationFailure.INTERRUPTED
    # The worker was only slow after all: its next progress report finds the job ended and stops.
    with pytest.raises(jobs.Abandoned):
        tasks.JobProgress(job.pk)("cells", 0.5)
    # A new start is possible again, and a queued job whose task was lost is queued again on worker start.
    again = services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)
    assert tasks.edition_estimations_requeue() == 1  # the immediate backend runs it at once
    again.refresh_from_db()
    assert again.status == EstimationStatus.DONE


def test_a_job_marked_interrupted_while_it_computes_saves_nothing(world, edition, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    job = services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)
    compute = services._compute

    def slow(edition, replicates, progress):  # type: ignore[no-untyped-def]
        computed = compute(edition, replicates, None)  # no progress reported: taken for dead meanwhile
        EstimationJob.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - datetime.timedelta(hours=1))
        assert tasks.edition_estimations_recover() == 1
        return computed

    monkeypatch.setattr(services, "_compute", slow)
    ended = tasks.edition_estimation_run(job_id=job.pk)
    assert ended is not None and ended.status == EstimationStatus.FAILED
    assert ended.failure == EstimationFailure.INTERRUPTED
    edition.refresh_from_db()
    assert edition.estimated_at is None and not Cell.objects.filter(edition=edition).exists()


def test_review_waits_for_a_running_estimation(world, edition) -> None:  # type: ignore[no-untyped-def]
    services.edition_estimate(actor=world.officer, edition=edition, replicates=REPLICATES)
    services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)
    with pytest.raises(ValidationError, match=BUSY):
        services.edition_review(actor=world.officer, edition=edition)


# ------------------------------------------------------------------------------------------------
# the edition page
# ------------------------------------------------------------------------------------------------


def test_the_page_shows_the_progress_and_offers_no_second_start(world, edition, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, world.officer)
    page = f"/wages/manage/editions/{edition.pk}/"
    assert 'id="step-estimate"' in client.get(page).content.decode()
    response = client.post(f"{page}estimate/")
    assert response.status_code == 302  # queued; in this test the transaction never commits, so it waits
    job = EstimationJob.objects.get(edition=edition)
    assert job.status == EstimationStatus.QUEUED
    text = client.get(response["Location"]).content.decode()
    assert "测算已排队" in text and "等待" in text
    assert 'id="step-estimate"' not in text and 'id="step-review"' not in text
    poll = f"/wages/manage/editions/{edition.pk}/estimation/"
    assert f'hx-get="{poll}"' in text and 'hx-trigger="every 2s"' in text
    # A second start, posted from a page opened before: refused, nothing queued.
    again = client.post(f"{page}estimate/")
    assert again.status_code == 200 and EstimationJob.objects.filter(edition=edition).count() == 1

    # Running: the stage in words, its number, the percentage; the poll goes on.
    tasks.edition_estimation_claim(job_id=job.pk)
    tasks.JobProgress(job.pk)("cells", 0.5)
    job.refresh_from_db()
    part = client.get(poll, headers={"HX-Request": "true"})
    body = part.content.decode()
    assert "HX-Refresh" not in part.headers
    assert f'data-percent="{job.percent}"' in body and f"{job.percent}%" in body
    assert "第 3 步，共 7 步" in body and "估计值与标准误" in body
    assert 'hx-trigger="every 2s"' in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(poll, headers={"HX-Request": "true"}).content.decode()
    assert "Stage 3 of 7" in english and "Estimates and standard errors of the cells" in english
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]

    # Ended: the poll reloads the page, which shows the cells and no poll any more.
    with transaction.atomic():
        tasks._end(job.pk, EstimationStatus.DONE)
    part = client.get(poll, headers={"HX-Request": "true"})
    assert part.headers.get("HX-Refresh") == "true"
    assert "every 2s" not in part.content.decode()

    # Another city's officer sees neither the edition nor its estimation.
    sign_in(client, world.other_city)
    assert client.get(poll).status_code == 404


def test_a_failed_estimation_shows_its_reason_on_the_page(world, edition, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    job = services.edition_estimate_start(actor=world.officer, edition=edition, replicates=REPLICATES)
    world.survey.responses.update(status=ResponseStatus.PENDING)
    tasks.edition_estimation_run(job_id=job.pk)
    sign_in(client, world.officer)
    text = client.get(f"/wages/manage/editions/{edition.pk}/").content.decode()
    assert 'id="estimation-failure"' in text and "还没有企业提交调查表" in text
    assert 'id="step-estimate"' in text  # it may be started again
