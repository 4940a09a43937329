"""A record's change history as people read it: who (by name), when, through which channel, and which
fields changed, named as the model names them (in the page's language), never by column name. A model
names its stored personal-data columns in ``AUDIT_LABELS`` (``id_number_enc`` and ``id_index`` are both
the ID number)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils.translation import gettext as _

from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import can, restrict

HISTORY_ROWS = 50


@dataclass(frozen=True)
class HistoryRow:
    record: ChangeRecord
    actor: str
    fields: list[str]


def field_label(model: type[Model] | None, name: str) -> str:
    """The verbose name of a model's field given a snapshot key (``name`` or ``name_id``, or a personal
    data column such as ``id_number_enc``); the key itself only when the model does not know it."""
    if model is None:
        return name
    labels = getattr(model, "AUDIT_LABELS", {})
    if name in labels:
        return str(labels[name])
    for candidate in (name, name.removesuffix("_id")):
        try:
            field = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        return str(getattr(field, "verbose_name", candidate))
    return name


def _stamp(model: type[Model] | None, name: str) -> bool:
    """A time stamp the database keeps by itself (``updated``): it changes with every change."""
    try:
        field = model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return False
    return bool(getattr(field, "auto_now", False))


def actor_name(record: ChangeRecord) -> str:
    actor = record.actor
    if actor is not None:
        return actor.get_full_name() or actor.username
    if record.actor_label and record.actor_label != "system":
        return record.actor_label
    return _("System")


def history_rows(records: list[ChangeRecord]) -> list[HistoryRow]:
    out = []
    for record in records:
        try:
            model: type[Model] | None = apps.get_model(record.model)
        except (LookupError, ValueError):
            model = None
        labels: list[str] = []
        for name in record.changed_fields():
            if _stamp(model, name):
                continue
            label = field_label(model, name)
            if label not in labels:
                labels.append(label)
        out.append(HistoryRow(record=record, actor=actor_name(record), fields=labels))
    return out


def object_history(user: Any, obj: Model) -> list[HistoryRow]:
    """The last changes of ``obj`` the user may see (the change log's own scope applies)."""
    if not can(user, "view", ChangeRecord):
        return []
    records = ChangeRecord.objects.filter(model=obj._meta.label, object_id=str(obj.pk)).select_related("actor")
    return history_rows(list(restrict(records, user).order_by("-time", "-id")[:HISTORY_ROWS]))
