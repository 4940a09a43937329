"""Columns of the honours registers."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from gongjiang.core.pii import mask_name
from gongjiang.honours import models
from gongjiang.reference.selectors import region_name
from gongjiang.training.models import fen_to_yuan

TABLE = "table table-sm table-striped bg-white"


def _region(value: str) -> str:
    return f"{region_name(value)} ({value})"


class Yuan(tables.Column):
    def render(self, value: Any) -> str:
        return fen_to_yuan(int(value))


class CallTable(tables.Table):
    title = tables.Column(verbose_name=_("Title"), linkify=("honours:call-detail", [tables.A("pk")]))
    kind = tables.Column(verbose_name=_("Honour"))
    level = tables.Column(verbose_name=_("Honour level"))
    region_code = tables.Column(verbose_name=_("Region"))
    year = tables.Column(verbose_name=_("Year"))
    quota = tables.Column(verbose_name=_("Quota"))
    closes = tables.DateColumn(verbose_name=_("Nominations close"), format="Y-m-d")
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = models.HonourCall
        fields = ("title", "kind", "level", "region_code", "year", "quota", "closes", "status")
        attrs = {"class": TABLE, "id": "calls-table"}
        empty_text = _("No calls in your scope.")

    def render_region_code(self, value: str) -> str:
        return _region(value)


class NominationTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=("honours:nomination-detail", [tables.A("pk")]))
    person = tables.Column(verbose_name=_("Nominee"), accessor="person__name")
    organisation = tables.Column(verbose_name=_("Nominated by"))
    call = tables.Column(verbose_name=_("Call"))
    status = tables.Column(verbose_name=_("Status"))
    comment = tables.Column(verbose_name=_("Review comment"), default="—")

    class Meta:
        model = models.Nomination
        fields = ("id", "person", "organisation", "call", "status", "comment")
        attrs = {"class": TABLE, "id": "nominations-table"}
        empty_text = _("No nominations.")

    def render_person(self, value: str) -> str:
        return mask_name(value)


class HonourTable(tables.Table):
    title = tables.Column(verbose_name=_("Title"), linkify=("honours:honour-detail", [tables.A("pk")]))
    person = tables.Column(verbose_name=_("Holder"), accessor="person__name")
    kind = tables.Column(verbose_name=_("Honour"))
    level = tables.Column(verbose_name=_("Honour level"))
    region_code = tables.Column(verbose_name=_("Region"))
    awarded_on = tables.DateColumn(verbose_name=_("Awarded on"), format="Y-m-d")
    term_end = tables.DateColumn(verbose_name=_("Term ends"), format="Y-m-d", default="—")
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = models.Honour
        fields = ("title", "person", "kind", "level", "region_code", "awarded_on", "term_end", "status")
        attrs = {"class": TABLE, "id": "honours-table"}
        empty_text = _("No honours in your scope.")

    def render_person(self, value: str) -> str:
        return mask_name(value)

    def render_region_code(self, value: str) -> str:
        return _region(value)


class EntitlementTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=("honours:entitlement-detail", [tables.A("pk")]))
    honour = tables.Column(verbose_name=_("Honour"))
    service = tables.Column(verbose_name=_("Service"))
    clause = tables.Column(verbose_name=_("Rule"))
    state = tables.Column(verbose_name=_("State"))
    valid_until = tables.DateColumn(verbose_name=_("Valid until"), format="Y-m-d", default="—")
    used_on = tables.DateColumn(verbose_name=_("Used on"), format="Y-m-d", default="—")

    class Meta:
        model = models.Entitlement
        fields = ("id", "honour", "service", "clause", "state", "valid_until", "used_on")
        attrs = {"class": TABLE, "id": "entitlements-table"}
        empty_text = _("No entitlements.")


class RecognitionTable(tables.Table):
    organisation = tables.Column(verbose_name=_("Enterprise"), linkify=("honours:recognition-detail", [tables.A("pk")]))
    kind = tables.Column(verbose_name=_("Recognition"))
    year = tables.Column(verbose_name=_("Year"))
    region_code = tables.Column(verbose_name=_("Region"))
    employees = tables.Column(verbose_name=_("Employees"))
    high_skilled = tables.Column(verbose_name=_("High-skilled"))
    share = tables.Column(verbose_name=_("High-skilled share"), accessor="share_percent", orderable=False)
    as_of = tables.DateColumn(verbose_name=_("As of"), format="Y-m-d")

    class Meta:
        model = models.Recognition
        fields = ("organisation", "kind", "year", "region_code", "employees", "high_skilled", "share", "as_of")
        attrs = {"class": TABLE, "id": "recognitions-table"}
        empty_text = _("No recognised enterprises in your scope.")

    def render_region_code(self, value: str) -> str:
        return _region(value)


class AwardTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=("honours:award-detail", [tables.A("pk")]))
    rule = tables.Column(verbose_name=_("Award"))
    person = tables.Column(verbose_name=_("Person"), accessor="person__name")
    organisation = tables.Column(verbose_name=_("Enterprise"), default="—")
    event_date = tables.DateColumn(verbose_name=_("Event date"), format="Y-m-d")
    amount_fen = Yuan(verbose_name=_("Amount (yuan)"))
    instalments = tables.Column(verbose_name=_("Instalments"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = models.AwardApplication
        fields = ("id", "rule", "person", "organisation", "event_date", "amount_fen", "instalments", "status")
        attrs = {"class": TABLE, "id": "awards-table"}
        empty_text = _("No award applications in your scope.")

    def render_person(self, value: str) -> str:
        return mask_name(value)


class InstalmentTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=("honours:instalment-detail", [tables.A("pk")]))
    application = tables.Column(verbose_name=_("Award"), linkify=("honours:award-detail", [tables.A("application_id")]))
    person = tables.Column(verbose_name=_("Person"), accessor="application__person__name")
    year_no = tables.Column(verbose_name=_("Year of the term"))
    due_on = tables.DateColumn(verbose_name=_("Due on"), format="Y-m-d")
    amount_fen = Yuan(verbose_name=_("Amount (yuan)"))
    status = tables.Column(verbose_name=_("Status"))
    stop_reason = tables.Column(verbose_name=_("Reason stopped"), default="—")

    class Meta:
        model = models.AwardInstalment
        fields = ("id", "application", "person", "year_no", "due_on", "amount_fen", "status", "stop_reason")
        attrs = {"class": TABLE, "id": "instalments-table"}
        empty_text = _("No instalments.")

    def render_person(self, value: str) -> str:
        return mask_name(value)
