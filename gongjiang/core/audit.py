"""Explicit change records, the one audit API. Services call it inside their transaction:

* :func:`record_change`: one object created, updated or deleted;
* :func:`record_many`: one record per object for objects changed together;
* :func:`record_set`: one record for a set operation over many rows (a bulk load, a roster);

with an :data:`Action` (create, update, delete, bulk create).

The audit context (who, which request or batch, which channel) is set once per request by
:class:`gongjiang.core.middleware.AuditContextMiddleware`, per command by :func:`audit_context`,
and per task by the task runner, so every write path records the same way.
"""

from __future__ import annotations

import contextvars
import datetime
import decimal
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from gongjiang.core import changefeed
from gongjiang.core.models import ChangeRecord

Action = ChangeRecord.Action
REDACTED = "[redacted]"
CHANGED = "[redacted, changed]"


@dataclass
class AuditContext:
    source: str
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    actor: Any = None  # a User, or None for the system
    request: Any = None  # the HttpRequest, whose user is resolved late (API token auth)

    def resolve_actor(self) -> Any:
        if self.request is not None:
            user = getattr(self.request, "user", None)
            if user is not None and user.is_authenticated:
                return user
        return self.actor


_current: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar("gongjiang_audit", default=None)


def current() -> AuditContext:
    ctx = _current.get()
    if ctx is None:
        # A write outside any declared context (a shell, a test) is still recorded, as the system.
        ctx = AuditContext(source="cli")
        _current.set(ctx)
    return ctx


@contextmanager
def audit_context(
    *, source: str, actor: Any = None, request: Any = None, request_id: str | None = None
) -> Iterator[AuditContext]:
    ctx = AuditContext(source=source, actor=actor, request=request, request_id=request_id or uuid.uuid4().hex)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The object's concrete field values; personal-data fields appear only as redacted markers."""
    pii = set(getattr(instance, "PII_FIELDS", ()))
    data: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        name = f.attname
        value = getattr(instance, name)
        if f.name in pii or name in pii:
            data[f.name] = REDACTED if value else ""
            # The blind index lets a reviewer see *that* the value changed without seeing it.
            continue
        data[name] = _jsonable(value)
    for hidden in getattr(instance, "AUDIT_EXCLUDE", ()):
        data.pop(hidden, None)
    # Names are personal information too: a record keeps only their masked form (张*三).
    for name, mask in getattr(instance, "AUDIT_MASK", {}).items():
        if data.get(name):
            data[name] = mask(data[name])
    return data


def _pii_changed(instance: models.Model, old: models.Model | None) -> dict[str, str]:
    """For PII fields, compare the blind-index/decrypted state, not the (randomised) ciphertext."""
    marks: dict[str, str] = {}
    if old is None or getattr(instance, "pii_fingerprint", None) is None:
        return marks
    now_fp, old_fp = instance.pii_fingerprint(), old.pii_fingerprint()  # type: ignore[attr-defined]
    for name in now_fp:
        if now_fp[name] != old_fp.get(name):
            marks[name] = CHANGED
    return marks


def _actor_fields(ctx: AuditContext) -> dict[str, Any]:
    actor = ctx.resolve_actor()
    return {
        "actor": actor,
        "actor_label": getattr(actor, "username", "") or "system",
        "source": ctx.source,
        "request_id": ctx.request_id,
    }


def _region_of(instance: models.Model) -> str:
    region = getattr(instance, "audit_region_code", "") or ""
    return region if isinstance(region, str) else ""


def _record(
    common: dict[str, Any],
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None,
    old: models.Model | None,
) -> ChangeRecord:
    after = None if action == Action.DELETE else snapshot(instance)
    if after is not None and action == Action.UPDATE:
        after.update(_pii_changed(instance, old))
    return ChangeRecord(
        **common,
        action=action,
        model=instance._meta.label,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        region_code=_region_of(instance),
        before=before,
        after=after,
    )


def record_change(
    *,
    action: str,
    instance: models.Model,
    before: dict[str, Any] | None = None,
    old: models.Model | None = None,
) -> ChangeRecord:
    """Write one change record for ``instance``. ``before`` is a :func:`snapshot` taken before an update;
    ``old`` the object as it was, so that a changed personal-data field shows as changed."""
    record = _record(_actor_fields(current()), action, instance, before, old)
    record.save()
    _publish([record])
    return record


def record_many(
    *,
    action: str,
    instances: Sequence[models.Model],
    befores: Sequence[dict[str, Any] | None] = (),
    olds: Sequence[models.Model | None] = (),
    batch_size: int = 2000,
) -> int:
    """One change record per object, inserted together (claims approved at once, rows updated by an import)."""
    if not instances:
        return 0
    common = _actor_fields(current())
    befores = list(befores) or [None] * len(instances)
    olds = list(olds) or [None] * len(instances)
    rows = [
        _record(common, action, instance, before, old)
        for instance, before, old in zip(instances, befores, olds, strict=True)
    ]
    ChangeRecord.objects.bulk_create(rows, batch_size=batch_size)
    _publish(rows)
    return len(rows)


def record_set(
    *,
    model: type[models.Model],
    count: int,
    detail: dict[str, Any],
    region_code: str = "",
    action: str = Action.BULK_CREATE,
) -> ChangeRecord:
    """One record for a set operation over ``count`` rows of ``model`` (a bulk load, an uploaded roster,
    results matched), with its parameters; not one record per row."""
    record = ChangeRecord.objects.create(
        **_actor_fields(current()),
        action=action,
        model=model._meta.label,
        object_id="",
        object_repr=f"{count} {model._meta.verbose_name_plural}",
        region_code=region_code,
        before=None,
        after={"rows": count, **detail},
    )
    _publish([record], count=count, detail=detail)
    return record


def _publish(records: Sequence[ChangeRecord], *, count: int = 1, detail: dict[str, Any] | None = None) -> None:
    """Hand what was just recorded to the subscribers of its models (core/changefeed.py), in this
    transaction."""
    changes = [
        changefeed.Change(r.model, r.action, r.object_id, r.before, count, detail)
        for r in records
        if changefeed.followed(r.model)
    ]
    if changes:
        changefeed.publish(changes)
