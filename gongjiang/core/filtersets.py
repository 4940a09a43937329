"""The change log's filters."""

from __future__ import annotations

from typing import Any

import django_filters
from django.apps import apps
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gongjiang.core.models import ChangeRecord


def model_label(label: str) -> str:
    """A model label (``training.PaymentBatch``) as people call it (付款批次)."""
    try:
        return str(apps.get_model(label)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return label


def _model_choices() -> list[tuple[str, Any]]:
    labels = [m._meta.label for m in apps.get_models() if m.__module__.startswith("gongjiang.")]
    return sorted(((label, model_label(label)) for label in labels), key=lambda c: str(c[1]))


class ChangeRecordFilter(django_filters.FilterSet):
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
