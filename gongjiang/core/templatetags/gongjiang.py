from typing import Any

from django import template
from django.apps import apps

from gongjiang.core import pii
from gongjiang.core.history import list_separator
from gongjiang.core.scope import can
from gongjiang.reference.selectors import region_name as _region_name

register = template.Library()


@register.filter
def region_name(code: str) -> str:
    return f"{_region_name(code)} ({code})" if code else ""


@register.filter
def region_title(code: str) -> str:
    """A region by its name alone ("张家港市"), where a sentence names it."""
    return _region_name(code) if code else ""


COMPARISON_SIGNS = {">=": "≥", "<=": "≤"}


@register.filter
def comparison_sign(value: str) -> str:
    """A comparison as it is printed: "≥" and "≤" rather than the stored ">=" and "<="."""
    return COMPARISON_SIGNS.get(value, value)


@register.filter
def join_list(values: Any) -> str:
    """The items joined as a sentence lists them: "、" between them in Chinese, ", " in English."""
    return list_separator().join(str(v) for v in values)


@register.filter
def mask_name(value: str) -> str:
    return pii.mask_name(value)


@register.filter
def minutes(value: Any) -> int:
    """A timedelta in whole minutes, rounded up (a lockout's cool-off)."""
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value or 0)
    return int(-(-seconds // 60))


@register.filter
def may_view(user: Any, label: str) -> bool:
    """May the user's role open the pages of model ``label`` ("app.Model") at all? Menus offer only what
    opens."""
    return can(user, "view", apps.get_model(label))


@register.simple_tag
def table_body(table: Any) -> str:
    """The rows of a django-tables2 table's current page, written in one pass (core.tablebody)."""
    from gongjiang.core.tablebody import table_body as body

    return body(table)
