"""What the tests of a form naming an organisation (``registry.choosing``) look for in a page: the field
offers organisations by name, the chosen one shows by name (in a select, or in the search box where they are
too many to list), no text box takes a bare record number, and a number from outside the choices is refused
on the field in Chinese."""

from __future__ import annotations

import re
from typing import Any

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
REFUSED = "所选单位不在您的管辖范围内或不存在。"


def label(organisation: Any) -> str:
    return f"{organisation.name}（{organisation.uscc}）"


def form_of(html: str, marker: str) -> str:
    """The form of the page holding ``marker`` (its id, or any text inside it)."""
    for found in re.finditer(r"<form\b.*?</form>", html, re.S):
        if marker in found.group(0):
            return found.group(0)
    raise AssertionError(f"no form with {marker!r}")


def offered(form: str, name: str) -> dict[str, str]:
    """The organisations a select offers: value → label (the empty choice left out)."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', form, re.S)
    assert select is not None, f"no select {name}"
    options = re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select.group(1), re.S)
    return {value: text.strip() for value, text in options if value}


def no_number_box(form: str, name: str) -> None:
    """No text or number box takes the record number: it is a select, or kept in a hidden input."""
    assert not re.search(rf'<input type="(?:text|number)" name="{name}"', form), name
    assert re.search(rf'<select[^>]*name="{name}"', form) or re.search(rf'<input type="hidden" name="{name}"', form), (
        name
    )


def shows_chosen(form: str, name: str, organisation: Any) -> None:
    """The chosen organisation shows by name: the selected option, or the search box's text (its number is
    only in the hidden input)."""
    no_number_box(form, name)
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', form, re.S)
    if select is not None:
        chosen = re.findall(r'<option value="([^"]*)"[^>]*\bselected\b[^>]*>(.*?)</option>', select.group(1), re.S)
        assert [(v, t.strip()) for v, t in chosen] == [(str(organisation.pk), label(organisation))], chosen
    else:
        assert f'<input type="hidden" name="{name}" value="{organisation.pk}">' in form
        assert re.search(rf'name="{name}-search" value="{re.escape(label(organisation))}"', form), form


def refused_on(html: str, name: str) -> None:
    assert re.search(rf'data-field="{name}">[^<]*{REFUSED}', html), f"no refusal on {name}"
