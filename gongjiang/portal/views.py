"""The pages at the top: the signed-in home page, and the public ones (no login): certificate
verification (by number and name or ID number, or by a signed QR code), the issuer profile with the
public keys, and a trivial health check."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from gongjiang.core.scope import can, home_region
from gongjiang.core.todo import todos
from gongjiang.credentials import tokens, vc
from gongjiang.credentials.models import Certificate, VerificationChannel, VerificationMethod, VerificationOutcome
from gongjiang.credentials.selectors import certificate_counts, overview_counts
from gongjiang.credentials.verification import (
    certificate_by_number,
    certificate_lookup_logged,
    public_base_url,
    query_parse,
    verification_log,
)
from gongjiang.monitoring.selectors import skill_stock
from gongjiang.portal import ratelimit


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in home page: what waits for the user (待办), then the figures of the user's scope: its
    skilled and high-skilled workers from the indicator rollup (one row, at any scale) where the user has a
    region and the rollup holds it, otherwise its valid certificates counted; persons and organisations
    counted up to 10,000 and estimated above. A worker's home is their self-service page."""
    if getattr(request.user, "role", "") == "worker":
        return redirect("self-service")
    user = request.user
    counts: dict[str, Any] = dict(overview_counts(user))
    region = home_region(user)
    stock = skill_stock(region) if region and can(user, "view", Certificate) else None
    if stock is None:
        counts.update(certificate_counts(user))
    return render(request, "core/home.html", {"counts": counts, "stock": stock, "todos": todos(user)})


def rate_limited_page(request: HttpRequest, decision: ratelimit.Decision, method: str) -> HttpResponse:
    if decision.first_refusal:
        verification_log(
            channel=VerificationChannel.PAGE,
            method=method,
            outcome=VerificationOutcome.RATE_LIMITED,
            client_hash=ratelimit.client_hash(request),
        )
    response = render(
        request,
        "portal/rate_limited.html",
        {"retry_after": decision.retry_after, "limit": decision.limit},
        status=429,
    )
    response["Retry-After"] = str(decision.retry_after)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"values": {"number": "", "name": ""}, "errors": {}}
    if request.method == "GET":
        return render(request, "portal/verify.html", context)
    data = request.POST
    method = VerificationMethod.ID_NUMBER if data.get("id_number", "").strip() else VerificationMethod.NAME
    decision = ratelimit.hit(request)
    if not decision.allowed:
        return rate_limited_page(request, decision, method)
    # The number is kept in the form; the name and ID number are not written back into the page.
    context["values"] = {"number": data.get("number", "")[:40]}
    try:
        query = query_parse(
            number=data.get("number", ""), name=data.get("name", ""), id_number=data.get("id_number", "")
        )
    except ValidationError as exc:
        verification_log(
            channel=VerificationChannel.PAGE,
            method=method,
            outcome=VerificationOutcome.INVALID,
            client_hash=ratelimit.client_hash(request),
        )
        context["errors"] = {field: msgs[0] for field, msgs in exc.message_dict.items()}
        return render(request, "portal/verify.html", context, status=400)
    result = certificate_lookup_logged(
        query, channel=VerificationChannel.PAGE, client_hash=ratelimit.client_hash(request)
    )
    context["answer"] = result.public()
    return render(request, "portal/verify.html", context)


@never_cache
@require_GET
def verify_token(request: HttpRequest, token: str) -> HttpResponse:
    """The page a certificate's QR code opens: the signature first, then the registry's current status."""
    decision = ratelimit.hit(request)
    if not decision.allowed:
        return rate_limited_page(request, decision, VerificationMethod.TOKEN)
    context: dict[str, Any] = {"values": {"number": "", "name": ""}, "errors": {}, "via_token": True}
    try:
        claims = tokens.token_verify(token)
    except tokens.TokenError:
        verification_log(
            channel=VerificationChannel.PAGE,
            method=VerificationMethod.TOKEN,
            outcome=VerificationOutcome.BAD_SIGNATURE,
            client_hash=ratelimit.client_hash(request),
            key_id=tokens.token_kid(token),
        )
        context["answer"] = {"result": VerificationOutcome.BAD_SIGNATURE}
        return render(request, "portal/verify.html", context)
    result = certificate_by_number(claims.number)
    verification_log(
        channel=VerificationChannel.PAGE,
        method=VerificationMethod.TOKEN,
        outcome=result.outcome,
        client_hash=ratelimit.client_hash(request),
        certificate_id=result.certificate.pk if result.certificate else None,
        key_id=claims.kid,
    )
    context["answer"] = result.public()
    context["signature"] = {"key_id": claims.kid, "issued_at": claims.issued_at}
    context["values"] = {"number": claims.number}
    return render(request, "portal/verify.html", context)


MAX_CREDENTIAL_BYTES = 64 * 1024


@never_cache
@require_http_methods(["POST"])
def verify_credential(request: HttpRequest) -> HttpResponse:
    """A credential file checked on the page: its signature, its batch proof, then the registry's status."""
    decision = ratelimit.hit(request)
    if not decision.allowed:
        return rate_limited_page(request, decision, VerificationMethod.CREDENTIAL)
    context: dict[str, Any] = {"values": {"number": ""}, "errors": {}}
    upload = request.FILES.get("credential")
    document: Any = None
    if upload is None or (upload.size or 0) > MAX_CREDENTIAL_BYTES:
        context["errors"] = {"credential": _("Choose a credential file (JSON, at most 64 KB).")}
    else:
        try:
            document = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            context["errors"] = {"credential": _("The file is not a JSON credential.")}
    if context["errors"]:
        return render(request, "portal/verify.html", context, status=400)
    check = vc.proof_verify(document)
    batch = vc.batch_proof_check(document) if check.valid else None
    credential = {
        "signature_valid": check.valid,
        "key_id": check.key_id,
        "signature_reason": check.reason,
        "batch": batch,
    }
    client = ratelimit.client_hash(request)
    if not check.valid or (batch is not None and not batch.valid):
        verification_log(
            channel=VerificationChannel.PAGE,
            method=VerificationMethod.CREDENTIAL,
            outcome=VerificationOutcome.BAD_SIGNATURE,
            client_hash=client,
            key_id=check.key_id,
        )
        context["answer"] = {"result": VerificationOutcome.BAD_SIGNATURE}
        context["credential"] = credential
        return render(request, "portal/verify.html", context)
    result = certificate_by_number(check.number)
    verification_log(
        channel=VerificationChannel.PAGE,
        method=VerificationMethod.CREDENTIAL,
        outcome=result.outcome,
        client_hash=client,
        certificate_id=result.certificate.pk if result.certificate else None,
        key_id=check.key_id,
    )
    context["answer"] = result.public()
    context["credential"] = credential
    context["values"] = {"number": check.number}
    return render(request, "portal/verify.html", context)


@require_GET
def issuer(request: HttpRequest) -> JsonResponse:
    """The credential issuer's profile and public keys (the target of verificationMethod ids)."""
    response = JsonResponse(
        vc.issuer_profile(public_base_url(request)), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Type"] = "application/ld+json; charset=utf-8"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def revocations(request: HttpRequest) -> JsonResponse:
    """The signed list of revoked certificates issued in batches."""
    response = JsonResponse(
        vc.revocation_list(base_url=public_base_url(request)), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Type"] = "application/ld+json; charset=utf-8"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness check, without touching the database (also the baseline of the verification benchmark)."""
    return HttpResponse("ok", content_type="text/plain")
