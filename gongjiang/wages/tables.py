"""Columns of the wage-price registers."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from gongjiang.reference.selectors import region_name
from gongjiang.wages.models import Edition, EmployeeRecord, Response, Survey

TABLE = "table table-sm table-striped bg-white"


def _region(value: str) -> str:
    return f"{region_name(value)} ({value})"


class SurveyTable(tables.Table):
    year = tables.Column(verbose_name=_("Survey year"), linkify=("wages:survey-detail", [tables.A("pk")]))
    region_code = tables.Column(verbose_name=_("Region"))
    as_of = tables.DateColumn(verbose_name=_("Frame as of"), format="Y-m-d")
    sampling_fraction = tables.Column(verbose_name=_("Sampling fraction"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Survey
        fields = ("year", "region_code", "as_of", "sampling_fraction", "status")
        attrs = {"class": TABLE, "id": "surveys-table"}
        empty_text = _("No salary surveys in your scope.")

    def render_region_code(self, value: str) -> str:
        return _region(value)


class ResponseTable(tables.Table):
    organisation = tables.Column(verbose_name=_("Enterprise"), linkify=("wages:response-detail", [tables.A("pk")]))
    year = tables.Column(verbose_name=_("Survey year"), accessor="survey__year")
    region_code = tables.Column(verbose_name=_("Region"))
    industry_section = tables.Column(verbose_name=_("Industry section"))
    size_class = tables.Column(verbose_name=_("Size class"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Response
        fields = ("organisation", "year", "region_code", "industry_section", "size_class", "status")
        attrs = {"class": TABLE, "id": "responses-table"}
        empty_text = _("No survey responses in your scope.")

    def render_region_code(self, value: str) -> str:
        return _region(value)


class EmployeeTable(tables.Table):
    employee_key = tables.Column(verbose_name=_("Employee key"))
    occupation_code = tables.Column(verbose_name=_("Occupation code"), attrs={"td": {"data-code": "1"}})
    skill_level = tables.Column(verbose_name=_("Skill level"))
    education = tables.Column(verbose_name=_("Education"))
    months_worked = tables.Column(verbose_name=_("Months worked"))
    hours_per_month = tables.Column(verbose_name=_("Hours worked per month"))
    total = tables.Column(verbose_name=_("Pay in the year (yuan)"), empty_values=(), orderable=False)

    class Meta:
        model = EmployeeRecord
        fields = ("employee_key", "occupation_code", "skill_level", "education", "months_worked", "hours_per_month")
        attrs = {"class": TABLE, "id": "employees-table"}
        orderable = False
        empty_text = _("No employees entered yet.")

    def __init__(self, *args: object, levels: dict[str, str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.levels = levels or {}

    def render_skill_level(self, value: str) -> str:
        return self.levels.get(value, value)

    def render_total(self, record: EmployeeRecord) -> str:
        return f"{record.total_fen / 100:,.2f}"


class EditionTable(tables.Table):
    year = tables.Column(verbose_name=_("Year"), linkify=("wages:edition-detail", [tables.A("pk")]))
    region_code = tables.Column(verbose_name=_("Region"))
    number = tables.Column(verbose_name=_("Edition number"))
    status = tables.Column(verbose_name=_("Status"))
    published_at = tables.DateTimeColumn(verbose_name=_("Published"), format="Y-m-d", default="—")

    class Meta:
        model = Edition
        fields = ("year", "region_code", "number", "status", "published_at")
        attrs = {"class": TABLE, "id": "editions-table"}
        empty_text = _("No editions in your scope.")

    def render_region_code(self, value: str) -> str:
        return _region(value)
