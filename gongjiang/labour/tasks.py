"""A manpower forecast run as a background task (django-tasks), as the wage estimation
(``wages.tasks``), with the job pieces they share (``core.jobs``).

``forecasts.forecast_run_start`` stores the run as queued and queues :data:`forecast_run_task` once that is
committed; the task runs :func:`forecast_run_execute`, which claims the run (queued → running, a
conditional update), so it is never computed twice, assembles its series, back-tests and combines the
models and reconciles the forecasts outside any transaction while it writes its stage, percentage and
heartbeat to the run's row (:class:`RunProgress`), then saves the lines and warnings and ends the run in
one transaction. A refusal (the officer lost the right, no records left) or an error ends the run as
failed with its reason in the officer's language, and no line is saved. When a worker starts,
:func:`recover_on_worker_start` marks the runs whose worker died (no progress for ``STALE_AFTER``) as
failed and queues the waiting ones again; a run's page does the first too when it finds the run stalled.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django_tasks import task

from gongjiang.core import jobs
from gongjiang.core.jobs import JobStatus
from gongjiang.core.scope import authorize
from gongjiang.labour import forecasts
from gongjiang.labour.models import FORECAST_STAGES, ForecastRun

log = logging.getLogger(__name__)

# A running run that reports no progress for this long has lost its worker (the longest stage, the
# series of a province of 4 million persons, takes about half a minute).
STALE_AFTER = datetime.timedelta(minutes=15)


class RunProgress(jobs.RowProgress):
    """The progress callback of a running forecast: stage, percentage and heartbeat on the run's row."""

    model = ForecastRun
    stages = FORECAST_STAGES

    def __init__(self, job_id: int, *, interval: float = 1.0) -> None:
        super().__init__(job_id, interval=interval)


def forecast_run_claim(*, run_id: int) -> bool:
    """Take a queued run for computing; False if it is not queued (another task has it, or it ended)."""
    return jobs.claim(ForecastRun, run_id, FORECAST_STAGES[0])


def _end(run_id: int, status: str, *, failure: str = "", message: str = "") -> ForecastRun | None:
    """Record a run's end (in the caller's transaction), if it is still queued or running."""
    return jobs.end(ForecastRun, run_id, status, failure=failure, message=message)


def forecast_run_execute(*, run_id: int) -> ForecastRun | None:
    """Compute a queued run to its end: the series, the models and the reconciliation outside any
    transaction (progress on the run's row), then, in one transaction, its lines and warnings saved and the
    run marked done. A refusal or an error ends it as failed with its reason and saves nothing. Returns
    None if the run was not queued."""
    if not forecast_run_claim(run_id=run_id):
        return None
    run = ForecastRun.objects.select_related("created_by").get(pk=run_id)
    actor = run.created_by
    progress = RunProgress(run_id)

    def work() -> None:
        authorize(actor, "add", ForecastRun, region_code=run.region_code)
        panel = forecasts.assemble_run(run)
        figures = forecasts.compute(panel, run.horizon, seed=run.seed, progress=progress)
        progress("saving", 0.0)
        with transaction.atomic():
            jobs.lock_running(ForecastRun, run_id)
            authorize(actor, "add", ForecastRun, region_code=run.region_code)
            forecasts.save_run(run, figures)
            _end(run_id, JobStatus.DONE)

    jobs.run_guarded(run, work, log=log, failed_log="manpower forecast run %s failed")
    run.refresh_from_db()
    return run


def forecast_runs_recover(*, stale_after: datetime.timedelta = STALE_AFTER) -> int:
    """Mark running runs whose progress stopped ``stale_after`` ago (their worker died) as failed."""
    return jobs.recover_stale(ForecastRun, stale_after)


def forecast_runs_requeue() -> int:
    """Queue the task of every queued run again (a run whose task was lost then runs; one whose task still
    waits is computed once all the same: the second task finds it claimed)."""
    return jobs.requeue(ForecastRun, forecast_run_task, argument="run_id")


@task()
def forecast_run_task(*, run_id: int) -> str:
    """Compute a forecast run if it is still queued; its final status (``not queued`` when another task had
    claimed it)."""
    run = forecast_run_execute(run_id=run_id)
    return run.status if run is not None else "not queued"


def recover_on_worker_start() -> str:
    """The labour app's worker start hook (``core.tasks.on_worker_start``)."""
    failed, queued = forecast_runs_recover(), forecast_runs_requeue()
    lines = [f"labour: marked {failed} interrupted forecast runs as failed"] if failed else []
    lines += [f"labour: queued {queued} waiting forecast runs again"] if queued else []
    return "\n".join(lines)
