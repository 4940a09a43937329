"""A record's change history as people read it: who (by name), when, through which channel, and which
fields changed, named as the model names them (in the page's language), never by column name. A model
names its stored personal-data columns in ``AUDIT_LABELS`` (``id_number_enc`` and ``id_index`` are both
the ID number)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import can, restrict
from gongjiang.reference.selectors import region_name

HISTORY_ROWS = 50
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

# What a set operation (core.audit.record_set) records beside the number of rows it wrote, as people
# call it; a new key of a service's ``detail`` belongs here.
SET_DETAIL_LABELS = {
    "rows": gettext_lazy("Rows"),
    "region": gettext_lazy("Region"),
    "scale": gettext_lazy("Scale"),
    "seed": gettext_lazy("Random seed"),
    "synthetic": gettext_lazy("Synthetic data"),
    "source": gettext_lazy("Source"),
    "licence": gettext_lazy("Licence"),
    "mode": gettext_lazy("Mode"),
    "data_as_of": gettext_lazy("Data as of"),
    "persons": gettext_lazy("Persons"),
    "set": gettext_lazy("Policy set"),
    "version": gettext_lazy("Version"),
    "policy_sets": gettext_lazy("Policy sets"),
    "document": gettext_lazy("Document"),
    "class": gettext_lazy("Training class"),
    "step": gettext_lazy("Step"),
    "passed": gettext_lazy("Passed"),
    "not_passed": gettext_lazy("Not passed"),
    "eligible": gettext_lazy("Eligible"),
    "batch": gettext_lazy("Payment batch"),
    "total_fen": gettext_lazy("Total (fen)"),
    "status": gettext_lazy("Status"),
    "sample": gettext_lazy("Sample"),
    "year": gettext_lazy("Year"),
    "shortage": gettext_lazy("Shortage occupations"),
    "import": gettext_lazy("Import kind"),
    "file": gettext_lazy("File"),
    "job": gettext_lazy("Import job"),
    "plan": gettext_lazy("Evaluation plan"),
    "competition": gettext_lazy("Skill competition"),
    "award": gettext_lazy("Award"),
    "honour": gettext_lazy("Honour"),
    "as_of": gettext_lazy("As of"),
    "published": gettext_lazy("Results published"),
    "new": gettext_lazy("Rows added"),
    "changed": gettext_lazy("Rows changed"),
    "survey": gettext_lazy("Salary survey"),
    "response": gettext_lazy("Survey response"),
    "edition": gettext_lazy("Wage price edition"),
    "replaced": gettext_lazy("Rows replaced"),
}
# The values of a set operation's detail that are words of the code.
SET_DETAIL_VALUES = {
    ("mode", "full"): gettext_lazy("full rebuild"),
    ("mode", "incremental"): gettext_lazy("incremental update"),
    ("step", "results matched"): gettext_lazy("results matched"),
    ("synthetic", "wage survey"): gettext_lazy("synthetic salary survey"),
}


@dataclass(frozen=True)
class HistoryRow:
    record: ChangeRecord
    actor: str
    fields: list[str]


def field_label(model: type[Model] | None, name: str) -> str:
    """The verbose name of a model's field given a snapshot key (``name`` or ``name_id``, or a personal
    data column such as ``id_number_enc``); the key itself only when the model does not know it."""
    labels = getattr(model, "AUDIT_LABELS", {}) if model is not None else {}
    if name in labels:
        return str(labels[name])
    for candidate in (name, name.removesuffix("_id")) if model is not None else ():
        try:
            field = model._meta.get_field(candidate)  # type: ignore[union-attr]
        except FieldDoesNotExist:
            continue
        if getattr(field, "primary_key", False) and field.name == "id":
            return _("Record number")
        return str(getattr(field, "verbose_name", candidate))
    return str(SET_DETAIL_LABELS.get(name, name))


def value_label(model: type[Model] | None, name: str, value: Any) -> Any:
    """A snapshot's value as the page shows it: a choice by its label, yes or no, a region by its name, a
    time in local time."""
    if isinstance(value, str) and ISO_TIME.match(value):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return f"{moment:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return list_separator().join(str(value_label(model, name, v)) for v in value)
    if (name, value) in SET_DETAIL_VALUES:
        return str(SET_DETAIL_VALUES[(name, value)])
    field = None
    if model is not None:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
    choices = dict(getattr(field, "flatchoices", None) or ())
    if value in choices:
        return str(choices[value])
    if isinstance(value, str) and (name == "region" or name.endswith("region_code")) and value:
        shown = region_name(value)
        return f"{shown} ({value})" if shown != value else value
    if field is not None and (field.many_to_one or field.one_to_one) and value not in (None, ""):
        return _linked_label(field.related_model, value)
    return value


def _linked_label(related: Any, value: Any) -> Any:
    """A linked record by its name and its number ("张家港数控技能大师工作室 (723)"), where it still exists; a
    user by name, as the history names actors."""
    try:
        linked = related._default_manager.filter(pk=value).first()
    except (ValueError, TypeError, ValidationError):
        return value
    if linked is None:
        return value
    if isinstance(linked, AbstractBaseUser):
        shown = getattr(linked, "get_full_name", lambda: "")() or linked.get_username()
    else:
        shown = str(linked)
    return shown if f"({value})" in shown else f"{shown} ({value})"


def _stamp(model: type[Model] | None, name: str) -> bool:
    """A time stamp the database keeps by itself (``updated``): it changes with every change."""
    try:
        field = model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return False
    return bool(getattr(field, "auto_now", False))


def list_separator() -> str:
    """Between the items of a list in a sentence: "、" in Chinese, ", " in English."""
    return pgettext("list separator", ", ")


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
            if _stamp(model, name) or name in getattr(model, "AUDIT_INTERNAL", ()):
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
