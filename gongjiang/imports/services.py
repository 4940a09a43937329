"""Imports: check a file, import it, and the jobs that run both in the background.

``import_file`` is the whole pipeline for one file: read (``readers``, i.e. ``core.tabular`` with the
kind's columns), validate and plan on whole columns (the kind's ``prepare``), then, when importing,
write in one transaction: new rows through ``core.bulk.copy_frame`` (COPY on PostgreSQL), changed rows
through ``core.bulk.update_frame``, one change record per changed row (before and after, personal data
redacted) and one bulk record per model for the new rows. A file with any error writes nothing unless
``partial`` is asked for, in which case the clean rows are written and the rest reported. File-level
problems always reject the file.

A job (``ImportJob``) runs as the django-tasks task ``import_job_task``, queued once the job's row is
committed; ``import_job_run`` claims it (queued → running, a conditional update), so it never runs
twice. When a worker starts, ``import_jobs_recover`` marks the jobs whose worker died as failed and
``import_jobs_requeue`` queues the waiting ones again (a task lost with its queue runs after all).
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from gongjiang.core.audit import Action, audit_context, current, record_change, record_many, record_set, snapshot
from gongjiang.core.bulk import copy_frame, update_frame
from gongjiang.core.models import ChangeRecord, Role
from gongjiang.core.scope import can
from gongjiang.core.tabular import FileRejected, HeaderError
from gongjiang.core.tasks import enqueue_on_commit, stalled
from gongjiang.imports import kinds, storage
from gongjiang.imports.models import ImportJob
from gongjiang.imports.readers import check_size, read_upload
from gongjiang.imports.reports import report_bytes, report_rows
from gongjiang.imports.validation import ERROR_SCHEMA, Context, Validation
from gongjiang.reference.regions import scope_prefix

log = logging.getLogger(__name__)

PREVIEW_ERRORS = 200
STALE_AFTER = datetime.timedelta(minutes=15)
Progress = Callable[[str, float], None]


def _no_progress(stage: str, fraction: float) -> None:
    return None


@dataclass
class ImportResult:
    kind: str
    mode: str
    partial: bool
    status: str = ImportJob.Status.REJECTED
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0
    errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ERROR_SCHEMA))
    file_errors: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    blank_rows: int = 0
    file_format: str = ""
    encoding: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.file_errors and self.errors.height == 0

    def summary(self) -> dict[str, Any]:
        return {
            "file_errors": self.file_errors,
            "ignored_columns": self.ignored_columns,
            "blank_rows": self.blank_rows,
            "format": self.file_format,
            "encoding": self.encoding,
            "seconds": round(self.seconds, 2),
            "errors_preview": self.errors.head(PREVIEW_ERRORS).to_dicts(),
        }


def _prefix_for(user: Any) -> str | None:
    """The region prefix a user's import is confined to; None means everywhere (system, superuser)."""
    if user is None or user.is_superuser:
        return None
    return scope_prefix(user.region_code)


def check_permission(*, user: Any, kind: str) -> None:
    """Officers with a region (and superusers) import; nobody else."""
    if not kinds.is_registered(kind):
        raise ValidationError({"kind": _("Unknown import kind %(k)s.") % {"k": kind}})
    if user is None:
        return
    model = kinds.get(kind).model
    if not (can(user, "add", model) and can(user, "change", model)):
        raise PermissionDenied(_("You may not import %(kind)s.") % {"kind": model._meta.verbose_name_plural})
    if not user.is_superuser and (user.role != Role.OFFICER or not user.region_code):
        raise PermissionDenied(_("Only officers bound to a region may import."))


def import_file(
    *,
    kind: str,
    data: bytes,
    filename: str,
    user: Any = None,
    mode: str = ImportJob.Mode.CHECK,
    partial: bool = False,
    progress: Progress | None = None,
    job_id: int | None = None,
) -> ImportResult:
    """Check (``mode="check"``) or import (``mode="import"``) one file of ``kind``."""
    check_permission(user=user, kind=kind)
    started = time.perf_counter()
    say: Progress = progress or _no_progress
    result = ImportResult(kind=kind, mode=mode, partial=partial)
    say("reading", 0.0)
    try:
        raw = read_upload(data, filename, kind, progress=lambda f: say("reading", f))
    except (FileRejected, HeaderError) as exc:
        result.file_errors = [str(exc)]
        result.seconds = time.perf_counter() - started
        say("done", 1.0)
        return result
    del data
    result.file_format, result.encoding = raw.file_format, raw.encoding
    result.ignored_columns, result.blank_rows = raw.headers.ignored, raw.blank_rows
    result.total_rows = raw.frame.height + len(raw.ragged)
    if result.total_rows == 0:
        result.file_errors = [_("The file has headers but no data rows.")]
        result.seconds = time.perf_counter() - started
        say("done", 1.0)
        return result
    spec = kinds.get(kind)
    ctx = Context(
        kind=kind,
        prefix=_prefix_for(user),
        today=timezone.localdate(),
        now=timezone.now().strftime("%Y-%m-%d %H:%M:%S"),
        progress=lambda f: say("validating", f),
    )
    validation = Validation(raw.frame, spec.columns, raw.headers.headers)
    validation.add_rows(raw.ragged)
    del raw
    write = mode == ImportJob.Mode.IMPORT
    # When importing, validation and writes in one transaction: what was checked is what is written.
    with transaction.atomic() if write else contextlib.nullcontext():
        _plan_and_write(
            validation, ctx, result, spec=spec, write=write, say=say, filename=filename, job_id=job_id, user=user
        )
    result.seconds = time.perf_counter() - started
    say("done", 1.0)
    return result


def _plan_and_write(
    validation: Validation,
    ctx: Context,
    result: ImportResult,
    *,
    spec: kinds.Kind,
    write: bool,
    say: Progress,
    filename: str,
    job_id: int | None,
    user: Any,
) -> None:
    prepared = spec.prepare(validation, ctx)
    errors = validation.errors()
    result.errors = errors
    result.error_rows = errors["row"].n_unique() if errors.height else 0
    clean = prepared.frame.filter(validation.all_ok())
    new = clean.filter(pl.col("existing_id").is_null())
    changed = clean.filter(pl.col("existing_id").is_not_null() & pl.col("changed"))
    result.created, result.updated = new.height, changed.height
    result.unchanged = clean.height - new.height - changed.height
    if errors.height == 0:
        result.status = ImportJob.Status.IMPORTED if write else ImportJob.Status.CHECKED
    elif write and result.partial and clean.height:
        result.status = ImportJob.Status.PARTIAL
    else:
        result.status = ImportJob.Status.REJECTED
    if not write or result.status == ImportJob.Status.REJECTED:
        return
    model = prepared.model
    say("writing", 0.0)
    if new.height:
        if prepared.create_order:
            new = new.sort(prepared.create_order)
        copy_frame(model, new, build=prepared.build_creates)
        detail = {"import": ctx.kind, "file": filename[:100], "job": job_id}
        record_set(model=model, count=new.height, detail=detail, region_code=getattr(user, "region_code", "") or "")
    say("writing", 0.7)
    if changed.height:
        updates = prepared.build_updates(changed)
        _record_updates(model, updates, prepared.update_fields, related=spec.related)
        update_frame(model, updates)
    say("writing", 1.0)


def _record_updates(
    model: type[models.Model], updates: pl.DataFrame, fields: list[str], *, related: tuple[str, ...]
) -> None:
    """One change record per changed row, with the snapshots the services write (personal data redacted)."""
    ids = updates["id"].to_list()
    row_by_id = {r["id"]: r for r in updates.select("id", *fields).iter_rows(named=True)}
    now = timezone.now()
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        objects = model._default_manager.select_related(*related).in_bulk(chunk)
        befores, olds, news = [], [], []
        for pk in chunk:
            obj = objects[pk]
            befores.append(snapshot(obj))
            olds.append(copy.copy(obj))
            for name, value in row_by_id[pk].items():
                if name != "id":
                    setattr(obj, name, value)
            if hasattr(obj, "updated"):
                obj.updated = now
            news.append(obj)
        record_many(action=Action.UPDATE, instances=news, befores=befores, olds=olds)


# ------------------------------------------------------------------------------------------------
# jobs
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def import_job_create(*, user: Any, kind: str, data: bytes, filename: str, language: str = "") -> ImportJob:
    """Store an uploaded file (encrypted) and queue its check."""
    check_permission(user=user, kind=kind)
    try:
        check_size(len(data))
    except FileRejected as exc:
        raise ValidationError({"file": str(exc)}) from None
    name = (filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200]
    stored = storage.store(data, ".upload")
    try:
        job = ImportJob.objects.create(
            kind=kind,
            mode=ImportJob.Mode.CHECK,
            original_name=name,
            size=len(data),
            stored_name=stored,
            created_by=user,
            region_code=getattr(user, "region_code", "") or "",
            language=language or translation.get_language() or "",
            request_id=current().request_id,
        )
        record_change(action=ChangeRecord.Action.CREATE, instance=job)
    except BaseException:
        storage.remove(stored)
        raise
    enqueue_on_commit(import_job_task, job_id=job.pk)
    return job


@transaction.atomic
def import_job_confirm(*, job: ImportJob, user: Any, partial: bool = False) -> ImportJob:
    """Import a checked file: all of it, or (``partial``) its valid rows."""
    check_permission(user=user, kind=job.kind)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not job.can_confirm:
        raise ValidationError({"status": _("This file cannot be imported in its present state.")})
    if job.status == ImportJob.Status.REJECTED and not partial:
        raise ValidationError({"partial": _("The file has errors: fix them, or import only its valid rows.")})
    before = snapshot(job)
    job.mode = ImportJob.Mode.IMPORT
    job.partial = partial
    job.status = ImportJob.Status.QUEUED
    job.progress = 0
    job.stage = ""
    job.request_id = current().request_id
    job.save(update_fields=["mode", "partial", "status", "progress", "stage", "request_id"])
    record_change(action=Action.UPDATE, instance=job, before=before)
    enqueue_on_commit(import_job_task, job_id=job.pk)
    return job


@transaction.atomic
def import_job_discard(*, job: ImportJob, user: Any) -> ImportJob:
    """Delete the stored file of a job that will not be imported."""
    check_permission(user=user, kind=job.kind)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        raise ValidationError({"status": _("The job is still running.")})
    before = snapshot(job)
    storage.remove(job.stored_name)
    job.stored_name = ""
    job.save(update_fields=["stored_name"])
    record_change(action=Action.UPDATE, instance=job, before=before)
    return job


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
                user=job.created_by,
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
    ids = list(ImportJob.objects.filter(status=ImportJob.Status.QUEUED).order_by("pk").values_list("pk", flat=True))
    for job_id in ids:
        import_job_task.enqueue(job_id=job_id)
    return len(ids)


def recover_on_worker_start() -> str:
    """The imports app's worker start hook (``core.tasks.on_worker_start``): jobs whose worker died are
    marked failed, queued jobs are queued again."""
    failed, queued = import_jobs_recover(), import_jobs_requeue()
    lines = [f"imports: marked {failed} interrupted jobs as failed"] if failed else []
    lines += [f"imports: queued {queued} waiting jobs again"] if queued else []
    return "\n".join(lines)
