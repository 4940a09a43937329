"""The pure results: severity correction, disagreement flags, the 700 scale, tie-breaks, medals."""

from __future__ import annotations

import statistics
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from gongjiang.competitions.rules import MarkRow, compute_results, corrected_judgements


def _m(p: int, j: int, a: int, kind: str, value: float, mx: float = 10.0, person: int | None = None) -> MarkRow:
    return MarkRow(p, person if person is not None else 100 + p, j, a, kind, mx, value)


def test_a_severe_judge_is_corrected_to_the_pool() -> None:
    # Judge 1 marks the three participants 8, 6, 4; judge 2 (severe) 6, 4, 2: the same order, two points lower.
    marks = [_m(p, 1, 1, "judgement", v) for p, v in ((1, 8), (2, 6), (3, 4))]
    marks += [_m(p, 2, 1, "judgement", v) for p, v in ((1, 6), (2, 4), (3, 2))]
    fixed = corrected_judgements(marks)
    # After correction both judges give each participant the same mark.
    for p in (1, 2, 3):
        assert abs(fixed[(p, 1, 1)] - fixed[(p, 2, 1)]) < 1e-9
    # Corrected marks keep the pooled mean (5.0).
    assert abs(statistics.fmean(fixed.values()) - 5.0) < 1e-9


def test_measurement_marks_are_used_as_they_are() -> None:
    marks = [_m(1, 1, 1, "measurement", 9.5), _m(2, 1, 1, "measurement", 3.0)]
    results = compute_results(marks, spread=30, recognised_ranks=1)
    assert [r.measurement for r in results] == [9.5, 3.0]
    assert [r.total for r in results] == [9.5, 3.0]


def test_scale_has_median_700_and_sd_20() -> None:
    marks = [_m(p, 1, 1, "measurement", v) for p, v in ((1, 2), (2, 4), (3, 6), (4, 8), (5, 10))]
    results = compute_results(marks, spread=30, recognised_ranks=3)
    scores = sorted(float(r.score) for r in results)
    assert scores[2] == 700.0
    assert abs(statistics.pstdev(scores) - 20.0) < 0.01
    assert [r.rank for r in results] == [1, 2, 3, 4, 5]
    assert [r.medal for r in results] == ["gold", "silver", "bronze", "", ""]
    assert [r.recognised for r in results] == [True, True, True, False, False]


def test_equal_totals_are_700_and_broken_by_measurement_then_person() -> None:
    # Equal totals: participant 1 has more measurement marks than 2; 3 and 4 are equal in everything.
    marks = [
        _m(1, 1, 1, "measurement", 6.0, person=40),
        _m(1, 1, 2, "measurement", 0.0, person=40),
        _m(2, 1, 1, "measurement", 2.0, person=30),
        _m(3, 1, 1, "measurement", 3.0, person=20),
        _m(4, 1, 1, "measurement", 3.0, person=10),
    ]
    # Participant 2: 2 measurement + 4 judgement; 3 and 4: 3 measurement + 3 judgement (one judge, no shift).
    marks += [_m(2, 1, 3, "judgement", 4.0, person=30), _m(3, 1, 3, "judgement", 3.0, person=20)]
    marks += [_m(4, 1, 3, "judgement", 3.0, person=10), _m(1, 1, 3, "judgement", 0.0, person=40)]
    results = compute_results(marks, spread=30, recognised_ranks=1)
    # Judgement (one judge): 0, 4, 3, 3 → shares shift by nothing (the judge is the pool); totals all 6.
    assert {float(r.score) for r in results} == {700.0}
    assert [r.participant_id for r in results] == [1, 4, 3, 2]
    assert results[0].score == Decimal("700.00")


def test_disagreement_beyond_the_spread_is_flagged() -> None:
    marks = [_m(1, 1, 1, "judgement", 9), _m(1, 2, 1, "judgement", 5)]  # 4 apart: 40% of 10
    marks += [_m(2, 1, 1, "judgement", 6), _m(2, 2, 1, "judgement", 5)]  # 1 apart
    results = {r.participant_id: r for r in compute_results(marks, spread=30, recognised_ranks=0)}
    assert results[1].flagged and results[1].flagged_aspects == [1]
    assert not results[2].flagged
    assert not any(r.recognised for r in results.values())


def test_same_input_same_order() -> None:
    marks = [_m(p, j, 1, "judgement", (p * 7 + j * 3) % 10) for p in range(1, 9) for j in (1, 2, 3)]
    first = [(r.participant_id, r.score) for r in compute_results(marks, spread=50, recognised_ranks=3)]
    again = [(r.participant_id, r.score) for r in compute_results(list(reversed(marks)), spread=50, recognised_ranks=3)]
    assert first == again


@given(
    st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=25),
    st.integers(min_value=0, max_value=5),
)
def test_ranks_are_a_permutation_ordered_by_score(values: list[int], recognised: int) -> None:
    marks = [_m(p, 1, 1, "measurement", float(v), mx=100.0) for p, v in enumerate(values, start=1)]
    results = compute_results(marks, spread=30, recognised_ranks=recognised)
    assert [r.rank for r in results] == list(range(1, len(values) + 1))
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True)
    if len(values) % 2 == 1:
        assert Decimal("700.00") in scores  # the median participant
    assert sum(r.recognised for r in results) == min(recognised, len(values))
