"""Benchmark: the fraud and anomaly checks (gongjiang.training.checks.detect) over synthetic claims.

Builds N claims (default 1,000,000) as a Polars frame shaped like ``claims_frame()``: 1 to 4 claims per
trainee in a year of consecutive two-month classes, with a few planted anomalies of every kind, and an institution
pass-count frame. Times ``detect`` (all eight checks, vectorised) and, in the same run on the same rows,
a plain per-row Python implementation of the same checks (dicts and loops), the baseline. Prints rows/s
of both, their ratio, the findings of each (which must agree) and peak memory.

Usage: python bench/training_checks.py [--claims 1000000] [--baseline-claims N]
(the baseline runs on the first N claims when given; by default on all of them)
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjiang.settings")

import django  # noqa: E402

django.setup()

from gongjiang.training.checks import (  # noqa: E402
    CLAIM_SCHEMA,
    MAX_AGE,
    MIN_AGE,
    PASS_RATE_CEILING,
    PASS_RATE_MIN_TRAINEES,
    PASS_RATE_Z,
    PASS_SCHEMA,
    SHARED_THRESHOLD,
    detect,
)
from gongjiang.training.models import MAX_SUBSIDISED_TRAININGS  # noqa: E402

EPOCH = datetime.date(1970, 1, 1)


def synthetic(n: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    # Claims per trainee in the year: mostly one, some two or three, a few four (over the limit).
    per_person = rng.choice([1, 2, 3, 4], size=n, p=[0.75, 0.2, 0.049, 0.001])
    person = np.repeat(np.arange(per_person.size), per_person)[:n]
    slot = np.concatenate([np.arange(k) for k in per_person])[:n]  # the trainee's 1st, 2nd, … class of the year
    groups = max(1, n // 120)  # parallel classes per slot
    klass = slot * groups + rng.integers(0, groups, n)
    institutions = max(2, (4 * groups) // 20)
    class_start = (datetime.date(2025, 1, 6) - EPOCH).days + slot * 80 + (klass % 20)
    class_end = class_start + 50
    cert = class_end + rng.integers(0, 20, n)
    birth = (datetime.date(1975, 1, 1) - EPOCH).days + (person * 7919) % (30 * 365)
    occupation = (klass * 31) % 400
    level = 1 + klass % 5
    frame = pl.DataFrame(
        {
            "claim_id": np.arange(1, n + 1),
            "person_id": person,
            "person_name": ["陈建国"] * n,
            "birth_date": birth.astype("datetime64[D]"),
            "phone_index": pl.Series(person).cast(pl.Utf8),
            "account_index": pl.Series(person).cast(pl.Utf8),
            "class_id": klass,
            "class_code": pl.Series(klass).cast(pl.Utf8),
            "class_start": class_start.astype("datetime64[D]"),
            "class_end": class_end.astype("datetime64[D]"),
            "institution_id": klass % institutions,
            "region_code": ["320582"] * n,
            "occupation_id": occupation,
            "occupation": ["电工"] * n,
            "level_id": level,
            "level": ["中级工"] * n,
            "event_date": cert.astype("datetime64[D]"),
            "certificate_date": cert.astype("datetime64[D]"),
            "eligible": np.ones(n, dtype=bool),
        }
    ).cast(CLAIM_SCHEMA)  # type: ignore[arg-type]
    # Planted anomalies: early certificates, ages, shared phones and accounts.
    k = max(1, n // 10000)
    idx = rng.choice(n, 5 * k, replace=False)
    early, young, shared_phone, shared_acct = idx[:k], idx[k : 2 * k], idx[2 * k : 4 * k], idx[4 * k :]
    frame = frame.with_columns(
        pl.when(pl.col("claim_id").is_in((early + 1).tolist()))
        .then(pl.col("class_end") - pl.duration(days=3))
        .otherwise(pl.col("certificate_date"))
        .alias("certificate_date"),
        pl.when(pl.col("claim_id").is_in((young + 1).tolist()))
        .then(pl.lit(datetime.date(2010, 6, 1)))
        .otherwise(pl.col("birth_date"))
        .alias("birth_date"),
        pl.when(pl.col("claim_id").is_in((shared_phone + 1).tolist()))
        .then((pl.col("claim_id") % max(1, k // 2)).cast(pl.Utf8) + "p")
        .otherwise(pl.col("phone_index"))
        .alias("phone_index"),
        pl.when(pl.col("claim_id").is_in((shared_acct + 1).tolist()))
        .then((pl.col("claim_id") % max(1, k // 3)).cast(pl.Utf8) + "a")
        .otherwise(pl.col("account_index"))
        .alias("account_index"),
    )
    trainees = rng.integers(10, 60, institutions)
    passed = np.minimum(trainees, rng.binomial(trainees, 0.75))
    trainees[0], passed[0] = 40, 40  # an implausible institution
    stats = pl.DataFrame(
        {
            "institution_id": np.arange(institutions),
            "institution": ["机构"] * institutions,
            "region_code": ["320582"] * institutions,
            "year": [2025] * institutions,
            "trainees": trainees,
            "passed": passed,
        }
    ).cast(PASS_SCHEMA)  # type: ignore[arg-type]
    return frame, stats


def per_row(frame: pl.DataFrame, stats: pl.DataFrame) -> dict[str, int]:
    """The same checks written as plain Python over rows: the baseline."""
    rows = frame.rows(named=True)
    found: dict[str, int] = defaultdict(int)
    by_person: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        by_person[r["person_id"]].append(r)
    for claims in by_person.values():
        for i, a in enumerate(claims):
            for b in claims[i + 1 :]:
                lo, hi = (a, b) if a["class_id"] < b["class_id"] else (b, a)
                if (
                    lo["class_id"] != hi["class_id"]
                    and lo["class_start"] <= hi["class_end"]
                    and hi["class_start"] <= lo["class_end"]
                ):
                    found["overlap"] += 1
        per_year: dict[int, set] = defaultdict(set)
        per_level: dict[tuple, int] = defaultdict(int)
        for c in claims:
            per_year[c["event_date"].year].add(c["class_id"])
            per_level[(c["occupation_id"], c["level_id"])] += 1
        found["too_many"] += sum(1 for s in per_year.values() if len(s) > MAX_SUBSIDISED_TRAININGS)
        found["repeat_level"] += sum(1 for v in per_level.values() if v > 1)
    for r in rows:
        if r["certificate_date"] < r["class_end"]:
            found["early_certificate"] += 1
        s, b = r["class_start"], r["birth_date"]
        age = s.year - b.year - ((s.month, s.day) < (b.month, b.day))
        if age < MIN_AGE or age > MAX_AGE:
            found["age"] += 1
    for column, kind in (("phone_index", "shared_phone"), ("account_index", "shared_account")):
        persons: dict[str, set] = defaultdict(set)
        for r in rows:
            if r[column]:
                persons[r[column]].add(r["person_id"])
        found[kind] += sum(1 for v in persons.values() if len(v) >= SHARED_THRESHOLD)
    srows = stats.rows(named=True)
    total_t = sum(r["trainees"] for r in srows)
    total_p = sum(r["passed"] for r in srows)
    for r in srows:
        rate = r["passed"] / r["trainees"]
        peer_t, peer_p = total_t - r["trainees"], total_p - r["passed"]
        z = 0.0
        if peer_t:
            peer = peer_p / peer_t
            if 0 < peer < 1:
                z = (rate - peer) / (peer * (1 - peer) / r["trainees"]) ** 0.5
        if r["trainees"] >= PASS_RATE_MIN_TRAINEES and (rate > PASS_RATE_CEILING or z > PASS_RATE_Z):
            found["pass_rate"] += 1
    return dict(found)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--baseline-claims", type=int, default=0)
    args = parser.parse_args()
    t = time.perf_counter()
    frame, stats = synthetic(args.claims)
    print(f"synthetic claims: {frame.height:,} ({time.perf_counter() - t:.1f} s to build)")

    t = time.perf_counter()
    specs = detect(frame, stats)
    vec = time.perf_counter() - t
    vec_counts: dict[str, int] = defaultdict(int)
    for spec in specs:
        vec_counts[str(spec.kind)] += 1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"detect (Polars): {vec:.2f} s, {frame.height / vec:,.0f} claims/s, {len(specs)} findings, "
        f"peak RSS {peak:,.0f} MiB"
    )

    base_n = args.baseline_claims or frame.height
    base_frame = frame.head(base_n)
    t = time.perf_counter()
    base_counts = per_row(base_frame, stats)
    base = time.perf_counter() - t
    print(f"baseline (per-row Python) on {base_n:,} claims: {base:.2f} s, {base_n / base:,.0f} claims/s")
    print(f"ratio: {(frame.height / vec) / (base_n / base):.1f}× the baseline's claims/s")
    if base_n == frame.height:
        agree = dict(sorted(vec_counts.items())) == dict(sorted(base_counts.items()))
        print(f"findings by kind: {dict(sorted(vec_counts.items()))}; baseline agrees: {agree}")
        if not agree:
            print(f"baseline: {dict(sorted(base_counts.items()))}")
            sys.exit(1)


if __name__ == "__main__":
    main()
