"""A policy set compiled for evaluation: dated values by name, decision tables as dense lookup arrays,
and the registry of trace atoms (every parameter value, table row and refusal a trace can name).

Compiling is cheap (milliseconds) and done once per version; the engine and the per-row reference
evaluator read the same compiled set, so they differ only in *how* they evaluate.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gongjiang.policy.checks import Atom, condition_matches, table_matrix
from gongjiang.policy.formulas import (
    BOOL_INPUTS,
    ENUM_INPUTS,
    FORMULAS,
    LEVEL_NAMES,
    LEVELS,
    OPEN_ENUM_INPUTS,
    RANGE_INPUTS,
    REASONS,
)
from gongjiang.policy.spec import DocumentSpec, ParamSpec, SetSpec, TableSpec, clause_index
from gongjiang.reference.regions import lineage, scope_prefix

EPOCH = datetime.date(1970, 1, 1)
REASON_CODES = (*REASONS, "outside_region", "not_in_set")
REASON_INDEX = {r: i for i, r in enumerate(REASON_CODES)}
REASON_TEXT = {**REASONS, "outside_region": "不属于该政策集的地区", "not_in_set": "该政策集不含此类事项"}


def day_number(d: datetime.date) -> int:
    return (d - EPOCH).days


def fen_text(fen: int) -> str:
    """Yuan for traces: 455000 → '4550', 12345 → '123.45'."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}" if fen % 100 == 0 else f"{sign}{fen // 100}.{fen % 100:02d}"


def pct_text(bp: int) -> str:
    return str(bp // 100) if bp % 100 == 0 else f"{bp / 100:g}"


@dataclass(frozen=True)
class AtomInfo:
    """One thing a trace can name. ``key`` is stable across versions (it names the rule, region, date and
    row, not a database id), ``fragment`` is its piece of the trace sentence, ``clause`` its citation key."""

    key: str
    clause: str
    fragment: str


@dataclass
class ParamVersion:
    spec: ParamSpec
    value: int  # fen, basis points, or a count
    start: int  # day number, inclusive
    end: int  # day number, exclusive
    atom: int  # the parameter's own atom (as value / factor / base)
    refusal_atom: int = 0  # the parameter as the reason for a refusal (limits, caps)


@dataclass
class TableVariant:
    spec: TableSpec
    start: int
    end: int
    atoms: list[list[Atom]]  # per input
    dims: list[int]  # per input: atoms + 1 (the last slot: a value outside the declared domain)
    strides: list[int]
    combo_row: np.ndarray  # first matching row per combination, -1 for none (first / unique)
    combo_fail: np.ndarray  # collect: first matching row refusing, -1 for none
    row_atom: np.ndarray  # uint32 per row
    row_eligible: np.ndarray  # bool per row
    row_reason: np.ndarray  # int16 per row
    row_out: dict[str, np.ndarray]  # output name → int64 per row (fen, basis points, counts, tier index)
    unmatched_atom: int = 0
    unmatched_reason: int = 0
    # The same per input combination, for one gather per row: the hit row's atom, eligibility, reason and
    # outputs (no hit: matched False, eligible True, zeros).
    combo_matched: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    combo_atom: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    combo_eligible: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    combo_reason: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    combo_out: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        hit = self.combo_fail if self.spec.hit_policy == "collect" else self.combo_row
        ok = hit >= 0
        hr = np.where(ok, hit, 0)
        has_rows = len(self.row_atom) > 0
        self.combo_matched = ok
        self.combo_atom = (
            np.where(ok, self.row_atom[hr], 0).astype(np.uint32) if has_rows else np.zeros(len(hit), np.uint32)
        )
        self.combo_eligible = np.where(ok, self.row_eligible[hr], True) if has_rows else np.ones(len(hit), bool)
        self.combo_reason = (
            np.where(ok, self.row_reason[hr], 0).astype(np.int16) if has_rows else np.zeros(len(hit), np.int16)
        )
        self.combo_out = {k: np.where(ok, v[hr], 0).astype(np.int64) for k, v in self.row_out.items() if len(v)}

    def lookup_combo(self, values: dict[str, Any]) -> int:
        """Per-row lookup used by the reference evaluator: the matching row for plain Python values."""
        matches = []
        for r, row in enumerate(self.spec.rows):
            ok = True
            for k, inp in enumerate(self.spec.inputs):
                atom = python_atom(inp.name, self.atoms[k], values.get(inp.name))
                if atom is None or not condition_matches(row.conditions[inp.name], atom):
                    ok = False
                    break
            if ok:
                matches.append(r)
        if self.spec.hit_policy == "collect":
            fails = [r for r in matches if not self.spec.rows[r].eligible]
            return fails[0] if fails else -1
        return matches[0] if matches else -1


def python_atom(name: str, atoms: list[Atom], value: Any) -> Atom | None:
    """The atom a plain value falls in, or None when it is outside the declared domain."""
    if value is None:
        return next((a for a in atoms if a.kind == "missing"), None)
    if name in RANGE_INPUTS:
        v = float(value)
        for a in atoms:
            if a.kind == "interval" and (a.lo is None or v >= a.lo) and (a.hi is None or v < a.hi):
                return a
        return None
    text = ("true" if value else "false") if name in BOOL_INPUTS else str(value)
    for a in atoms:
        if a.kind == "value" and a.value == text:
            return a
    return next((a for a in atoms if a.kind == "other"), None)


@dataclass
class CompiledSet:
    spec: SetSpec
    version: int | None
    documents: dict[str, DocumentSpec]
    as_of: datetime.date | None = None
    prefix: str = ""
    params: dict[str, list[ParamVersion]] = field(default_factory=dict)
    tables: dict[str, list[TableVariant]] = field(default_factory=dict)
    breaks: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    atoms: list[AtomInfo] = field(default_factory=list)
    atom_index: dict[str, int] = field(default_factory=dict)
    citations: dict[str, tuple[str, str]] = field(default_factory=dict)  # clause key → (formal, short)

    # -- atoms ------------------------------------------------------------------------------------
    def atom(self, key: str, clause: str, fragment: str) -> int:
        found = self.atom_index.get(key)
        if found is not None:
            return found
        self.atoms.append(AtomInfo(key, clause, fragment))
        self.atom_index[key] = len(self.atoms) - 1
        return len(self.atoms) - 1

    def cite(self, clause: str) -> str:
        return self.citations.get(clause, (clause, clause))[1]

    def formal(self, clause: str) -> str:
        return self.citations.get(clause, (clause, clause))[0]

    def reason_atom(self, reason: str, clause: str = "", detail: str = "") -> int:
        text = REASON_TEXT.get(reason, reason) + detail
        cite = f" ({self.cite(clause)})" if clause else ""
        return self.atom(f"reason:{reason}:{clause}{detail}", clause, f"不予补贴：{text}{cite}")

    # -- resolution (region fallback district → city → province, effective dates) -----------------
    def resolve_param(self, name: str, region: str, day: int) -> ParamVersion | None:
        versions = self.params.get(name)
        if not versions:
            return None
        for code in fallback_chain(region):
            for pv in versions:
                if pv.spec.region == code and pv.start <= day < pv.end:
                    return pv
        return None

    def resolve_table(self, name: str, region: str, day: int) -> int:
        variants = self.tables.get(name)
        if not variants:
            return -1
        for code in fallback_chain(region):
            for i, tv in enumerate(variants):
                if tv.spec.region == code and tv.start <= day < tv.end:
                    return i
        return -1

    def in_region(self, region: str) -> bool:
        return region.startswith(self.prefix)


def fallback_chain(code: str) -> list[str]:
    return list(lineage(code))


def compile_set(
    spec: SetSpec,
    documents: dict[str, DocumentSpec],
    *,
    version: int | None = None,
    as_of: datetime.date | None = None,
) -> CompiledSet:
    cs = CompiledSet(spec=spec, version=version, documents=documents, as_of=as_of, prefix=scope_prefix(spec.region))
    for key, (doc, clause) in clause_index(documents).items():
        many = len(doc.clauses) > 1
        cs.citations[key] = (doc.citation(clause.path), f"{doc.short} {clause.path}" if many else doc.short)
    cs.atom("none", "", "")  # atom 0: nothing
    breaks: set[int] = set()
    for p in spec.params:
        if as_of is not None and p.recorded_at > as_of:
            continue
        start = day_number(p.start)
        end = day_number(p.end) + 1 if p.end else 2**31 - 1
        breaks.update({start, end} if p.end else {start})
        value = int(p.value * 100) if p.unit in ("yuan", "percent") else int(p.value)
        pv = ParamVersion(spec=p, value=value, start=start, end=end, atom=0)
        pv.atom, pv.refusal_atom = _param_atoms(cs, pv)
        cs.params.setdefault(p.name, []).append(pv)
    for t in spec.tables:
        if as_of is not None and t.recorded_at > as_of:
            continue
        start = day_number(t.start)
        end = day_number(t.end) + 1 if t.end else 2**31 - 1
        breaks.update({start, end} if t.end else {start})
        cs.tables.setdefault(t.name, []).append(_compile_table(cs, t, start, end))
    cs.breaks = np.array(sorted(breaks), dtype=np.int64)
    # Formula-level refusals, one atom per event type and reason, citing the rule's clause.
    for et, rule in spec.rules.items():
        for reason in ("not_high_skilled", "not_student", "zero_amount", "not_in_force"):
            cs.reason_atom(reason, rule.clause)
        del et
    cs.reason_atom("outside_region", "", f"：{spec.region}")
    cs.reason_atom("not_in_set")
    cs.reason_atom("not_in_force")
    for formula in FORMULAS.values():
        if formula.base.kind == "input":
            rule_clause = spec.rules[formula.event_type].clause if formula.event_type in spec.rules else ""
            cs.atom(f"input:{formula.event_type}", rule_clause, formula.base.label)
    return cs


def _param_atoms(cs: CompiledSet, pv: ParamVersion) -> tuple[int, int]:
    p = pv.spec
    key = f"param:{p.name}@{p.region}/{p.start.isoformat()}"
    cite = cs.cite(p.clause)
    v = pv.value
    name = p.name
    suffix = name.split(".", 1)[-1]
    refusal = 0
    if name == "standard_adjustment":
        sign = "+" if v >= 0 else "-"
        frag = f" × (1{sign}{pct_text(abs(v))}%) 市级调整 ({cite})"
    elif suffix in ("share", "match_ratio"):
        label = _factor_label(name)
        frag = f" × {pct_text(v)}% {label} ({cite})"
    elif name == "first_year_award.amount":
        frag = f"首年奖励 {fen_text(v)}元 ({cite})"
    elif name == "outstanding_talent.amount_per_year":
        frag = f"优秀高技能人才 {fen_text(v)}元/年 ({cite})"
    elif name == "outstanding_talent.years":
        frag = f" × {v}年 ({cite})"
    elif name == "first_year_award.min_months":
        frag = f"满{v}个月 ({cite})"
        refusal = cs.atom(f"refuse:{key}", p.clause, f"不予补贴：本地工作未满{v}个月 ({cite})")
    elif name == "max_subsidised_trainings":
        frag = f"每人至多{v}次 ({cite})"
        refusal = cs.atom(f"refuse:{key}", p.clause, f"不予补贴：补贴性培训已达{v}次 ({cite})")
    elif name == "same_occupation_level_once":
        frag = f"同一职业同一等级限一次 ({cite})"
        refusal = cs.atom(f"refuse:{key}", p.clause, f"不予补贴：同一职业同一等级已享受补贴 ({cite})")
    elif suffix == "max_per_person":
        frag = f"每人限{v}次 ({cite})"
        refusal = cs.atom(f"refuse:{key}", p.clause, f"不予补贴：每人限{v}次 ({cite})")
    elif suffix == "max_per_org_year":
        frag = f"每单位每年限{v}次 ({cite})"
        refusal = cs.atom(f"refuse:{key}", p.clause, f"不予补贴：每单位每年限{v}次 ({cite})")
    elif suffix == "quota_per_region_year":
        frag = f"每年{v}名 ({cite})"
        refusal = cs.atom(f"refuse:{key}", p.clause, f"不予补贴：超出年度名额{v}名 ({cite})")
    elif suffix == "cap_per_person":
        frag = f"，个人上限{fen_text(v)}元 ({cite})"
        refusal = cs.atom(f"refuse:{key}", p.clause, f"不予补贴：已达个人上限{fen_text(v)}元 ({cite})")
    else:
        frag = f"{p.name}={p.value} ({cite})"
    return cs.atom(key, p.clause, frag), refusal


def _factor_label(param_name: str) -> str:
    for f in FORMULAS.values():
        for factor in f.factors:
            if factor.name == param_name:
                return factor.label
    return ""


def _compile_table(cs: CompiledSet, t: TableSpec, start: int, end: int) -> TableVariant:
    atoms, combos, hits = table_matrix(t)
    dims = [len(a) + 1 for a in atoms]
    strides = [1] * len(dims)
    for k in range(len(dims) - 2, -1, -1):
        strides[k] = strides[k + 1] * dims[k + 1]
    size = strides[0] * dims[0]
    combo_row = np.full(size, -1, dtype=np.int32)
    combo_fail = np.full(size, -1, dtype=np.int32)
    for combo, h in zip(combos, hits, strict=True):
        flat = sum(c * s for c, s in zip(combo, strides, strict=True))
        if h:
            combo_row[flat] = h[0]
            fails = [r for r in h if not t.rows[r].eligible]
            if fails:
                combo_fail[flat] = fails[0]
    key = f"table:{t.name}@{t.region}/{t.start.isoformat()}"
    row_atom = np.zeros(len(t.rows), dtype=np.uint32)
    row_eligible = np.zeros(len(t.rows), dtype=bool)
    row_reason = np.zeros(len(t.rows), dtype=np.int16)
    row_out: dict[str, np.ndarray] = {name: np.zeros(len(t.rows), dtype=np.int64) for name in t.outputs}
    for r, row in enumerate(t.rows):
        cite = cs.cite(row.clause)
        frag = _row_fragment(t, row, cite)
        row_atom[r] = cs.atom(f"{key}#{r + 1}", row.clause, frag)
        row_eligible[r] = row.eligible
        row_reason[r] = REASON_INDEX.get(row.reason, REASON_INDEX["no_rule_row"]) if not row.eligible else 0
        for name, kind in t.outputs.items():
            value = row.outputs.get(name)
            if value is None:
                continue
            if kind == "text" and name == "tier":
                row_out[name][r] = "ABC".index(str(value)) if str(value) in ("A", "B", "C") else -1
            elif kind == "bool":
                row_out[name][r] = int(bool(value))
            elif kind == "text":
                row_out[name][r] = 0
            else:
                row_out[name][r] = int(value)
    unmatched = t.unmatched if t.unmatched in REASON_INDEX else "no_rule_row"
    return TableVariant(
        spec=t,
        start=start,
        end=end,
        atoms=atoms,
        dims=dims,
        strides=strides,
        combo_row=combo_row,
        combo_fail=combo_fail,
        row_atom=row_atom,
        row_eligible=row_eligible,
        row_reason=row_reason,
        row_out=row_out,
        unmatched_atom=cs.reason_atom(unmatched, t.clause),
        unmatched_reason=REASON_INDEX[unmatched],
    )


def _row_fragment(t: TableSpec, row: Any, cite: str) -> str:
    if not row.eligible:
        text = REASON_TEXT.get(row.reason, row.reason)
        label = f"{row.label}：" if row.label else ""
        return f"不予补贴：{label}{text} ({cite})"
    if t.name == "training_standard":
        level = _single(row.conditions.get("level"))
        tier = _single(row.conditions.get("tier"))
        head = " ".join(x for x in (LEVEL_NAMES.get(level or "", ""), f"{tier}类" if tier else "") if x)
        return f"{head} {fen_text(row.outputs['amount'])}元 ({cite})".strip()
    if t.name == "tier_by_occupation":
        label = f"{row.label}→" if row.label else ""
        return f"{label}{row.outputs['tier']}类 ({cite})；"
    if t.name == "shortage_uplift":
        return f" × (1+{pct_text(row.outputs['uplift'])}%) {row.label} ({cite})"
    if t.name == "designated_share":
        return f" × {pct_text(row.outputs['share'])}% {row.label} ({cite})"
    if t.name == "partner_unit_reward":
        return f"{row.label or '每人'} {fen_text(row.outputs['amount'])}元/人 ({cite})"
    if "amount" in row.outputs:
        return f"{row.label} {fen_text(row.outputs['amount'])}元 ({cite})".strip()
    return f"{row.label} ({cite})"


def _single(c: Any) -> str | None:
    if c is not None and c.kind == "values" and len(c.values) == 1:
        return next(iter(c.values))
    return None


def enum_vocab(name: str) -> tuple[str, ...]:
    if name in ENUM_INPUTS:
        return ENUM_INPUTS[name]
    if name in BOOL_INPUTS:
        return ("false", "true")
    raise KeyError(name)


def enum_lut(variant: TableVariant, k: int, vocab: tuple[str, ...] | list[str]) -> np.ndarray:
    """Maps a column's codes (0..len(vocab)-1, and -1 for missing at the last position) to atom indexes."""
    atoms = variant.atoms[k]
    unmatched = len(atoms)
    index = {a.value: i for i, a in enumerate(atoms) if a.kind == "value"}
    other = next((i for i, a in enumerate(atoms) if a.kind == "other"), unmatched)
    missing = next((i for i, a in enumerate(atoms) if a.kind == "missing"), unmatched)
    lut = np.empty(len(vocab) + 1, dtype=np.int64)
    for i, v in enumerate(vocab):
        lut[i] = index.get(v, other)
    lut[len(vocab)] = missing
    return lut


def range_edges(variant: TableVariant, k: int) -> tuple[np.ndarray, float | None, float | None, int, int]:
    """For a range input: the inner interval edges, the domain's bounds, the missing atom and the
    'outside the domain' slot. Interval atoms come first, in order, so searchsorted gives the atom."""
    intervals = [a for a in variant.atoms[k] if a.kind == "interval"]
    edges = np.array([a.hi for a in intervals[:-1]], dtype=np.float64)
    lo = intervals[0].lo if intervals else None
    hi = intervals[-1].hi if intervals else None
    unmatched = len(variant.atoms[k])
    missing = next((i for i, a in enumerate(variant.atoms[k]) if a.kind == "missing"), unmatched)
    return edges, lo, hi, missing, unmatched


__all__ = [
    "EPOCH",
    "LEVELS",
    "OPEN_ENUM_INPUTS",
    "REASON_CODES",
    "REASON_INDEX",
    "AtomInfo",
    "CompiledSet",
    "ParamVersion",
    "TableVariant",
    "compile_set",
    "day_number",
    "enum_lut",
    "enum_vocab",
    "fen_text",
    "pct_text",
    "range_edges",
]
