"""The carrier register's columns."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from gongjiang.monitoring.models import Carrier
from gongjiang.reference.selectors import region_name


class CarrierTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=("carrier-detail", [tables.A("pk")]))
    kind = tables.Column(verbose_name=_("Kind"))
    status = tables.Column(verbose_name=_("Status"))
    level = tables.Column(verbose_name=_("Level"), default="")
    region_code = tables.Column(verbose_name=_("Region"), attrs={"td": {"class": "region"}})
    digital = tables.BooleanColumn(verbose_name=_("Digital"), yesno=("✓", ""))
    since = tables.DateColumn(verbose_name=_("Recognised"), format="Y-m-d", default="")
    until = tables.DateColumn(verbose_name=_("Withdrawn"), format="Y-m-d", default="")

    class Meta:
        model = Carrier
        fields = ("name", "kind", "status", "level", "region_code", "digital", "since", "until")
        attrs = {"class": "table table-sm table-striped bg-white", "id": "carriers-table"}
        empty_text = _("No carriers in your scope.")

    def render_region_code(self, value: str) -> str:
        return f"{region_name(value)} ({value})"
