"""Export of a filtered list to CSV or XLSX: the list page's filterset and scope, personal data masked,
spreadsheet formulas neutralised."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from gongjiang.core import pii
from gongjiang.core.scope import restrict
from gongjiang.credentials.filtersets import CertificateFilter
from gongjiang.credentials.models import Certificate
from gongjiang.reference.selectors import region_name
from gongjiang.registry.filtersets import OrganisationFilter, PersonFilter
from gongjiang.registry.models import Organisation, Person

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportSpec:
    model: type[Model]
    filterset: Any
    related: tuple[str, ...]
    columns: tuple[tuple[object, Callable[[Any], Any]], ...]  # (header, value of one object)
    title: object


def _date(value: Any) -> str:
    return value.isoformat() if value else ""


def _masked_id(p: Person) -> str:
    return pii.mask_id_number(pii.decrypt(p.id_number_enc))


def _masked_phone(p: Person) -> str:
    return pii.mask_phone(pii.decrypt(p.phone_enc)) if p.phone_enc else ""


EXPORTS: dict[str, ExportSpec] = {
    "persons": ExportSpec(
        model=Person,
        filterset=PersonFilter,
        related=(),
        title=gettext_lazy("Persons"),
        columns=(
            (gettext_lazy("No."), lambda p: p.pk),
            (pgettext_lazy("person", "Name"), lambda p: p.name),
            (gettext_lazy("ID number (masked)"), _masked_id),
            (gettext_lazy("Sex"), lambda p: p.get_sex_display()),
            (gettext_lazy("Birth date"), lambda p: _date(p.birth_date)),
            (gettext_lazy("Residence region code"), lambda p: p.residence_region_code),
            (gettext_lazy("Residence region"), lambda p: region_name(p.residence_region_code)),
            (gettext_lazy("Household region code"), lambda p: p.household_region_code),
            (gettext_lazy("Phone (masked)"), _masked_phone),
        ),
    ),
    "organisations": ExportSpec(
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
    "certificates": ExportSpec(
        model=Certificate,
        filterset=CertificateFilter,
        related=("person", "occupation", "level", "issuer"),
        title=gettext_lazy("Certificates"),
        columns=(
            (gettext_lazy("Certificate number"), lambda c: c.number),
            (gettext_lazy("Holder"), lambda c: pii.mask_name(c.person.name)),
            (gettext_lazy("Holder's ID number (masked)"), lambda c: _masked_id(c.person)),
            (gettext_lazy("Occupation code"), lambda c: c.occupation.code),
            (gettext_lazy("Occupation"), lambda c: c.occupation.name),
            (gettext_lazy("Level"), lambda c: c.level.name),
            (gettext_lazy("Issue date"), lambda c: _date(c.issue_date)),
            (gettext_lazy("Issuer"), lambda c: c.issuer.name if c.issuer else ""),
            (gettext_lazy("Issuer's credit code"), lambda c: c.issuer.uscc if c.issuer else ""),
            (gettext_lazy("Source"), lambda c: c.get_source_display()),
            (gettext_lazy("Status"), lambda c: c.get_status_display()),
            (gettext_lazy("Revoked on"), lambda c: _date(c.revoked_on)),
        ),
    ),
}


class ExportTooLarge(ValueError):
    pass


def export_queryset(kind: str, user: Any, params: Any) -> QuerySet:
    """The list as its page shows it to ``user``: scoped, then filtered by the page's filterset."""
    spec = EXPORTS[kind]
    queryset = restrict(spec.model._default_manager.all(), user, "view")
    filterset = spec.filterset(params or None, queryset=queryset)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    qs = qs.select_related(*spec.related).order_by("pk")
    limit = int(getattr(settings, "EXPORT_MAX_ROWS", 1_000_000))
    if qs.order_by().values("pk")[: limit + 1].count() > limit:
        raise ExportTooLarge(_("The list has more than %(n)d rows; narrow the search before exporting.") % {"n": limit})
    return qs


def header(kind: str) -> list[str]:
    return [str(h) for h, _get in EXPORTS[kind].columns]


def rows(kind: str, queryset: QuerySet) -> Iterator[list[Any]]:
    getters = [get for _h, get in EXPORTS[kind].columns]
    for obj in queryset.iterator(chunk_size=2000):
        yield [get(obj) for get in getters]
