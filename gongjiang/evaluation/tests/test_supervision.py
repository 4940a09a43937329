"""Supervision rules at their boundaries: stars by tenure, the draw's uniform share and its seed."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest

from gongjiang.evaluation import rules

D = datetime.date


@pytest.mark.parametrize(
    ("grades", "on", "stars"),
    [
        ({}, D(2030, 1, 1), 0),
        ({2021: "good"}, D(2022, 6, 1), 0),  # one good year: no star yet
        ({2021: "good", 2022: "good"}, D(2022, 12, 31), 0),  # the second year's grade counts from 1 January
        ({2021: "good", 2022: "good"}, D(2023, 1, 1), 1),
        ({2021: "good", 2022: "good", 2023: "good"}, D(2024, 1, 1), 1),
        ({2021: "good", 2022: "good", 2023: "good", 2024: "good"}, D(2025, 1, 1), 2),
        ({2021: "good", 2022: "fair", 2023: "good"}, D(2024, 1, 1), 0),  # a fair year ends the run
        ({2021: "good", 2022: "good", 2023: "fair"}, D(2024, 1, 1), 1),  # … but keeps the star
        ({2021: "good", 2022: "good", 2023: "poor"}, D(2024, 1, 1), 0),  # a poor year costs a star
        ({2021: "poor"}, D(2022, 1, 1), 0),  # never below zero
        ({y: "good" for y in range(2010, 2020)}, D(2020, 1, 1), 5),
        ({y: "good" for y in range(2010, 2022)}, D(2022, 1, 1), 5),  # capped at five
    ],
)
def test_stars_follow_the_tenure_rule(grades: dict[int, str], on: datetime.date, stars: int) -> None:
    assert rules.stars_on(grades, [], on) == stars


def test_a_serious_finding_takes_every_star_on_its_day() -> None:
    grades = {y: "good" for y in range(2016, 2024)}  # four stars from 2024-01-01
    finding = D(2024, 5, 20)
    assert rules.stars_on(grades, [finding], D(2024, 5, 19)) == 4
    assert rules.stars_on(grades, [finding], D(2024, 5, 20)) == 0
    # The run starts again after it: two more good years for the next star.
    later = {**grades, 2024: "fair", 2025: "good", 2026: "good"}
    assert rules.stars_on(later, [finding], D(2026, 12, 31)) == 0
    assert rules.stars_on(later, [finding], D(2027, 1, 1)) == 1
    # A finding on 1 January comes after that day's grade.
    assert rules.stars_on({2022: "good", 2023: "good"}, [D(2024, 1, 1)], D(2024, 1, 1)) == 0


def _risks(n: int, hot: int = 0) -> dict[int, float]:
    return {i: (0.9 if i < hot else 0.05) for i in range(1, n + 1)}


def test_the_draw_keeps_its_uniform_share_and_is_reproducible() -> None:
    risks = _risks(200, hot=20)
    a = rules.draw(risks, count=30, uniform_share=0.3, seed=2026, inspectors=list(range(100, 110)), inspectors_each=2)
    b = rules.draw(risks, count=30, uniform_share=0.3, seed=2026, inspectors=list(range(100, 110)), inspectors_each=2)
    assert a == b
    assert len(a) == 30 and len({d.institution for d in a}) == 30
    assert Counter(d.stratum for d in a) == {"uniform": 9, "risk": 21}
    assert all(len(set(d.inspectors)) == 2 for d in a)
    c = rules.draw(risks, count=30, uniform_share=0.3, seed=2027, inspectors=list(range(100, 110)), inspectors_each=2)
    assert a != c


def test_the_uniform_share_does_not_depend_on_the_risk_scores() -> None:
    flat, skewed = _risks(200), _risks(200, hot=50)
    for seed in range(20):
        one = rules.draw(flat, count=40, uniform_share=0.25, seed=seed, inspectors=[1, 2], inspectors_each=1)
        two = rules.draw(skewed, count=40, uniform_share=0.25, seed=seed, inspectors=[1, 2], inspectors_each=1)
        assert [d.institution for d in one if d.stratum == "uniform"] == [
            d.institution for d in two if d.stratum == "uniform"
        ]


def test_uniform_inclusion_is_even_and_risk_inclusion_follows_the_score() -> None:
    risks = _risks(100, hot=10)
    uniform_hot = risk_hot = uniform_all = risk_all = 0
    for seed in range(400):
        for d in rules.draw(risks, count=20, uniform_share=0.5, seed=seed, inspectors=[1], inspectors_each=1):
            hot = d.institution <= 10
            if d.stratum == "uniform":
                uniform_all += 1
                uniform_hot += hot
            else:
                risk_all += 1
                risk_hot += hot
    # Uniform: a tenth of the picks are among the ten hot institutions (binomial, 4000 picks).
    assert 0.08 < uniform_hot / uniform_all < 0.12
    # Risk-weighted: the hot ones (weight 0.95 against 0.10) take far more than a tenth.
    assert risk_hot / risk_all > 0.3


def test_risk_score_weights_are_stated_and_bounded() -> None:
    assert abs(sum(rules.RISK_WEIGHTS.values()) - 1) < 1e-9
    top = rules.risk_score(
        pass_gap_sd=5,
        candidates=10,
        conflicts=10,
        plans=2,
        late_plans=2,
        minor_findings=0,
        serious_findings=3,
        objections=5,
    )
    assert top.score == 1.0
    none = rules.risk_score(
        pass_gap_sd=None,
        candidates=0,
        conflicts=0,
        plans=0,
        late_plans=0,
        minor_findings=0,
        serious_findings=0,
        objections=0,
    )
    assert none.score == 0.0


@pytest.mark.parametrize(
    ("minor", "serious", "suspensions", "upheld", "score"),
    [
        (0, 0, 0, 0, 100),
        (1, 0, 0, 0, 95),
        (0, 1, 0, 0, 80),
        (0, 0, 1, 0, 85),
        (0, 0, 0, 3, 94),
        (2, 2, 2, 5, 10),
        (1, 4, 1, 0, 0),
    ],
)
def test_credit_score_deductions(minor: int, serious: int, suspensions: int, upheld: int, score: int) -> None:
    assert rules.credit_score(minor=minor, serious=serious, suspensions=suspensions, upheld_objections=upheld) == score
