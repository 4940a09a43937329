"""Officers download a certificate's portable proof: the printable PDF with its signed QR code, and the
signed verifiable credential (Open Badges 3.0). Only officers with the certificate in their scope (the
"change" scope: those who issue and revoke), and only for valid certificates."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET

from gongjiang.core.scope import restrict
from gongjiang.credentials import tokens, vc
from gongjiang.credentials.models import Certificate, CertificateStatus
from gongjiang.credentials.pdf import certificate_pdf
from gongjiang.credentials.verification import public_base_url

logger = logging.getLogger("gongjiang.verification")


def proof_allowed(user: Any, cert: Certificate) -> bool:
    return (
        cert.status == CertificateStatus.VALID
        and restrict(Certificate.objects.filter(pk=cert.pk), user, "change").exists()
    )


def _certificate(request: HttpRequest, pk: int) -> Certificate:
    qs = restrict(Certificate.objects.select_related("person", "occupation", "level", "issuer"), request.user, "change")
    cert = get_object_or_404(qs, pk=pk)
    if cert.status != CertificateStatus.VALID:
        raise Http404("A revoked certificate has no proof to download.")
    return cert


def verify_url_for(request: HttpRequest, cert: Certificate) -> tuple[str, str]:
    token = tokens.token_sign(number=cert.number)
    path = reverse("verify-token", kwargs={"token": token})
    return public_base_url(request) + path, tokens.token_kid(token)


@login_required
@require_GET
def certificate_proof_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    cert = _certificate(request, pk)
    url, kid = verify_url_for(request, cert)
    body = certificate_pdf(cert, verify_url=url, key_id=kid)
    logger.info("proof issued format=pdf certificate=%s key=%s user=%s", cert.pk, kid, request.user.pk)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.number}.pdf"'
    return response


@login_required
@require_GET
def certificate_proof_vc(request: HttpRequest, pk: int) -> HttpResponse:
    cert = _certificate(request, pk)
    document = vc.credential_issue(cert, base_url=public_base_url(request))
    kid = document["proof"]["verificationMethod"].rsplit("#", 1)[1]
    logger.info("proof issued format=vc certificate=%s key=%s user=%s", cert.pk, kid, request.user.pk)
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/ld+json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="certificate-{cert.number}.credential.json"'
    return response
