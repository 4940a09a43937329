"""Policy sets as data: the YAML format, its validation, and the load-time checks of decision tables.

A policy set file (``gongjiang/policy/sets/<name>.yaml``) holds

* ``rules``: the event types the set pays, each with its clause and its rounding;
* ``parameters``: dated values (value, unit, region, effective from/to, recorded at, clause);
* ``tables``: decision tables (hit policy ``first`` / ``unique`` / ``collect``, typed inputs, rows).

``includes`` pulls in other sets (the Zhangjiagang set includes Suzhou, which includes the Jiangsu base);
the expanded set is what a version freezes. Everything here is plain Python: no database, so the same
spec feeds the loader, the engine, the per-row reference evaluator and the benchmark.

Decision tables are checked when a set is read, over every combination of their input *atoms* (each
declared value of an enumerated input, each interval between the range bounds the rows use, and
``missing`` for nullable inputs): a combination no row matches is a **gap**, two rows of a ``unique``
table matching one combination an **overlap**, a ``first`` row that never wins is **shadowed**, and a
row without a value for an input or a required output is a **missing value**. All are load errors.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

SETS_DIR = Path(__file__).resolve().parent / "sets"
DOCUMENTS_FILE = SETS_DIR / "documents.yaml"

UNITS = ("yuan", "percent", "count", "months")
HIT_POLICIES = ("first", "unique", "collect")
OUTPUT_TYPES = ("yuan", "percent", "count", "text", "bool")
ROUNDING_MODES = ("half_up", "down")
ROUNDING_UNITS = ("fen", "yuan")
# Outputs every row may carry besides the declared ones.
ROW_META = ("eligible", "reason", "label", "clause")
MAX_COMBINATIONS = 200_000

_RANGE = re.compile(r"^\s*(>=|<|\[)\s*(-?\d+(?:\.\d+)?)\s*(?:,\s*(-?\d+(?:\.\d+)?)?\s*\))?\s*$")


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

    def citation(self, path: str) -> str:
        return f"{self.number or self.code} {path}".strip()


def citation_key(doc_code: str, path: str) -> str:
    """How sets refer to a clause: the document's internal id, a space, the clause path."""
    return f"{doc_code} {path}"


def read_documents(path: Path = DOCUMENTS_FILE) -> dict[str, DocumentSpec]:
    raw = _read_yaml(path)
    errors: list[str] = []
    docs: dict[str, DocumentSpec] = {}
    for i, item in enumerate(raw.get("documents") or [], start=1):
        where = f"{path.name}: document {i}"
        try:
            code = _req_str(item, "code", where)
            clauses = []
            seen: set[str] = set()
            for j, c in enumerate(item.get("clauses") or [], start=1):
                cp = _req_str(c, "path", f"{where} ({code}) clause {j}")
                if cp in seen:
                    raise SpecError([f"{where} ({code}): clause path {cp!r} appears twice"])
                seen.add(cp)
                clauses.append(ClauseSpec(cp, _req_str(c, "summary", f"{where} ({code}) clause {cp}")))
            if code in docs:
                raise SpecError([f"{where}: document code {code!r} appears twice"])
            docs[code] = DocumentSpec(
                code=code,
                number=str(item.get("number") or ""),
                short=str(item.get("short") or item.get("number") or code),
                title=_req_str(item, "title", where),
                issuer=_req_str(item, "issuer", where),
                issued_on=_opt_date(item.get("issued_on"), f"{where} issued_on"),
                region=_region(item.get("region"), f"{where} region"),
                kind=_req_str(item, "kind", where),
                note=str(item.get("note") or ""),
                clauses=tuple(clauses),
            )
        except SpecError as exc:
            errors.extend(exc.messages)
    if errors:
        raise SpecError(errors)
    return docs


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
            return f"[{_num(self.lo)},{_num(self.hi)})"
        if self.lo is not None:
            return f">={_num(self.lo)}"
        return f"<{_num(self.hi)}"


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

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "region": self.region,
            "description": self.description,
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


@dataclass
class _Ctx:
    file: str
    recorded_at: datetime.date | None
    errors: list[str] = field(default_factory=list)

    def err(self, where: str, message: str) -> None:
        self.errors.append(f"{self.file}: {where}: {message}")


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def set_path(name: str, directory: Path = SETS_DIR) -> Path:
    return directory / f"{name}.yaml"


def shipped_sets(directory: Path = SETS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.yaml") if not p.stem.endswith("_cases") and p.stem != "documents")


def read_set(
    name: str,
    *,
    directory: Path = SETS_DIR,
    documents: dict[str, DocumentSpec] | None = None,
) -> SetSpec:
    """Read, expand (includes) and check a policy set. Raises :class:`SpecError` listing every problem."""
    docs = documents if documents is not None else read_documents(directory / "documents.yaml")
    clauses = clause_index(docs)
    rules: dict[str, RuleSpec] = {}
    params: list[ParamSpec] = []
    tables: list[TableSpec] = []
    files: list[str] = []
    errors: list[str] = []
    head: dict[str, Any] = {}

    def visit(set_name: str, chain: tuple[str, ...]) -> None:
        if set_name in chain:
            errors.append(f"{set_name}.yaml: includes form a cycle: {' → '.join((*chain, set_name))}")
            return
        if any(f == f"{set_name}.yaml" for f in files):
            return
        path = set_path(set_name, directory)
        if not path.is_file():
            errors.append(f"{chain[-1] if chain else set_name}.yaml: included set {set_name!r} has no file {path.name}")
            return
        raw = _read_yaml(path)
        for inc in raw.get("includes") or []:
            visit(str(inc), (*chain, set_name))
        files.append(path.name)
        ctx = _Ctx(path.name, _opt_date(raw.get("recorded_at"), f"{path.name} recorded_at"))
        if not chain:
            head.update(raw)
        if str(raw.get("name") or "") != set_name:
            ctx.err("name", f"must be {set_name!r} (the file name), got {raw.get('name')!r}")
        for et, r in (raw.get("rules") or {}).items():
            rule = _rule(str(et), r or {}, ctx, set_name)
            if rule is not None:
                rules[rule.event_type] = rule
        for i, p in enumerate(raw.get("parameters") or [], start=1):
            param = _param(p or {}, ctx, f"parameter {i}", set_name)
            if param is not None:
                params.append(param)
        for i, t in enumerate(raw.get("tables") or [], start=1):
            table = _table(t or {}, ctx, f"table {i}", set_name)
            if table is not None:
                tables.append(table)
        errors.extend(ctx.errors)

    visit(name, ())
    if errors:
        raise SpecError(errors)
    spec = SetSpec(
        name=name,
        title=str(head.get("title") or name),
        region=_region(head.get("region"), f"{name}.yaml region"),
        description=str(head.get("description") or "").strip(),
        includes=tuple(str(i) for i in head.get("includes") or []),
        rules=rules,
        params=tuple(params),
        tables=tuple(tables),
        files=tuple(files),
    )
    problems = check_set(spec, clauses)
    if problems:
        raise SpecError(problems)
    digest = hashlib.sha256(json.dumps(spec.to_json(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return SetSpec(**{**spec.__dict__, "digest": digest})


def spec_from_json(data: dict[str, Any]) -> SetSpec:
    """Rebuild a spec from its JSON form (what a version stores). Checks are not repeated."""
    ctx = _Ctx(f"version of {data.get('name')}", None)
    rules = {}
    for et, r in (data.get("rules") or {}).items():
        rule = _rule(et, r, ctx, str(r.get("origin") or ""))
        if rule is not None:
            rules[et] = rule
    params = [_param(p, ctx, f"parameter {i}", str(p.get("origin") or "")) for i, p in enumerate(data["parameters"])]
    tables = [_table(t, ctx, f"table {i}", str(t.get("origin") or "")) for i, t in enumerate(data["tables"])]
    if ctx.errors:
        raise SpecError(ctx.errors)
    spec = SetSpec(
        name=data["name"],
        title=data.get("title") or data["name"],
        region=data["region"],
        description=data.get("description") or "",
        includes=tuple(data.get("includes") or ()),
        rules=rules,
        params=tuple(p for p in params if p is not None),
        tables=tuple(t for t in tables if t is not None),
    )
    digest = hashlib.sha256(json.dumps(spec.to_json(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return SetSpec(**{**spec.__dict__, "digest": digest})


def _rule(et: str, r: dict[str, Any], ctx: _Ctx, origin: str) -> RuleSpec | None:
    from gongjiang.policy.formulas import FORMULAS

    where = f"rule {et}"
    if et not in FORMULAS:
        ctx.err(where, f"unknown event type; known: {', '.join(sorted(FORMULAS))}")
        return None
    clause = str(r.get("clause") or "")
    if not clause:
        ctx.err(where, "needs a clause")
    rounding = str(r.get("rounding") or "half_up")
    to = str(r.get("to") or "fen")
    if rounding not in ROUNDING_MODES:
        ctx.err(where, f"rounding must be one of {', '.join(ROUNDING_MODES)}")
    if to not in ROUNDING_UNITS:
        ctx.err(where, f"'to' must be one of {', '.join(ROUNDING_UNITS)}")
    return RuleSpec(et, clause, rounding, to, str(r.get("origin") or origin))


def _param(p: dict[str, Any], ctx: _Ctx, where: str, origin: str) -> ParamSpec | None:
    name = str(p.get("name") or "")
    where = f"{where} ({name or '?'})"
    if not name:
        ctx.err(where, "needs a name")
        return None
    try:
        value = Decimal(str(p.get("value")))
    except (InvalidOperation, ValueError):
        ctx.err(where, f"value must be a number, got {p.get('value')!r}")
        return None
    if not value.is_finite():
        ctx.err(where, "value must be a finite number")
        return None
    unit = str(p.get("unit") or "")
    if unit not in UNITS:
        ctx.err(where, f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
        return None
    if unit == "yuan" and value != value.quantize(Decimal("0.01")):
        ctx.err(where, "an amount in yuan has at most two decimals (whole fen)")
    if unit == "percent" and value != value.quantize(Decimal("0.01")):
        ctx.err(where, "a percentage has at most two decimals")
    if unit in ("count", "months") and value != value.to_integral_value():
        ctx.err(where, f"a {unit} value must be a whole number")
    try:
        start, end = _dates(p, where)
        recorded = _opt_date(p.get("recorded_at"), f"{ctx.file}: {where} recorded_at") or ctx.recorded_at
        region = _region(p.get("region"), f"{ctx.file}: {where} region")
    except SpecError as exc:
        ctx.errors.extend(f"{ctx.file}: {m}" if not m.startswith(ctx.file) else m for m in exc.messages)
        return None
    if recorded is None:
        ctx.err(where, "needs recorded_at (on the entry or at the top of the file)")
        return None
    clause = str(p.get("clause") or "")
    if not clause:
        ctx.err(where, "needs a clause")
    return ParamSpec(
        name=name,
        value=value,
        unit=unit,
        region=region,
        start=start,
        end=end,
        recorded_at=recorded,
        clause=clause,
        note=str(p.get("note") or ""),
        origin=str(p.get("origin") or origin),
        limit=str(p.get("limit") or ""),
    )


def _dates(item: dict[str, Any], where: str) -> tuple[datetime.date, datetime.date | None]:
    start = _opt_date(item.get("from"), f"{where} from")
    if start is None:
        raise SpecError([f"{where}: needs 'from' (first day in force)"])
    end = _opt_date(item.get("to"), f"{where} to")
    if end is not None and end < start:
        raise SpecError([f"{where}: 'to' ({end}) is before 'from' ({start})"])
    return start, end


def _input(name: str, decl: Any, where: str) -> InputSpec:
    if decl == "bool":
        return InputSpec(name, "bool")
    if isinstance(decl, list):
        return InputSpec(name, "enum", tuple(str(v) for v in decl))
    if not isinstance(decl, dict):
        raise SpecError([f"{where}: input {name}: declare a list of values, 'bool', or a mapping"])
    nullable = bool(decl.get("nullable", False))
    kind = decl.get("kind")
    if kind == "bool" or decl.get("bool"):
        return InputSpec(name, "bool", nullable=nullable)
    if "range" in decl or kind == "range":
        rng = decl.get("range") or [None, None]
        lo = None if rng[0] is None else float(rng[0])
        hi = None if rng[1] is None else float(rng[1])
        return InputSpec(name, "range", nullable=nullable, lo=lo, hi=hi)
    values = decl.get("values")
    if not isinstance(values, list) or not values:
        raise SpecError([f"{where}: input {name}: needs 'values', 'range' or 'bool'"])
    return InputSpec(name, "enum", tuple(str(v) for v in values), open=bool(decl.get("open")), nullable=nullable)


def _condition(inp: InputSpec, raw: Any, where: str) -> Condition:
    if raw == "*":
        return Condition("any")
    if raw is None:
        if not inp.nullable:
            raise SpecError([f"{where}: {inp.name}: null (missing) but the input is not nullable"])
        return Condition("missing")
    if inp.kind == "bool":
        if isinstance(raw, bool):
            return Condition("values", frozenset({"true" if raw else "false"}))
        raise SpecError([f"{where}: {inp.name}: expected true, false, '*' or null, got {raw!r}"])
    if inp.kind == "enum":
        values = raw if isinstance(raw, list) else [raw]
        out = {str(v) for v in values}
        unknown = out - set(inp.values) - ({"other"} if inp.open else set())
        if unknown:
            raise SpecError(
                [f"{where}: {inp.name}: {sorted(unknown)} not among the declared values {list(inp.values)}"]
            )
        return Condition("values", frozenset(out))
    # range
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return Condition("range", lo=float(raw), hi=float(raw) + 1)
    m = _RANGE.match(str(raw))
    if not m:
        raise SpecError([f"{where}: {inp.name}: range must look like '>=6', '<6' or '[40,56)', got {raw!r}"])
    op, a, b = m.groups()
    if op == ">=":
        return Condition("range", lo=float(a), hi=None)
    if op == "<":
        return Condition("range", lo=None, hi=float(a))
    if b is None:
        raise SpecError([f"{where}: {inp.name}: interval {raw!r} needs an upper bound"])
    if float(b) <= float(a):
        raise SpecError([f"{where}: {inp.name}: empty interval {raw!r}"])
    return Condition("range", lo=float(a), hi=float(b))


def _convert_output(kind: str, value: Any, where: str) -> Any:
    if kind in ("yuan", "percent"):
        try:
            d = Decimal(str(value))
        except InvalidOperation:
            raise SpecError([f"{where}: {value!r} is not a number"]) from None
        scaled = d * 100
        if scaled != scaled.to_integral_value():
            raise SpecError([f"{where}: {value!r} has more than two decimals"])
        return int(scaled)  # yuan → fen; percent → basis points
    if kind == "count":
        if not isinstance(value, int) or isinstance(value, bool):
            raise SpecError([f"{where}: {value!r} is not a whole number"])
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise SpecError([f"{where}: {value!r} is not true/false"])
        return value
    return str(value)


def _table(t: dict[str, Any], ctx: _Ctx, where: str, origin: str) -> TableSpec | None:
    name = str(t.get("name") or "")
    where = f"{where} ({name or '?'})"
    errors_before = len(ctx.errors)
    if not name:
        ctx.err(where, "needs a name")
        return None
    hit = str(t.get("hit_policy") or "")
    if hit not in HIT_POLICIES:
        ctx.err(where, f"hit_policy must be one of {', '.join(HIT_POLICIES)}, got {hit!r}")
        return None
    try:
        start, end = _dates(t, where)
        region = _region(t.get("region"), f"{where} region")
        inputs = tuple(_input(str(k), v, where) for k, v in (t.get("inputs") or {}).items())
    except SpecError as exc:
        ctx.errors.extend(f"{ctx.file}: {m}" for m in exc.messages)
        return None
    recorded = _opt_date(t.get("recorded_at"), f"{where} recorded_at") or ctx.recorded_at
    if recorded is None:
        ctx.err(where, "needs recorded_at (on the entry or at the top of the file)")
        return None
    if not inputs:
        ctx.err(where, "needs at least one input")
        return None
    outputs = {str(k): str(v) for k, v in (t.get("outputs") or {}).items()}
    for k, v in outputs.items():
        if v not in OUTPUT_TYPES:
            ctx.err(where, f"output {k}: type must be one of {', '.join(OUTPUT_TYPES)}")
        if k in ROW_META or k in {i.name for i in inputs}:
            ctx.err(where, f"output {k}: the name is reserved or an input")
    clause = str(t.get("clause") or "")
    if not clause:
        ctx.err(where, "needs a clause")
    rows: list[RowSpec] = []
    raw_rows = tuple(dict(r) for r in t.get("rows") or [])
    if not raw_rows:
        ctx.err(where, "has no rows")
    for j, raw in enumerate(raw_rows, start=1):
        rw = f"{where} row {j}"
        known = {i.name for i in inputs} | set(outputs) | set(ROW_META)
        unknown = set(raw) - known
        if unknown:
            ctx.err(rw, f"unknown keys {sorted(unknown)}")
            continue
        conditions: dict[str, Condition] = {}
        try:
            for inp in inputs:
                if inp.name not in raw:
                    raise SpecError([f"{rw}: missing value for input {inp.name!r} (write '*' for any)"])
                conditions[inp.name] = _condition(inp, raw[inp.name], rw)
            eligible = raw.get("eligible", True)
            if not isinstance(eligible, bool):
                raise SpecError([f"{rw}: eligible must be true or false"])
            reason = str(raw.get("reason") or "")
            if not eligible and not reason:
                raise SpecError([f"{rw}: a row with eligible: false needs a reason"])
            converted: dict[str, Any] = {}
            for out, kind in outputs.items():
                if out not in raw or raw[out] is None:
                    if eligible and hit != "collect":
                        raise SpecError([f"{rw}: missing value for output {out!r}"])
                    continue
                converted[out] = _convert_output(kind, raw[out], f"{rw}: {out}")
        except SpecError as exc:
            ctx.errors.extend(f"{ctx.file}: {m}" for m in exc.messages)
            continue
        rows.append(
            RowSpec(
                conditions=conditions,
                outputs=converted,
                eligible=eligible,
                reason=reason,
                label=str(raw.get("label") or ""),
                clause=str(raw.get("clause") or clause),
            )
        )
    if len(ctx.errors) > errors_before:
        return None
    table = TableSpec(
        name=name,
        hit_policy=hit,
        region=region,
        start=start,
        end=end,
        recorded_at=recorded,
        clause=clause,
        inputs=inputs,
        outputs=outputs,
        rows=tuple(rows),
        unmatched=str(t.get("unmatched") or "no_rule_row"),
        note=str(t.get("note") or ""),
        origin=str(t.get("origin") or origin),
        raw_rows=raw_rows,
    )
    for problem in check_table(table):
        ctx.err(where, problem)
    return table


# ---------------------------------------------------------------------------------------------
# Atoms and the decision-table checks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Atom:
    """One cell of an input's domain: a value, 'other', 'missing', or an interval [lo, hi)."""

    kind: str  # value | other | missing | interval
    value: str = ""
    lo: float | None = None
    hi: float | None = None

    def text(self) -> str:
        if self.kind == "value":
            return self.value
        if self.kind in ("other", "missing"):
            return f"<{self.kind}>"
        lo = "-∞" if self.lo is None else _num(self.lo)
        hi = "∞" if self.hi is None else _num(self.hi)
        return f"[{lo},{hi})"


def input_atoms(inp: InputSpec, rows: tuple[RowSpec, ...]) -> list[Atom]:
    atoms: list[Atom] = []
    if inp.kind == "bool":
        atoms = [Atom("value", "true"), Atom("value", "false")]
    elif inp.kind == "enum":
        atoms = [Atom("value", v) for v in inp.values]
        if inp.open:
            atoms.append(Atom("other"))
    else:
        bounds = {b for b in (inp.lo, inp.hi) if b is not None}
        for r in rows:
            c = r.conditions[inp.name]
            if c.kind == "range":
                bounds.update(b for b in (c.lo, c.hi) if b is not None)
        points = sorted(b for b in bounds if (inp.lo is None or b >= inp.lo) and (inp.hi is None or b <= inp.hi))
        edges: list[float | None] = [inp.lo, *[p for p in points if p != inp.lo and p != inp.hi], inp.hi]
        atoms = [Atom("interval", lo=a, hi=b) for a, b in itertools.pairwise(edges)]
    if inp.nullable:
        atoms.append(Atom("missing"))
    return atoms


def condition_matches(c: Condition, atom: Atom) -> bool:
    if c.kind == "any":
        return True
    if c.kind == "missing":
        return atom.kind == "missing"
    if atom.kind == "missing":
        return False
    if c.kind == "values":
        return (atom.value if atom.kind == "value" else "other") in c.values
    # range: the atom interval lies inside the condition range (atoms are cut at every bound)
    lo_ok = c.lo is None or (atom.lo is not None and atom.lo >= c.lo)
    hi_ok = c.hi is None or (atom.hi is not None and atom.hi <= c.hi)
    return lo_ok and hi_ok


def table_matrix(table: TableSpec) -> tuple[list[list[Atom]], list[tuple[int, ...]], list[list[int]]]:
    """Every combination of input atoms and the rows (in order) matching it."""
    atoms = [input_atoms(i, table.rows) for i in table.inputs]
    combos = list(itertools.product(*[range(len(a)) for a in atoms]))
    hits: list[list[int]] = []
    for combo in combos:
        matched = [
            r
            for r, row in enumerate(table.rows)
            if all(
                condition_matches(row.conditions[inp.name], atoms[k][combo[k]]) for k, inp in enumerate(table.inputs)
            )
        ]
        hits.append(matched)
    return atoms, combos, hits


def check_table(table: TableSpec) -> list[str]:
    size = 1
    for inp in table.inputs:
        size *= len(input_atoms(inp, table.rows))
    if size > MAX_COMBINATIONS:
        return [f"has {size} input combinations; at most {MAX_COMBINATIONS} can be checked"]
    atoms, combos, hits = table_matrix(table)
    problems: list[str] = []

    def describe(combo: tuple[int, ...]) -> str:
        return ", ".join(f"{inp.name}={atoms[k][combo[k]].text()}" for k, inp in enumerate(table.inputs))

    if table.hit_policy in ("first", "unique"):
        gaps = [c for c, h in zip(combos, hits, strict=True) if not h]
        if gaps:
            shown = "; ".join(describe(c) for c in gaps[:3])
            more = f" (and {len(gaps) - 3} more)" if len(gaps) > 3 else ""
            problems.append(f"gap: no row matches {shown}{more}")
    if table.hit_policy == "unique":
        for c, h in zip(combos, hits, strict=True):
            if len(h) > 1:
                rows = ", ".join(str(r + 1) for r in h)
                problems.append(f"overlap: rows {rows} all match {describe(c)} (hit policy unique)")
                break
    if table.hit_policy == "first":
        winners = {h[0] for h in hits if h}
        for r in range(len(table.rows)):
            if r not in winners:
                problems.append(f"row {r + 1} ({table.rows[r].condition_text()}) is shadowed by earlier rows")
    if table.hit_policy == "collect":
        used = {r for h in hits for r in h}
        for r in range(len(table.rows)):
            if r not in used:
                problems.append(f"row {r + 1} ({table.rows[r].condition_text()}) can never match")
    return problems


def _in_force_overlap(
    a_start: datetime.date, a_end: datetime.date | None, b_start: datetime.date, b_end: datetime.date | None
) -> bool:
    return (b_end is None or a_start <= b_end) and (a_end is None or b_start <= a_end)


def check_set(spec: SetSpec, clauses: dict[str, Any]) -> list[str]:
    """Checks across entries: clauses exist, one value per name, region and day, limits respected."""
    from gongjiang.policy.formulas import FORMULAS, PARAMETER_UNITS, TABLE_SHAPES

    problems: list[str] = []
    f = f"{spec.name}.yaml"
    for clause in sorted(spec.clauses_used()):
        if clause not in clauses:
            problems.append(f"{f}: clause {clause!r} is not a registered clause (documents.yaml)")
    by_key: dict[tuple[str, str], list[ParamSpec]] = {}
    for p in spec.params:
        by_key.setdefault((p.name, p.region), []).append(p)
        expected = PARAMETER_UNITS.get(p.name) or PARAMETER_UNITS.get(p.name.split(".", 1)[-1])
        if expected is None:
            problems.append(f"{p.origin}.yaml: parameter {p.name}: no rule reads a parameter of this name")
        elif p.unit != expected:
            problems.append(f"{p.origin}.yaml: parameter {p.name}: unit must be {expected}, got {p.unit}")
    for (name, region), versions in by_key.items():
        versions.sort(key=lambda p: p.start)
        for a, b in itertools.pairwise(versions):
            if _in_force_overlap(a.start, a.end, b.start, b.end):
                problems.append(
                    f"{b.origin}.yaml: parameter {name} in {region}: in force from {b.start} while the value "
                    f"from {a.start} is still in force (end it with 'to')"
                )
    tables_by_key: dict[tuple[str, str], list[TableSpec]] = {}
    for t in spec.tables:
        tables_by_key.setdefault((t.name, t.region), []).append(t)
        shape = TABLE_SHAPES.get(t.name)
        if shape is None:
            problems.append(f"{t.origin}.yaml: table {t.name}: no rule reads a table of this name")
            continue
        missing_out = set(shape.get("outputs", ())) - set(t.outputs)
        if missing_out:
            problems.append(f"{t.origin}.yaml: table {t.name}: needs outputs {sorted(missing_out)}")
        bad_in = {i.name for i in t.inputs} - set(shape["inputs"])
        if bad_in:
            problems.append(
                f"{t.origin}.yaml: table {t.name}: inputs {sorted(bad_in)} are not event columns it can read "
                f"({', '.join(shape['inputs'])})"
            )
        if shape.get("hit_policy") and t.hit_policy != shape["hit_policy"]:
            problems.append(f"{t.origin}.yaml: table {t.name}: hit policy must be {shape['hit_policy']}")
    for (name, region), variants in tables_by_key.items():
        variants.sort(key=lambda t: t.start)
        for ta, tb in itertools.pairwise(variants):
            if _in_force_overlap(ta.start, ta.end, tb.start, tb.end):
                problems.append(
                    f"{tb.origin}.yaml: table {name} in {region}: in force from {tb.start} while the table "
                    f"from {ta.start} is still in force"
                )
    # Limits: |value| ≤ the limiting parameter wherever both are in force (e.g. city adjustment ≤ 30%).
    for p in spec.params:
        if not p.limit:
            continue
        bounds = [q for q in spec.params if q.name == p.limit]
        if not bounds:
            problems.append(f"{p.origin}.yaml: parameter {p.name}: limit {p.limit!r} is not a parameter")
        for q in bounds:
            applies = p.region.startswith(_prefix(q.region))
            if applies and _in_force_overlap(p.start, p.end, q.start, q.end) and abs(p.value) > q.value:
                problems.append(
                    f"{p.origin}.yaml: parameter {p.name} in {p.region} = {p.value} {p.unit} exceeds the limit "
                    f"{q.name} = ±{q.value} {q.unit} ({q.clause}) in force from {max(p.start, q.start)}"
                )
    for et in spec.rules:
        if et not in FORMULAS:
            problems.append(f"{f}: rule {et}: unknown event type")
    return problems


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SpecError([f"{path.name}: not valid YAML: {exc}"]) from None
    except OSError as exc:
        raise SpecError([f"{path.name}: cannot be read: {exc}"]) from None
    if not isinstance(data, dict):
        raise SpecError([f"{path.name}: the top level must be a mapping"])
    return data


def _req_str(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key) if isinstance(item, dict) else None
    if value is None or str(value).strip() == "":
        raise SpecError([f"{where}: needs {key!r}"])
    return str(value).strip()


def _opt_date(value: Any, where: str) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise SpecError([f"{where}: {value!r} is not a date (YYYY-MM-DD)"]) from None


def _region(value: Any, where: str) -> str:
    code = str(value or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise SpecError([f"{where}: region must be a six-digit GB/T 2260 code, got {value!r}"])
    return code


def _prefix(code: str) -> str:
    from gongjiang.reference.regions import scope_prefix

    return scope_prefix(code)


def decimal_text(d: Decimal) -> str:
    """A canonical text for a decimal: 1000000.0000 → '1000000', 12.50 → '12.5'."""
    text = format(d.normalize(), "f")
    return text if text != "-0" else "0"


def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)
