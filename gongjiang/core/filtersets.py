"""The change log's filters."""

from __future__ import annotations

from typing import Any

import django_filters
from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_filters.conf import settings as filter_settings

from gongjiang.core.models import ChangeRecord


class FilterSet(django_filters.FilterSet):
    """A filterset whose filters made from model fields are labelled by the field's verbose name in the
    language of each page. (django-filter computes such a label once, as text, and keeps it on the class's
    filter when anything reads it there, the API schema say: every later page showed it in that first
    language.)"""

    @classmethod
    def filter_for_field(cls, field: Any, field_name: str, lookup_expr: str | None = None) -> Any:
        made = super().filter_for_field(field, field_name, lookup_expr)
        verbose = getattr(field, "verbose_name", None)
        if made is not None and made._label is None and verbose and lookup_expr in (None, "exact"):
            made.label = capfirst(verbose)
        return made

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A record filter's empty choice reads like a choice filter's ("All"), not Django's "---------".
        for made in self.filters.values():
            if isinstance(made, django_filters.ModelChoiceFilter) and "empty_label" not in made.extra:
                made.extra["empty_label"] = filter_settings.EMPTY_CHOICE_LABEL


def model_label(label: str) -> str:
    """A model label (``training.PaymentBatch``) as people call it (付款批次)."""
    try:
        return str(apps.get_model(label)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return label


def _model_choices() -> list[tuple[str, Any]]:
    labels = [m._meta.label for m in apps.get_models() if m.__module__.startswith("gongjiang.")]
    return sorted(((label, model_label(label)) for label in labels), key=lambda c: str(c[1]))


class ChangeRecordFilter(FilterSet):
    q = django_filters.CharFilter(label=_("Object, actor or request id"), method="filter_q")
    model = django_filters.ChoiceFilter(label=_("Object type"), choices=_model_choices)
    action = django_filters.ChoiceFilter(label=_("Action"), choices=ChangeRecord.Action.choices)
    source = django_filters.ChoiceFilter(label=_("Source"), choices=ChangeRecord.Source.choices)

    class Meta:
        model = ChangeRecord
        fields = ["q", "model", "action", "source"]

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(object_repr__contains=value) | Q(request_id=value) | Q(actor_label=value) | Q(object_id=value)
        )
