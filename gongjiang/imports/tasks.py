"""Running import jobs in the background (django-tasks).

A job (``ImportJob``) runs as the task ``import_job_task``, queued once the job's row is committed;
``import_job_run`` claims it (queued → running, a conditional update), so it never runs twice. When a
worker starts, ``import_jobs_recover`` marks the jobs whose worker died as failed and
``import_jobs_requeue`` queues the waiting ones again (a task lost with its queue runs after all).
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from gongjiang.core import jobs
from gongjiang.core.audit import audit_context
from gongjiang.core.models import ChangeRecord
from gongjiang.core.tasks import stalled
from gongjiang.imports import storage
from gongjiang.imports.models import ImportJob
from gongjiang.imports.processing import import_file
from gongjiang.imports.reports import report_bytes, report_rows

log = logging.getLogger(__name__)

STALE_AFTER = datetime.timedelta(minutes=15)


def import_job_claim(*, job_id: int) -> bool:
    """Take a queued job for running (atomic on both databases); False if someone else has it."""
    return bool(
        ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING, started=timezone.now(), progress=0, stage="reading"
        )
    )


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job to its end; records its outcome on the job. Returns None if it was not queued."""
    if not import_job_claim(job_id=job_id):
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    writer = storage.ProgressWriter(job.pk)
    language = job.language or settings.LANGUAGE_CODE
    try:
        with (
            translation.override(language),
            audit_context(source=ChangeRecord.Source.TASK, actor=job.created_by, request_id=job.request_id or None),
        ):
            data = storage.load(job.stored_name)
            result = import_file(
                kind=job.kind,
                data=data,
                filename=job.original_name,
                actor=job.created_by,
                mode=job.mode,
                partial=job.partial,
                progress=writer,
                job_id=job.pk,
            )
            report = ""
            if not result.ok:
                rows = report_rows(errors=result.errors, file_errors=result.file_errors)
                report = storage.store(report_bytes(rows, "csv"), ".report.csv")
    except (PermissionDenied, ValidationError) as exc:
        _finish(job, status=ImportJob.Status.FAILED, summary={"file_errors": [_message(exc)]})
        return job
    except Exception:
        log.exception("import job %s failed", job_id)
        _finish(
            job,
            status=ImportJob.Status.FAILED,
            summary={"file_errors": [_("The import failed unexpectedly; nothing was written. Try it again.")]},
        )
        return job
    storage.remove(job.report_name)
    job.report_name = report
    job.total_rows, job.error_rows, job.error_count = result.total_rows, result.error_rows, result.errors.height
    job.create_count, job.update_count, job.unchanged_count = result.created, result.updated, result.unchanged
    if result.status in (ImportJob.Status.IMPORTED, ImportJob.Status.PARTIAL) or result.file_errors:
        storage.remove(job.stored_name)  # imported, or unreadable: the upload is no longer needed
        job.stored_name = ""
    _finish(job, status=result.status, summary=result.summary())
    return job


@task()
def import_job_task(*, job_id: int) -> str:
    """The background task of a job: runs it if it is still queued. Returns the job's final status
    (``not queued`` when another run had claimed it)."""
    job = import_job_run(job_id=job_id)
    return job.status if job is not None else "not queued"


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


def _finish(job: ImportJob, *, status: str, summary: dict[str, Any]) -> None:
    job.status = status
    job.summary = summary
    job.progress = 100
    job.stage = "done"
    job.finished = timezone.now()
    job.save()
    storage.clear_progress(job.pk)


def import_jobs_recover(*, stale_after: datetime.timedelta = STALE_AFTER) -> int:
    """Mark running jobs whose progress stopped long ago (their worker died) as failed."""
    count = 0
    for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING):
        if stalled(storage.progress_path(job.pk), started=job.started, after=stale_after):
            _finish(
                job,
                status=ImportJob.Status.FAILED,
                summary={"file_errors": [_("The import was interrupted; nothing was written. Start it again.")]},
            )
            count += 1
    return count


def import_jobs_requeue() -> int:
    """Queue the task of every queued job again. A job whose task was lost (the queue's server was down
    when it was queued) then runs; one whose task is still waiting runs once all the same, since the
    second task to come finds it claimed and does nothing."""
    return jobs.requeue(ImportJob, import_job_task)


def recover_on_worker_start() -> str:
    """The imports app's worker start hook (``core.tasks.on_worker_start``): jobs whose worker died are
    marked failed, queued jobs are queued again."""
    failed, queued = import_jobs_recover(), import_jobs_requeue()
    lines = [f"imports: marked {failed} interrupted jobs as failed"] if failed else []
    lines += [f"imports: queued {queued} waiting jobs again"] if queued else []
    return "\n".join(lines)
