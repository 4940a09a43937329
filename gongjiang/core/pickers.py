"""Pickers: a code field that searches as one types. The field keeps the code (a region, occupation or
industry code, an organisation's or a person's record number); typing a name or part of a code lists
matches below it, and choosing one fills the code in. Without script the field is a plain text field.

Reference codes are offered here; apps register pickers over their own records (``register_source``),
read through the caller's scope. Searches of personal data go by POST, so that no name appears in an
address or an access log.

A form field that holds a record (``forms.ModelChoiceField``) is offered with :func:`offer`: the records the
user may choose, by name, in a select that narrows as one types where they are few, and otherwise in a
:class:`RecordPicker`, a search box showing the chosen record's name (its number is kept out of sight), so
that a page never lists tens of thousands of records. Either way the field accepts only those records.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

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


# Records offered in a select up to this many; more are searched for by name (a RecordPicker).
SELECT_LIMIT = 200
# A select marked so gets a search box that narrows its options as one types (static/core/choices.js).
SEARCH = {"data-search": "1", "data-search-placeholder": gettext_lazy("Type to narrow the list")}


class RecordPicker(forms.Widget):
    """A record chosen by name among too many to list: a search box lists the records of the picker
    ``kind`` that match what one types; choosing one keeps its number in a hidden input and shows its
    name (``label``) in the box. The chosen record's name is read from ``queryset``, the records the field
    accepts, so a number posted from outside them shows no name."""

    template_name = "core/widgets/record_picker.html"

    def __init__(
        self,
        kind: str,
        *,
        queryset: QuerySet | None = None,
        label: Callable[[Any], str] = str,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.queryset = queryset
        self.label = label
        super().__init__(attrs=attrs)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        shown = ""
        if self.queryset is not None and str(value or "").isdigit():
            found = self.queryset.filter(pk=int(value)).first()
            shown = self.label(found) if found is not None else ""
        search = f"{name}-search"
        url = reverse("pick", args=[self.kind]) + f"?field={search}"
        context["widget"].update(
            {
                "kind": self.kind,
                "shown": shown,
                "search_name": search,
                "url": url,
                "method": "hx-post" if self.kind in BY_POST else "hx-get",
                "vals": f'{{"field": "{search}"}}' if self.kind in BY_POST else "",
                "placeholder": gettext_lazy("Type a name to search"),
            }
        )
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


def offer(
    field: forms.Field, queryset: QuerySet, *, kind: str, label: Callable[[Any], str], limit: int | None = None
) -> None:
    """Offer the records of ``queryset`` (read in the user's scope) on a record field, by ``label``: a
    select narrowed as one types where there are at most ``limit``, otherwise a RecordPicker over the picker
    ``kind`` (whose source must list the same records). A record outside them is refused on the field.
    ``limit``: SELECT_LIMIT by default."""
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError("offer() takes a ModelChoiceField")
    limit = SELECT_LIMIT if limit is None else limit
    field.queryset = queryset
    field.label_from_instance = label  # type: ignore[method-assign,assignment]
    if queryset.order_by()[: limit + 1].count() <= limit:  # counted unordered: no sort of a large scope
        widget: forms.Widget = forms.Select(attrs={**SEARCH, "class": "form-select"})
        widget.choices = field.choices  # type: ignore[attr-defined]
    else:
        widget = RecordPicker(kind, queryset=queryset, label=label, attrs={"class": "form-control"})
    widget.is_required = field.required
    field.widget = widget
