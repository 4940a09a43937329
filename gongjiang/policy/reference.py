"""The same rules evaluated one event at a time in plain Python: the engine's oracle and its baseline.

Nothing here is shared with the vectorised engine except the compiled set itself (the values, the
table rows and the trace atoms): parameters are resolved by walking the region fallback chain per
event, decision tables by testing each row's conditions in order, and the stateful limits by loops over
the events in order of person, date and position. Tests check that both give identical results; the
benchmark measures how much faster the vectorised engine is.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

import polars as pl

from gongjiang.policy.arrays import MISSING_DAY
from gongjiang.policy.compiled import REASON_INDEX, CompiledSet
from gongjiang.policy.formulas import EVENT_TYPES, FORMULAS, HIGH_SKILLED_RANK, LEVELS, Formula
from gongjiang.policy.results import TRACE_FIELDS


def _round(x: int, num: int, den: int, mode: str) -> int:
    return (x * num) // den if mode == "down" else (x * num + den // 2) // den


def _months(start: int, end: int) -> int:
    if start == MISSING_DAY:
        return -1
    s = datetime.date(1970, 1, 1) + datetime.timedelta(days=start)
    e = datetime.date(1970, 1, 1) + datetime.timedelta(days=end)
    return (e.year - s.year) * 12 + e.month - s.month - (1 if e.day < s.day else 0)


class RowEvaluator:
    def __init__(self, cs: CompiledSet):
        self.cs = cs

    # -- one event ----------------------------------------------------------------------------
    def table(self, name: str, region: str, day: int, values: dict[str, Any]) -> tuple[bool, Any, Any]:
        """(found, variant, row or None)."""
        v = self.cs.resolve_table(name, region, day)
        if v < 0:
            return False, None, None
        tv = self.cs.tables[name][v]
        r = tv.lookup_combo(values)
        return True, tv, (r if r >= 0 else None)

    def one(self, e: dict[str, Any]) -> dict[str, Any]:
        cs = self.cs
        et = e["event_type"]
        f: Formula = FORMULAS[et]
        region = f"{e['region_code']:06d}"
        day = e["day"]
        res: dict[str, Any] = {
            "eligible": True,
            "reason": 0,
            "amount": 0,
            "instalments": 1,
            "base": 0,
            "quantity": None,
            "trace": dict.fromkeys(TRACE_FIELDS, 0),
            "limits": {},
        }
        tr = res["trace"]

        def fail(reason: int, atom: int) -> None:
            if res["eligible"]:
                res["eligible"] = False
                res["reason"] = reason
                tr["reason"] = atom

        if not cs.in_region(region):
            fail(REASON_INDEX["outside_region"], cs.atom_index[f"reason:outside_region:：{cs.spec.region}"])
        rule = cs.spec.rules.get(et)
        if rule is None:
            fail(REASON_INDEX["not_in_set"], cs.atom_index["reason:not_in_set:"])
            return res
        not_in_force = cs.atom_index[f"reason:not_in_force:{rule.clause}"]
        need_tables = [f.base.name] if f.base.kind == "table" else []
        need_params = [f.base.name] if f.base.kind == "param" else []
        need_tables += [x.name for x in f.factors if x.required and x.kind.endswith("_table")]
        need_params += [x.name for x in f.factors if x.required and x.kind.endswith("_param")]
        need_params += [c.name for c in f.checks if c.required and c.kind in ("min_months", "param")]
        if f.schedule:
            need_params.append(f.schedule)
        if any(cs.resolve_table(t, region, day) < 0 for t in need_tables) or any(
            cs.resolve_param(p, region, day) is None for p in need_params
        ):
            fail(REASON_INDEX["not_in_force"], not_in_force)

        values = {
            "level": e["level"],
            "tier": e["tier"],
            "talent_title": e["talent_title"],
            "shortage": e["shortage"],
            "digital": e["digital"],
            "hukou_local": e["hukou_local"],
            "designated": e["designated"],
            "student": e["student"],
            "class_hours": e["class_hours"],
            "insured_months": e["insured_months"],
            "headcount": e["headcount"],
            "occ_major": e["occupation_code"][0] if e["occupation_code"] else None,
            "occ_medium": e["occupation_code"][:4] if e["occupation_code"] else None,
        }
        if f.derive_tier and values["tier"] is None:
            found, tv, r = self.table("tier_by_occupation", region, day, values)
            if found and r is not None:
                values["tier"] = tv.spec.rows[r].outputs["tier"]
                tr["tier"] = int(tv.row_atom[r])
            else:
                fail(REASON_INDEX["not_in_force"], not_in_force)

        b = f.base
        base = 0
        if b.kind == "table":
            found, tv, r = self.table(b.name, region, day, values)
            if found and r is None:
                fail(tv.unmatched_reason, tv.unmatched_atom)
            elif found:
                row = tv.spec.rows[r]
                tr["base"] = int(tv.row_atom[r]) if row.eligible else 0
                if not row.eligible:
                    fail(int(tv.row_reason[r]), int(tv.row_atom[r]))
                base = int(row.outputs.get(b.output, 0))
                if b.multiplier:
                    count = max(e[b.multiplier] or 0, 0)
                    base *= count
                    res["quantity"] = count
        elif b.kind == "param":
            pv = cs.resolve_param(b.name, region, day)
            if pv is not None:
                base, tr["base"] = pv.value, pv.atom
        else:
            base = max(e[b.name] or 0, 0)
            tr["base"] = cs.atom_index[f"input:{et}"]
        res["base"] = base

        for c in f.checks:
            if c.kind == "table":
                found, tv, r = self.table(c.name, region, day, values)
                if found and r is not None:
                    fail(int(tv.row_reason[r]), int(tv.row_atom[r]))
            elif c.kind == "high_skilled":
                if e["level_rank"] < HIGH_SKILLED_RANK:
                    fail(REASON_INDEX[c.reason], cs.atom_index[f"reason:{c.reason}:{rule.clause}"])
            elif c.kind == "min_months":
                pv = cs.resolve_param(c.name, region, day)
                if pv is not None and _months(e["work_start_day"], day) < pv.value:
                    fail(REASON_INDEX[c.reason], pv.refusal_atom)
            elif c.kind == "flag":
                if not e[c.name]:
                    fail(REASON_INDEX[c.reason], cs.atom_index[f"reason:{c.reason}:{rule.clause}"])

        amount = base
        for slot, x in zip(("f1", "f2", "f3"), f.factors, strict=False):
            if x.kind.endswith("_param"):
                pv = cs.resolve_param(x.name, region, day)
                has, v, atom = pv is not None, (pv.value if pv else 0), (pv.atom if pv else 0)
            else:
                found, tv, r = self.table(x.name, region, day, values)
                has, v, atom = False, 0, 0
                if found and r is None and x.required:
                    fail(tv.unmatched_reason, tv.unmatched_atom)
                elif found and r is not None:
                    row = tv.spec.rows[r]
                    if not row.eligible:
                        fail(int(tv.row_reason[r]), int(tv.row_atom[r]))
                    else:
                        has, v, atom = True, int(row.outputs.get(x.output, 0)), int(tv.row_atom[r])
            if x.kind.startswith("plus"):
                v = v if has else 0
                amount = _round(amount, 10000 + v, 10000, rule.rounding)
                tr[slot] = atom if has and (v != 0 or x.kind == "plus_param") else 0
            else:
                if has:
                    amount = _round(amount, v, 10000, rule.rounding)
                tr[slot] = atom if has else 0
        if rule.rounding_to == "yuan":
            amount = (amount // 100) * 100 if rule.rounding == "down" else ((amount + 50) // 100) * 100
        if f.schedule:
            pv = cs.resolve_param(f.schedule, region, day)
            years = max(pv.value, 1) if pv else 1
            amount *= years
            res["instalments"] = years
            tr["sched"] = pv.atom if pv else 0
        if res["eligible"] and amount <= 0:
            fail(REASON_INDEX["zero_amount"], cs.atom_index[f"reason:zero_amount:{rule.clause}"])
        res["amount"] = amount if res["eligible"] else 0
        limit_names = [
            f"{et}.max_per_person",
            f"{et}.max_per_org_year",
            f"{et}.quota_per_region_year",
            f"{et}.cap_per_person",
        ]
        if f.training:
            limit_names += ["same_occupation_level_once", "max_subsidised_trainings"]
        for name in limit_names:
            pv = cs.resolve_param(name, region, day)
            if pv is not None:
                res["limits"][name] = pv
        return res

    # -- all events ---------------------------------------------------------------------------
    def run(self, events: list[dict[str, Any]], history: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        hist = history or []
        rows = [*hist, *events]
        nh = len(hist)
        results: list[dict[str, Any]] = []
        for i, e in enumerate(rows):
            if i < nh:
                results.append(
                    {
                        "eligible": True,
                        "reason": 0,
                        "amount": e["amount_fen"],
                        "instalments": 1,
                        "base": 0,
                        "quantity": None,
                        "trace": dict.fromkeys(TRACE_FIELDS, 0),
                        "limits": {},
                        "hist": True,
                    }
                )
            else:
                r = self.one(e)
                r["hist"] = False
                results.append(r)
        self._stateful(rows, results)
        return results[nh:]

    def _refuse(self, r: dict[str, Any], reason: str, atom: int) -> None:
        r["eligible"] = False
        r["reason"] = REASON_INDEX[reason]
        r["trace"]["reason"] = atom
        r["amount"] = 0

    def _stateful(self, rows: list[dict[str, Any]], res: list[dict[str, Any]]) -> None:
        order = sorted(
            (i for i, e in enumerate(rows) if e["person_id"] is not None),
            key=lambda i: (rows[i]["person_key"], rows[i]["day"], i),
        )
        # 1. same occupation and level once
        seen: set[tuple[Any, ...]] = set()
        for i in order:
            e, r = rows[i], res[i]
            if not (FORMULAS[e["event_type"]].training and r["eligible"]):
                continue
            if e["occupation_code"] is None or e["level"] is None:
                continue
            key = (e["person_key"], e["occupation_code"], e["level"])
            if key in seen:
                pv = r["limits"].get("same_occupation_level_once")
                if pv is not None and not r["hist"]:
                    self._refuse(r, "same_occupation_level", pv.refusal_atom)
            else:
                seen.add(key)
        # 2. at most N subsidised trainings
        count: dict[Any, int] = defaultdict(int)
        for i in order:
            e, r = rows[i], res[i]
            if not (FORMULAS[e["event_type"]].training and r["eligible"]):
                continue
            pv = r["limits"].get("max_subsidised_trainings")
            if pv is not None and not r["hist"] and count[e["person_key"]] >= pv.value:
                self._refuse(r, "max_trainings", pv.refusal_atom)
            else:
                count[e["person_key"]] += 1
        for et in EVENT_TYPES:
            name = f"{et}.max_per_person"
            count = defaultdict(int)
            for i in order:
                e, r = rows[i], res[i]
                if e["event_type"] != et or not r["eligible"]:
                    continue
                pv = r["limits"].get(name)
                if pv is not None and not r["hist"] and count[e["person_key"]] >= pv.value:
                    self._refuse(r, "max_per_person", pv.refusal_atom)
                else:
                    count[e["person_key"]] += 1
            name = f"{et}.max_per_org_year"
            org_rows = sorted(
                (
                    i
                    for i, e in enumerate(rows)
                    if e["event_type"] == et and e["org_id"] is not None and res[i]["eligible"]
                ),
                key=lambda i: (rows[i]["org_key"], rows[i]["year"], rows[i]["day"], i),
            )
            count = defaultdict(int)
            for i in org_rows:
                e, r = rows[i], res[i]
                pv = r["limits"].get(name)
                k = (e["org_key"], e["year"])
                if pv is not None and not r["hist"] and count[k] >= pv.value:
                    self._refuse(r, "max_per_org_year", pv.refusal_atom)
                else:
                    count[k] += 1
            name = f"{et}.quota_per_region_year"

            def quota_region(i: int, name: str = name) -> int:
                pv = res[i]["limits"].get(name)
                return int(pv.spec.region) if pv is not None else int(rows[i]["region_code"])

            q_rows = sorted(
                (i for i, e in enumerate(rows) if e["event_type"] == et and res[i]["eligible"]),
                key=lambda i: (quota_region(i), rows[i]["year"], rows[i]["day"], i),
            )
            count = defaultdict(int)
            for i in q_rows:
                e, r = rows[i], res[i]
                pv = r["limits"].get(name)
                k = (quota_region(i), e["year"])
                if pv is not None and not r["hist"] and count[k] >= pv.value:
                    self._refuse(r, "quota_exceeded", pv.refusal_atom)
                else:
                    count[k] += 1
            name = f"{et}.cap_per_person"
            total: dict[Any, int] = defaultdict(int)
            for i in order:
                e, r = rows[i], res[i]
                if e["event_type"] != et or not r["eligible"]:
                    continue
                pv = r["limits"].get(name)
                amount = r["amount"]
                if pv is None or r["hist"]:
                    total[e["person_key"]] += amount
                    continue
                paid = max(0, min(amount, pv.value - total[e["person_key"]]))
                total[e["person_key"]] += paid
                if paid == 0 and amount > 0:
                    self._refuse(r, "cap_reached", pv.refusal_atom)
                elif paid < amount:
                    r["trace"]["cap"] = pv.atom
                    r["amount"] = paid


def rows_from_frame(frame: Any, nh: int = 0) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Plain dicts from the engine's normalised frame (what a per-row implementation would read)."""
    df = frame.with_columns(
        day=pl.col("event_date").cast(pl.Int64),
        year=pl.col("event_date").dt.year().cast(pl.Int64),
        work_start_day=pl.col("work_start").cast(pl.Int64).fill_null(MISSING_DAY),
        occupation_code=pl.col("occupation_code").cast(pl.String),
        event_type=pl.col("event_type").cast(pl.String),
        level=pl.col("level").cast(pl.String),
        tier=pl.col("tier").cast(pl.String),
        talent_title=pl.col("talent_title").cast(pl.String),
    )
    out = []
    for e in df.iter_rows(named=True):
        e["level_rank"] = LEVELS.index(e["level"]) if e["level"] else -1
        e["person_key"] = e["person_id"]
        e["org_key"] = e["org_id"]
        for c in ("shortage", "digital", "hukou_local", "designated", "student"):
            e[c] = bool(e[c])
        out.append(e)
    return out[:nh], out[nh:]
