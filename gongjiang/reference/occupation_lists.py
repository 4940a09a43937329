"""An occupation list (``code,name[,digital]``) read and checked row by row, before anything is written."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongjiang.reference.models import Occupation


def _occupation_kind(code: str) -> str:
    parts = code.split("-")
    return {1: "major", 2: "medium", 3: "minor", 4: "occupation"}.get(len(parts), "")


def occupation_parent(code: str) -> str:
    return "-".join(code.split("-")[:-1])


def parse_occupation_rows(text: str) -> list[dict[str, str]]:
    """Rows of ``code,name[,digital]`` (an optional ``kind`` column is checked against the code).
    Errors name the row and the column; nothing is returned when any row is wrong."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"code", "name"} <= {f.strip() for f in reader.fieldnames}:
        raise ValidationError(_("The occupation file needs the columns code and name."))
    rows: list[dict[str, str]] = []
    linenos: list[int] = []  # the file row of each entry in rows (rows with a bad code are left out)
    errors: list[str] = []
    seen: set[str] = set()
    for lineno, raw in enumerate(reader, start=2):
        extra = raw.pop(None, None)  # values beyond the header's columns
        if extra and any((v or "").strip() for v in extra):
            errors.append(_("row %(r)d: more values than the header has columns.") % {"r": lineno})
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        code, name = row.get("code", ""), row.get("name", "")
        kind = _occupation_kind(code)
        parts = code.split("-")
        if not kind or not all(p.isdigit() for p in parts) or len(parts[0]) != 1 or any(len(p) != 2 for p in parts[1:]):
            errors.append(
                _("row %(r)d, column code: %(v)r is not an occupation code D-DD-DD-DD.") % {"r": lineno, "v": code}
            )
            continue
        if row.get("kind") and row["kind"] != kind:
            errors.append(_("row %(r)d, column kind: %(v)r does not match the code.") % {"r": lineno, "v": row["kind"]})
        if not name:
            errors.append(_("row %(r)d, column name: the name is empty.") % {"r": lineno})
        if code in seen:
            errors.append(_("row %(r)d, column code: %(v)s appears twice.") % {"r": lineno, "v": code})
        digital = row.get("digital", "0") or "0"
        if digital not in ("0", "1"):
            errors.append(_("row %(r)d, column digital: must be 0 or 1.") % {"r": lineno})
        seen.add(code)
        rows.append({"code": code, "name": name, "kind": kind, "digital": digital})
        linenos.append(lineno)
    known = seen | set(Occupation.objects.values_list("code", flat=True))
    for lineno, row in zip(linenos, rows, strict=True):
        parent = occupation_parent(row["code"])
        if parent and parent not in known:
            errors.append(
                _("row %(r)d, column code: the parent group %(p)s of %(c)s is missing.")
                % {"r": lineno, "p": parent, "c": row["code"]}
            )
    if errors:
        raise ValidationError(errors)
    return rows
