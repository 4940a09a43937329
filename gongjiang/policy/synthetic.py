"""Deterministic synthetic events for the sample on the evaluation page, the tests and the benchmark.

Columns come in the engine's fast dtypes (Enum, Categorical, Date, Int64), so a benchmark measures the
evaluation and not string parsing. The mix of event types roughly follows the rules' weight in practice:
mostly training subsidies, a few awards.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

from gongjiang.policy.formulas import EVENT_TYPES, LEVELS, TIERS, TITLES
from gongjiang.policy.inputs import EVENT_TYPE_DTYPE, LEVEL_DTYPE, TIER_DTYPE, TITLE_DTYPE

OCCUPATIONS_CSV = Path(__file__).resolve().parents[1] / "reference" / "data" / "occupations_2022.csv"

DEFAULT_MIX = {
    "training_certificate": 0.60,
    "enterprise_training": 0.08,
    "designated_training": 0.08,
    "project_training": 0.06,
    "shortage_grant": 0.04,
    "order_class_match": 0.03,
    "vocational_student_appraisal": 0.03,
    "first_year_award": 0.02,
    "talent_introduction": 0.015,
    "outstanding_talent": 0.015,
    "partner_unit_reward": 0.01,
    "gusu_housing": 0.01,
}
# Where each shipped set is evaluated in the benchmark and the sample.
SET_REGIONS = {
    "zhangjiagang": ["320582"],
    "suzhou": ["320505", "320506", "320507", "320508", "320509", "320581", "320583", "320585"],
    "changzhou": ["320402", "320404", "320411", "320412", "320413", "320481"],
    "jiangsu": ["320102", "320104", "320205", "320211", "320311", "320613", "320703", "320812", "321002"],
}


@lru_cache(maxsize=1)
def occupations() -> tuple[list[str], np.ndarray]:
    df = pl.read_csv(OCCUPATIONS_CSV, schema_overrides={"code": pl.String}).filter(pl.col("kind") == "occupation")
    return df["code"].to_list(), df["digital"].cast(pl.Boolean).to_numpy()


def synthetic_events(
    n: int,
    *,
    seed: int = 1,
    regions: list[str] | None = None,
    persons: int | None = None,
    start: datetime.date = datetime.date(2023, 1, 1),
    end: datetime.date = datetime.date(2026, 12, 31),
    mix: dict[str, float] | None = None,
    id_prefix: str = "E",
) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    regions = regions or SET_REGIONS["zhangjiagang"]
    persons = persons or max(1, int(n / 2.5))
    mix = mix or DEFAULT_MIX
    types = np.array([EVENT_TYPES.index(t) for t in mix], dtype=np.int64)
    weights = np.array(list(mix.values()), dtype=np.float64)
    et = types[rng.choice(len(types), size=n, p=weights / weights.sum())]
    d0 = (start - datetime.date(1970, 1, 1)).days
    d1 = (end - datetime.date(1970, 1, 1)).days
    day = rng.integers(d0, d1 + 1, size=n)
    codes, digital_flags = occupations()
    # A person sticks to a few occupations: draw the occupation from the person, with some spread.
    person = rng.integers(0, persons, size=n)
    occ_idx = (person * 7 + rng.integers(0, 3, size=n)) % len(codes)
    level = rng.choice(np.arange(1, 6), size=n, p=[0.3, 0.3, 0.25, 0.1, 0.05])  # ranks: 初级工 … 高级技师
    level[et == EVENT_TYPES.index("outstanding_talent")] = rng.choice(
        [2, 3, 4, 5], size=int((et == EVENT_TYPES.index("outstanding_talent")).sum())
    )
    tier = np.where(rng.random(n) < 0.3, rng.integers(0, 3, size=n), -1)
    region = np.array([int(r) for r in regions], dtype=np.int64)[rng.integers(0, len(regions), size=n)]
    shortage = rng.random(n) < 0.2
    digital = digital_flags[occ_idx]
    hours = rng.choice([30, 40, 48, 56, 64, 80], size=n, p=[0.03, 0.2, 0.1, 0.3, 0.2, 0.17])
    insured = rng.integers(0, 36, size=n)
    hukou = rng.random(n) < 0.5
    fee = rng.integers(50, 400, size=n) * 1000
    price = rng.integers(10, 60, size=n) * 10000
    title = rng.choice(3, size=n, p=[0.6, 0.1, 0.3])
    work_start = day - rng.integers(200, 500, size=n)
    funding = rng.integers(1, 15, size=n) * 10000
    headcount = rng.integers(60, 160, size=n)
    requested = rng.integers(1, 80, size=n) * 2_000_000
    org = rng.integers(0, max(1, persons // 20), size=n)
    student = rng.random(n) < 0.8
    designated = rng.random(n) < 0.9  # drawn last: the columns above are as before
    tier_s = pl.Series("tier", np.asarray(TIERS, dtype=object)[np.maximum(tier, 0)], dtype=pl.String)
    return pl.DataFrame(
        {
            "event_id": pl.DataFrame({"i": np.arange(n)}).select(pl.format(id_prefix + "{}", "i")).to_series(),
            "event_type": pl.Series(np.asarray(EVENT_TYPES, dtype=object)[et]).cast(EVENT_TYPE_DTYPE),
            "event_date": pl.Series(day.astype(np.int32)).cast(pl.Date),
            "region_code": pl.Series(region.astype(np.int32)),
            "person_id": person.astype(np.int64),
            "org_id": org.astype(np.int64),
            "occupation_code": pl.Series(np.asarray(codes, dtype=object)[occ_idx]).cast(pl.Categorical),
            "level": pl.Series(np.asarray(LEVELS, dtype=object)[level]).cast(LEVEL_DTYPE),
            "tier": tier_s.set(pl.Series(tier < 0), None).cast(TIER_DTYPE),
            "shortage": shortage,
            "digital": digital,
            "class_hours": hours.astype(np.int64),
            "hukou_local": hukou,
            "designated": designated,
            "insured_months": insured.astype(np.int64),
            "fee_fen": fee.astype(np.int64),
            "project_price_fen": price.astype(np.int64),
            "student": student,
            "talent_title": pl.Series(np.asarray(TITLES, dtype=object)[title]).cast(TITLE_DTYPE),
            "work_start": pl.Series(work_start.astype(np.int32)).cast(pl.Date),
            "funding_fen": funding.astype(np.int64),
            "headcount": headcount.astype(np.int64),
            "requested_fen": requested.astype(np.int64),
        }
    )


# The event types each shipped set pays (the rest would only be refused as not in the set).
SET_TYPES = {
    "zhangjiagang": tuple(DEFAULT_MIX),
    "suzhou": ("training_certificate", "project_training", "gusu_housing"),
    "changzhou": ("training_certificate", "project_training"),
    "jiangsu": ("training_certificate", "project_training"),
}


def shipped_population(n: int, *, seed: int = 1) -> dict[str, pl.DataFrame]:
    """Events for each shipped set in its own regions and of the types it pays: 40% 张家港, 30% other
    Suzhou districts, 15% Changzhou and 15% the rest of Jiangsu, with disjoint person keys."""
    shares = {"zhangjiagang": 0.4, "suzhou": 0.3, "changzhou": 0.15, "jiangsu": 0.15}
    out = {}
    offset = 0
    for i, (name, share) in enumerate(shares.items()):
        size = int(n * share) if i < len(shares) - 1 else n - sum(int(n * s) for s in list(shares.values())[:-1])
        mix = {t: DEFAULT_MIX[t] for t in SET_TYPES[name]}
        df = synthetic_events(size, seed=seed + i, regions=SET_REGIONS[name], mix=mix, id_prefix=f"{name[:2].upper()}")
        out[name] = df.with_columns(pl.col("person_id") + offset, pl.col("org_id") + offset)
        offset += size
    return out
