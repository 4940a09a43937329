"""The person, organisation and employment lists as exports (``/imports/export/<name>/``): the columns each file
has, personal data masked. ``RegistryConfig.ready()`` registers them with the imports app."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from gongjiang.core import pii
from gongjiang.imports.export import ExportSpec
from gongjiang.reference.selectors import region_name
from gongjiang.registry.filtersets import EmploymentFilter, OrganisationFilter, PersonFilter
from gongjiang.registry.models import Employment, Organisation, Person


def iso_date(value: Any) -> str:
    return value.isoformat() if value else ""


def masked_id(p: Person) -> str:
    return pii.mask_id_number(pii.decrypt(p.id_number_enc))


def masked_phone(p: Person) -> str:
    return pii.mask_phone(pii.decrypt(p.phone_enc)) if p.phone_enc else ""


EXPORTS = (
    ExportSpec(
        name="persons",
        model=Person,
        filterset=PersonFilter,
        related=(),
        title=gettext_lazy("Persons"),
        columns=(
            (gettext_lazy("No."), lambda p: p.pk),
            (pgettext_lazy("person", "Name"), lambda p: p.name),
            (gettext_lazy("ID number (masked)"), masked_id),
            (gettext_lazy("Sex"), lambda p: p.get_sex_display()),
            (gettext_lazy("Birth date"), lambda p: iso_date(p.birth_date)),
            (gettext_lazy("Residence region code"), lambda p: p.residence_region_code),
            (gettext_lazy("Residence region"), lambda p: region_name(p.residence_region_code)),
            (gettext_lazy("Household region code"), lambda p: p.household_region_code),
            (gettext_lazy("Phone (masked)"), masked_phone),
        ),
    ),
    ExportSpec(
        name="organisations",
        model=Organisation,
        filterset=OrganisationFilter,
        related=("industry",),
        title=gettext_lazy("Organisations"),
        columns=(
            (gettext_lazy("No."), lambda o: o.pk),
            (gettext_lazy("Unified social credit code"), lambda o: o.uscc),
            (gettext_lazy("Name"), lambda o: o.name),
            (gettext_lazy("Kind"), lambda o: o.get_kind_display()),
            (gettext_lazy("Region code"), lambda o: o.region_code),
            (gettext_lazy("Region"), lambda o: region_name(o.region_code)),
            (gettext_lazy("Industry code"), lambda o: o.industry.code if o.industry else ""),
            (gettext_lazy("Self-evaluation"), lambda o: _("Yes") if o.self_evaluation else _("No")),
        ),
    ),
    ExportSpec(
        name="employments",
        model=Employment,
        filterset=EmploymentFilter,
        related=("person", "organisation", "occupation"),
        title=gettext_lazy("Employments"),
        columns=(
            (gettext_lazy("No."), lambda e: e.pk),
            (gettext_lazy("Person"), lambda e: e.person.name),  # as the list page shows it
            (gettext_lazy("Organisation"), lambda e: e.organisation.name),
            (gettext_lazy("Unified social credit code"), lambda e: e.organisation.uscc),
            (gettext_lazy("Occupation code"), lambda e: e.occupation.code if e.occupation else ""),
            (gettext_lazy("Occupation"), lambda e: e.occupation.name if e.occupation else ""),
            (gettext_lazy("From"), lambda e: iso_date(e.start)),
            (gettext_lazy("To"), lambda e: iso_date(e.end)),
        ),
    ),
)
