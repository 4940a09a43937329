"""The estimation of an edition as a background task (django-tasks).

``services.edition_estimate_start`` queues :data:`edition_estimation_task` once the job's row is committed;
the task runs :func:`edition_estimation_run`, which claims the job (queued → running, a conditional
update), so it never runs twice, computes outside any transaction while it writes its stage, percentage
and heartbeat to the job's row (:class:`JobProgress`), and saves the cells and ends the job in one
transaction. When a worker starts, :func:`recover_on_worker_start` marks the jobs whose worker died (no
progress for ``STALE_AFTER``) as failed and queues the waiting ones again (a task lost with its queue runs
after all); an edition's page does the first too when it finds its job stalled.
"""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django_tasks import task

from gongjiang.core import jobs
from gongjiang.core.scope import authorize
from gongjiang.wages import services
from gongjiang.wages.models import EstimationJob, EstimationStatus

log = logging.getLogger(__name__)

# A running job that reports no progress for this long has lost its worker.
STALE_AFTER = datetime.timedelta(minutes=15)


class JobProgress(jobs.RowProgress):
    """The progress callback of a running estimation: its stage, percentage and heartbeat written to the
    job's row, outside any transaction (a conditional update, at most every ``interval`` seconds within a
    stage). Raises ``jobs.Abandoned`` once the job is no longer running."""

    model = EstimationJob
    stages = services.STAGE_ORDER

    def __init__(self, job_id: int, *, interval: float = 1.0) -> None:
        super().__init__(job_id, interval=interval)


def edition_estimation_claim(*, job_id: int) -> bool:
    """Take a queued job for running (a conditional update, atomic on both databases); False if it is not
    queued (another run has it, or it ended)."""
    return jobs.claim(EstimationJob, job_id, services.STAGE_ORDER[0])


def _end(job_id: int, status: str, *, failure: str = "", message: str = "") -> EstimationJob | None:
    """Record a job's end (in the caller's transaction), if it is still active; the job, or None."""
    return jobs.end(EstimationJob, job_id, status, failure=failure, message=message)


def edition_estimation_run(*, job_id: int) -> EstimationJob | None:
    """Run a queued estimation job to its end: compute (outside any transaction, progress on the job's
    row), then, in one transaction, save the cells and mark the job done. A refusal (the edition left the
    draft meanwhile, the officer lost the right, no submitted response) or an error marks it failed with
    its reason and saves nothing. Returns None if the job was not queued."""
    if not edition_estimation_claim(job_id=job_id):
        return None
    job = EstimationJob.objects.select_related("edition__survey", "created_by").get(pk=job_id)
    actor = job.created_by
    progress = JobProgress(job_id)

    def work() -> None:
        authorize(actor, "estimate", job.edition)
        services._estimable(job.edition)
        computed = services._compute(job.edition, job.replicates, progress)
        progress("saving", 0.0)
        with transaction.atomic():
            jobs.lock_running(EstimationJob, job_id)
            edition = services._locked_edition(job.edition)
            authorize(actor, "estimate", edition)
            services._estimable(edition)
            services._save(edition, actor, computed)
            _end(job_id, EstimationStatus.DONE)

    jobs.run_guarded(job, work, log=log, failed_log="wage estimation job %s failed")
    job.refresh_from_db()
    return job


def edition_estimations_recover(*, stale_after: datetime.timedelta = STALE_AFTER) -> int:
    """Mark running jobs whose progress stopped ``stale_after`` ago (their worker died) as failed."""
    return jobs.recover_stale(EstimationJob, stale_after)


def edition_estimations_requeue() -> int:
    """Queue the task of every queued job again (one whose task was lost then runs; one whose task still
    waits runs once all the same: the second task finds it claimed)."""
    return jobs.requeue(EstimationJob, edition_estimation_task)


@task()
def edition_estimation_task(*, job_id: int) -> str:
    """Run an estimation job if it is still queued; its final status (``not queued`` when another run had
    claimed it)."""
    job = edition_estimation_run(job_id=job_id)
    return job.status if job is not None else "not queued"


def recover_on_worker_start() -> str:
    """The wages app's worker start hook (``core.tasks.on_worker_start``)."""
    failed, queued = edition_estimations_recover(), edition_estimations_requeue()
    lines = [f"wages: marked {failed} interrupted estimations as failed"] if failed else []
    lines += [f"wages: queued {queued} waiting estimations again"] if queued else []
    return "\n".join(lines)
