"""Background jobs kept as rows of their own model: the pieces the wage estimation and the manpower forecast
share.

A job's model inherits :class:`JobFields`: ``status`` (queued, running, done, failed), ``stage``,
``percent``, ``language``, ``created_by``, ``started``, ``heartbeat``, ``finished``, ``failure`` and
``message``. The running task writes its stage, percentage and heartbeat outside any transaction
(:class:`RowProgress`, a conditional update that also tells the task when its job was ended meanwhile); a
task takes a queued job by a conditional update (:func:`claim`), so a job is never run twice, and runs its
work through :func:`run_guarded`, which ends the job as failed on a refusal or an error; the work locks the
job's row before saving its results (:func:`lock_running`) and :func:`end` records the end in the caller's
transaction, with a change record. A running job whose heartbeat stopped (its worker died) is ended as
failed by :func:`recover_stale`, and the tasks of queued jobs are queued again by :func:`requeue` when a
worker starts.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django_tasks.base import Task

from gongjiang.core.audit import Action, audit_context, record_change, snapshot
from gongjiang.core.models import ChangeRecord

M = TypeVar("M", bound=models.Model)


class JobStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("background job", "Queued")
    RUNNING = "running", pgettext_lazy("background job", "Running")
    DONE = "done", pgettext_lazy("background job", "Done")
    FAILED = "failed", pgettext_lazy("background job", "Failed")


JOB_ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)

# The failures of a job, the values of every job model's failure choices (whose labels name the job).
REFUSED = "refused"
INTERRUPTED = "interrupted"
UNEXPECTED = "unexpected"


def stage_field(choices: type[models.TextChoices] | None = None) -> models.CharField[Any, Any]:
    """A job's ``stage``: a job model declares it again with the choices of its stages."""
    listed = None if choices is None else choices.choices
    return models.CharField(gettext_lazy("stage"), max_length=16, choices=listed, blank=True, default="")


def failure_field(choices: type[models.TextChoices] | None = None) -> models.CharField[Any, Any]:
    """A job's ``failure``: a job model declares it again with the choices of its failures (the values
    :data:`REFUSED`, :data:`INTERRUPTED` and :data:`UNEXPECTED`, labelled for that job)."""
    listed = None if choices is None else choices.choices
    return models.CharField(gettext_lazy("failure"), max_length=12, choices=listed, blank=True, default="")


class JobFields(models.Model):
    """The fields of a background job kept as a row: its status, stage and percentage, the officer who
    started it and their language (the job runs on their behalf and words its failures in it), when it
    started, last reported progress and finished, and why it failed. A job model declares ``stage`` and
    ``failure`` again with its own choices (:func:`stage_field`, :func:`failure_field`)."""

    status = models.CharField(
        gettext_lazy("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    stage = stage_field()
    percent = models.PositiveSmallIntegerField(gettext_lazy("progress (%)"), default=0)
    language = models.CharField(gettext_lazy("language"), max_length=10, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started = models.DateTimeField(gettext_lazy("started"), null=True, blank=True)
    heartbeat = models.DateTimeField(gettext_lazy("last progress"), null=True, blank=True)
    finished = models.DateTimeField(gettext_lazy("finished"), null=True, blank=True)
    failure = failure_field()
    message = models.TextField(gettext_lazy("reason"), blank=True, default="")

    class Meta:
        abstract = True

    @property
    def active(self) -> bool:
        return self.status in JOB_ACTIVE


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


def lock_running(model: type[models.Model], job_id: int) -> None:
    """Lock a running job's row (in the caller's transaction) before its results are saved: a recovery
    marking it interrupted now waits for the save, or has already done so, and then :class:`Abandoned` is
    raised and nothing is saved."""
    if model._default_manager.select_for_update().filter(pk=job_id, status=JobStatus.RUNNING).first() is None:
        raise Abandoned


def refusal(exc: Exception) -> str:
    """The reason of a refusal, in the current language."""
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc) or _("Your account may not do this.")


def run_guarded(job: JobFields, work: Callable[[], object], *, log: logging.Logger, failed_log: str) -> None:
    """Run the work of a claimed job in the language of the officer who started it and on their behalf (its
    change records from a task), ending the job as failed if the work does not end it: on a refusal
    (``PermissionDenied``, ``ValidationError``) with its reason in that language; on an error with the
    generic reason of its failure choices (the error logged to ``log`` as ``failed_log % job.pk``, no data
    of the job); when the job was ended meanwhile (:class:`Abandoned`) its work is dropped."""
    model = type(job)
    with (
        translation.override(job.language or settings.LANGUAGE_CODE),
        audit_context(source=ChangeRecord.Source.TASK, actor=job.created_by),
    ):
        try:
            work()
        except Abandoned:
            pass
        except (PermissionDenied, ValidationError) as exc:
            with transaction.atomic():
                end(model, job.pk, JobStatus.FAILED, failure=REFUSED, message=refusal(exc))
        except Exception:
            log.exception(failed_log, job.pk)
            with transaction.atomic():
                end(model, job.pk, JobStatus.FAILED, failure=UNEXPECTED)


def recover_stale(model: type[models.Model], stale_after: datetime.timedelta) -> int:
    """End the running jobs whose progress stopped ``stale_after`` ago (their worker died) as failed, as
    interrupted, each in its own transaction with a change record from a task; how many."""
    count = 0
    with audit_context(source=ChangeRecord.Source.TASK):
        for job_id in stale_ids(model, stale_after):
            with transaction.atomic():
                ended = end(model, job_id, JobStatus.FAILED, failure=INTERRUPTED)
            count += ended is not None
    return count


def requeue(model: type[models.Model], task: Task[..., Any], *, argument: str = "job_id") -> int:
    """Queue ``task`` again for every queued job, passing its id as ``argument`` (see :func:`queued_ids`);
    how many."""
    ids = queued_ids(model)
    for job_id in ids:
        task.enqueue(**{argument: job_id})
    return len(ids)
