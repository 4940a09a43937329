"""Benchmark: scoring a province-wide competition season, on arrays against the row-by-row reference.

A synthetic season (no database): C competitions (default 1,000) of P participants in all (default
100,000, spread evenly), each competition with J judges (default 5) and five marking aspects (two
measurements, three judgements), every judge marking every participant on every aspect: 2.5 million marks
by default. Judges carry a known severity (a shift of their shares) and leniency (a scale), participants a
true quality; marks have two decimals.

* **arrays**: ``gongjiang.competitions.rules.score_season``, the season at once: severity correction of
  the judgement marks against each competition's pool, cell means, disagreement flags, totals, the 700
  scale (median and SD per competition), deterministic ranks, medals and recognition;
* **per row** (the baseline, beside it): ``rules.compute_results``, competition by competition on
  ``MarkRow`` objects (built before the clock starts, as the database read would give them), on a sample
  of competitions (default 100) and scaled to the season by the marks' count.

Both are checked to give identical scores, ranks, medals, recognitions and flags on the sample.

Each path runs ``--repeat`` times (default 3) and its fastest run counts, for both alike (the machine is
shared). Printed: seconds and marks per second of both paths, their ratio (goal ≥ 30×), the season's time (goal
≤ 5 s), peak memory, then one RESULT line of JSON.

Usage: python bench/competition.py [--competitions 1000] [--participants 100000] [--judges 5]
       [--baseline 100] [--seed 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gongjiang.competitions import rules  # noqa: E402  (a pure module: no Django set-up needed)

ASPECTS = (("measurement", 40.0), ("measurement", 20.0), ("judgement", 10.0), ("judgement", 10.0), ("judgement", 20.0))


def season(competitions: int, participants: int, judges: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The marks (in mark order: competition, participant, aspect, judge) and each competition's rules."""
    rng = np.random.default_rng(seed)
    per = np.full(competitions, participants // competitions)
    per[: participants % competitions] += 1
    comp_of_participant = np.repeat(np.arange(1, competitions + 1), per)
    quality = rng.uniform(0.3, 0.95, participants)
    severity = rng.normal(0, 0.06, (competitions, judges))
    leniency = rng.uniform(0.8, 1.2, (competitions, judges))
    n_aspects = len(ASPECTS)
    # One row per participant × aspect × judge.
    p = np.repeat(np.arange(participants), n_aspects * judges)
    a = np.tile(np.repeat(np.arange(n_aspects), judges), participants)
    j = np.tile(np.arange(judges), participants * n_aspects)
    comp = comp_of_participant[p]
    kinds = np.array([k == "judgement" for k, _ in ASPECTS])
    maxima = np.array([m for _, m in ASPECTS])
    judged = kinds[a]
    share = np.where(
        judged,
        0.6 + leniency[comp - 1, j] * (quality[p] - 0.6) + severity[comp - 1, j],
        quality[p] + rng.normal(0, 0.01, p.size),
    ) + rng.normal(0, 0.03, p.size)
    value = np.round(np.clip(share, 0, 1) * maxima[a], 2)
    marks = pl.DataFrame(
        {
            "competition": comp.astype(np.int64),
            "participant": (p + 1).astype(np.int64),
            "person": (rng.permutation(participants)[p] + 1).astype(np.int64),
            "judge": ((comp - 1) * judges + j + 1).astype(np.int64),
            "aspect": ((comp - 1) * n_aspects + a + 1).astype(np.int64),
            "judgement": judged,
            "max_mark": maxima[a],
            "value": value,
        },
        schema=rules.MARK_SCHEMA,
    )
    params = pl.DataFrame(
        {
            "competition": np.arange(1, competitions + 1, dtype=np.int64),
            "spread": rng.integers(20, 40, competitions),
            "recognised_ranks": rng.integers(1, 6, competitions),
        }
    )
    return marks, params


def per_row(
    marks: pl.DataFrame, params: pl.DataFrame, sample: list[int]
) -> tuple[dict[int, list[rules.MarkRow]], dict]:
    chosen = marks.filter(pl.col("competition").is_in(sample))
    rows: dict[int, list[rules.MarkRow]] = {c: [] for c in sample}
    for c, p, person, j, a, judged, mx, v in chosen.iter_rows():
        rows[c].append(rules.MarkRow(p, person, j, a, "judgement" if judged else "measurement", mx, v))
    rules_of = {c: (s, r) for c, s, r in params.filter(pl.col("competition").is_in(sample)).iter_rows()}
    return rows, rules_of


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--competitions", type=int, default=1_000)
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--judges", type=int, default=5)
    parser.add_argument("--baseline", type=int, default=100, help="competitions scored row by row")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path; the fastest counts")
    args = parser.parse_args()

    marks, params = season(args.competitions, args.participants, args.judges, args.seed)
    print(f"season: {args.competitions:,} competitions, {args.participants:,} participants, "
          f"{args.judges} judges, {marks.height:,} marks")  # fmt: skip

    rules.score_season(marks.head(10_000), params)  # warm up (imports, first allocations)
    array_s = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        results, flags = rules.score_season(marks, params)
        array_s = min(array_s, time.perf_counter() - t0)
    assert results.height == args.participants

    sample = sorted(np.random.default_rng(args.seed + 1).choice(
        np.arange(1, args.competitions + 1), size=min(args.baseline, args.competitions), replace=False).tolist())  # fmt: skip
    rows, rules_of = per_row(marks, params, sample)
    sample_marks = sum(len(r) for r in rows.values())
    t0 = time.perf_counter()
    reference = {
        c: rules.compute_results(rows[c], spread=rules_of[c][0], recognised_ranks=rules_of[c][1]) for c in sample
    }
    row_s_sample = time.perf_counter() - t0
    row_s = row_s_sample * marks.height / sample_marks

    got = {r["participant"]: r for r in results.filter(pl.col("competition").is_in(sample)).iter_rows(named=True)}
    flagged: dict[int, list[int]] = {}
    for p, a in flags.sort("participant", "aspect").iter_rows():
        flagged.setdefault(p, []).append(a)
    checked = 0
    for c in sample:
        for ref in reference[c]:
            row = got[ref.participant_id]
            same = (
                Decimal(row["score_h"]).scaleb(-2) == ref.score
                and (row["rank"], row["medal"], row["recognised"]) == (ref.rank, ref.medal, ref.recognised)
                and flagged.get(ref.participant_id, []) == ref.flagged_aspects
            )
            if not same:
                raise SystemExit(f"results differ for participant {ref.participant_id} of competition {c}")
            checked += 1

    ratio = row_s / array_s
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"arrays (score_season):    {array_s:8.3f} s  {marks.height / array_s:12,.0f} marks/s   (goal ≤ 5 s)")
    print(f"per row (compute_results): {row_s:8.3f} s  {marks.height / row_s:12,.0f} marks/s   "
          f"(measured on {len(sample)} competitions, {sample_marks:,} marks: {row_s_sample:.3f} s, scaled)")  # fmt: skip
    print(f"ratio: {ratio:.1f}×  (goal ≥ 30×); identical results on {checked:,} participants; "
          f"flagged {results['flagged'].sum():,}; peak memory {peak_mb:,.0f} MB")  # fmt: skip
    print(
        "RESULT "
        + json.dumps(
            {
                "bench": "competition",
                "competitions": args.competitions,
                "participants": args.participants,
                "judges": args.judges,
                "marks": marks.height,
                "arrays_s": round(array_s, 3),
                "per_row_s": round(row_s, 3),
                "per_row_sample_competitions": len(sample),
                "ratio": round(ratio, 1),
                "checked_participants": checked,
                "peak_mb": round(peak_mb),
                "goal_met": array_s <= 5 and ratio >= 30,
            }
        )
    )


if __name__ == "__main__":
    main()
