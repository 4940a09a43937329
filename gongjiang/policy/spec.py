"""Policy sets as data: the files' vocabulary and the frozen dataclasses a set is read into.

A policy set file (``gongjiang/policy/sets/<name>.yaml``) holds

* ``rules``: the event types the set pays, each with its clause and its rounding;
* ``parameters``: dated values (value, unit, region, effective from/to, recorded at, clause);
* ``tables``: decision tables (hit policy ``first`` / ``unique`` / ``collect``, typed inputs, rows).

``includes`` pulls in other sets (the Zhangjiagang set includes Suzhou, which includes the Jiangsu base);
the expanded set is what a version freezes. Everything here is plain Python: no database, so the same
spec feeds the loader, the engine, the per-row reference evaluator and the benchmark.

This module is the spec itself: where the files are, the values each field may take, the dataclasses
(:class:`SetSpec` and its parts, :class:`DocumentSpec` with its clauses) with their JSON form, and
:class:`SpecError`. Reading the files into it is :mod:`gongjiang.policy.parsing`; the checks a set must
pass when it is read (decision tables complete and without overlaps, one value per name, region and
day, limits respected) are :mod:`gongjiang.policy.checks`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

SETS_DIR = Path(__file__).resolve().parent / "sets"
DOCUMENTS_FILE = SETS_DIR / "documents.yaml"

UNITS = ("yuan", "percent", "count", "months")
HIT_POLICIES = ("first", "unique", "collect")
OUTPUT_TYPES = ("yuan", "percent", "count", "text", "bool")
ROUNDING_MODES = ("half_up", "down")
ROUNDING_UNITS = ("fen", "yuan")
# Outputs every row may carry besides the declared ones.
ROW_META = ("eligible", "reason", "label", "clause")


class SpecError(ValueError):
    """A policy set or document file is wrong; ``messages`` name the file and the entry."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


# ---------------------------------------------------------------------------------------------
# Documents and clauses
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseSpec:
    path: str
    summary: str


@dataclass(frozen=True)
class DocumentSpec:
    code: str
    number: str
    short: str
    title: str
    issuer: str
    issued_on: datetime.date | None
    region: str
    kind: str
    note: str
    clauses: tuple[ClauseSpec, ...]
    note_en: str = ""  # the note in English (``note`` is Chinese)

    def citation(self, path: str) -> str:
        return f"{self.number or self.short or self.code} {path}".strip()


def citation_key(doc_code: str, path: str) -> str:
    """How sets refer to a clause: the document's internal id, a space, the clause path."""
    return f"{doc_code} {path}"


def clause_index(docs: dict[str, DocumentSpec]) -> dict[str, tuple[DocumentSpec, ClauseSpec]]:
    return {citation_key(d.code, c.path): (d, c) for d in docs.values() for c in d.clauses}


# ---------------------------------------------------------------------------------------------
# Parameters, decision tables, rules
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamSpec:
    name: str
    value: Decimal
    unit: str
    region: str
    start: datetime.date
    end: datetime.date | None  # last day in force (inclusive); None = open
    recorded_at: datetime.date
    clause: str
    note: str = ""
    origin: str = ""
    limit: str = ""  # name of a parameter bounding |value| (checked at load)
    note_en: str = ""  # the note in English (``note`` is Chinese)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": decimal_text(self.value),
            "unit": self.unit,
            "region": self.region,
            "from": self.start.isoformat(),
            "to": self.end.isoformat() if self.end else None,
            "recorded_at": self.recorded_at.isoformat(),
            "clause": self.clause,
            "note": self.note,
            "note_en": self.note_en,
            "origin": self.origin,
            "limit": self.limit,
        }


@dataclass(frozen=True)
class InputSpec:
    """One input of a decision table: an enumeration (``values``, ``open`` adds an "other" atom), a
    boolean, or a numeric ``range`` [lo, hi). ``nullable`` adds a "missing" atom."""

    name: str
    kind: str  # enum | bool | range
    values: tuple[str, ...] = ()
    open: bool = False
    nullable: bool = False
    lo: float | None = None
    hi: float | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "nullable": self.nullable}
        if self.kind == "enum":
            out.update(values=list(self.values), open=self.open)
        if self.kind == "range":
            out.update(range=[self.lo, self.hi])
        return out


@dataclass(frozen=True)
class Condition:
    kind: str  # any | missing | values | range
    values: frozenset[str] = frozenset()
    lo: float | None = None  # inclusive
    hi: float | None = None  # exclusive

    def text(self) -> str:
        if self.kind == "any":
            return "*"
        if self.kind == "missing":
            return "∅"
        if self.kind == "values":
            return "|".join(sorted(self.values))
        if self.lo is not None and self.hi is not None:
            return f"[{number_text(self.lo)},{number_text(self.hi)})"
        if self.lo is not None:
            return f">={number_text(self.lo)}"
        return f"<{number_text(self.hi)}"


@dataclass(frozen=True)
class RowSpec:
    conditions: dict[str, Condition]
    outputs: dict[str, Any]  # converted: yuan → fen int, percent → basis points int
    eligible: bool
    reason: str
    label: str
    clause: str  # row clause, or the table's

    def condition_text(self) -> str:
        return ", ".join(f"{k}={c.text()}" for k, c in self.conditions.items())


@dataclass(frozen=True)
class TableSpec:
    name: str
    hit_policy: str
    region: str
    start: datetime.date
    end: datetime.date | None
    recorded_at: datetime.date
    clause: str
    inputs: tuple[InputSpec, ...]
    outputs: dict[str, str]
    rows: tuple[RowSpec, ...]
    unmatched: str = "no_rule_row"  # reason when a value outside the declared domain reaches the table
    note: str = ""
    origin: str = ""
    raw_rows: tuple[dict[str, Any], ...] = ()
    note_en: str = ""  # the note in English (``note`` is Chinese)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "hit_policy": self.hit_policy,
            "region": self.region,
            "from": self.start.isoformat(),
            "to": self.end.isoformat() if self.end else None,
            "recorded_at": self.recorded_at.isoformat(),
            "clause": self.clause,
            "inputs": {i.name: i.to_json() for i in self.inputs},
            "outputs": dict(self.outputs),
            "rows": [dict(r) for r in self.raw_rows],
            "unmatched": self.unmatched,
            "note": self.note,
            "note_en": self.note_en,
            "origin": self.origin,
        }


@dataclass(frozen=True)
class RuleSpec:
    event_type: str
    clause: str
    rounding: str = "half_up"
    rounding_to: str = "fen"
    origin: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"clause": self.clause, "rounding": self.rounding, "to": self.rounding_to, "origin": self.origin}


@dataclass(frozen=True)
class SetSpec:
    name: str
    title: str
    region: str
    description: str
    includes: tuple[str, ...]
    rules: dict[str, RuleSpec]
    params: tuple[ParamSpec, ...]
    tables: tuple[TableSpec, ...]
    files: tuple[str, ...] = ()
    digest: str = ""
    title_en: str = ""  # the title and description in English (``title`` and ``description`` are Chinese)
    description_en: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "title_en": self.title_en,
            "region": self.region,
            "description": self.description,
            "description_en": self.description_en,
            "includes": list(self.includes),
            "rules": {k: v.to_json() for k, v in sorted(self.rules.items())},
            "parameters": [p.to_json() for p in self.params],
            "tables": [t.to_json() for t in self.tables],
        }

    def clauses_used(self) -> set[str]:
        used = {r.clause for r in self.rules.values()} | {p.clause for p in self.params}
        for t in self.tables:
            used.add(t.clause)
            used.update(r.clause for r in t.rows)
        return used


# ---------------------------------------------------------------------------------------------
# Numbers as text
# ---------------------------------------------------------------------------------------------


def decimal_text(d: Decimal) -> str:
    """A canonical text for a decimal: 1000000.0000 → '1000000', 12.50 → '12.5'."""
    text = format(d.normalize(), "f")
    return text if text != "-0" else "0"


def number_text(x: float | None) -> str:
    """A bound in a condition or an interval as text: 6.0 → '6', 6.5 → '6.5', None → ''."""
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)
