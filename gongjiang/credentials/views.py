"""The certificate pages: a register of the page kit (list, detail, issue, revoke)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gongjiang.core.pages import Register, Step
from gongjiang.credentials import services
from gongjiang.credentials.filtersets import CertificateFilter
from gongjiang.credentials.forms import CertificateIssueForm, CertificateRevokeForm
from gongjiang.credentials.models import Certificate, CertificateStatus
from gongjiang.credentials.proof_views import proof_allowed
from gongjiang.credentials.tables import CertificateTable


class CertificateRegister(Register):
    model = Certificate
    path = "certificates"
    name = "certificate"
    table = CertificateTable
    filterset = CertificateFilter
    related = ("person", "occupation", "level", "issuer")
    create_form = CertificateIssueForm
    detail_template = "credentials/certificate_detail.html"
    export_kind = "certificates"
    # Newest first, the default: a region's certificates are read from the (region, id) and (city, id)
    # indexes of the holder's region copied onto each certificate (core.listing.scope_ordered).
    add_label = _("Issue a certificate")
    created_message = _("The certificate was issued.")
    steps = (
        Step(
            "revoke",
            _("Revoke"),
            lambda actor, obj, **data: services.certificate_revoke(actor=actor, certificate=obj, **data),
            form=CertificateRevokeForm,
            when=lambda c: c.status == CertificateStatus.VALID,
            confirm=_("A revoked certificate cannot be made valid again; public verification will show it revoked."),
            done=_("The certificate was revoked."),
        ),
    )

    def form_kwargs(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        # The holder and the issuer are chosen among those in the user's scope.
        return {"user": request.user}

    def create(self, actor: Any, data: dict[str, Any]) -> Certificate:
        return services.certificate_issue(
            actor=actor,
            number=data["number"],
            person=data["person"],
            occupation_code=data["occupation_code"],
            level_code=data["level_code"].code,
            issue_date=data["issue_date"],
            source=data["source"],
            issuer=data.get("issuer"),
            station_code=data.get("station_code", ""),
        )

    def detail_context(self, request: HttpRequest, obj: Any) -> dict[str, Any]:
        return {"cert": obj, "proof_allowed": proof_allowed(request.user, obj)}


CERTIFICATES = CertificateRegister()
