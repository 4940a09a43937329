"""Every golden case of every shipped set, through the vectorised engine and the per-row reference
evaluator; and every clause a set relies on is exercised by some case."""

from __future__ import annotations

import pytest

from gongjiang.policy.compiled import compile_set
from gongjiang.policy.golden import GoldenCase, read_cases, run_cases
from gongjiang.policy.parsing import read_documents, read_set, shipped_sets

DOCS = read_documents()


@pytest.mark.parametrize("engine", ["vectorised", "reference"])
@pytest.mark.parametrize("name", shipped_sets())
def test_golden_cases_pass(name: str, engine: str) -> None:
    spec = read_set(name, documents=DOCS)
    cases, _ = read_cases(name)
    results = run_cases(compile_set(spec, DOCS), cases, engine=engine)
    failures = [f"{r.case.name}: {f}" for r in results for f in r.failures]
    assert not failures, "\n".join(failures)
    assert len(results) >= 5


@pytest.mark.parametrize("name", shipped_sets())
def test_golden_cases_cover_every_clause_of_the_set(name: str) -> None:
    """Bounds checked when a set is loaded (``*_limit`` parameters) are covered by the loading tests."""
    spec = read_set(name, documents=DOCS)
    cases, _ = read_cases(name)
    results = run_cases(compile_set(spec, DOCS), cases)
    cited = set().union(*(r.clauses for r in results))
    load_checked = {p.clause for p in spec.params if p.name.endswith("_limit")}
    missing = spec.clauses_used() - cited - load_checked
    assert not missing, f"{name}: no golden case cites {sorted(missing)}"
    declared = {c for case in cases for c in case.covers}
    assert declared <= cited, f"{name}: cases claim to cover {sorted(declared - cited)} but do not cite them"


def test_the_golden_runner_reports_a_wrong_expectation() -> None:
    spec = read_set("jiangsu", documents=DOCS)
    case = GoldenCase(
        name="wrong on purpose",
        events=(
            {
                "event_id": "e1",
                "event_type": "training_certificate",
                "event_date": "2025-03-01",
                "region_code": "320102",
                "person_id": 1,
                "occupation_code": "6-18-02-04",
                "level": "level1",
                "tier": "A",
            },
        ),
        history=(),
        expect=({"event_id": "e1", "amount_fen": 430001, "reason": "max_trainings", "clauses": ["JS-2025-32 要点1"]},),
    )
    (result,) = run_cases(compile_set(spec, DOCS), [case])
    assert result.failures == [
        "e1: reason = 'ok', expected 'max_trainings'",
        "e1: amount_fen = 430000, expected 430001",
        "e1: clauses ['苏人社（2023，市级通知转述） 标准表'] != expected ['苏人社函〔2025〕32号 要点1']",
    ]
