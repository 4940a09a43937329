"""Golden cases: small populations of events with the results the rules must give, per policy set.

A case lists ``events`` (and optionally ``history``), the ``expect``ed result per event (any of
``eligible``, ``reason``, ``amount_fen``, ``instalments``, ``instalment_fen``, ``clauses``,
``trace_text``) and the clauses it ``covers``. Each case is evaluated on its own. The load command
refuses a set whose cases fail; the test suite runs every case through both the vectorised engine and
the per-row reference evaluator and checks that every clause the set uses is covered by some case.

The cases of a set are in ``<name>_cases.yaml`` beside it; :func:`read_cases` reads them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from gongjiang.policy.compiled import REASON_CODES, CompiledSet
from gongjiang.policy.engine import evaluate_compiled
from gongjiang.policy.formulas import FORMULAS
from gongjiang.policy.inputs import PolicyInputError, frame_from_records
from gongjiang.policy.normalise import normalise_events
from gongjiang.policy.reference import RowEvaluator, rows_from_frame
from gongjiang.policy.results import TRACE_FIELDS, render_results
from gongjiang.policy.spec import SETS_DIR, SpecError

EXPECT_KEYS = ("eligible", "reason", "amount_fen", "instalments", "instalment_fen", "clauses", "trace_text")


@dataclass(frozen=True)
class GoldenCase:
    name: str
    events: tuple[dict[str, Any], ...]
    history: tuple[dict[str, Any], ...]
    expect: tuple[dict[str, Any], ...]
    covers: tuple[str, ...] = ()


def cases_path(name: str, directory: Path = SETS_DIR) -> Path:
    return directory / f"{name}_cases.yaml"


def read_cases(name: str, directory: Path = SETS_DIR) -> tuple[list[GoldenCase], str]:
    path = cases_path(name, directory)
    if not path.is_file():
        raise SpecError([f"{path.name}: missing: every policy set ships golden cases"])
    text = path.read_text(encoding="utf-8")
    raw = yaml.safe_load(text) or {}
    if raw.get("policy_set") != name:
        raise SpecError([f"{path.name}: policy_set must be {name!r}"])
    cases = []
    errors = []
    for i, c in enumerate(raw.get("cases") or [], start=1):
        title = str(c.get("name") or f"case {i}")
        if not c.get("events") or not c.get("expect"):
            errors.append(f"{path.name}: case {i} ({title}): needs events and expect")
            continue
        cases.append(
            GoldenCase(
                name=title,
                events=tuple(dict(e) for e in c["events"]),
                history=tuple(dict(e) for e in c.get("history") or ()),
                expect=tuple(dict(e) for e in c["expect"]),
                covers=tuple(str(x) for x in c.get("covers") or ()),
            )
        )
    if errors:
        raise SpecError(errors)
    return cases, hashlib.sha256(text.encode()).hexdigest()


@dataclass
class CaseResult:
    case: GoldenCase
    failures: list[str] = field(default_factory=list)
    clauses: set[str] = field(default_factory=set)  # clause keys cited by the results

    @property
    def ok(self) -> bool:
        return not self.failures


def run_case(cs: CompiledSet, case: GoldenCase, *, engine: str = "vectorised") -> CaseResult:
    result = CaseResult(case)
    try:
        events = frame_from_records(list(case.events))
        history = frame_from_records(list(case.history), history=True) if case.history else None
        if engine == "vectorised":
            out = evaluate_compiled(events, cs, history=history)
        else:
            out = reference_results(events, cs, history=history)
    except PolicyInputError as exc:
        result.failures.append(f"input error: {exc}")
        return result
    by_id = {row["event_id"]: row for row in out.iter_rows(named=True)}
    formal_to_key = {v[0]: k for k, v in cs.citations.items()}
    for row in out.iter_rows(named=True):
        result.clauses.update(formal_to_key.get(c, c) for c in row["clauses"] or [])
    for exp in case.expect:
        eid = str(exp.get("event_id"))
        got = by_id.get(eid)
        if got is None:
            result.failures.append(f"{eid}: no such event in the case")
            continue
        for key in EXPECT_KEYS:
            if key not in exp:
                continue
            want = exp[key]
            have = got[key]
            if key == "reason":
                have = str(have)
            if key == "clauses":
                want_set = {cs.formal(c) if c in cs.citations else c for c in want}
                if set(have or []) != want_set:
                    result.failures.append(f"{eid}: clauses {sorted(have or [])} != expected {sorted(want_set)}")
                continue
            if have != want:
                result.failures.append(f"{eid}: {key} = {have!r}, expected {want!r}")
    return result


def run_cases(cs: CompiledSet, cases: list[GoldenCase], *, engine: str = "vectorised") -> list[CaseResult]:
    return [run_case(cs, c, engine=engine) for c in cases]


def reference_results(events: pl.DataFrame, cs: CompiledSet, *, history: pl.DataFrame | None = None) -> pl.DataFrame:
    """The per-row reference evaluator's results in the engine's output shape (for the golden tests)."""
    frame, nh = normalise_events(events, history)
    hist_rows, rows = rows_from_frame(frame, nh)
    res = RowEvaluator(cs).run(rows, hist_rows)
    ev = frame.slice(nh)
    trace = pl.DataFrame({f: np.array([r["trace"][f] for r in res], dtype=np.uint32) for f in TRACE_FIELDS}).to_struct(
        "trace"
    )
    amount = [int(r["amount"]) if r["eligible"] else 0 for r in res]
    inst = [int(r["instalments"]) for r in res]
    out = pl.DataFrame(
        {
            "event_id": ev["event_id"],
            "event_type": ev["event_type"],
            "eligible": [bool(r["eligible"]) for r in res],
            "reason": [REASON_CODES[r["reason"]] for r in res],
            "amount_fen": pl.Series(amount, dtype=pl.Int64),
            "instalments": pl.Series(inst, dtype=pl.Int64),
            "instalment_fen": pl.Series([a // i for a, i in zip(amount, inst, strict=True)], dtype=pl.Int64),
            "base_fen": pl.Series([int(r["base"]) for r in res], dtype=pl.Int64),
            "quantity": pl.Series([r["quantity"] for r in res], dtype=pl.Int64),
            "payee": [FORMULAS[e["event_type"]].payee for e in rows],
            "trace": trace,
        }
    )
    return render_results(out, cs)


def summarise(results: list[CaseResult]) -> dict[str, Any]:
    return {
        "cases": len(results),
        "failed": sum(1 for r in results if not r.ok),
        "failures": [f"{r.case.name}: {f}" for r in results for f in r.failures],
    }
