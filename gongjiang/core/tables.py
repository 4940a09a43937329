"""The change log's columns: who, when, through which channel, what, and which fields, in plain words."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from gongjiang.core.filtersets import model_label
from gongjiang.core.history import actor_name, history_rows, list_separator
from gongjiang.core.models import ChangeRecord


class ChangeRecordTable(tables.Table):
    time = tables.DateTimeColumn(
        verbose_name=_("Time"), format="Y-m-d H:i:s", linkify=("change-log-detail", [tables.A("pk")])
    )
    actor = tables.Column(verbose_name=_("Actor"), accessor="actor_label")
    source = tables.Column(verbose_name=_("Source"))
    action = tables.Column(verbose_name=_("Action"))
    model = tables.Column(verbose_name=_("Object type"))
    object_repr = tables.Column(verbose_name=_("Object"))
    fields = tables.Column(verbose_name=_("Changed fields"), accessor="pk", orderable=False)
    request_id = tables.Column(verbose_name=_("Request"), orderable=False)

    class Meta:
        model = ChangeRecord
        fields = ("time", "actor", "source", "action", "model", "object_repr", "fields", "request_id")
        attrs = {"class": "table table-sm table-striped bg-white", "id": "change-log"}
        empty_text = _("No change records match.")

    def render_actor(self, record: ChangeRecord) -> str:
        return actor_name(record)

    def render_model(self, value: str) -> str:
        return model_label(value)

    def render_fields(self, record: ChangeRecord) -> str:
        return list_separator().join(history_rows([record])[0].fields)

    def render_request_id(self, value: str) -> str:
        return value[:12]
