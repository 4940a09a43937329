"""The registry's tables (django-tables2): the columns of the list pages."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gongjiang.reference.selectors import region_name
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, Person

TABLE_CLASS = "table table-sm table-striped bg-white"


class RegionColumn(tables.Column):
    """A region code shown with its name: 张家港市 (320582)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("attrs", {"td": {"class": "region"}})
        super().__init__(*args, **kwargs)

    def render(self, value: str) -> str:
        return f"{region_name(value)} ({value})" if value else "—"


class PersonTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=("person-detail", [tables.A("pk")]))
    name = tables.Column(verbose_name=pgettext_lazy("person", "Name"), linkify=("person-detail", [tables.A("pk")]))
    id_number_masked = tables.Column(verbose_name=_("ID number"), orderable=False, attrs={"td": {"class": "masked"}})
    sex = tables.Column(verbose_name=_("Sex"))
    birth_date = tables.DateColumn(verbose_name=_("Birth date"), format="Y-m-d")
    residence_region_code = RegionColumn(verbose_name=_("Residence region"))

    class Meta:
        model = Person
        fields = ("id", "name", "id_number_masked", "sex", "birth_date", "residence_region_code")
        attrs = {"class": TABLE_CLASS, "id": "person-table"}
        empty_text = _("No persons match.")


class OrganisationTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=("organisation-detail", [tables.A("pk")]))
    uscc = tables.Column(verbose_name=_("Unified social credit code"))
    kind = tables.Column(verbose_name=_("Kind"))
    region_code = RegionColumn(verbose_name=_("Region"))
    self_evaluation = tables.BooleanColumn(verbose_name=_("Self-evaluation"), yesno=(_("Yes"), _("No")))

    class Meta:
        model = Organisation
        fields = ("name", "uscc", "kind", "region_code", "self_evaluation")
        attrs = {"class": TABLE_CLASS, "id": "organisation-table"}
        empty_text = _("No organisations match.")


class EmploymentTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=("employment-detail", [tables.A("pk")]))
    person = tables.Column(verbose_name=_("Person"), linkify=("person-detail", [tables.A("person_id")]))
    organisation = tables.Column(
        verbose_name=_("Organisation"), linkify=("organisation-detail", [tables.A("organisation_id")])
    )
    occupation = tables.Column(verbose_name=_("Occupation"), default="—")
    start = tables.DateColumn(verbose_name=_("From"), format="Y-m-d")
    end = tables.DateColumn(verbose_name=_("To"), format="Y-m-d", default="—")

    class Meta:
        model = Employment
        fields = ("id", "person", "organisation", "occupation", "start", "end")
        attrs = {"class": TABLE_CLASS, "id": "employment-table"}
        empty_text = _("No employment records match.")

    def render_person(self, record: Employment) -> str:
        return record.person.name


class EmploymentStatTable(tables.Table):
    region_code = RegionColumn(verbose_name=_("Region"), linkify=("employment-stat-detail", [tables.A("pk")]))
    year = tables.Column(verbose_name=_("Year"))
    employed = tables.Column(verbose_name=_("Employed persons"))
    source = tables.Column(verbose_name=_("Source"))

    class Meta:
        model = EmploymentStat
        fields = ("region_code", "year", "employed", "source")
        attrs = {"class": TABLE_CLASS, "id": "employment-stat-table"}
        empty_text = _("No statistics match.")
