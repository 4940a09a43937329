"""The pages of a refusal, a missing page and a failure: in the page's language, saying what happened and
offering the way back (the page the user came from, where it is this site's, and the home page).

Django renders them from ``handler403``, ``handler404`` and ``handler500`` (``gongjiang/urls.py``).
With ``DEBUG`` on Django would answer a page's ``Http404`` with its English page for developers;
:class:`ErrorPageMiddleware` answers it with the same page as production, so that a record outside the
user's scope reads the same on the demo as in a bureau.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def back_url(request: HttpRequest) -> str:
    """The page the user came from, where it is this site's and not the page itself."""
    referer = request.headers.get("Referer", "")
    if (
        referer
        and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()})
        and not referer.endswith(request.get_full_path())
    ):
        return referer
    return ""


def _page(request: HttpRequest, status: int, heading: str, reason: str) -> HttpResponse:
    context: dict[str, Any] = {"status": status, "heading": heading, "reason": reason, "back": back_url(request)}
    return render(request, "error.html", context, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception is not None and str(exception) else ""
    return _page(
        request,
        403,
        _("You may not open this page"),
        reason or _("Your account's role or scope does not include this page."),
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        _("Page not found"),
        _("There is no such page, or the record is outside your scope."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: the failure may lie in them, or in the database they read.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


class ErrorPageMiddleware:
    """A page's Http404, and an address that matches no page, answered with the page of :func:`not_found`,
    with ``DEBUG`` on as off (the API answers its own errors)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
            and not request.path.startswith("/api/")
        ):
            # An address that matches no page: Django's page for developers would answer it in English.
            return not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404) and not request.path.startswith("/api/"):
            return not_found(request, exception)
        return None
