"""Pickers: a code field that searches as one types. The field keeps the code (a region, occupation or
industry code, an organisation's or a person's record number); typing a name or part of a code lists
matches below it, and choosing one fills the code in. Without script the field is a plain text field.

Reference codes are offered here; apps register pickers over their own records (``register_source``),
read through the caller's scope. Searches of personal data go by POST, so that no name appears in an
address or an access log.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from gongjiang.reference.models import Industry, Occupation, Region

LIMIT = 12


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def _as_of(request: HttpRequest) -> datetime.date:
    raw = request.GET.get("as_of", "") or request.POST.get("as_of", "")
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        return timezone.localdate()


def _regions(request: HttpRequest, q: str) -> list[Choice]:
    qs = Region.objects.as_of(_as_of(request))  # type: ignore[attr-defined]
    qs = qs.filter(code__startswith=q) if q.isdigit() else qs.filter(name__contains=q)
    return [Choice(r.code, f"{r.code} {r.name}") for r in qs.order_by("code")[:LIMIT]]


def _occupations(request: HttpRequest, q: str) -> list[Choice]:
    qs = Occupation.objects.filter(kind="occupation")
    qs = qs.filter(code__startswith=q) if q[:1].isdigit() else qs.filter(name__contains=q)
    return [Choice(o.code, f"{o.code} {o.name}") for o in qs.order_by("code")[:LIMIT]]


def _industries(request: HttpRequest, q: str) -> list[Choice]:
    qs = Industry.objects.filter(Q(code__startswith=q.upper()) | Q(name__contains=q))
    return [Choice(i.code, f"{i.code} {i.name}") for i in qs.order_by("code")[:LIMIT]]


Source = Callable[[HttpRequest, str], list[Choice]]
SOURCES: dict[str, Source] = {"regions": _regions, "occupations": _occupations, "industries": _industries}
BY_POST: set[str] = set()


def register_source(kind: str, source: Source, *, by_post: bool = False) -> None:
    """An app offers a picker over its own records (registry: organisations, persons), read in scope."""
    SOURCES[kind] = source
    if by_post:
        BY_POST.add(kind)


@login_required
def pick(request: HttpRequest, kind: str) -> HttpResponse:
    source = SOURCES.get(kind)
    if source is None:
        raise Http404
    params = request.POST if kind in BY_POST else request.GET
    field = params.get("field", "")
    q = (params.get(field, "") if field else params.get("q", "")).strip()[:50]
    choices = source(request, q) if q else []
    return render(request, "core/_picker_choices.html", {"choices": choices, "q": q})


urlpatterns = [path("pick/<slug:kind>/", pick, name="pick")]


class Picker(forms.TextInput):
    """A text input for a code that offers matches as one types (``kind``: regions, occupations,
    industries, organisations, persons)."""

    template_name = "core/widgets/picker.html"

    def __init__(self, kind: str, *, as_of: datetime.date | None = None, attrs: dict[str, Any] | None = None) -> None:
        self.kind = kind
        self.as_of = as_of
        super().__init__(attrs={"autocomplete": "off", **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        url = reverse("pick", args=[self.kind]) + f"?field={name}"
        if self.as_of:
            url += f"&as_of={self.as_of.isoformat()}"
        context["widget"]["attrs"].update(
            {
                "hx-post" if self.kind in BY_POST else "hx-get": url,
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "next .picker-choices",
                "hx-include": "this",
                "data-picker": self.kind,
            }
        )
        if self.kind in BY_POST:
            context["widget"]["attrs"]["hx-vals"] = f'{{"field": "{name}"}}'
        return context
