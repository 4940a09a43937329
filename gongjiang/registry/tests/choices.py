"""Reading a record field off a form page: the options of its select (value → label, and which one is
chosen) or, where the records are too many to list, its search box (the kept number and the name shown).
Shared by the tests of the forms that name organisations and persons (registry, credentials, training)."""

from __future__ import annotations

import html as htmllib
import re

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def form_of(page: str) -> str:
    """The page's data-entry form."""
    found = re.search(r'<form method="post" novalidate[^>]*>.*?</form>', page, re.S)
    assert found is not None
    return found.group(0)


def options(form: str, name: str) -> dict[str, str]:
    """The records the select ``name`` offers: value → label (the empty choice left out)."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', form, re.S)
    assert select is not None, name
    found = re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select.group(1), re.S)
    return {value: htmllib.unescape(label.strip()) for value, label in found if value}


def chosen(form: str, name: str) -> list[tuple[str, str]]:
    """The options of the select ``name`` marked chosen: (value, label)."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', form, re.S)
    assert select is not None, name
    found = re.findall(r'<option value="([^"]*)"[^>]*\bselected\b[^>]*>(.*?)</option>', select.group(1), re.S)
    return [(value, htmllib.unescape(label.strip())) for value, label in found]


def typed_number(form: str, name: str) -> bool:
    """Whether the field ``name`` is a text box one types a record number into (as it was before)."""
    return re.search(rf'<input type="(text|number)" name="{name}"', form) is not None


def search_box(form: str, name: str) -> tuple[str, str]:
    """A record picker's (kept number, name shown in its search box)."""
    kept = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', form)
    shown = re.search(rf'<input type="search" name="{name}-search" value="([^"]*)"', form)
    assert kept is not None and shown is not None, name
    return kept.group(1), htmllib.unescape(shown.group(1))


def picked(page: str) -> dict[str, str]:
    """The matches a picker search answers: value → label."""
    return {value: htmllib.unescape(label) for value, label in re.findall(r'data-pick="(\d+)">([^<]*)<', page)}
