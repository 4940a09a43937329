"""The certificate list as an export (``/imports/export/certificates/``), holders masked.
``CredentialsConfig.ready()`` registers it with the imports app."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from gongjiang.core import pii
from gongjiang.credentials.filtersets import CertificateFilter
from gongjiang.credentials.models import Certificate
from gongjiang.imports.export import ExportSpec
from gongjiang.registry.exports import iso_date, masked_id

EXPORTS = (
    ExportSpec(
        name="certificates",
        model=Certificate,
        filterset=CertificateFilter,
        related=("person", "occupation", "level", "issuer"),
        title=gettext_lazy("Certificates"),
        columns=(
            (gettext_lazy("Certificate number"), lambda c: c.number),
            (gettext_lazy("Holder"), lambda c: pii.mask_name(c.person.name)),
            (gettext_lazy("Holder's ID number (masked)"), lambda c: masked_id(c.person)),
            (gettext_lazy("Occupation code"), lambda c: c.occupation.code),
            (gettext_lazy("Occupation"), lambda c: c.occupation.name),
            (gettext_lazy("Level"), lambda c: c.level.name),
            (gettext_lazy("Issue date"), lambda c: iso_date(c.issue_date)),
            (gettext_lazy("Issuer"), lambda c: c.issuer.name if c.issuer else ""),
            (gettext_lazy("Issuer's credit code"), lambda c: c.issuer.uscc if c.issuer else ""),
            (gettext_lazy("Source"), lambda c: c.get_source_display()),
            (gettext_lazy("Status"), lambda c: c.get_status_display()),
            (gettext_lazy("Revoked on"), lambda c: iso_date(c.revoked_on)),
        ),
    ),
)
