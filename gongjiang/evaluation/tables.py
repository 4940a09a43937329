"""Columns of the evaluation registers."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from gongjiang.core.pii import mask_name
from gongjiang.evaluation.models import (
    Appointment,
    Candidate,
    Draw,
    ForeignQualification,
    Inspection,
    Inspector,
    Institution,
    Pilot,
    Plan,
    Resource,
)
from gongjiang.reference.selectors import region_name

TABLE = "table table-sm table-striped bg-white"


def _region(value: str) -> str:
    return f"{region_name(value)} ({value})"


class InstitutionTable(tables.Table):
    organisation = tables.Column(
        verbose_name=_("Institution"), linkify=("evaluation:institution-detail", [tables.A("pk")])
    )
    kind = tables.Column(verbose_name=_("Kind"))
    region = tables.Column(verbose_name=_("Region"), accessor="organisation__region_code", orderable=False)
    status = tables.Column(verbose_name=_("Status"))
    station_code = tables.Column(verbose_name=_("Station code"), default="—")
    valid_until = tables.DateColumn(verbose_name=_("Filed until"), format="Y-m-d", default="—")

    class Meta:
        model = Institution
        fields = ("organisation", "kind", "region", "status", "station_code", "valid_until")
        attrs = {"class": TABLE, "id": "institutions-table"}
        empty_text = _("No evaluation institutions in your scope.")

    def render_region(self, value: str) -> str:
        return _region(value)


class PlanTable(tables.Table):
    code = tables.Column(verbose_name=_("Plan number"), linkify=("evaluation:plan-detail", [tables.A("pk")]))
    institution = tables.Column(verbose_name=_("Institution"))
    occupation = tables.Column(verbose_name=_("Occupation"))
    level = tables.Column(verbose_name=_("Level"))
    source = tables.Column(verbose_name=_("Kind of evaluation"))
    exam_date = tables.DateColumn(verbose_name=_("Evaluation date"), format="Y-m-d")
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Plan
        fields = ("code", "institution", "occupation", "level", "source", "exam_date", "status")
        attrs = {"class": TABLE, "id": "plans-table"}
        empty_text = _("No evaluation plans in your scope.")


class CandidateTable(tables.Table):
    person = tables.Column(verbose_name=_("Candidate"))
    theory = tables.Column(verbose_name=_("Theory score"), default="—")
    practical = tables.Column(verbose_name=_("Practical score"), default="—")
    passed = tables.BooleanColumn(verbose_name=_("Passed"), yesno=("✓", "✗"))
    sampled = tables.BooleanColumn(verbose_name=_("Sampled for review"), yesno=("✓", ""))
    objection = tables.Column(verbose_name=_("Objection"), default="")
    certificate = tables.Column(verbose_name=_("Certificate"), default="—")

    class Meta:
        model = Candidate
        fields = ("person", "theory", "practical", "passed", "sampled", "objection", "certificate")
        attrs = {"class": TABLE, "id": "candidates-table"}
        empty_text = _("No candidates yet: upload the results.")
        orderable = False

    def render_person(self, value: Any) -> str:
        return mask_name(value.name)


class InspectorTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=("evaluation:inspector-detail", [tables.A("pk")]))
    region_code = tables.Column(verbose_name=_("Region"))
    affiliation = tables.Column(verbose_name=_("Affiliation"))
    active = tables.BooleanColumn(verbose_name=_("Active"), yesno=("✓", ""))

    class Meta:
        model = Inspector
        fields = ("name", "region_code", "affiliation", "active")
        attrs = {"class": TABLE, "id": "inspectors-table"}
        empty_text = _("No inspectors in your scope.")

    def render_region_code(self, value: str) -> str:
        return _region(value)


class DrawTable(tables.Table):
    date = tables.DateColumn(
        verbose_name=_("Date"), format="Y-m-d", linkify=("evaluation:draw-detail", [tables.A("pk")])
    )
    region_code = tables.Column(verbose_name=_("Region"))
    count = tables.Column(verbose_name=_("Institutions drawn"))
    eligible = tables.Column(verbose_name=_("Institutions eligible"))
    uniform_share = tables.Column(verbose_name=_("Uniform share"))
    seed = tables.Column(verbose_name=_("Seed"))

    class Meta:
        model = Draw
        fields = ("date", "region_code", "count", "eligible", "uniform_share", "seed")
        attrs = {"class": TABLE, "id": "draws-table"}
        empty_text = _("No draws yet.")

    def render_region_code(self, value: str) -> str:
        return _region(value)


class InspectionTable(tables.Table):
    institution = tables.Column(
        verbose_name=_("Institution"), linkify=("evaluation:inspection-detail", [tables.A("pk")])
    )
    stratum = tables.Column(verbose_name=_("Drawn"))
    risk = tables.Column(verbose_name=_("Risk score"))
    inspectors = tables.ManyToManyColumn(verbose_name=_("Inspectors"))
    done_on = tables.DateColumn(verbose_name=_("Inspected on"), format="Y-m-d", default="—")
    severity = tables.Column(verbose_name=_("Finding"), default="—")

    class Meta:
        model = Inspection
        fields = ("institution", "stratum", "risk", "inspectors", "done_on", "severity")
        attrs = {"class": TABLE, "id": "inspections-table"}
        empty_text = _("No inspections.")
        orderable = False

    def render_risk(self, value: float) -> str:
        return f"{value:.2f}"


class ResourceTable(tables.Table):
    title = tables.Column(verbose_name=_("Title"), linkify=("evaluation:resource-detail", [tables.A("pk")]))
    kind = tables.Column(verbose_name=_("Kind"))
    occupation = tables.Column(verbose_name=_("Occupation"))
    level = tables.Column(verbose_name=_("Level"), default=_("All levels"))
    region_code = tables.Column(verbose_name=_("Region"))
    version = tables.Column(verbose_name=_("Version"))
    status = tables.Column(verbose_name=_("Status"))
    digital = tables.BooleanColumn(verbose_name=_("Digital"), yesno=("✓", ""))

    class Meta:
        model = Resource
        fields = ("title", "kind", "occupation", "level", "region_code", "version", "status", "digital")
        attrs = {"class": TABLE, "id": "resources-table"}
        empty_text = _("No evaluation resources in your scope.")

    def render_region_code(self, value: str) -> str:
        return _region(value)


class ForeignQualificationTable(tables.Table):
    name = tables.Column(
        verbose_name=_("Qualification"), linkify=("evaluation:foreign-qualification-detail", [tables.A("pk")])
    )
    country = tables.Column(verbose_name=_("Country or territory"))
    awarding_body = tables.Column(verbose_name=_("Awarding body"))
    occupation = tables.Column(verbose_name=_("Occupation"))
    level = tables.Column(verbose_name=_("Level"))
    region_code = tables.Column(verbose_name=_("Region"))

    class Meta:
        model = ForeignQualification
        fields = ("name", "country", "awarding_body", "occupation", "level", "region_code")
        attrs = {"class": TABLE, "id": "foreign-table"}
        empty_text = _("No recognised foreign qualifications in your scope.")

    def render_region_code(self, value: str) -> str:
        return _region(value)


class PilotTable(tables.Table):
    organisation = tables.Column(verbose_name=_("Enterprise"), linkify=("evaluation:pilot-detail", [tables.A("pk")]))
    quota_special = tables.Column(verbose_name=_("Special technician quota"))
    quota_chief = tables.Column(verbose_name=_("Chief technician quota"))
    since = tables.DateColumn(verbose_name=_("In the pilot from"), format="Y-m-d")

    class Meta:
        model = Pilot
        fields = ("organisation", "quota_special", "quota_chief", "since")
        attrs = {"class": TABLE, "id": "pilots-table"}
        empty_text = _("No pilot enterprises in your scope.")


class AppointmentTable(tables.Table):
    person = tables.Column(verbose_name=_("Worker"), linkify=("evaluation:appointment-detail", [tables.A("pk")]))
    title = tables.Column(verbose_name=_("Title"))
    occupation = tables.Column(verbose_name=_("Occupation"))
    start = tables.DateColumn(verbose_name=_("Term from"), format="Y-m-d")
    end = tables.DateColumn(verbose_name=_("Term until"), format="Y-m-d")
    ended_on = tables.DateColumn(verbose_name=_("Ended early on"), format="Y-m-d", default="")

    class Meta:
        model = Appointment
        fields = ("person", "title", "occupation", "start", "end", "ended_on")
        attrs = {"class": TABLE, "id": "appointments-table"}
        empty_text = _("No appointments.")

    def render_person(self, value: Any) -> str:
        return mask_name(value.name)
