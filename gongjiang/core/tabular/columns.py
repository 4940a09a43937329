"""Declared columns and the header row that names them.

A table is read against a spec: a tuple of :class:`Column`, each with its canonical name, its Chinese
header (the one templates carry), its English header (lazily translated, it is also the column's
label in messages), more accepted headers, and whether it is required.

A header is matched after normalisation: surrounding space, a trailing required-marker ``*`` and a
bracketed remark (``姓名（必填）``) are dropped, full-width forms folded, case, spaces, ``_`` and ``-``
ignored. Unknown headers are ignored and listed; a column named by two headers, or a column with data
but no header, rejects the file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Column:
    name: str  # the canonical name: the frame's column
    zh: str  # the Chinese header, as a blank template writes it
    en: str | Promise  # the English header, translated lazily: the column's label in messages
    aliases: tuple[str, ...] = ()  # further headers accepted
    required: bool = False
    pii: str = ""  # "id" or "phone": the column's values are masked wherever a report quotes them

    @property
    def label(self) -> str | Promise:
        return self.en

    @property
    def headers(self) -> tuple[str, ...]:
        """The Chinese header and the aliases, as the columns page lists them."""
        return (self.zh, *self.aliases)


Spec = Sequence[Column]

_REMARK = re.compile(r"[（(][^（）()]*[）)]$")


def normalise_header(text: object) -> str:
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").replace("\u200b", "").strip()
    value = value.rstrip("*＊ ").strip()
    # "姓名（必填）", "证书编号 (必填)": a trailing remark in brackets is not part of the name,
    # unless the whole header is the remark-shaped alias "职业（工种）编码".
    stripped = _REMARK.sub("", value).strip()
    if stripped:
        value = stripped
    return re.sub(r"[\s_\-]+", "", value).lower()


def header_table(spec: Spec) -> dict[str, Column]:
    """Every accepted header, normalised, → its column."""
    table: dict[str, Column] = {}
    for col in spec:
        table[normalise_header(col.name)] = col
        for alias in col.headers:
            table[normalise_header(alias)] = col
    # The column's own label, as pages and exports show it in either language, is a header too.
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for col in spec:
                table.setdefault(normalise_header(str(col.label)), col)
    return table


@dataclass
class HeaderMap:
    fields: dict[str, int]  # column name → column index in the file
    headers: dict[str, str]  # column name → the header as written in the file
    ignored: list[str] = field(default_factory=list)


class HeaderError(ValueError):
    """The header row does not fit the spec; ``matched`` counts the columns it did name."""

    matched = 0


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA (spreadsheet column names)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def map_headers(spec: Spec, headers: Sequence[object]) -> HeaderMap:
    """Match a file's header row to the spec's columns. Raises HeaderError listing every problem."""
    table = header_table(spec)
    fields: dict[str, int] = {}
    written: dict[str, str] = {}
    ignored: list[str] = []
    problems: list[str] = []
    for index, raw in enumerate(headers):
        text = "" if raw is None else str(raw).strip()
        if not text:
            continue
        col = table.get(normalise_header(text))
        if col is None:
            ignored.append(text)
            continue
        if col.name in fields:
            problems.append(
                _("Columns %(a)s (%(ha)s) and %(b)s (%(hb)s) both name the field %(field)s; keep one of them.")
                % {
                    "a": column_letter(fields[col.name]),
                    "ha": written[col.name],
                    "b": column_letter(index),
                    "hb": text,
                    "field": col.label,
                }
            )
            continue
        fields[col.name] = index
        written[col.name] = text
    missing = [c for c in spec if c.required and c.name not in fields]
    if missing:
        expected = "; ".join(f"{c.label} ({' / '.join(c.headers[:2])})" for c in missing)
        problems.append(_("Required columns are missing: %(cols)s.") % {"cols": expected})
    if problems:
        error = HeaderError(" ".join(problems))
        error.matched = len(fields)
        raise error
    return HeaderMap(fields=fields, headers=written, ignored=ignored)


def blank_columns(headers: Sequence[object]) -> list[int]:
    return [i for i, h in enumerate(headers) if not str(h or "").strip()]


def no_header_error(index: int, row: int) -> HeaderError:
    return HeaderError(
        _(
            "Column %(col)s has data (first in row %(row)d) but no header. Merged header cells? Give every column "
            "its own header."
        )
        % {"col": column_letter(index), "row": row}
    )


def template_headers(spec: Spec) -> list[str]:
    """The Chinese headers of a spec, for a blank template file."""
    return [c.zh for c in spec]
