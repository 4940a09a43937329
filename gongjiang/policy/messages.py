"""The policy files' checks speak to the people who write the files, in English, naming files and entries.
On the pages an officer edits a draft instead, so the checks an edit can fail are said again in the page's
language, naming the parameter, table, row and column by their labels. A message of no known shape is shown
with a plain lead-in and its text as the checks wrote it."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _

from gongjiang.policy import labels
from gongjiang.reference.selectors import region_name

_TABLE_ROW = r"table \d+ \((?P<table>[\w.]+)\) row (?P<row>\d+): (?P<column>\w+): '?(?P<value>.*?)'?"
_PARAM = r"parameter \d+ \((?P<name>[\w.]+)\)"


def _cell(m: re.Match[str], problem: str) -> str:
    return _("Table %(t)s, row %(r)s, %(c)s: %(problem)s") % {
        "t": labels.table(m["table"]),
        "r": m["row"],
        "c": labels.column(m["column"]),
        "problem": problem,
    }


def _param(m: re.Match[str], problem: str) -> str:
    return _("Parameter %(p)s: %(problem)s") % {"p": labels.parameter(m["name"]), "problem": problem}


def _limit(m: re.Match[str]) -> str:
    return _("Parameter %(p)s in %(r)s = %(v)s exceeds its limit %(l)s = ±%(lv)s, in force from %(d)s.") % {
        "p": labels.parameter(m["name"]),
        "r": region_name(m["region"]),
        "v": m["value"],
        "l": labels.parameter(m["limit"]),
        "lv": m["limit_value"],
        "d": m["date"],
    }


_SHAPES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(_TABLE_ROW + r" is not a number$"),
        lambda m: _cell(m, _("“%(v)s” is not a number.") % {"v": m["value"]}),
    ),
    (
        re.compile(_TABLE_ROW + r" has more than two decimals$"),
        lambda m: _cell(m, _("“%(v)s” has more than two decimals.") % {"v": m["value"]}),
    ),
    (
        re.compile(_TABLE_ROW + r" is not a whole number$"),
        lambda m: _cell(m, _("“%(v)s” is not a whole number.") % {"v": m["value"]}),
    ),
    (
        re.compile(_TABLE_ROW + r" is not true/false$"),
        lambda m: _cell(m, _("“%(v)s” is neither yes nor no.") % {"v": m["value"]}),
    ),
    (
        re.compile(_PARAM + r": an amount in yuan has at most two decimals"),
        lambda m: _param(m, _("an amount in yuan has at most two decimals (whole fen).")),
    ),
    (
        re.compile(_PARAM + r": a percentage has at most two decimals"),
        lambda m: _param(m, _("a percentage has at most two decimals.")),
    ),
    (
        re.compile(_PARAM + r": a \w+ value must be a whole number"),
        lambda m: _param(m, _("the value must be a whole number.")),
    ),
    (
        re.compile(
            r"parameter (?P<name>[\w.]+) in (?P<region>\d{6}) = (?P<value>\S+) \w+ exceeds the limit "
            r"(?P<limit>[\w.]+) = ±(?P<limit_value>\S+) \w+ \(.*\) in force from (?P<date>[\d-]+)"
        ),
        _limit,
    ),
]


def plain(message: str) -> str:
    """A message of the policy files' checks as an officer editing a draft reads it."""
    for pattern, say in _SHAPES:
        m = pattern.search(message)
        if m is not None:
            return say(m)
    return _("Refused by the checks of the policy files: %(problem)s") % {"problem": message}
