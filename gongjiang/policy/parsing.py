"""Reading policy sets and the documents file into the spec (:mod:`gongjiang.policy.spec`).

:func:`read_documents` reads ``documents.yaml`` (the policy documents and their clauses);
:func:`read_set` reads a set's YAML file with its ``includes`` expanded (each set once, cycles refused),
converts every value (yuan to fen, percentages to basis points, ranges and value lists to row
conditions), runs the checks of :mod:`gongjiang.policy.checks`, and raises one
:class:`~gongjiang.policy.spec.SpecError` listing every problem, each with its file and entry. The
expanded set's digest is taken over its JSON form. :func:`spec_from_json` rebuilds a spec from that
JSON form (what a version stores) without repeating the checks.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from gongjiang.policy.checks import check_set, check_table
from gongjiang.policy.formulas import FORMULAS
from gongjiang.policy.spec import (
    DOCUMENTS_FILE,
    HIT_POLICIES,
    OUTPUT_TYPES,
    ROUNDING_MODES,
    ROUNDING_UNITS,
    ROW_META,
    SETS_DIR,
    UNITS,
    ClauseSpec,
    Condition,
    DocumentSpec,
    InputSpec,
    ParamSpec,
    RowSpec,
    RuleSpec,
    SetSpec,
    SpecError,
    TableSpec,
    clause_index,
)
from gongjiang.reference.regions import is_code_shape

_RANGE = re.compile(r"^\s*(>=|<|\[)\s*(-?\d+(?:\.\d+)?)\s*(?:,\s*(-?\d+(?:\.\d+)?)?\s*\))?\s*$")


@dataclass
class _Ctx:
    file: str
    recorded_at: datetime.date | None
    errors: list[str] = field(default_factory=list)

    def err(self, where: str, message: str) -> None:
        self.errors.append(f"{self.file}: {where}: {message}")


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
                note=str(item.get("note") or "").strip(),
                note_en=str(item.get("note_en") or "").strip(),
                clauses=tuple(clauses),
            )
        except SpecError as exc:
            errors.extend(exc.messages)
    if errors:
        raise SpecError(errors)
    return docs


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
        title_en=str(head.get("title_en") or "").strip(),
        region=_region(head.get("region"), f"{name}.yaml region"),
        description=str(head.get("description") or "").strip(),
        description_en=str(head.get("description_en") or "").strip(),
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
        title_en=data.get("title_en") or "",
        region=data["region"],
        description=data.get("description") or "",
        description_en=data.get("description_en") or "",
        includes=tuple(data.get("includes") or ()),
        rules=rules,
        params=tuple(p for p in params if p is not None),
        tables=tuple(t for t in tables if t is not None),
    )
    digest = hashlib.sha256(json.dumps(spec.to_json(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return SetSpec(**{**spec.__dict__, "digest": digest})


def check_expanded(data: dict[str, Any], documents: dict[str, DocumentSpec]) -> SetSpec:
    """Check an expanded set in its JSON form (a draft edited on the pages) exactly as :func:`read_set` checks
    a file: every entry (values, units, dates, regions, table rows and their gaps, overlaps and shadowed
    rows), then the checks across entries (clauses registered, one value per name, region and day, limits).
    Raises :class:`SpecError` listing every problem."""
    spec = spec_from_json(data)
    problems = check_set(spec, clause_index(documents))
    if problems:
        raise SpecError(problems)
    return spec


def _rule(et: str, r: dict[str, Any], ctx: _Ctx, origin: str) -> RuleSpec | None:
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
        note=str(p.get("note") or "").strip(),
        note_en=str(p.get("note_en") or "").strip(),
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
        note=str(t.get("note") or "").strip(),
        note_en=str(t.get("note_en") or "").strip(),
        origin=str(t.get("origin") or origin),
        raw_rows=raw_rows,
    )
    for problem in check_table(table):
        ctx.err(where, problem)
    return table


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
    if not is_code_shape(code):
        raise SpecError([f"{where}: region must be a six-digit GB/T 2260 code, got {value!r}"])
    return code
