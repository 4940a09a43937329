"""Background jobs kept as rows of their own model: the pieces the wage estimation and the manpower forecast
share.

A job row has ``status`` (queued, running, done, failed), ``stage``, ``percent``, ``started``,
``heartbeat``, ``finished``, ``failure`` and ``message``. The running task writes its stage, percentage and
heartbeat outside any transaction (:class:`RowProgress`, a conditional update that also tells the task when
its job was ended meanwhile); a task takes a queued job by a conditional update (:func:`claim`), so a job is
never run twice; :func:`end` records the end in the caller's transaction, with a change record; a running
job whose heartbeat stopped (its worker died) is ended as failed by :func:`recover_stale`, and the tasks of
queued jobs are queued again by :func:`requeue` when a worker starts.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from gongjiang.core.audit import Action, record_change, snapshot

M = TypeVar("M", bound=models.Model)


class JobStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("background job", "Queued")
    RUNNING = "running", pgettext_lazy("background job", "Running")
    DONE = "done", pgettext_lazy("background job", "Done")
    FAILED = "failed", pgettext_lazy("background job", "Failed")


JOB_ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class Abandoned(Exception):
    """The job is no longer running (marked failed as interrupted meanwhile): its work is dropped."""


def percent_of(stages: Sequence[str], index: int, fraction: float) -> int:
    """The percentage shown for a job in stage ``index`` of ``stages``, ``fraction`` of it done (below 100
    until the job has ended)."""
    fraction = max(0.0, min(1.0, fraction))
    return min(99, int(100 * (index + fraction) / len(stages)))


class RowProgress:
    """The progress callback of a running job: its stage, percentage and heartbeat written to the job's row
    (``model``), outside any transaction (a conditional update, at most every ``interval`` seconds within a
    stage). ``stages`` are the stage values in the order they run. Raises :class:`Abandoned` once the job
    is no longer running."""

    model: type[models.Model]
    stages: Sequence[str] = ()

    def __init__(
        self,
        job_id: int,
        *,
        interval: float = 1.0,
        model: type[models.Model] | None = None,
        stages: Sequence[str] | None = None,
    ) -> None:
        if model is not None:
            self.model = model
        if stages is not None:
            self.stages = tuple(stages)
        self.job_id = job_id
        self.interval = interval
        self._stage = ""
        self._index = 0
        self._last = 0.0

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if stage == self._stage and now - self._last < self.interval:
            return
        if stage in self.stages:
            self._index = list(self.stages).index(stage)
        self._stage, self._last = stage, now
        updated = self.model._default_manager.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
            stage=self.stages[self._index],
            percent=percent_of(self.stages, self._index, fraction),
            heartbeat=timezone.now(),
        )
        if not updated:
            raise Abandoned


def claim(model: type[models.Model], job_id: int, first_stage: str) -> bool:
    """Take a queued job for running (a conditional update, atomic on both databases); False if it is not
    queued (another run has it, or it ended)."""
    now = timezone.now()
    return bool(
        model._default_manager.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, started=now, heartbeat=now, stage=first_stage, percent=0
        )
    )


def end(model: type[M], job_id: int, status: str, *, failure: str = "", message: str = "") -> M | None:
    """Record a job's end (in the caller's transaction, the row locked), if it is still active: its status,
    failure and reason, 100% when done, the time, and a change record. The job, or None."""
    job = model._default_manager.select_for_update().filter(pk=job_id, status__in=JOB_ACTIVE).first()
    if job is None:
        return None
    before = snapshot(job)
    fields: Any = job
    fields.status = status
    fields.failure = failure
    fields.message = message[:2000]
    fields.percent = 100 if status == JobStatus.DONE else fields.percent
    fields.finished = timezone.now()
    job.save()
    record_change(action=Action.UPDATE, instance=job, before=before)
    return job


def stale_ids(model: type[models.Model], stale_after: datetime.timedelta) -> list[int]:
    """The running jobs whose progress stopped ``stale_after`` ago (their worker died)."""
    limit = timezone.now() - stale_after
    stale = model._default_manager.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat__lt=limit) | Q(heartbeat__isnull=True, started__lt=limit)
    )
    return list(stale.order_by("pk").values_list("pk", flat=True))


def is_stalled(job: Any, stale_after: datetime.timedelta) -> bool:
    """Whether a running job has reported no progress for ``stale_after`` (a page finding it so asks for
    the recovery)."""
    last = job.heartbeat or job.started or job.created
    return bool(job.status == JobStatus.RUNNING and last < timezone.now() - stale_after)


def queued_ids(model: type[models.Model]) -> list[int]:
    """The queued jobs, oldest first (their tasks are queued again when a worker starts: one whose task was
    lost then runs; one whose task still waits runs once all the same, the second task finding it claimed)."""
    return list(model._default_manager.filter(status=JobStatus.QUEUED).order_by("pk").values_list("pk", flat=True))
