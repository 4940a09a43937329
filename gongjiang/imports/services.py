"""Import jobs as people use them: an upload stored (encrypted) and queued for its check, a checked file
confirmed for import (all of it, or its valid rows), a job discarded. Each authorizes its actor, records
its change, and queues the job's task (``imports.tasks``) once the job's row is committed."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from gongjiang.core.audit import Action, current, record_change, snapshot
from gongjiang.core.models import ChangeRecord
from gongjiang.core.tabular import FileRejected
from gongjiang.core.tasks import enqueue_on_commit
from gongjiang.imports import storage
from gongjiang.imports.models import ImportJob
from gongjiang.imports.processing import authorize_import
from gongjiang.imports.readers import check_size
from gongjiang.imports.tasks import import_job_task


@transaction.atomic
def import_job_create(*, actor: Any, kind: str, data: bytes, filename: str, language: str = "") -> ImportJob:
    """Store an uploaded file (encrypted) and queue its check."""
    authorize_import(actor=actor, kind=kind)
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
            created_by=actor,
            region_code=getattr(actor, "region_code", "") or "",
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
def import_job_confirm(*, actor: Any, job: ImportJob, partial: bool = False) -> ImportJob:
    """Import a checked file: all of it, or (``partial``) its valid rows."""
    authorize_import(actor=actor, kind=job.kind)
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
def import_job_discard(*, actor: Any, job: ImportJob) -> ImportJob:
    """Delete the stored file of a job that will not be imported."""
    authorize_import(actor=actor, kind=job.kind)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        raise ValidationError({"status": _("The job is still running.")})
    before = snapshot(job)
    storage.remove(job.stored_name)
    job.stored_name = ""
    job.save(update_fields=["stored_name"])
    record_change(action=Action.UPDATE, instance=job, before=before)
    return job
