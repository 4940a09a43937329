"""Checking and importing one file, the whole pipeline.

``import_file`` reads the upload (``readers``, i.e. ``core.tabular`` with the kind's columns), validates and
plans on whole columns (the kind's ``prepare``), then, when importing, writes in one transaction: new rows
through ``core.bulk.copy_frame`` (COPY on PostgreSQL), changed rows through ``core.bulk.update_frame``, one
change record per changed row (before and after, personal data redacted) and one bulk record per model for
the new rows. A file with any error writes nothing unless ``partial`` is asked for, in which case the clean
rows are written and the rest reported. File-level problems always reject the file.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import Action, record_many, record_set, snapshot
from gongjiang.core.bulk import copy_frame, update_frame
from gongjiang.core.models import Role
from gongjiang.core.scope import ScopeDenied, in_scope
from gongjiang.core.tabular import FileRejected, HeaderError
from gongjiang.imports import kinds
from gongjiang.imports.models import ImportJob
from gongjiang.imports.readers import read_upload
from gongjiang.imports.validation import ERROR_SCHEMA, Context, Validation
from gongjiang.reference.regions import scope_prefix

log = logging.getLogger(__name__)

PREVIEW_ERRORS = 200
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


def _prefix_for(actor: Any) -> str | None:
    """The region prefix an actor's rows are confined to; None means everywhere (system, superuser)."""
    if actor is None or actor.is_superuser:
        return None
    return scope_prefix(actor.region_code)


def authorize_import(*, actor: Any, kind: str) -> None:
    """An import adds and changes records of the kind's model in the actor's own region: officers bound to
    a region (and superusers, and the system) import; nobody else. Each row is then held to the actor's
    subtree as it is validated."""
    if not kinds.is_registered(kind):
        raise ValidationError({"kind": _("Unknown import kind %(k)s.") % {"k": kind}})
    if actor is None:
        return
    model = kinds.get(kind).model
    region = actor.region_code or ""
    if not actor.is_superuser and (actor.role != Role.OFFICER or not region):
        raise ScopeDenied(_("Only officers bound to a region may import."))
    for action in ("add", "change"):
        if not in_scope(actor, action, model, region_code=region):
            raise ScopeDenied(_("You may not import %(kind)s.") % {"kind": model._meta.verbose_name_plural})


def import_file(
    *,
    kind: str,
    data: bytes,
    filename: str,
    actor: Any,
    mode: str = ImportJob.Mode.CHECK,
    partial: bool = False,
    progress: Progress | None = None,
    job_id: int | None = None,
) -> ImportResult:
    """Check (``mode="check"``) or import (``mode="import"``) one file of ``kind``."""
    authorize_import(actor=actor, kind=kind)
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
        prefix=_prefix_for(actor),
        today=timezone.localdate(),
        now=timezone.now().strftime("%Y-%m-%d %H:%M:%S"),
        progress=lambda f: say("validating", f),
        actor=actor,
    )
    validation = Validation(raw.frame, spec.columns, raw.headers.headers)
    validation.add_rows(raw.ragged)
    del raw
    write = mode == ImportJob.Mode.IMPORT
    # When importing, validation and writes in one transaction: what was checked is what is written.
    with transaction.atomic() if write else contextlib.nullcontext():
        _plan_and_write(
            validation, ctx, result, spec=spec, write=write, say=say, filename=filename, job_id=job_id, actor=actor
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
    actor: Any,
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
        record_set(model=model, count=new.height, detail=detail, region_code=getattr(actor, "region_code", "") or "")
    say("writing", 0.7)
    if changed.height:
        updates = prepared.build_updates(changed)
        _record_updates(model, updates, prepared.update_fields, related=spec.related)
        update_frame(model, updates)
        if prepared.after_updates is not None:
            prepared.after_updates(updates)
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
