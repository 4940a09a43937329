from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from gongjiang.core.audit import audit_context

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
