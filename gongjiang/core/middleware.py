from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Callable
from urllib.parse import unquote_plus, urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from gongjiang.core import lookups, second_factor
from gongjiang.core.audit import audit_context
from gongjiang.core.validators import personal_numbers_in

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class AuditContextMiddleware:
    """Binds each request to an audit context: a request id (also returned as X-Request-ID),
    the channel (web page or API) and the user, resolved when a record is written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        source = "api" if request.path.startswith("/api/") else "web"
        request.request_id = request_id  # type: ignore[attr-defined]
        with audit_context(source=source, request=request, request_id=request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


# Addresses a user still to give the second factor may reach: signing in and out, the second-factor pages
# themselves, the language switch, static files and the public pages.
_SECOND_FACTOR_FREE = ("/accounts/", "/i18n/", "/static/", "/healthz/", "/verify/", "/api/verify/")


class SecondFactorMiddleware:
    """A signed-in user who must give a one-time code (core.second_factor) and has not yet done so in this
    session reaches nothing else: a page sends them to the second-factor page, an API call made with the
    session is refused (403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(_SECOND_FACTOR_FREE) and second_factor.due(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Give the one-time code of your authenticator first.")}, status=403)
            return redirect(f"{reverse('otp-verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class PersonalDataInAddressMiddleware:
    """An address (path or query) holding a valid ID number or a mobile number is refused (400) before any
    view reads it: such numbers are searched by POST (the person page's look-up, ``POST
    /api/persons/search/``), so that they reach no access log, proxy or browser history. The refusal names
    the way that works; the number itself is not echoed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        address = unquote_plus(request.META.get("QUERY_STRING", "")) + " " + request.path
        if personal_numbers_in(address):
            message = _(
                "ID numbers and mobile numbers may not be part of a web address. Search by ID number with the "
                "look-up form of the persons page, or POST /api/persons/search/."
            )
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class LookupLimitMiddleware:
    """A look-up refused for too many misses (core.lookups) is answered 429, on pages and in the API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, lookups.TooManyLookups):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": exception.message}, status=429)
        return HttpResponse(exception.message, status=429, content_type="text/plain; charset=utf-8")


def sign_in_address(request: HttpRequest) -> str | None:
    """The client address django-axes counts sign-in failures by: the peer, or the last address of the
    proxy header when the peer is a trusted proxy (as the verification rate limit reads it), as a plain
    address for axes' records; None when there is none (a test client's forced sign-in)."""
    peer = _ip(request.META.get("REMOTE_ADDR", ""))
    header = settings.TRUSTED_PROXY_HEADER
    if header and peer is not None:
        trusted = (ipaddress.ip_network(p, strict=False) for p in settings.TRUSTED_PROXIES)
        if any(peer in net for net in trusted):
            forwarded = _ip(request.headers.get(header, "").split(",")[-1])
            peer = forwarded or peer
    if peer is None:
        return None
    if isinstance(peer, ipaddress.IPv6Address) and peer.ipv4_mapped is not None:
        return str(peer.ipv4_mapped)
    return str(peer)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None
