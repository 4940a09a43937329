"""The policy engine: events in, eligibility, amounts in fen and traces out, vectorised.

Interface (also in docs/policy.md, which lists every column)::

    evaluate(events: pl.DataFrame, *, policy_set: str, version: int | None = None,
             as_of: date | None = None, history: pl.DataFrame | None = None,
             render: bool = True) -> pl.DataFrame

* One output row per input row, in input order: ``event_id``, ``event_type``, ``event_date``,
  ``region_code``, ``person_id``, ``org_id``, ``payee``, ``eligible``, ``reason``, ``amount_fen``,
  ``instalments``, ``instalment_fen``, ``first_payment_year``, ``base_fen``, ``quantity``, ``policy_set``,
  ``policy_version``, ``trace`` (a struct of eight trace-atom ids) and, when ``render``, ``clauses``
  (list of citations), ``trace_keys`` (the atoms' stable keys) and ``trace_text`` (the sentence, e.g.
  ``技师 A类 3500元 (省标准 2023) × (1+0%) 市级调整 (SZ-report 二(三)) × (1+30%) 数字紧缺
  (SZ-digital-10 一) = 4550元``).
* Each event is evaluated with the rules in force at its own ``event_date`` and ``region_code``:
  parameters and tables fall back district → city → province, each with its effective dates.
* ``history``: events already decided and paid (same columns plus ``amount_fen``); they count for the
  stateful limits and are not returned. ``as_of``: only rule values recorded on or before that date.
* Bad input raises :class:`~gongjiang.policy.inputs.PolicyInputError` with ``errors``:
  ``InputError(row, column, message)`` (rows are 1-based over the data rows). Nothing is evaluated then.

How it runs: the input is normalised with Polars by :mod:`gongjiang.policy.normalise` (fast path:
columns already of the documented dtypes, e.g. ``EVENT_TYPE_DTYPE``; strings are parsed and checked),
then everything is array work over NumPy views of the columns. Parameter values are resolved once per
(region, period between rule dates), not per row, and gathered; decision tables are precompiled to
dense lookup arrays indexed by the input atoms; the stateful limits (see :mod:`gongjiang.policy.formulas`
for their order) are sort-based segmented scans over one ordering of the events by person, date and
input position. Traces are kept compact, as eight atom ids per row; :func:`render_results` turns them
into sentences and clause lists, once per distinct trace plus per-row amounts, only when asked.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from gongjiang.policy.compiled import (
    REASON_CODES,
    REASON_INDEX,
    CompiledSet,
    TableVariant,
    day_number,
    enum_lut,
    range_edges,
)
from gongjiang.policy.formulas import (
    BOOL_INPUTS,
    EVENT_TYPES,
    FORMULAS,
    HIGH_SKILLED_RANK,
    LEVELS,
    PAYEES,
    RANGE_INPUTS,
    TIERS,
    TITLES,
    TRAINING_TYPES,
    Formula,
)
from gongjiang.policy.inputs import BOOL_COLUMNS, INT_COLUMNS
from gongjiang.policy.normalise import normalise_events

REASON_DTYPE = pl.Enum(list(REASON_CODES))
PAYEE_DTYPE = pl.Enum(list(PAYEES))
TRACE_FIELDS = ("tier", "base", "f1", "f2", "f3", "sched", "cap", "reason")

MISSING_DAY = np.iinfo(np.int32).min


# =============================================================================================
# Public entry points
# =============================================================================================


def evaluate(
    events: pl.DataFrame,
    *,
    policy_set: str,
    version: int | None = None,
    as_of: datetime.date | None = None,
    history: pl.DataFrame | None = None,
    render: bool = True,
) -> pl.DataFrame:
    """Evaluate ``events`` against a policy set loaded in the database (its adopted version by default)."""
    from gongjiang.policy.selectors import compiled_for

    compiled = compiled_for(policy_set, version=version, as_of=as_of)
    return evaluate_compiled(events, compiled, history=history, render=render)


def evaluate_compiled(
    events: pl.DataFrame,
    compiled: CompiledSet,
    *,
    history: pl.DataFrame | None = None,
    render: bool = True,
) -> pl.DataFrame:
    """Evaluate against an already compiled set (no database needed)."""
    frame, nh = normalise_events(events, history)
    arrays = _arrays(frame, nh)
    out = _Engine(compiled, arrays).run()
    result = _assemble(frame.slice(nh), out, nh, compiled)
    if render:
        result = render_results(result, compiled)
    return result


# =============================================================================================
# Arrays
# =============================================================================================


@dataclass
class _Arrays:
    n: int
    nh: int
    et: np.ndarray
    day: np.ndarray
    region: np.ndarray
    person: np.ndarray
    org: np.ndarray
    occ: np.ndarray
    occ_major: np.ndarray
    occ_medium: np.ndarray
    medium_vocab: list[str]
    level: np.ndarray
    tier: np.ndarray
    title: np.ndarray
    work_start: np.ndarray
    bools: dict[str, np.ndarray] = field(default_factory=dict)
    ints: dict[str, np.ndarray] = field(default_factory=dict)
    hist_amount: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _codes(s: pl.Series) -> np.ndarray:
    """Physical codes of an Enum column as int8, -1 for missing (every enumeration here is small)."""
    return s.to_physical().cast(pl.Int8).fill_null(-1).to_numpy()


def _key_codes(s: pl.Series) -> np.ndarray:
    """Person and organisation keys as non-negative int64, -1 for missing. Integer keys are used as they
    are; text keys by a 63-bit hash, checked to be collision-free (else ranked exactly), so that a
    long-running process does not accumulate every key it has seen in a global category pool."""
    if s.dtype.is_integer():
        return s.fill_null(-1).to_numpy().astype(np.int64, copy=False)
    text = s.cast(pl.String)
    hashed = (text.hash(seed=7) // 2).cast(pl.Int64)
    if hashed.n_unique() != text.n_unique():
        hashed = text.rank("dense").cast(pl.Int64)
    return hashed.set(text.is_null(), -1).to_numpy()


def _arrays(frame: pl.DataFrame, nh: int) -> _Arrays:
    occ = frame["occupation_code"]
    if occ.dtype != pl.Categorical:
        occ = occ.cast(pl.Categorical)
    occ_phys = occ.to_physical().cast(pl.Int32).fill_null(-1).to_numpy()
    uniq = occ.unique().drop_nulls()
    names = uniq.cast(pl.String).to_list()
    ids = uniq.to_physical().cast(pl.Int64).to_list()
    size = (max(ids) + 2) if ids else 1
    major_lut = np.full(size, -1, dtype=np.int8)
    medium_lut = np.full(size, -1, dtype=np.int32)
    medium_vocab = sorted({nm[:4] for nm in names})
    medium_index = {m: i for i, m in enumerate(medium_vocab)}
    for i, nm in zip(ids, names, strict=True):
        major_lut[i] = int(nm[0]) - 1 if nm[0] in "12345678" else -1
        medium_lut[i] = medium_index[nm[:4]]
    major_lut[-1] = -1
    medium_lut[-1] = -1
    day = frame["event_date"].to_physical().to_numpy().astype(np.int32, copy=False)
    ws = frame["work_start"].to_physical().cast(pl.Int32).fill_null(MISSING_DAY).to_numpy()
    arrays = _Arrays(
        n=frame.height,
        nh=nh,
        et=_codes(frame["event_type"]),
        day=day,
        region=frame["region_code"].to_numpy().astype(np.int32, copy=False),
        person=_key_codes(frame["person_id"]),
        org=_key_codes(frame["org_id"]),
        occ=occ_phys,
        occ_major=major_lut[occ_phys],
        occ_medium=medium_lut[occ_phys],
        medium_vocab=medium_vocab,
        level=_codes(frame["level"]),
        tier=_codes(frame["tier"]),
        title=_codes(frame["talent_title"]),
        work_start=ws,
    )
    for c in BOOL_COLUMNS:
        s = frame[c]
        arrays.bools[c] = s.cast(pl.Int8).fill_null(0).to_numpy()
    for c in INT_COLUMNS:
        arrays.ints[c] = frame[c].fill_null(-1).to_numpy().astype(np.int64, copy=False)
    if nh:
        arrays.hist_amount = frame["amount_fen"].slice(0, nh).to_numpy().astype(np.int64)
    return arrays


# =============================================================================================
# The vectorised evaluation
# =============================================================================================


@dataclass
class _Out:
    eligible: np.ndarray
    reason: np.ndarray
    amount: np.ndarray
    instalments: np.ndarray
    payee: np.ndarray
    trace: dict[str, np.ndarray]
    base: np.ndarray
    quantity: np.ndarray


def _round_div(x: np.ndarray, num: np.ndarray | int, den: int, mode: str) -> np.ndarray:
    """x × num / den in integers, rounded half up or down (x, num ≥ 0)."""
    prod = x * num
    if mode == "down":
        return prod // den
    return (prod + den // 2) // den


class _Engine:
    def __init__(self, cs: CompiledSet, a: _Arrays):
        self.cs = cs
        self.a = a
        n = a.n
        self.eligible = np.ones(n, dtype=bool)
        self.reason = np.zeros(n, dtype=np.int16)
        self.amount = np.zeros(n, dtype=np.int64)
        self.instalments = np.ones(n, dtype=np.int16)
        self.payee = np.zeros(n, dtype=np.int8)
        self.base = np.zeros(n, dtype=np.int64)
        self.quantity = np.full(n, -1, dtype=np.int64)
        self.trace = {f: np.zeros(n, dtype=np.uint32) for f in TRACE_FIELDS}
        self.tier = a.tier.copy()

    # -- context ------------------------------------------------------------------------------
    def _context(self) -> None:
        a, cs = self.a, self.cs
        present = np.flatnonzero(np.bincount(a.region, minlength=1_000_000)) if a.n else np.zeros(0, dtype=np.int64)
        lut = np.full(1_000_000, -1, dtype=np.int64)
        lut[present] = np.arange(len(present))
        breaks = cs.breaks
        periods = len(breaks) + 1
        self.ctx = lut[a.region] * periods + np.searchsorted(breaks, a.day, side="right")
        rep = [int(breaks[0]) - 1 if len(breaks) else 0] + [int(b) for b in breaks]
        size = len(present) * periods
        self.pval: dict[str, np.ndarray] = {}
        self.patom: dict[str, np.ndarray] = {}
        self.prefuse: dict[str, np.ndarray] = {}
        self.phas: dict[str, np.ndarray] = {}
        self.pregion: dict[str, np.ndarray] = {}
        for name in cs.params:
            where = np.full(size, -1, dtype=np.int64)
            val = np.zeros(size, dtype=np.int64)
            atom = np.zeros(size, dtype=np.uint32)
            refuse = np.zeros(size, dtype=np.uint32)
            has = np.zeros(size, dtype=bool)
            for ri, code in enumerate(present):
                region = f"{int(code):06d}"
                for p in range(periods):
                    pv = cs.resolve_param(name, region, rep[p])
                    if pv is not None:
                        k = ri * periods + p
                        val[k], atom[k], refuse[k], has[k] = pv.value, pv.atom, pv.refusal_atom, True
                        where[k] = int(pv.spec.region)
            self.pval[name], self.patom[name], self.prefuse[name], self.phas[name] = val, atom, refuse, has
            self.pregion[name] = where
        self.tvar: dict[str, np.ndarray] = {}
        for name in cs.tables:
            var = np.full(size, -1, dtype=np.int64)
            for ri, code in enumerate(present):
                region = f"{int(code):06d}"
                for p in range(periods):
                    var[ri * periods + p] = cs.resolve_table(name, region, rep[p])
            self.tvar[name] = var

    def param(self, name: str, ctxi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(in force?, value, atom) for rows with context indexes ``ctxi``."""
        if name not in self.pval:
            z = np.zeros(len(ctxi), dtype=bool)
            return z, np.zeros(len(ctxi), dtype=np.int64), np.zeros(len(ctxi), dtype=np.uint32)
        return self.phas[name][ctxi], self.pval[name][ctxi], self.patom[name][ctxi]

    # -- decision tables ------------------------------------------------------------------------
    def _input_atoms(self, tv: TableVariant, k: int, name: str, rows: np.ndarray) -> np.ndarray:
        a = self.a
        if name in RANGE_INPUTS:
            values = a.ints[name][rows]
            edges, lo, hi, missing, unmatched = range_edges(tv, k)
            idx = np.searchsorted(edges, values.astype(np.float64), side="right").astype(np.int64)
            if lo is not None:
                idx[values < lo] = unmatched
            if hi is not None:
                idx[values >= hi] = unmatched
            idx[values < 0] = missing
            return idx
        vocab: tuple[str, ...]
        if name == "level":
            codes, vocab = a.level[rows], LEVELS
        elif name == "tier":
            codes, vocab = self.tier[rows], TIERS
        elif name == "talent_title":
            codes, vocab = a.title[rows], TITLES
        elif name == "occ_major":
            codes, vocab = a.occ_major[rows], tuple("12345678")
        elif name == "occ_medium":
            codes, vocab = a.occ_medium[rows], tuple(a.medium_vocab)
        elif name in BOOL_INPUTS:
            codes, vocab = a.bools[name][rows], ("false", "true")
        else:  # pragma: no cover - the spec checks table inputs
            raise KeyError(name)
        lut = enum_lut(tv, k, vocab)
        return lut[codes]

    def lookup(self, name: str, rows: np.ndarray, ctxi: np.ndarray) -> dict[str, Any]:
        """Evaluate table ``name`` for ``rows``: the hit row's atom, eligibility, reason and outputs.
        ``found`` is False where no table is in force, ``matched`` False where no row matched. Each
        variant of the table answers with one gather per output from its per-combination arrays."""
        m = len(rows)
        variants = self.cs.tables.get(name, [])
        var = self.tvar[name][ctxi] if variants and m else np.full(m, -1)
        counts = np.bincount(var + 1, minlength=len(variants) + 1) if m else np.zeros(len(variants) + 1, int)
        if m and variants and counts[0] == 0 and np.count_nonzero(counts) == 1:
            tv = variants[int(np.flatnonzero(counts)[0]) - 1]  # one variant for every row: no scatter
            flat = self._flat(tv, rows)
            res: dict[str, Any] = {
                "found": True,
                "matched": tv.combo_matched[flat],
                "atom": tv.combo_atom[flat],
                "eligible": tv.combo_eligible[flat],
                "reason": tv.combo_reason[flat],
                "unmatched_atom": tv.unmatched_atom,
                "unmatched_reason": tv.unmatched_reason,
            }
            res.update({k: v[flat] for k, v in tv.combo_out.items()})
            return res
        res = {
            "found": np.zeros(m, dtype=bool),
            "matched": np.zeros(m, dtype=bool),
            "atom": np.zeros(m, dtype=np.uint32),
            "eligible": np.ones(m, dtype=bool),
            "reason": np.zeros(m, dtype=np.int16),
            "unmatched_atom": np.zeros(m, dtype=np.uint32),
            "unmatched_reason": np.zeros(m, dtype=np.int16),
        }
        for v, tv in enumerate(variants):
            if not counts[v + 1]:
                continue
            sel = np.flatnonzero(var == v)
            flat = self._flat(tv, rows[sel])
            res["found"][sel] = True
            res["matched"][sel] = tv.combo_matched[flat]
            res["atom"][sel] = tv.combo_atom[flat]
            res["eligible"][sel] = tv.combo_eligible[flat]
            res["reason"][sel] = tv.combo_reason[flat]
            res["unmatched_atom"][sel] = tv.unmatched_atom
            res["unmatched_reason"][sel] = tv.unmatched_reason
            for out, arr in tv.combo_out.items():
                res.setdefault(out, np.zeros(m, dtype=np.int64))[sel] = arr[flat]
        return res

    def _flat(self, tv: TableVariant, rows: np.ndarray) -> np.ndarray:
        flat: np.ndarray | None = None
        for k, inp in enumerate(tv.spec.inputs):
            part = self._input_atoms(tv, k, inp.name, rows) * tv.strides[k]
            flat = part if flat is None else flat + part
        assert flat is not None
        return flat

    # -- per event type -----------------------------------------------------------------------
    def run(self) -> _Out:
        a = self.a
        self._context()
        if a.nh:
            self.amount[: a.nh] = a.hist_amount
        ev = a.et[a.nh :]
        for t, code in ((t, i) for i, t in enumerate(EVENT_TYPES)):
            rows = np.flatnonzero(ev == code) + a.nh
            if len(rows):
                self._evaluate_type(FORMULAS[t], rows)
        if a.nh:
            hist_types = a.et[: a.nh]
            self.payee[: a.nh] = np.array([PAYEES.index(FORMULAS[t].payee) for t in EVENT_TYPES])[hist_types]
        self._stateful()
        ins = self.instalments
        return _Out(self.eligible, self.reason, self.amount, ins, self.payee, self.trace, self.base, self.quantity)

    def _evaluate_type(self, f: Formula, rows: np.ndarray) -> None:
        cs, a = self.cs, self.a
        m = len(rows)
        ctxi = self.ctx[rows]
        elig = np.ones(m, dtype=bool)
        reason = np.zeros(m, dtype=np.int16)
        tr = {k: np.zeros(m, dtype=np.uint32) for k in TRACE_FIELDS}

        def fail(mask: np.ndarray, code: int | np.ndarray, atom: int | np.ndarray) -> None:
            sel = elig & mask
            if not sel.any():
                return
            reason[sel] = code if np.isscalar(code) else code[sel]  # type: ignore[index]
            tr["reason"][sel] = atom if np.isscalar(atom) else atom[sel]  # type: ignore[index]
            elig[sel] = False

        self.payee[rows] = PAYEES.index(f.payee)
        plen = len(cs.prefix)
        inside = (a.region[rows] // 10 ** (6 - plen)) == int(cs.prefix)
        fail(~inside, REASON_INDEX["outside_region"], cs.atom_index[_outside_key(cs)])
        rule = cs.spec.rules.get(f.event_type)
        if rule is None:
            fail(np.ones(m, dtype=bool), REASON_INDEX["not_in_set"], cs.atom_index["reason:not_in_set:"])
            self._store(rows, elig, reason, np.zeros(m, dtype=np.int64), tr)
            return
        not_in_force = cs.atom_index[f"reason:not_in_force:{rule.clause}"]
        gate = np.zeros(m, dtype=bool)
        required_tables = [f.base.name] if f.base.kind == "table" else []
        required_params = [f.base.name] if f.base.kind == "param" else []
        required_tables += [x.name for x in f.factors if x.required and x.kind.endswith("_table")]
        required_params += [x.name for x in f.factors if x.required and x.kind.endswith("_param")]
        required_params += [c.name for c in f.checks if c.required and c.kind in ("min_months", "param")]
        if f.schedule:
            required_params.append(f.schedule)
        for tname in required_tables:
            gate |= self.tvar[tname][ctxi] < 0 if tname in self.tvar else True
        for pname in required_params:
            gate |= ~self.phas[pname][ctxi] if pname in self.phas else True
        fail(gate, REASON_INDEX["not_in_force"], not_in_force)

        # Tier: the event's, or the set's table from the occupation.
        if f.derive_tier:
            need = self.tier[rows] < 0
            if need.any():
                sub = rows[need]
                res = self.lookup("tier_by_occupation", sub, ctxi[need])
                derived = np.where(res["matched"], res.get("tier", np.full(len(sub), -1)), -1)
                self.tier[sub] = derived
                tr["tier"][need] = res["atom"]
                missing = np.zeros(m, dtype=bool)
                missing[need] = derived < 0
                fail(missing, REASON_INDEX["not_in_force"], not_in_force)

        # Base amount.
        base = np.zeros(m, dtype=np.int64)
        b = f.base
        if b.kind == "table":
            res = self.lookup(b.name, rows, ctxi)
            fail(res["found"] & ~res["matched"], res["unmatched_reason"], res["unmatched_atom"])
            fail(res["matched"] & ~res["eligible"], res["reason"], res["atom"])
            base = res.get(b.output, base)
            # A refusing row is the reason, not a base.
            tr["base"] = np.where(res["eligible"], res["atom"], 0).astype(np.uint32)
            if b.multiplier:
                count = np.maximum(a.ints[b.multiplier][rows], 0)
                base = base * count
                self.quantity[rows] = count
        elif b.kind == "param":
            _has, base, tr["base"] = self.param(b.name, ctxi)
            base = base.copy()
        else:
            base = np.maximum(a.ints[b.name][rows], 0)
            tr["base"][:] = cs.atom_index[f"input:{f.event_type}"]

        self.base[rows] = base
        # Checks.
        for c in f.checks:
            if c.kind == "table":
                res = self.lookup(c.name, rows, ctxi)
                fail(res["matched"], res["reason"], res["atom"])
            elif c.kind == "high_skilled":
                fail(
                    a.level[rows] < HIGH_SKILLED_RANK,
                    REASON_INDEX[c.reason],
                    cs.atom_index[f"reason:{c.reason}:{rule.clause}"],
                )
            elif c.kind == "min_months":
                has, need_months, _atom = self.param(c.name, ctxi)
                months = _months_between(a.work_start[rows], a.day[rows])
                refuse = self.prefuse[c.name][ctxi] if c.name in self.prefuse else np.zeros(m, dtype=np.uint32)
                fail(has & (months < need_months), REASON_INDEX[c.reason], refuse)
            elif c.kind == "flag":
                fail(
                    a.bools[c.name][rows] != 1,
                    REASON_INDEX[c.reason],
                    cs.atom_index[f"reason:{c.reason}:{rule.clause}"],
                )

        # Factors, left to right, each rounded to the fen.
        amount = base
        slot = 0
        for x in f.factors:
            if x.kind in ("plus_param", "times_param"):
                has, v, atom = self.param(x.name, ctxi)
            else:
                res = self.lookup(x.name, rows, ctxi)
                if x.required:
                    fail(res["found"] & ~res["matched"], res["unmatched_reason"], res["unmatched_atom"])
                fail(res["matched"] & ~res["eligible"], res["reason"], res["atom"])
                has = res["matched"] & res["eligible"]
                v = res.get(x.output, np.zeros(m, dtype=np.int64))
                atom = res["atom"]
            if x.kind.startswith("plus"):
                v = np.where(has, v, 0)
                amount = _round_div(amount, 10000 + v, 10000, rule.rounding)
                # A parameter in force is named even at 0% (the city applies the standard unchanged);
                # a table row adding nothing (not a shortage occupation) is not.
                show = has if x.kind == "plus_param" else has & (v != 0)
            else:
                amount = np.where(has, _round_div(amount, v, 10000, rule.rounding), amount)
                show = has
            key = ("f1", "f2", "f3")[slot]
            tr[key] = np.where(show, atom, 0).astype(np.uint32)
            slot += 1
        if rule.rounding_to == "yuan":
            amount = (amount // 100) * 100 if rule.rounding == "down" else ((amount + 50) // 100) * 100
        if f.schedule:
            has, years, atom = self.param(f.schedule, ctxi)
            years = np.where(has, np.maximum(years, 1), 1)
            amount = amount * years
            self.instalments[rows] = years
            tr["sched"] = np.where(has, atom, 0).astype(np.uint32)
        fail(elig & (amount <= 0), REASON_INDEX["zero_amount"], cs.atom_index[f"reason:zero_amount:{rule.clause}"])
        amount = np.where(elig, amount, 0)
        self._store(rows, elig, reason, amount, tr)

    def _store(
        self, rows: np.ndarray, elig: np.ndarray, reason: np.ndarray, amount: np.ndarray, tr: dict[str, np.ndarray]
    ) -> None:
        self.eligible[rows] = elig
        self.reason[rows] = reason
        self.amount[rows] = amount
        for k, v in tr.items():
            self.trace[k][rows] = v

    def _limit(self, name: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For ``rows``: the limit in force at each event's date and region (-1 where none), the atom
        naming it as a refusal, and its own atom."""
        ctxi = self.ctx[rows]
        has = self.phas[name][ctxi]
        value = np.where(has, self.pval[name][ctxi], -1)
        return value, np.where(has, self.prefuse[name][ctxi], 0), np.where(has, self.patom[name][ctxi], 0)

    # -- stateful limits ----------------------------------------------------------------------
    def _stateful(self) -> None:
        a = self.a
        if not a.n:
            return
        self.hist = np.zeros(a.n, dtype=bool)
        self.hist[: a.nh] = True
        with_person = np.flatnonzero(a.person >= 0)
        self.order = _order(a.person[with_person], a.day[with_person], with_person)
        training = np.zeros(len(EVENT_TYPES), dtype=bool)
        training[[EVENT_TYPES.index(t) for t in TRAINING_TYPES]] = True
        is_training = training[a.et]
        # 1. same occupation and level once
        if "same_occupation_level_once" in self.phas:
            self._same_occupation_level(is_training)
        # 2. at most N subsidised trainings
        if "max_subsidised_trainings" in self.phas:
            cand = self.order[is_training[self.order] & self.eligible[self.order]]
            self._count_limit(cand, a.person[cand], "max_subsidised_trainings", "max_trainings")
        for t in EVENT_TYPES:
            code = EVENT_TYPES.index(t)
            name = f"{t}.max_per_person"
            if name in self.phas:
                cand = self.order[(a.et[self.order] == code) & self.eligible[self.order]]
                self._count_limit(cand, a.person[cand], name, "max_per_person")
            name = f"{t}.max_per_org_year"
            if name in self.phas:
                rows = np.flatnonzero((a.et == code) & self.eligible & (a.org >= 0))
                years = _years(a.day[rows])
                cand = rows[np.lexsort((rows, a.day[rows], years, a.org[rows]))]
                group = _group_ids(a.org[cand], _years(a.day[cand]))
                self._count_limit(cand, group, name, "max_per_org_year")
            name = f"{t}.quota_per_region_year"
            if name in self.phas:
                # A quota is counted over the region that set it (a city's quota spans its districts).
                rows = np.flatnonzero((a.et == code) & self.eligible)
                quota_region = self.pregion[name][self.ctx[rows]]
                quota_region = np.where(quota_region >= 0, quota_region, a.region[rows])
                years = _years(a.day[rows])
                order = np.lexsort((rows, a.day[rows], years, quota_region))
                cand = rows[order]
                group = _group_ids(quota_region[order], years[order])
                self._count_limit(cand, group, name, "quota_exceeded")
            name = f"{t}.cap_per_person"
            if name in self.phas:
                cand = self.order[(a.et[self.order] == code) & self.eligible[self.order]]
                self._cap(cand, name)

    def _refuse(self, rows: np.ndarray, reason: str, atoms: np.ndarray) -> None:
        keep = ~self.hist[rows]
        rows, atoms = rows[keep], atoms[keep]
        if not len(rows):
            return
        self.eligible[rows] = False
        self.reason[rows] = REASON_INDEX[reason]
        self.trace["reason"][rows] = atoms
        self.amount[rows] = 0

    def _same_occupation_level(self, is_training: np.ndarray) -> None:
        a = self.a
        cand = self.order[is_training[self.order] & self.eligible[self.order]]
        cand = cand[(a.occ[cand] >= 0) & (a.level[cand] >= 0)]
        if not len(cand):
            return
        pos = np.arange(len(cand), dtype=np.int64)
        group = _group_ids(a.person[cand], a.occ[cand] * 8 + a.level[cand])
        order = np.lexsort((pos, group)) if len(cand) >= 2**24 else np.argsort(group * (1 << 24) + pos)
        g = group[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = g[1:] != g[:-1]
        dup = cand[order[~first]]
        val, ref, _atom = self._limit("same_occupation_level_once", dup)
        self._refuse(dup[val >= 0], "same_occupation_level", ref[val >= 0])

    def _count_limit(self, cand: np.ndarray, groups: np.ndarray, name: str, reason: str) -> None:
        """Greedy per group, in the candidates' order: refuse an event when the group already has
        ``limit`` accepted ones. Exact in one vectorised pass while a group's limit is the same for all
        its events (history and events without the rule count and are never refused); groups whose
        limit changes over time are replayed one event at a time."""
        if not len(cand):
            return
        limit, ref, _atom = self._limit(name, cand)
        start = np.ones(len(cand), dtype=bool)
        start[1:] = groups[1:] != groups[:-1]
        count = _cumcount(start)
        limited = (limit >= 0) & ~self.hist[cand]
        refuse = limited & (count >= limit)
        # Groups whose finite limit varies: replay exactly.
        gid = np.cumsum(start) - 1
        lim_f = np.where(limited, limit, np.iinfo(np.int64).max)
        lo = np.minimum.reduceat(lim_f, np.flatnonzero(start))
        lim_f2 = np.where(limited, limit, -1)
        hi = np.maximum.reduceat(lim_f2, np.flatnonzero(start))
        varying = (hi >= 0) & (lo != hi)
        if varying.any():
            vrows = varying[gid]
            refuse[vrows] = False
            sub = np.flatnonzero(vrows)
            accepted = 0
            for j in sub:
                if start[j]:
                    accepted = 0
                if limited[j] and accepted >= limit[j]:
                    refuse[j] = True
                else:
                    accepted += 1
        self._refuse(cand[refuse], reason, ref[refuse])

    def _cap(self, cand: np.ndarray, name: str) -> None:
        if not len(cand):
            return
        a = self.a
        cap, ref, capatom = self._limit(name, cand)
        amt = self.amount[cand]
        start = np.ones(len(cand), dtype=bool)
        start[1:] = a.person[cand][1:] != a.person[cand][:-1]
        gid = np.cumsum(start) - 1
        starts = np.flatnonzero(start)
        limited = (cap >= 0) & ~self.hist[cand]
        lo = np.minimum.reduceat(np.where(limited, cap, np.iinfo(np.int64).max), starts)
        hi = np.maximum.reduceat(np.where(limited, cap, -1), starts)
        has_unlimited = np.maximum.reduceat((~limited & ~self.hist[cand]).astype(np.int64), starts) > 0
        uniform = (hi < 0) | ((lo == hi) & ~has_unlimited)
        cum = np.cumsum(amt)
        base = (cum - amt)[starts][gid]
        incl = cum - base
        before = incl - amt
        c = np.where(uniform[gid], hi[gid], 0)
        paid = np.where(limited, np.minimum(c, incl) - np.minimum(c, before), amt)
        paid = np.maximum(paid, 0)
        slow = ~uniform[gid]
        if slow.any():
            total = 0
            for j in np.flatnonzero(slow):
                if start[j] or j == 0 or not slow[j - 1] or gid[j] != gid[j - 1]:
                    total = 0
                if limited[j]:
                    paid[j] = max(0, min(amt[j], cap[j] - total))
                else:
                    paid[j] = amt[j]
                total += int(paid[j])
        paid = np.where(self.hist[cand], amt, paid)
        cut = (paid < amt) & (paid > 0)
        self.trace["cap"][cand[cut]] = capatom[cut]
        self.amount[cand] = paid
        zero = (paid == 0) & (amt > 0) & ~self.hist[cand]
        self._refuse(cand[zero], "cap_reached", ref[zero])


def _outside_key(cs: CompiledSet) -> str:
    return f"reason:outside_region:：{cs.spec.region}"


def _months_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole months from ``start`` to ``end`` (day numbers); -1 when start is missing."""
    missing = start == MISSING_DAY
    s = np.where(missing, 0, start).astype("datetime64[D]")
    e = end.astype("datetime64[D]")
    sm = s.astype("datetime64[M]")
    em = e.astype("datetime64[M]")
    months = (em - sm).astype(np.int64)
    sd = (s - sm.astype("datetime64[D]")).astype(np.int64)
    ed = (e - em.astype("datetime64[D]")).astype(np.int64)
    months -= (ed < sd).astype(np.int64)
    return np.where(missing, -1, months)


def _years(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _cumcount(start: np.ndarray) -> np.ndarray:
    idx = np.arange(len(start), dtype=np.int64)
    first = np.maximum.accumulate(np.where(start, idx, 0))
    return idx - first


def _group_ids(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense ids for pairs (a, b) of non-negative ints, equal pairs equal ids."""
    a = a.astype(np.int64, copy=False)
    b = b.astype(np.int64, copy=False)
    bmax = int(b.max()) + 1 if len(b) else 1
    amax = int(a.max()) + 1 if len(a) else 1
    if amax * bmax < 2**62:
        return a * bmax + b
    _, inv = np.unique(np.stack([a, b]), axis=1, return_inverse=True)
    return inv.astype(np.int64)


def _order(person: np.ndarray, day: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows`` sorted by person, date and position, with one 64-bit key where it fits."""
    if not len(rows):
        return rows
    pmin, pmax = int(person.min()), int(person.max())
    dmin, dmax = int(day.min()), int(day.max())
    if pmax - pmin < 2**23 and dmax - dmin < 2**16 and int(rows.max()) < 2**24:
        key = ((person - pmin) << 40) | ((day.astype(np.int64) - dmin) << 24) | rows
        return rows[np.argsort(key)]
    return rows[np.lexsort((rows, day, person))]


# =============================================================================================
# Output
# =============================================================================================


def _assemble(events: pl.DataFrame, out: _Out, nh: int, cs: CompiledSet) -> pl.DataFrame:
    sl = slice(nh, None)
    n = events.height
    amount = out.amount[sl]
    inst = np.maximum(out.instalments[sl], 1)
    trace = pl.DataFrame({f: out.trace[f][sl] for f in TRACE_FIELDS}).to_struct("trace")
    return pl.DataFrame(
        {
            "event_id": events["event_id"],
            "event_type": events["event_type"],
            "event_date": events["event_date"],
            "region_code": _region_text(events["region_code"]),
            "person_id": events["person_id"],
            "org_id": events["org_id"],
            "payee": _enum_from_codes(out.payee[sl], PAYEE_DTYPE),
            "eligible": out.eligible[sl],
            "reason": _enum_from_codes(out.reason[sl], REASON_DTYPE),
            "amount_fen": amount,
            "instalments": inst.astype(np.int64),
            "instalment_fen": amount // inst,
            "first_payment_year": events["event_date"].dt.year().cast(pl.Int64),
            "base_fen": out.base[sl],
            "quantity": pl.Series(out.quantity[sl]).set(pl.Series(out.quantity[sl] < 0), None),
            "policy_set": pl.repeat(cs.spec.name, n, dtype=pl.String, eager=True).cast(pl.Enum([cs.spec.name])),
            "policy_version": pl.repeat(cs.version, n, dtype=pl.Int64, eager=True),
            "trace": trace,
        }
    )


def _region_text(codes: pl.Series) -> pl.Series:
    """Six-digit region codes as text, built once per distinct code (an Enum column, not n strings)."""
    present = sorted({int(c) for c in codes.unique().drop_nulls().to_list()})
    names = [f"{c:06d}" for c in present]
    index = np.full(max(present) + 1 if present else 1, 0, dtype=np.int64)
    index[present] = np.arange(len(present))
    dtype = pl.Enum(names)
    return pl.Series("region_code", names, dtype=dtype).gather(index[codes.to_numpy().astype(np.int64)])


def _enum_from_codes(codes: np.ndarray, dtype: pl.Enum) -> pl.Series:
    return pl.Series(dtype.categories.to_list(), dtype=dtype).gather(codes.astype(np.int64))


def render_results(results: pl.DataFrame, cs: CompiledSet) -> pl.DataFrame:
    """Add ``trace_text`` (the sentence), ``clauses`` (citations) and ``trace_keys`` (the compact trace as
    text) from the trace atoms. The static parts are built once per distinct trace (a few hundred even
    for millions of events) and gathered back; only amounts and counts are formatted per row."""
    t = results["trace"].struct.unnest()
    combo_of_row, combos = _trace_combos(t, len(cs.atoms))
    input_atoms = {cs.atom_index[k] for k in cs.atom_index if k.startswith("input:")}
    atoms = cs.atoms
    pre, post, mid, cap, why, cites, keys, is_input = [], [], [], [], [], [], [], []
    for row in combos.iter_rows(named=True):
        frag = {f: atoms[row[f]].fragment if row[f] else "" for f in TRACE_FIELDS}
        pre.append(frag["tier"] + frag["base"])
        # An amount taken from the event cites the rule's clause when nothing else in the trace cites one.
        base_clause = atoms[row["base"]].clause if row["base"] in input_atoms else ""
        cited = any(atoms[row[f]].clause for f in TRACE_FIELDS if f != "base" and row[f])
        post.append(f" ({cs.cite(base_clause)})" if base_clause and not cited else "")
        mid.append(frag["f1"] + frag["f2"] + frag["f3"] + frag["sched"])
        cap.append(frag["cap"])
        why.append(frag["reason"])
        is_input.append(row["base"] in input_atoms)
        seen: list[str] = []
        for f in TRACE_FIELDS:
            clause = atoms[row[f]].clause if row[f] else ""
            if f == "base" and base_clause and not post[-1]:
                continue  # the event's own amount: its rule is cited elsewhere in the trace
            if clause and cs.formal(clause) not in seen:
                seen.append(cs.formal(clause))
        cites.append(seen)
        keys.append("; ".join(atoms[row[f]].key for f in TRACE_FIELDS if row[f]))

    def per_row(values: list[Any], dtype: Any) -> pl.Series:
        return pl.Series(values, dtype=dtype).gather(combo_of_row)

    # Most sentences are static per trace except the final amount: "<static> = <amount>元" when eligible,
    # and entirely static when refused. Only traces whose base is the event's own amount, or a count,
    # need the general formatting; they are formatted separately and put in place.
    static_ok = [(p + m + c).lstrip() + " = " for p, m, c in zip(pre, mid, cap, strict=True)]
    static_no = [(p + m + "；" + w).strip() if p else w.strip() for p, m, w in zip(pre, mid, why, strict=True)]
    general = (per_row(is_input, pl.Boolean) | (results["quantity"].is_not_null() & (t["base"] > 0))).fill_null(False)
    eligible = results["eligible"]
    chooser = pl.Series(combo_of_row.cast(pl.Int64) * 2 + eligible.cast(pl.Int64))
    statics = pl.Series([x for pair in zip(static_no, static_ok, strict=True) for x in pair], dtype=pl.String)
    simple = pl.DataFrame({"s": statics.gather(chooser), "ok": eligible, "fen": results["amount_fen"]}).select(
        pl.when(pl.col("ok"))
        .then(pl.concat_str([pl.col("s"), _yuan_expr(pl.col("fen")), pl.lit("元")]))
        .otherwise(pl.col("s"))
    )
    text = simple.to_series().rename("trace_text")
    rows = general.arg_true()
    if len(rows):
        sub = pl.DataFrame(
            {
                "_pre": pl.Series(pre, dtype=pl.String).gather(combo_of_row.gather(rows)),
                "_post": pl.Series(post, dtype=pl.String).gather(combo_of_row.gather(rows)),
                "_mid": pl.Series(mid, dtype=pl.String).gather(combo_of_row.gather(rows)),
                "_cap": pl.Series(cap, dtype=pl.String).gather(combo_of_row.gather(rows)),
                "_why": pl.Series(why, dtype=pl.String).gather(combo_of_row.gather(rows)),
                "_input": pl.Series(is_input, dtype=pl.Boolean).gather(combo_of_row.gather(rows)),
                "_base_atom": t["base"].gather(rows),
                "eligible": eligible.gather(rows),
                "amount_fen": results["amount_fen"].gather(rows),
                "base_fen": results["base_fen"].gather(rows),
                "quantity": results["quantity"].gather(rows),
            }
        )
        head = pl.concat_str(
            [
                pl.col("_pre"),
                pl.when(pl.col("_input")).then(
                    pl.concat_str([pl.lit(" "), _yuan_expr(pl.col("base_fen")), pl.lit("元"), pl.col("_post")])
                ),
                pl.when(pl.col("quantity").is_not_null() & (pl.col("_base_atom") > 0)).then(
                    pl.concat_str([pl.lit(" × "), pl.col("quantity").cast(pl.String), pl.lit("人")])
                ),
                pl.col("_mid"),
            ],
            ignore_nulls=True,
        )
        expr = (
            pl.when(pl.col("eligible"))
            .then(
                pl.concat_str(
                    [pl.col("_head"), pl.col("_cap"), pl.lit(" = "), _yuan_expr(pl.col("amount_fen")), pl.lit("元")]
                )
            )
            .when(pl.col("_pre").str.len_bytes() > 0)
            .then(pl.concat_str([pl.col("_head"), pl.lit("；"), pl.col("_why")]))
            .otherwise(pl.col("_why"))
            .str.strip_chars()
        )
        text = text.scatter(rows, sub.with_columns(_head=head).select(expr).to_series())
    return results.with_columns(
        trace_text=text,
        clauses=per_row(cites, pl.List(pl.String)),
        trace_keys=per_row(keys, pl.String),
    )


def _trace_combos(t: pl.DataFrame, atom_count: int) -> tuple[pl.Series, pl.DataFrame]:
    """The distinct traces, and for each row the index of its trace among them. With fewer than 256
    atoms (every shipped set) the eight ids pack into one 64-bit key, so this is one hash pass."""
    if not t.height:
        return pl.Series([], dtype=pl.UInt32), t.select(TRACE_FIELDS).clear()
    if atom_count <= 256:
        key = np.zeros(t.height, dtype=np.uint64)
        for i, f in enumerate(TRACE_FIELDS):
            key |= t[f].to_numpy().astype(np.uint64) << np.uint64(8 * i)
        keys = pl.Series("k", key)
        uniq = keys.unique()
        index = keys.replace_strict(uniq, pl.Series(np.arange(len(uniq), dtype=np.uint32)), return_dtype=pl.UInt32)
        u = uniq.to_numpy()
        combos = pl.DataFrame(
            {f: ((u >> np.uint64(8 * i)) & np.uint64(255)).astype(np.uint32) for i, f in enumerate(TRACE_FIELDS)}
        )
        return index, combos
    numbered = t.select(TRACE_FIELDS).with_row_index("_row")
    combos = numbered.select(TRACE_FIELDS).unique().with_row_index("_combo")
    joined = numbered.join(combos, on=list(TRACE_FIELDS), how="left").sort("_row")
    return joined["_combo"], combos.drop("_combo")


def _yuan_expr(fen: pl.Expr) -> pl.Expr:
    whole = (fen // 100).cast(pl.String)
    cents = (fen % 100).cast(pl.String).str.zfill(2)
    return pl.when(fen % 100 == 0).then(whole).otherwise(pl.concat_str([whole, pl.lit("."), cents]))


def date_to_day(d: datetime.date) -> int:
    return day_number(d)
