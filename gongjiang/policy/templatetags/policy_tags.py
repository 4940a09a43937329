from __future__ import annotations

from django import template

from gongjiang.policy import labels
from gongjiang.policy.selectors import clause_citation

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


@register.filter
def event_type(code: str) -> str:
    return labels.event_type(code)


@register.filter
def reason(code: str) -> str:
    return labels.reason(code)


@register.filter
def parameter(name: str) -> str:
    return labels.parameter(name)


@register.filter
def table_name(name: str) -> str:
    return labels.table(name)


@register.filter
def column(name: str) -> str:
    return labels.column(name)


@register.filter
def rounding(rule: dict) -> str:
    return labels.rounding(rule.get("rounding", ""), rule.get("to", ""))


@register.filter
def clause(key: str) -> str:
    """A clause as sets cite it (``ZJG-opinion 二(六)``) as people cite it (its document's number or short
    name, then the clause)."""
    return clause_citation(key)
