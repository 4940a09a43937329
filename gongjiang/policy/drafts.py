"""Reads of a draft version: the parameters and table cells an officer may change, and what the draft would
change over the registry's real events of the last year (who gains, who loses, by clause, in yuan)."""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from gongjiang.policy import labels
from gongjiang.policy.compiled import CompiledSet, compile_set
from gongjiang.policy.models import PolicyDraft
from gongjiang.policy.outputs import DiffReport, diff_compiled
from gongjiang.policy.parsing import check_expanded
from gongjiang.policy.selectors import compiled_version, documents
from gongjiang.policy.sources import registry_events
from gongjiang.reference.selectors import region_name


def _period(entry: dict[str, Any]) -> str:
    end = entry.get("to")
    if end:
        return _("%(a)s to %(b)s") % {"a": entry["from"], "b": end}
    return _("from %(a)s") % {"a": entry["from"]}


def parameter_choices(draft: PolicyDraft) -> list[tuple[str, str]]:
    """Each parameter of the draft by name and region (``name|region``), with its values and periods."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for p in draft.spec.get("parameters", []):
        grouped.setdefault((p["name"], p["region"]), []).append(p)
    out = []
    for (name, region), entries in grouped.items():
        values = "；".join(f"{e['value']}（{_period(e)}）" for e in entries)
        out.append((f"{name}|{region}", f"{labels.parameter(name)} · {region_name(region)}：{values}"))
    return out


def cell_choices(draft: PolicyDraft) -> list[tuple[str, str]]:
    """Each output cell of each decision-table row (``table:row:column``), with its conditions and value."""
    out = []
    for t, table in enumerate(draft.spec.get("tables", [])):
        head = f"{labels.table(table['name'])} · {region_name(table['region'])} · {_period(table)}"
        for r, row in enumerate(table["rows"]):
            conditions = "，".join(
                f"{labels.column(k)}={_condition(k, row.get(k))}" for k in table["inputs"] if k in row
            )
            for column in table["outputs"]:
                if column not in row:
                    continue
                label = row.get("label") or _("row %(n)s") % {"n": r + 1}
                out.append(
                    (
                        f"{t}:{r}:{column}",
                        f"{head} · {label}（{conditions}）· {labels.column(column)} = {row[column]}",
                    )
                )
    return out


def _condition(column: str, value: Any) -> str:
    if value == "*":
        return _("any")
    if value is None:
        return "∅"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "/".join(labels.value(column, v) for v in value)
    return labels.value(column, value)


_CACHE: OrderedDict[str, CompiledSet] = OrderedDict()


def _compiled(spec: dict[str, Any]) -> CompiledSet:
    """The draft's set checked and compiled, kept by its content (a draft changes only by an edit)."""
    key = hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    found = _CACHE.get(key)
    if found is None:
        docs = documents()
        found = _CACHE[key] = compile_set(check_expanded(spec, docs), docs, version=None)
        while len(_CACHE) > 8:
            _CACHE.popitem(last=False)
    return found


@dataclass
class DraftDiff:
    report: DiffReport
    names: dict[int, str]
    start: datetime.date
    end: datetime.date


def draft_diff(draft: PolicyDraft, *, year: int) -> DraftDiff | None:
    """The draft against the version it was copied from, over the registry's events of calendar year ``year``
    in the set's region; None when the registry holds no such event."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    found = registry_events(draft.region_code, start, end)
    if not found.events.height:
        return None
    after = _compiled(draft.spec)
    before = compiled_version(draft.base)
    return DraftDiff(diff_compiled(found.events, before, after), found.names, start, end)
