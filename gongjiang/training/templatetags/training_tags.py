from __future__ import annotations

from typing import Any

from django import template

from gongjiang.training.models import fen_to_yuan

register = template.Library()


@register.filter
def yuan(fen: Any) -> str:
    """Fen as yuan with two decimals: 180000 → 1800.00."""
    if fen in (None, ""):
        return ""
    return fen_to_yuan(int(fen))


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
