from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen as yuan with two decimals: 455000 → 4550.00."""
    if fen is None:
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"
