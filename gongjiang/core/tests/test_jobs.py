"""The background-job pieces every job model shares (``core.jobs``): the job fields declared once, the
failure branches around a job's work, the recovery of jobs whose worker died and the requeue of waiting
jobs, each ending the job with a change record from a task."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils import timezone, translation

from gongjiang.core import jobs
from gongjiang.core.jobs import JobStatus
from gongjiang.core.models import ChangeRecord
from gongjiang.labour.models import ForecastFailure, ForecastRun, ForecastStage
from gongjiang.wages.models import EstimationFailure, EstimationJob, EstimationStage

SHARED = ("status", "stage", "percent", "language", "created_by", "started", "heartbeat", "finished", "failure")
SHARED += ("message",)
log = logging.getLogger("gongjiang.core.tests.jobs")


def _described(field: Any) -> dict[str, Any]:
    """A field as its migration describes it, labels in Chinese, without its choices."""
    _, path, args, kwargs = field.deconstruct()
    kwargs.pop("choices", None)
    with translation.override("zh-hans"):
        kwargs["verbose_name"] = str(kwargs["verbose_name"])
    kwargs.pop("on_delete", None)
    return {"path": path, "args": args, **kwargs}


def test_both_job_models_take_the_job_fields_from_one_place() -> None:
    for model in (EstimationJob, ForecastRun):
        assert issubclass(model, jobs.JobFields)
        for name in SHARED:
            assert _described(model._meta.get_field(name)) == _described(jobs.JobFields._meta.get_field(name))
        assert model._meta.get_field("status").choices == JobStatus.choices
    # Each keeps the words of its own stages and failures, on the same failure values.
    assert EstimationJob._meta.get_field("stage").choices == EstimationStage.choices
    assert ForecastRun._meta.get_field("stage").choices == ForecastStage.choices
    assert EstimationJob._meta.get_field("failure").choices == EstimationFailure.choices
    assert ForecastRun._meta.get_field("failure").choices == ForecastFailure.choices
    values = {jobs.REFUSED, jobs.INTERRUPTED, jobs.UNEXPECTED}
    assert {f.value for f in EstimationFailure} == {f.value for f in ForecastFailure} == values


@pytest.fixture
def run(db, make_user) -> ForecastRun:  # type: ignore[no-untyped-def]
    """A forecast run claimed by a worker, started by an officer working in Chinese."""
    officer = make_user("officer-jobs", region_code="320500")
    made = ForecastRun.objects.create(
        region_code="320500",
        made_on=datetime.date(2026, 1, 5),
        cutoff_year=2025,
        first_year=2016,
        horizon=2,
        reconciliation="mint",
        gap_threshold=50,
        gap_share=Decimal("0.10"),
        language="zh-hans",
        created_by=officer,
    )
    assert jobs.claim(ForecastRun, made.pk, "series")
    made.refresh_from_db()
    return made


def _task_records(job: models.Model) -> list[ChangeRecord]:
    return list(
        ChangeRecord.objects.filter(model="labour.ForecastRun", object_id=str(job.pk), source=ChangeRecord.Source.TASK)
    )


def test_a_refusal_fails_the_job_with_its_reason_in_the_officers_language(run) -> None:  # type: ignore[no-untyped-def]
    def refused() -> None:
        raise PermissionDenied

    with translation.override("en"):  # the worker's language does not matter
        jobs.run_guarded(run, refused, log=log, failed_log="job %s failed")
    run.refresh_from_db()
    assert (run.status, run.failure, run.percent) == (JobStatus.FAILED, jobs.REFUSED, 0)
    assert run.message == "您的账号无权进行此操作。" and run.finished is not None
    [record] = _task_records(run)
    assert record.actor == run.created_by


def test_a_validation_error_gives_its_messages(run) -> None:  # type: ignore[no-untyped-def]
    def invalid() -> None:
        raise ValidationError(["first", "second"])

    jobs.run_guarded(run, invalid, log=log, failed_log="job %s failed")
    run.refresh_from_db()
    assert (run.status, run.failure, run.message) == (JobStatus.FAILED, jobs.REFUSED, "first; second")


def test_an_error_fails_the_job_with_no_detail_and_logs_only_its_number(run, caplog) -> None:  # type: ignore[no-untyped-def]
    def broken() -> None:
        raise RuntimeError("110101199003078515")

    with caplog.at_level(logging.ERROR, logger=log.name):
        jobs.run_guarded(run, broken, log=log, failed_log="forecast job %s failed")
    run.refresh_from_db()
    assert (run.status, run.failure, run.message) == (JobStatus.FAILED, jobs.UNEXPECTED, "")
    [entry] = [r for r in caplog.records if r.name == log.name]
    assert entry.getMessage() == f"forecast job {run.pk} failed" and entry.exc_info is not None
    assert len(_task_records(run)) == 1


def test_an_abandoned_job_is_left_as_it_is(run) -> None:  # type: ignore[no-untyped-def]
    def late() -> None:
        jobs.lock_running(ForecastRun, run.pk)  # still running: locked, no exception
        ForecastRun.objects.filter(pk=run.pk).update(status=JobStatus.FAILED, failure=jobs.INTERRUPTED)
        jobs.lock_running(ForecastRun, run.pk)  # ended meanwhile: abandoned

    jobs.run_guarded(run, late, log=log, failed_log="job %s failed")
    run.refresh_from_db()
    assert (run.status, run.failure) == (JobStatus.FAILED, jobs.INTERRUPTED) and not _task_records(run)


def test_work_that_ends_its_job_is_not_ended_again(run) -> None:  # type: ignore[no-untyped-def]
    def done() -> None:
        jobs.end(ForecastRun, run.pk, JobStatus.DONE)

    jobs.run_guarded(run, done, log=log, failed_log="job %s failed")
    run.refresh_from_db()
    assert (run.status, run.percent, run.failure) == (JobStatus.DONE, 100, "")
    [record] = _task_records(run)
    assert record.actor == run.created_by


def test_stale_jobs_are_ended_as_interrupted(run) -> None:  # type: ignore[no-untyped-def]
    stale_after = datetime.timedelta(minutes=15)
    assert jobs.recover_stale(ForecastRun, stale_after) == 0  # alive: its heartbeat is fresh
    ForecastRun.objects.filter(pk=run.pk).update(heartbeat=timezone.now() - 2 * stale_after)
    assert jobs.recover_stale(ForecastRun, stale_after) == 1
    run.refresh_from_db()
    assert (run.status, run.failure) == (JobStatus.FAILED, jobs.INTERRUPTED)
    [record] = _task_records(run)
    assert record.actor is None
    assert jobs.recover_stale(ForecastRun, stale_after) == 0


def test_requeue_queues_the_task_of_each_waiting_job_under_its_argument(run) -> None:  # type: ignore[no-untyped-def]
    waiting = [ForecastRun.objects.get(pk=run.pk) for _ in range(2)]
    for job in waiting:
        job.pk = None
        job.status = JobStatus.QUEUED
        job.save()
    queued: list[dict[str, int]] = []

    class Task:
        def enqueue(self, **kwargs: int) -> None:
            queued.append(kwargs)

    assert jobs.requeue(ForecastRun, Task(), argument="run_id") == 2  # type: ignore[arg-type]
    assert queued == [{"run_id": job.pk} for job in waiting]
