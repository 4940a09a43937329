"""Columns of the competition registers."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from gongjiang.competitions.models import Competition, Participant
from gongjiang.core.pii import mask_name
from gongjiang.reference.selectors import region_name

TABLE = "table table-sm table-striped bg-white"


class CompetitionTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=("competitions:competition-detail", [tables.A("pk")]))
    level = tables.Column(verbose_name=_("Competition level"))
    region_code = tables.Column(verbose_name=_("Region"))
    occupation = tables.Column(verbose_name=_("Occupation"))
    start = tables.DateColumn(verbose_name=_("Start date"), format="Y-m-d")
    cap = tables.Column(verbose_name=_("Cap on participants"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Competition
        fields = ("name", "level", "region_code", "occupation", "start", "cap", "status")
        attrs = {"class": TABLE, "id": "competitions-table"}
        empty_text = _("No competitions in your scope.")

    def render_region_code(self, value: str) -> str:
        return f"{region_name(value)} ({value})"


class ParticipantTable(tables.Table):
    rank = tables.Column(verbose_name=_("Rank"), default="—")
    person = tables.Column(verbose_name=_("Participant"), accessor="person__name")
    organisation = tables.Column(verbose_name=_("Employer"), default="—")
    score = tables.Column(verbose_name=_("Standardised score"), default="—")
    measurement = tables.Column(verbose_name=_("Measurement marks"), default="—")
    medal = tables.Column(verbose_name=_("Medal"), default="—")
    recognised = tables.BooleanColumn(verbose_name=_("Recognised one level up"))
    flagged = tables.BooleanColumn(verbose_name=_("Judges disagree"))
    certificate = tables.Column(verbose_name=_("Certificate"), accessor="certificate__number", default="—")

    class Meta:
        model = Participant
        fields = ("rank", "person", "organisation", "score", "measurement", "medal", "recognised", "flagged")
        attrs = {"class": TABLE, "id": "participants-table"}
        orderable = False
        empty_text = _("No participants yet.")

    def render_person(self, value: str) -> str:
        return mask_name(value)
