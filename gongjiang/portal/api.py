"""Public verification API, no login: a certificate by number with the holder's name or ID number, and a
signed verifiable credential. Queries go in POST bodies so that names and ID numbers never appear in
URLs, proxy logs or browser histories."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gongjiang.credentials import vc
from gongjiang.credentials.jcs import CanonicalisationError, loads_strict
from gongjiang.credentials.models import VerificationChannel, VerificationMethod, VerificationOutcome
from gongjiang.credentials.verification import (
    certificate_by_number,
    certificate_lookup_logged,
    query_parse,
    verification_log,
)
from gongjiang.portal import ratelimit


class VerifyQuerySerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, help_text="Certificate number")
    name = serializers.CharField(max_length=60, required=False, allow_blank=True, help_text="Holder's full name")
    id_number = serializers.CharField(
        max_length=30, required=False, allow_blank=True, help_text="Holder's resident ID number"
    )


_CERT = inline_serializer(
    "PublicCertificate",
    {
        "number": serializers.CharField(),
        "status": serializers.ChoiceField(choices=["valid", "revoked"]),
        "revoked_on": serializers.DateField(allow_null=True),
        "occupation": inline_serializer(
            "PublicOccupation", {"code": serializers.CharField(), "name": serializers.CharField()}
        ),
        "level": inline_serializer("PublicLevel", {"code": serializers.CharField(), "name": serializers.CharField()}),
        "issuer": serializers.CharField(allow_null=True),
        "issue_date": serializers.DateField(),
        "holder_name_masked": serializers.CharField(),
        "holder_id_number_masked": serializers.CharField(),
    },
)
_ANSWER = inline_serializer(
    "VerificationAnswer",
    {
        "result": serializers.ChoiceField(choices=["valid", "revoked", "not_found"]),
        "certificate": _CERT,
    },
)
_LIMITED = OpenApiResponse(description="Too many queries from this client; see the Retry-After header.")


def _method(data: Any) -> str:
    name = str(data.get("name") or "").strip() if hasattr(data, "get") else ""
    id_number = str(data.get("id_number") or "").strip() if hasattr(data, "get") else ""
    if name and id_number:
        return VerificationMethod.NAME_AND_ID
    return VerificationMethod.ID_NUMBER if id_number else VerificationMethod.NAME


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json(data: dict[str, Any], status: int = 200) -> HttpResponse:
    """The same compact UTF-8 JSON as DRF's renderer. Answers and errors hold only dicts, lists, strings,
    numbers and nulls (dates already as ISO text), so the plain encoder does, built once."""
    return HttpResponse(_ENCODE(data).encode(), status=status, content_type="application/json")


def limited(request: HttpRequest, decision: ratelimit.Decision, method: str) -> HttpResponse:
    if decision.first_refusal:
        verification_log(
            channel=VerificationChannel.API,
            method=method,
            outcome=VerificationOutcome.RATE_LIMITED,
            client_hash=ratelimit.client_hash(request),
        )
    response = _json(
        {
            "detail": f"Too many verification queries. Try again in {decision.retry_after} seconds.",
            "retry_after": decision.retry_after,
        },
        status=429,
    )
    response["Retry-After"] = str(decision.retry_after)
    return response


def verify_query(request: HttpRequest) -> HttpResponse:
    """``POST /api/verify/``: the public hot path, served by plain Django (PublicVerifyView describes it
    in the OpenAPI schema; DRF's request and response machinery would cost as much as the lookup)."""
    if request.content_type != "application/json":
        # Also keeps other sites from sending queries through visitors' browsers without a CORS preflight.
        return _json({"detail": "Send the query as application/json."}, status=415)
    try:
        parsed = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        parsed = None
    data: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
    decision = ratelimit.hit(request)
    if not decision.allowed:
        return limited(request, decision, _method(data))
    try:
        if parsed is None:
            raise ValidationError({"detail": "The body must be a JSON object."})
        query = query_parse(**_strings(data))
    except ValidationError as exc:
        verification_log(
            channel=VerificationChannel.API,
            method=_method(data),
            outcome=VerificationOutcome.INVALID,
            client_hash=ratelimit.client_hash(request),
        )
        return _json(exc.message_dict, status=400)
    result = certificate_lookup_logged(
        query, channel=VerificationChannel.API, client_hash=ratelimit.client_hash(request)
    )
    return _json(result.public())


class PublicVerifyView(APIView):
    """Verify a certificate: its number together with the holder's name and/or ID number."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        request=VerifyQuerySerializer,
        responses={200: _ANSWER, 400: OpenApiResponse(description="A field is missing or malformed."), 429: _LIMITED},
        auth=[],
        summary="Verify a certificate (public)",
        description=(
            "Answers valid, revoked (with the date) or not_found. A number held by someone else and a number "
            "that does not exist both answer not_found. The holder's name and ID number are returned masked. "
            "Rate-limited per client."
        ),
    )
    def post(self, request: Request) -> HttpResponse:
        return verify_query(request._request)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            return verify_query(request)
        return super().dispatch(request, *args, **kwargs)


_LIMITS = {"number": 40, "name": 60, "id_number": 30}


def _strings(data: dict[str, Any]) -> dict[str, str]:
    """The query fields as strings of bounded length (VerifyQuerySerializer documents them; checking by
    hand keeps the public hot path short)."""
    errors: dict[str, str] = {}
    out: dict[str, str] = {}
    for field, limit in _LIMITS.items():
        value = data.get(field)
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[field] = f"{field} must be a string."
        elif len(value) > limit:
            errors[field] = f"{field} is longer than {limit} characters."
        else:
            out[field] = value
    if errors:
        raise ValidationError(errors)
    return out


class StrictJSONParser(BaseParser):
    """The raw JSON document, parsed refusing duplicate member names and bounded in size."""

    media_type = "application/json"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:

        raw = stream.read(vc.MAX_DOCUMENT_BYTES + 1) if stream is not None else b""
        if len(raw) > vc.MAX_DOCUMENT_BYTES:
            raise ParseError(f"The credential is larger than {vc.MAX_DOCUMENT_BYTES} bytes.")
        try:
            return loads_strict(raw.decode("utf-8"))
        except (CanonicalisationError, UnicodeDecodeError) as exc:
            raise ParseError(f"The credential is not valid JSON: {exc}") from None


class CredentialVerifyView(APIView):
    """Verify a signed certificate credential (OpenBadgeCredential with an eddsa-jcs-2022 proof)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        request={"application/json": {"type": "object", "description": "The credential document as exported."}},
        responses={
            200: inline_serializer(
                "CredentialCheck",
                {
                    "result": serializers.ChoiceField(choices=["valid", "revoked", "not_found", "bad_signature"]),
                    "signature": inline_serializer(
                        "SignatureCheck",
                        {
                            "valid": serializers.BooleanField(),
                            "key_id": serializers.CharField(),
                            "cryptosuite": serializers.CharField(),
                            "reason": serializers.CharField(),
                        },
                    ),
                    "certificate": _CERT,
                },
            ),
            400: OpenApiResponse(description="Not a JSON document."),
            429: _LIMITED,
        },
        auth=[],
        summary="Verify a certificate credential (public)",
        description=(
            "Checks the Data Integrity proof (eddsa-jcs-2022) against the platform's keys that still verify, "
            "then the certificate's current status in the registry."
        ),
    )
    def post(self, request: Request) -> HttpResponse:
        decision = ratelimit.hit(request._request)
        if not decision.allowed:
            return limited(request._request, decision, VerificationMethod.CREDENTIAL)
        document = request.data
        check = vc.proof_verify(document)
        signature = {
            "valid": check.valid,
            "key_id": check.key_id,
            "cryptosuite": vc.CRYPTOSUITE,
            "reason": check.reason,
        }
        if not check.valid:
            verification_log(
                channel=VerificationChannel.API,
                method=VerificationMethod.CREDENTIAL,
                outcome=VerificationOutcome.BAD_SIGNATURE,
                client_hash=ratelimit.client_hash(request._request),
                key_id=check.key_id,
            )
            return Response({"result": VerificationOutcome.BAD_SIGNATURE, "signature": signature})
        result = certificate_by_number(check.number)
        verification_log(
            channel=VerificationChannel.API,
            method=VerificationMethod.CREDENTIAL,
            outcome=result.outcome,
            client_hash=ratelimit.client_hash(request._request),
            certificate_id=result.certificate.pk if result.certificate else None,
            key_id=check.key_id,
        )
        return Response({**result.public(), "signature": signature})
