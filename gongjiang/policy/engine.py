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

How it runs, one stage per module (Polars for the first, NumPy arrays after it):

1. :mod:`gongjiang.policy.normalise` reads every column into its canonical dtype and checks the rows
   (fast path: columns already of the documented dtypes, e.g. ``EVENT_TYPE_DTYPE`` from
   :mod:`gongjiang.policy.inputs`; strings are parsed and checked);
2. :mod:`gongjiang.policy.arrays` takes NumPy views of the columns and resolves parameter values and
   decision tables once per (region, period between rule dates), not per row, to be gathered;
3. this module evaluates each event type on its own: decision tables precompiled to dense lookup arrays
   indexed by the input atoms, then the base, checks, factors and schedule of its formula;
4. :mod:`gongjiang.policy.limits` applies the stateful limits (see :mod:`gongjiang.policy.formulas` for
   their order) as sort-based segmented scans over one ordering of the events by person, date and
   input position;
5. :mod:`gongjiang.policy.results` assembles the output frame with the traces kept compact, as eight
   atom ids per row; its :func:`~gongjiang.policy.results.render_results` turns them into sentences and
   clause lists, once per distinct trace plus per-row amounts, only when asked.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
import polars as pl

from gongjiang.policy.arrays import MISSING_DAY, EventArrays, Outcome, event_arrays, resolve_context
from gongjiang.policy.compiled import (
    REASON_INDEX,
    CompiledSet,
    TableVariant,
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
    Formula,
)
from gongjiang.policy.limits import StatefulLimits
from gongjiang.policy.normalise import normalise_events
from gongjiang.policy.results import TRACE_FIELDS, assemble, render_results
from gongjiang.policy.selectors import compiled_for

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
    arrays = event_arrays(frame, nh)
    out = _Engine(compiled, arrays).run()
    result = assemble(frame.slice(nh), out, nh, compiled)
    if render:
        result = render_results(result, compiled)
    return result


# =============================================================================================
# The vectorised evaluation
# =============================================================================================


def _round_div(x: np.ndarray, num: np.ndarray | int, den: int, mode: str) -> np.ndarray:
    """x × num / den in integers, rounded half up or down (x, num ≥ 0)."""
    prod = x * num
    if mode == "down":
        return prod // den
    return (prod + den // 2) // den


class _Engine:
    """Evaluates every event on its own, one event type at a time, into an :class:`Outcome`; then the
    stateful limits (:class:`StatefulLimits`) act on that outcome."""

    def __init__(self, cs: CompiledSet, a: EventArrays):
        self.cs = cs
        self.a = a
        n = a.n
        self.out = Outcome(
            eligible=np.ones(n, dtype=bool),
            reason=np.zeros(n, dtype=np.int16),
            amount=np.zeros(n, dtype=np.int64),
            instalments=np.ones(n, dtype=np.int16),
            payee=np.zeros(n, dtype=np.int8),
            trace={f: np.zeros(n, dtype=np.uint32) for f in TRACE_FIELDS},
            base=np.zeros(n, dtype=np.int64),
            quantity=np.full(n, -1, dtype=np.int64),
        )
        self.tier = a.tier.copy()
        self.rules = resolve_context(cs, a)

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
        var = self.rules.tvar[name][ctxi] if variants and m else np.full(m, -1)
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
    def run(self) -> Outcome:
        a = self.a
        if a.nh:
            self.out.amount[: a.nh] = a.hist_amount
        ev = a.et[a.nh :]
        for t, code in ((t, i) for i, t in enumerate(EVENT_TYPES)):
            rows = np.flatnonzero(ev == code) + a.nh
            if len(rows):
                self._evaluate_type(FORMULAS[t], rows)
        if a.nh:
            hist_types = a.et[: a.nh]
            self.out.payee[: a.nh] = np.array([PAYEES.index(FORMULAS[t].payee) for t in EVENT_TYPES])[hist_types]
        StatefulLimits(a, self.rules, self.out).run()
        return self.out

    def _evaluate_type(self, f: Formula, rows: np.ndarray) -> None:
        cs, a, rules = self.cs, self.a, self.rules
        m = len(rows)
        ctxi = rules.ctx[rows]
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

        self.out.payee[rows] = PAYEES.index(f.payee)
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
            gate |= rules.tvar[tname][ctxi] < 0 if tname in rules.tvar else True
        for pname in required_params:
            gate |= ~rules.phas[pname][ctxi] if pname in rules.phas else True
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
                self.out.quantity[rows] = count
        elif b.kind == "param":
            _has, base, tr["base"] = rules.param(b.name, ctxi)
            base = base.copy()
        else:
            base = np.maximum(a.ints[b.name][rows], 0)
            tr["base"][:] = cs.atom_index[f"input:{f.event_type}"]

        self.out.base[rows] = base
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
                has, need_months, _atom = rules.param(c.name, ctxi)
                months = _months_between(a.work_start[rows], a.day[rows])
                refuse = rules.prefuse[c.name][ctxi] if c.name in rules.prefuse else np.zeros(m, dtype=np.uint32)
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
                has, v, atom = rules.param(x.name, ctxi)
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
            has, years, atom = rules.param(f.schedule, ctxi)
            years = np.where(has, np.maximum(years, 1), 1)
            amount = amount * years
            self.out.instalments[rows] = years
            tr["sched"] = np.where(has, atom, 0).astype(np.uint32)
        fail(elig & (amount <= 0), REASON_INDEX["zero_amount"], cs.atom_index[f"reason:zero_amount:{rule.clause}"])
        amount = np.where(elig, amount, 0)
        self._store(rows, elig, reason, amount, tr)

    def _store(
        self, rows: np.ndarray, elig: np.ndarray, reason: np.ndarray, amount: np.ndarray, tr: dict[str, np.ndarray]
    ) -> None:
        self.out.eligible[rows] = elig
        self.out.reason[rows] = reason
        self.out.amount[rows] = amount
        for k, v in tr.items():
            self.out.trace[k][rows] = v


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
