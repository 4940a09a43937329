"""Columns of the labour registers."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjiang.core.pii import mask_name
from gongjiang.labour import models
from gongjiang.reference.selectors import region_name

TABLE = "table table-sm table-striped bg-white"


class _Region:
    def render_region_code(self, value: str) -> str:
        return f"{region_name(value)} ({value})"


class PostTable(_Region, tables.Table):
    id = tables.Column(verbose_name=_("Number"), linkify=("labour:post-detail", [tables.A("pk")]))
    organisation = tables.Column(verbose_name=_("Enterprise"))
    occupation = tables.Column(verbose_name=_("Occupation"))
    level = tables.Column(verbose_name=_("Skill level"), default="—")
    headcount = tables.Column(verbose_name=_("Headcount"))
    filled = tables.Column(verbose_name=_("Filled"))
    wage_offer = tables.Column(verbose_name=_("Monthly wage offered (yuan)"))
    region_code = tables.Column(verbose_name=_("Region"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = models.DemandPost
        fields = (
            "id",
            "organisation",
            "occupation",
            "level",
            "headcount",
            "filled",
            "wage_offer",
            "region_code",
            "status",
        )
        attrs = {"class": TABLE, "id": "posts-table"}
        empty_text = _("No skill demand in your scope.")


class SurveyTable(_Region, tables.Table):
    organisation = tables.Column(verbose_name=_("Enterprise"), linkify=("labour:survey-detail", [tables.A("pk")]))
    year = tables.Column(verbose_name=_("Survey year"))
    region_code = tables.Column(verbose_name=_("Region"))
    submitted_on = tables.DateColumn(verbose_name=_("Submitted on"), format="Y-m-d", default="—")

    class Meta:
        model = models.NeedSurvey
        fields = ("organisation", "year", "region_code", "submitted_on")
        attrs = {"class": TABLE, "id": "surveys-table"}
        empty_text = _("No survey answers in your scope.")


class SurveyLineTable(tables.Table):
    occupation = tables.Column(verbose_name=_("Occupation"))
    level = tables.Column(verbose_name=_("Skill level"))
    staff = tables.Column(verbose_name=_("Staff now"))
    hires_1 = tables.Column(verbose_name=_("Planned hires next year"))
    hires_2 = tables.Column(verbose_name=_("Planned hires in two years"))
    hires_3 = tables.Column(verbose_name=_("Planned hires in three years"))
    hard_to_fill = tables.Column(verbose_name=_("Posts hard to fill"))
    open_days = tables.Column(verbose_name=_("Days the hard posts stayed open"))

    class Meta:
        model = models.SurveyLine
        fields = ("occupation", "level", "staff", "hires_1", "hires_2", "hires_3", "hard_to_fill", "open_days")
        attrs = {"class": TABLE, "id": "survey-lines-table"}
        orderable = False
        empty_text = _("No occupations in the answer yet.")


class CatalogTable(_Region, tables.Table):
    region_code = tables.Column(verbose_name=_("Region"), linkify=("labour:catalog-detail", [tables.A("pk")]))
    year = tables.Column(verbose_name=_("Year"))
    status = tables.Column(verbose_name=_("Status"))
    published_on = tables.DateColumn(verbose_name=_("Published on"), format="Y-m-d", default="—")

    class Meta:
        model = models.NeedCatalog
        fields = ("region_code", "year", "status", "published_on")
        attrs = {"class": TABLE, "id": "catalogs-table"}
        empty_text = _("No need catalogs in your scope.")


class EntryTable(tables.Table):
    occupation = tables.Column(verbose_name=_("Occupation"))
    demand = tables.Column(verbose_name=_("Demand (posts and planned hires)"))
    posted = tables.Column(verbose_name=_("Headcount posted"))
    filled = tables.Column(verbose_name=_("Filled"))
    fill_rate = tables.Column(verbose_name=_("Fill rate"), empty_values=(), orderable=False)
    supply = tables.Column(verbose_name=_("Expected graduates"))
    hard_to_fill = tables.Column(verbose_name=_("Posts hard to fill"))
    open_days = tables.Column(verbose_name=_("Average days open"))
    shortage_index = tables.Column(verbose_name=_("Shortage index"))
    proposed = tables.BooleanColumn(verbose_name=_("Proposed as a shortage occupation"))
    decision = tables.Column(
        verbose_name=_("Decision"), linkify=("labour:entry-detail", [tables.A("pk")]), empty_values=()
    )

    class Meta:
        model = models.CatalogEntry
        fields = (
            "occupation",
            "demand",
            "posted",
            "filled",
            "fill_rate",
            "supply",
            "hard_to_fill",
            "open_days",
            "shortage_index",
            "proposed",
            "decision",
        )
        attrs = {"class": TABLE, "id": "catalog-entries-table"}
        orderable = False
        empty_text = _("Not compiled yet.")

    def render_fill_rate(self, record: models.CatalogEntry) -> str:
        rate = record.fill_rate
        return "—" if rate is None else f"{rate:.0%}"

    def render_decision(self, record: models.CatalogEntry) -> str:
        return str(record.get_decision_display()) if record.proposed else str(_("Not proposed"))


class FairTable(_Region, tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=("labour:fair-detail", [tables.A("pk")]))
    kind = tables.Column(verbose_name=_("Kind"))
    date = tables.DateColumn(verbose_name=_("Date"), format="Y-m-d")
    place = tables.Column(verbose_name=_("Place"))
    region_code = tables.Column(verbose_name=_("Region"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = models.JobFair
        fields = ("name", "kind", "date", "place", "region_code", "status")
        attrs = {"class": TABLE, "id": "fairs-table"}
        empty_text = _("No job fairs in your scope.")


class OutcomeTable(tables.Table):
    seeker = tables.Column(verbose_name=_("Seeker number"), accessor="seeker_id")
    post = tables.Column(verbose_name=_("Post number"), accessor="post_id")
    enterprise = tables.Column(verbose_name=_("Enterprise"), accessor="post__organisation")
    outcome = tables.Column(verbose_name=_("Outcome"))
    recorded_on = tables.DateColumn(verbose_name=_("Recorded on"), format="Y-m-d")

    class Meta:
        model = models.FairOutcome
        fields = ("seeker", "post", "enterprise", "outcome", "recorded_on")
        attrs = {"class": TABLE, "id": "fair-outcomes-table"}
        orderable = False
        empty_text = _("No outcomes recorded yet.")


class ProgrammeTable(_Region, tables.Table):
    name = tables.Column(
        verbose_name=pgettext_lazy("school", "Programme"), linkify=("labour:programme-detail", [tables.A("pk")])
    )
    school = tables.Column(verbose_name=_("School"))
    occupation = tables.Column(verbose_name=_("Occupation"))
    year = tables.Column(verbose_name=_("Year"))
    enrolment = tables.Column(verbose_name=_("Enrolment"))
    expected_graduates = tables.Column(verbose_name=_("Expected graduates"))

    class Meta:
        model = models.Programme
        fields = ("name", "school", "occupation", "year", "enrolment", "expected_graduates")
        attrs = {"class": TABLE, "id": "programmes-table"}
        empty_text = _("No programmes in your scope.")


class OrderClassTable(_Region, tables.Table):
    id = tables.Column(verbose_name=_("Class number"))
    name = tables.Column(verbose_name=_("Name"), linkify=("labour:class-detail", [tables.A("pk")]))
    kind = tables.Column(verbose_name=_("Kind"))
    school = tables.Column(verbose_name=_("School"))
    enterprise = tables.Column(verbose_name=_("Enterprise"))
    year = tables.Column(verbose_name=_("Year"))
    places = tables.Column(verbose_name=_("Places"))
    region_code = tables.Column(verbose_name=_("Region"))

    class Meta:
        model = models.OrderClass
        fields = ("id", "name", "kind", "school", "enterprise", "year", "places", "region_code")
        attrs = {"class": TABLE, "id": "classes-table"}
        empty_text = _("No order or named classes in your scope.")


class ApprenticeshipTable(_Region, tables.Table):
    kind = tables.Column(verbose_name=_("Kind"), linkify=("labour:apprenticeship-detail", [tables.A("pk")]))
    enterprise = tables.Column(verbose_name=_("Enterprise"))
    person = tables.Column(verbose_name=_("Apprentice"), accessor="person__name")
    occupation = tables.Column(verbose_name=_("Occupation"))
    start = tables.DateColumn(verbose_name=_("Start date"), format="Y-m-d")
    region_code = tables.Column(verbose_name=_("Region"))

    class Meta:
        model = models.Apprenticeship
        fields = ("kind", "enterprise", "person", "occupation", "start", "region_code")
        attrs = {"class": TABLE, "id": "apprenticeships-table"}
        empty_text = _("No apprenticeships in your scope.")

    def render_person(self, value: str) -> str:
        return mask_name(value)


class SchoolReportTable(tables.Table):
    school = tables.Column(verbose_name=_("School"), linkify=("labour:report-detail", [tables.A("pk")]))
    year = tables.Column(verbose_name=_("Year"))
    teachers = tables.Column(verbose_name=_("Teachers"))
    dual_teachers = tables.Column(verbose_name=_("Dual-qualified teachers"))
    social_trainees = tables.Column(verbose_name=_("Persons trained for society"))

    class Meta:
        model = models.SchoolReport
        fields = ("school", "year", "teachers", "dual_teachers", "social_trainees")
        attrs = {"class": TABLE, "id": "reports-table"}
        empty_text = _("No school reports in your scope.")


class SeekerTable(_Region, tables.Table):
    id = tables.Column(verbose_name=_("Number"), linkify=("labour:seeker-detail", [tables.A("pk")]))
    person = tables.Column(verbose_name=_("Person"), accessor="person__name")
    kind = tables.Column(verbose_name=_("Kind"))
    occupation = tables.Column(verbose_name=_("Occupation wanted"))
    region_code = tables.Column(verbose_name=_("Region wanted"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = models.Seeker
        fields = ("id", "person", "kind", "occupation", "region_code", "status")
        attrs = {"class": TABLE, "id": "seekers-table"}
        empty_text = _("No job seekers in your scope.")

    def render_person(self, value: str) -> str:
        return mask_name(value)


class RoundTable(_Region, tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=("labour:round-detail", [tables.A("pk")]))
    organiser = tables.Column(verbose_name=_("Organising school"), default="—")
    year = tables.Column(verbose_name=_("Year"))
    region_code = tables.Column(verbose_name=_("Region"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = models.MatchRound
        fields = ("name", "organiser", "year", "region_code", "status")
        attrs = {"class": TABLE, "id": "rounds-table"}
        empty_text = _("No matching rounds in your scope.")


class ApplicantTable(tables.Table):
    person = tables.Column(verbose_name=_("Student"), accessor="person__name")
    school = tables.Column(verbose_name=_("School"))
    choices = tables.Column(verbose_name=_("Choices (class, rank, score)"), orderable=False)
    placed = tables.Column(verbose_name=_("Placed in"), default="—")

    class Meta:
        model = models.Applicant
        fields = ("person", "school", "choices", "placed")
        attrs = {"class": TABLE, "id": "applicants-table"}
        orderable = False
        empty_text = _("No applicants yet.")

    def render_person(self, value: str) -> str:
        return mask_name(value)

    def render_choices(self, value: list) -> str:
        return "；".join(f"{c}, {r}, {s:g}" for c, r, s in value)
