"""The certificate list's columns."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from gongjiang.core import pii
from gongjiang.credentials.models import Certificate


class CertificateTable(tables.Table):
    number = tables.Column(verbose_name=_("Certificate number"), linkify=("certificate-detail", [tables.A("pk")]))
    person = tables.Column(verbose_name=_("Holder"), order_by=("person__name",))
    occupation = tables.Column(verbose_name=_("Occupation"))
    level = tables.Column(verbose_name=_("Level"))
    issue_date = tables.DateColumn(verbose_name=_("Issue date"), format="Y-m-d")
    source = tables.Column(verbose_name=_("Source"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = Certificate
        fields = ("number", "person", "occupation", "level", "issue_date", "source", "status")
        attrs = {"class": "table table-sm table-striped bg-white", "id": "certificate-table"}
        empty_text = _("No certificates match.")

    def render_person(self, record: Certificate) -> str:
        return pii.mask_name(record.person.name)
