"""The estimation of an edition as a background task (django-tasks).

``services.edition_estimate_start`` queues :data:`edition_estimation_task` once the job's row is committed;
the task runs ``services.edition_estimation_run``, which claims the job (queued → running, a conditional
update), so it never runs twice. When a worker starts, :func:`recover_on_worker_start` marks the jobs whose
worker died as failed and queues the waiting ones again (a task lost with its queue runs after all).
"""

from __future__ import annotations

from django_tasks import task

from gongjiang.wages import services


@task()
def edition_estimation_task(*, job_id: int) -> str:
    """Run an estimation job if it is still queued; its final status (``not queued`` when another run had
    claimed it)."""
    job = services.edition_estimation_run(job_id=job_id)
    return job.status if job is not None else "not queued"


def recover_on_worker_start() -> str:
    """The wages app's worker start hook (``core.tasks.on_worker_start``)."""
    failed, queued = services.edition_estimations_recover(), services.edition_estimations_requeue()
    lines = [f"wages: marked {failed} interrupted estimations as failed"] if failed else []
    lines += [f"wages: queued {queued} waiting estimations again"] if queued else []
    return "\n".join(lines)
