"""The season scorer (arrays) against the row-by-row reference, and severity correction on simulated marks
with known judge biases."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import polars as pl
import pytest

from gongjiang.competitions.rules import MarkRow, compute_results, corrected_judgements, score_season, two


def _season(seed: int, competitions: int = 12) -> tuple[list[MarkRow], dict[int, tuple[int, int]], dict[int, int]]:
    """Random competitions: a few participants (some with equal marks), judges (one with a single mark in
    some), measurement and judgement aspects, marks with two decimals, some cells left out."""
    rng = np.random.default_rng(seed)
    rows: list[MarkRow] = []
    params: dict[int, tuple[int, int]] = {}
    comp_of: dict[int, int] = {}
    pid = jid = aid = 0
    for c in range(1, competitions + 1):
        params[c] = (int(rng.integers(5, 60)), int(rng.integers(0, 6)))
        n_people, n_judges = int(rng.integers(1, 25)), int(rng.integers(1, 6))
        aspects = []
        for _ in range(int(rng.integers(1, 5))):
            aid += 1
            aspects.append(
                (aid, "judgement" if rng.random() < 0.6 else "measurement", float(rng.choice([10, 20, 40, 100])))
            )
        judges = list(range(jid + 1, jid + n_judges + 1))
        jid += n_judges
        coarse = rng.random() < 0.3  # integer marks: ties everywhere
        for _ in range(n_people):
            pid += 1
            comp_of[pid] = c
            person = int(rng.integers(1, 10**6))
            for a, kind, mx in aspects:
                for j in judges:
                    if rng.random() < 0.15:
                        continue
                    value = float(rng.integers(0, int(mx) + 1)) if coarse else round(float(rng.uniform(0, mx)), 2)
                    rows.append(MarkRow(pid, person, j, a, kind, mx, value))
    return rows, params, comp_of


def _frames(
    rows: list[MarkRow], params: dict[int, tuple[int, int]], comp_of: dict[int, int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    marks = pl.DataFrame(
        {
            "competition": [comp_of[r.participant_id] for r in rows],
            "participant": [r.participant_id for r in rows],
            "person": [r.person_id for r in rows],
            "judge": [r.judge_id for r in rows],
            "aspect": [r.aspect_id for r in rows],
            "judgement": [r.kind == "judgement" for r in rows],
            "max_mark": [r.max_mark for r in rows],
            "value": [r.value for r in rows],
        },
        schema={"competition": pl.Int64, "participant": pl.Int64, "person": pl.Int64, "judge": pl.Int64,
                "aspect": pl.Int64, "judgement": pl.Boolean, "max_mark": pl.Float64, "value": pl.Float64},
    )  # fmt: skip
    comps = pl.DataFrame(
        {"competition": list(params), "spread": [s for s, _ in params.values()],
         "recognised_ranks": [r for _, r in params.values()]},
    )  # fmt: skip
    return marks, comps


@pytest.mark.parametrize(("seed", "chunk"), [(s, 1 << 16) for s in range(6)] + [(6, 300), (7, 1)])
def test_the_season_scorer_gives_exactly_the_reference_results(seed: int, chunk: int) -> None:
    """Also in pieces of whole competitions (``chunk`` marks), and with the marks shuffled out of their
    competitions' order (a stable sort groups them again)."""
    rows, params, comp_of = _season(seed)
    comps_with_marks = {comp_of[r.participant_id] for r in rows}
    marks, comps = _frames(rows, params, comp_of)
    if chunk == 1:  # interleave the competitions, each one's marks still in their order
        position = pl.int_range(pl.len()).over("competition").alias("position")
        marks = marks.with_columns(position).sort("position", "competition", maintain_order=True).drop("position")
        assert not marks["competition"].is_sorted()
    results, flags = score_season(marks, comps, chunk=chunk)
    assert results["competition"].is_sorted()
    flagged: dict[int, list[int]] = {}
    for p, a in flags.sort("participant", "aspect").iter_rows():
        flagged.setdefault(p, []).append(a)
    got = {row["participant"]: row for row in results.iter_rows(named=True)}
    compared = 0
    for comp in sorted(comps_with_marks):
        spread, ranks = params[comp]
        reference = compute_results(
            [r for r in rows if comp_of[r.participant_id] == comp], spread=spread, recognised_ranks=ranks
        )
        for ref in reference:
            row = got[ref.participant_id]
            assert row["competition"] == comp
            assert row["total"] == ref.total and row["measurement"] == ref.measurement
            assert Decimal(row["score_h"]).scaleb(-2) == ref.score
            assert Decimal(row["measurement_h"]).scaleb(-2) == two(ref.measurement)
            assert (row["rank"], row["medal"], row["recognised"]) == (ref.rank, ref.medal, ref.recognised)
            assert (row["flagged"], flagged.get(ref.participant_id, [])) == (ref.flagged, ref.flagged_aspects)
            compared += 1
    assert compared == results.height > 50


def test_severity_correction_recovers_known_judge_biases() -> None:
    """Simulated marks: 60 participants of true quality q ~ U(0.3, 0.9) on three judgement aspects, marked
    by five judges whose severity shifts every share they give by a known bias (−0.15 … +0.15) and whose
    leniency scales the spread (0.8 … 1.2), plus noise (SD 0.02). Tolerances: the shift the correction
    applies to each judge (raw mean − corrected mean) equals the judge's known bias relative to the panel's
    mean bias within 0.01 of a share (measured 0.006); after it no judge's mean departs from the panel's
    (1e-9); every participant's corrected mark lies within 0.05 of their true quality (measured 0.042)."""
    rng = np.random.default_rng(20261207)
    bias = {1: -0.15, 2: -0.05, 3: 0.0, 4: 0.07, 5: 0.15}
    scale = {1: 0.8, 2: 1.0, 3: 1.2, 4: 0.9, 5: 1.1}
    quality = {p: float(rng.uniform(0.3, 0.9)) for p in range(1, 61)}
    rows = []
    for p, q in quality.items():
        for a in (1, 2, 3):
            for j in bias:
                share = 0.6 + scale[j] * (q - 0.6) + bias[j] + float(rng.normal(0, 0.02))
                rows.append(MarkRow(p, 1000 + p, j, a, "judgement", 100.0, round(min(max(share, 0), 1) * 100, 2)))
    raw_offset = {j: np.mean([r.value for r in rows if r.judge_id == j]) / 100 for j in bias}
    panel = np.mean(list(raw_offset.values()))
    assert max(abs(raw_offset[j] - panel - bias[j]) for j in bias) < 0.01  # the simulation carries the biases
    fixed = corrected_judgements(rows)
    corrected_mean = {j: np.mean([v for (p, jj, a), v in fixed.items() if jj == j]) / 100 for j in bias}
    mean_bias = np.mean(list(bias.values()))
    recovered = {j: raw_offset[j] - corrected_mean[j] for j in bias}
    assert max(abs(recovered[j] - (bias[j] - mean_bias)) for j in bias) < 0.01  # each bias recovered
    assert max(abs(corrected_mean[j] - panel) for j in bias) < 1e-9  # and removed
    for p, q in quality.items():
        mark = np.mean([v for (pp, j, a), v in fixed.items() if pp == p]) / 100
        assert abs(mark - q) < 0.05, (p, q, mark)
    # Uncorrected, the severe and lenient judges disagree about the same participant by about 0.3.
    spread = [max(r.value for r in rows if r.participant_id == p and r.aspect_id == 1)
              - min(r.value for r in rows if r.participant_id == p and r.aspect_id == 1) for p in quality]  # fmt: skip
    assert np.mean(spread) > 25
    # The ranking follows true quality (Spearman's rho over the 60 participants).
    results = compute_results(rows, spread=30, recognised_ranks=3)
    by_rank = [r.participant_id for r in results]
    by_quality = sorted(quality, key=lambda p: -quality[p])
    d2 = sum((by_rank.index(p) - by_quality.index(p)) ** 2 for p in quality)
    assert 1 - 6 * d2 / (60 * (60**2 - 1)) > 0.99
