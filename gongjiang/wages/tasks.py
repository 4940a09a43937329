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
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from gongjiang.core.audit import Action, audit_context, record_change, snapshot
from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import authorize
from gongjiang.wages import services
from gongjiang.wages.models import ESTIMATION_ACTIVE, EstimationFailure, EstimationJob, EstimationStatus

log = logging.getLogger(__name__)

# A running job that reports no progress for this long has lost its worker.
STALE_AFTER = datetime.timedelta(minutes=15)


class _Abandoned(Exception):
    """The job is no longer running (marked failed as interrupted meanwhile): its work is dropped."""


class JobProgress:
    """The progress callback of a running job: its stage, percentage and heartbeat written to the job's
    row, outside any transaction (a conditional update, at most every ``interval`` seconds within a
    stage). Raises ``_Abandoned`` once the job is no longer running."""

    def __init__(self, job_id: int, *, interval: float = 1.0) -> None:
        self.job_id = job_id
        self.interval = interval
        self._stage = ""
        self._index = 0
        self._last = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if stage == self._stage and now - self._last < self.interval:
            return
        if stage in services.STAGE_ORDER:
            self._index = services.STAGE_ORDER.index(stage)
        self._stage, self._last = stage, now
        fraction = max(0.0, min(1.0, fraction))
        percent = min(99, int(100 * (self._index + fraction) / len(services.STAGE_ORDER)))
        updated = EstimationJob.objects.filter(pk=self.job_id, status=EstimationStatus.RUNNING).update(
            stage=services.STAGE_ORDER[self._index], percent=percent, heartbeat=timezone.now()
        )
        if not updated:
            raise _Abandoned


def edition_estimation_claim(*, job_id: int) -> bool:
    """Take a queued job for running (a conditional update, atomic on both databases); False if it is not
    queued (another run has it, or it ended)."""
    now = timezone.now()
    return bool(
        EstimationJob.objects.filter(pk=job_id, status=EstimationStatus.QUEUED).update(
            status=EstimationStatus.RUNNING, started=now, heartbeat=now, stage=services.STAGE_ORDER[0], percent=0
        )
    )


def _end(job_id: int, status: str, *, failure: str = "", message: str = "") -> EstimationJob | None:
    """Record a job's end (in the caller's transaction), if it is still active; the job, or None."""
    job = EstimationJob.objects.select_for_update().filter(pk=job_id, status__in=ESTIMATION_ACTIVE).first()
    if job is None:
        return None
    before = snapshot(job)
    job.status = status
    job.failure = failure
    job.message = message[:2000]
    job.percent = 100 if status == EstimationStatus.DONE else job.percent
    job.finished = timezone.now()
    job.save()
    record_change(action=Action.UPDATE, instance=job, before=before)
    return job


def _refusal(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc) or _("Your account may not do this.")


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
    with (
        translation.override(job.language or settings.LANGUAGE_CODE),
        audit_context(source=ChangeRecord.Source.TASK, actor=actor),
    ):
        try:
            authorize(actor, "estimate", job.edition)
            services._estimable(job.edition)
            computed = services._compute(job.edition, job.replicates, progress)
            progress("saving", 0.0)
            with transaction.atomic():
                # The job's row locked first: a recovery marking it interrupted now waits for this, or
                # has already done so and nothing is saved.
                running = EstimationJob.objects.select_for_update().filter(pk=job_id, status=EstimationStatus.RUNNING)
                if running.first() is None:
                    raise _Abandoned
                edition = services._locked_edition(job.edition)
                authorize(actor, "estimate", edition)
                services._estimable(edition)
                services._save(edition, actor, computed)
                _end(job_id, EstimationStatus.DONE)
        except _Abandoned:
            pass
        except (PermissionDenied, ValidationError) as exc:
            with transaction.atomic():
                _end(job_id, EstimationStatus.FAILED, failure=EstimationFailure.REFUSED, message=_refusal(exc))
        except Exception:
            log.exception("wage estimation job %s failed", job_id)
            with transaction.atomic():
                _end(job_id, EstimationStatus.FAILED, failure=EstimationFailure.UNEXPECTED)
    job.refresh_from_db()
    return job


def edition_estimations_recover(*, stale_after: datetime.timedelta = STALE_AFTER) -> int:
    """Mark running jobs whose progress stopped ``stale_after`` ago (their worker died) as failed."""
    limit = timezone.now() - stale_after
    stale = EstimationJob.objects.filter(status=EstimationStatus.RUNNING).filter(
        Q(heartbeat__lt=limit) | Q(heartbeat__isnull=True, started__lt=limit)
    )
    count = 0
    with audit_context(source=ChangeRecord.Source.TASK):
        for job_id in stale.values_list("pk", flat=True):
            with transaction.atomic():
                ended = _end(job_id, EstimationStatus.FAILED, failure=EstimationFailure.INTERRUPTED)
            count += ended is not None
    return count


def edition_estimations_requeue() -> int:
    """Queue the task of every queued job again (one whose task was lost then runs; one whose task still
    waits runs once all the same: the second task finds it claimed)."""
    ids = list(EstimationJob.objects.filter(status=EstimationStatus.QUEUED).order_by("pk").values_list("pk", flat=True))
    for job_id in ids:
        edition_estimation_task.enqueue(job_id=job_id)
    return len(ids)


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
