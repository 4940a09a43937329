"""The rollup arithmetic against a direct, person-by-person count of the same definitions."""

from __future__ import annotations

import datetime
import random
from collections import Counter

import numpy as np
import polars as pl
import pytest

from gongjiang.monitoring import engine, segments

AS_OF = datetime.date(2025, 12, 31)


def _random_world(seed: int, n_persons: int = 60) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = random.Random(seed)
    regions = [320582, 320505, 320412, 320500]  # a district of each city, and one person placed at city level
    persons, certs, industry = [], [], []
    cert_id = 0
    for pid in range(1, n_persons + 1):
        birth = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 40))
        persons.append((pid, rng.choice(regions), rng.randrange(2), engine.days(birth)))
        if rng.random() < 0.8:
            industry.append((pid, rng.randrange(0, 21)))
        for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3, 4])):
            cert_id += 1
            start = datetime.date(2003, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 23))
            end = None
            roll = rng.random()
            if roll < 0.25:
                end = start + datetime.timedelta(days=rng.randrange(0, 2500))  # 0: revoked the day it was issued
            certs.append(
                (
                    cert_id,
                    pid,
                    rng.choice([1, 2, 2, 3, 3, 4, 5, 6]),
                    rng.randrange(1, 9),
                    rng.random() < 0.3,
                    rng.random() < 0.3,
                    engine.days(start),
                    engine.days(end) if end else None,
                )
            )
    return (
        pl.DataFrame(
            certs,
            schema={
                "cert_id": pl.Int64,
                "person_id": pl.Int64,
                "rank": pl.Int8,
                "occ": pl.Int8,
                "digital": pl.Boolean,
                "school": pl.Boolean,
                "start": pl.Int32,
                "end": pl.Int32,
            },
            orient="row",
        ),
        pl.DataFrame(
            persons, schema={"person_id": pl.Int64, "region": pl.Int32, "sex": pl.Int8, "birth": pl.Int32}, orient="row"
        ),
        pl.DataFrame(industry, schema={"person_id": pl.Int64, "industry": pl.Int8}, orient="row"),
    )


def _age_band(birth: datetime.date, day: datetime.date) -> int:
    age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return sum(age >= k for k in engine.AGE_THRESHOLDS)


def _regions(code: int) -> set[int]:
    return {code, code // 100 * 100, code // 10000 * 10000}


def _brute(certs: pl.DataFrame, persons: pl.DataFrame, industry: pl.DataFrame, plist: list[engine.Period]) -> Counter:
    """(region, scope, dim, member, period, measure) → count, straight from the definitions."""
    out: Counter = Counter()
    ind = dict(industry.iter_rows())
    by_person: dict[int, list[tuple]] = {}
    for row in certs.iter_rows(named=True):
        by_person.setdefault(row["person_id"], []).append(row)
    for pid, region, sex, birth_days in persons.iter_rows():
        birth = engine.EPOCH + datetime.timedelta(days=birth_days)
        mine = by_person.get(pid, [])
        for scope, sid in engine.SCOPES.items():
            subset = [c for c in mine if scope == "all" or (c["digital"] and (scope == "digital" or c["school"]))]
            dims = engine.SCOPE_DIMS[sid]
            for p in plist:
                day = p.end
                valid = [
                    c
                    for c in subset
                    if c["start"] <= engine.days(day) and (c["end"] is None or c["end"] > engine.days(day))
                ]
                if valid:
                    top = max(valid, key=lambda c: (c["rank"], c["start"], c["cert_id"]))
                    members = {
                        0: 0,
                        1: ind.get(pid, 0),
                        2: top["occ"],
                        3: top["rank"],
                        4: sex,
                        5: _age_band(birth, day),
                    }
                    for dim in dims:
                        for r in _regions(region):
                            for measure, k in engine.THRESHOLDS.items():
                                if top["rank"] >= k:
                                    out[(r, sid, dim, members[dim], p.label, measure)] += 1
                # first reach within the period
                for measure, k in (("new_skilled", 1), ("new_mid_plus", 2), ("new_high", 3)):
                    reaching = [c for c in subset if c["rank"] >= k and (c["end"] is None or c["end"] > c["start"])]
                    if not reaching:
                        continue
                    first = min(reaching, key=lambda c: (c["start"], -c["rank"], -c["cert_id"]))
                    first_day = engine.EPOCH + datetime.timedelta(days=first["start"])
                    lo = datetime.date(p.first_bucket // 4, (p.first_bucket % 4) * 3 + 1, 1)
                    if not (lo <= first_day <= p.end):
                        continue
                    members = {0: 0, 1: ind.get(pid, 0), 2: first["occ"], 4: sex, 5: _age_band(birth, first_day)}
                    for dim in dims:
                        if dim == 3:
                            continue
                        for r in _regions(region):
                            out[(r, sid, dim, members[dim], p.label, measure)] += 1
    return +out


def _engine_counts(facts: pl.DataFrame) -> Counter:
    out: Counter = Counter()
    for row in facts.iter_rows(named=True):
        for m in engine.MEASURES:
            if row[m]:
                out[(row["region"], row["scope"], row["dim"], row["member"], row["period"], m)] = row[m]
    return out


@pytest.mark.parametrize("lookup", ["by index", "hashed"])
@pytest.mark.parametrize("counting", ["dense", "compact"])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_full_rollup_matches_direct_count(
    seed: int, counting: str, lookup: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both ways of counting a disaggregation: the dense grid (a full rebuild) and the occurring cells
    # only (few events on a large grid, as in an incremental update); both ways of attaching a person's
    # attributes and finding holders of several certificates: arrays indexed by person id (dense ids,
    # a full rebuild) and hashing (ids spread out, an incremental update).
    monkeypatch.setattr(engine, "COMPACT_BELOW", 0.0 if counting == "dense" else float("inf"))
    if lookup == "hashed":
        monkeypatch.setattr(segments, "_dense", lambda ids: False)
    certs, persons, industry = _random_world(seed)
    plist = engine.periods(2005, AS_OF)
    facts = engine.facts_from_events(engine.contributions(certs, persons, industry), plist)
    want = _brute(certs, persons, industry, plist)
    # Events after the last stored day (later age-band crossings, revocations) change no stored fact.
    cut = engine.facts_from_events(engine.contributions(certs, persons, industry, through=AS_OF), plist)
    assert cut.sort(cut.columns).equals(facts.sort(facts.columns))
    got = _engine_counts(facts)
    missing = {k: v for k, v in want.items() if got.get(k) != v}
    extra = {k: v for k, v in got.items() if k not in want}
    assert not missing and not extra, (list(missing.items())[:5], list(extra.items())[:5])


def test_incremental_difference_equals_rebuild() -> None:
    """Facts of the old world plus the delta of the changed persons equal the facts of the new world."""
    certs, persons, industry = _random_world(7)
    plist = engine.periods(2005, AS_OF)
    old_facts = engine.facts_from_events(engine.contributions(certs, persons, industry), plist)
    # A batch: new certificates for some persons, a revocation, and one person moving district.
    changed = [3, 5, 8, 13]
    new_rows = pl.DataFrame(
        {
            "cert_id": [1001, 1002, 1003],
            "person_id": [3, 5, 8],
            "rank": [3, 5, 1],
            "occ": [6, 4, 2],
            "digital": [True, False, True],
            "school": [False, False, True],
            "start": [engine.days(datetime.date(2025, 11, 2))] * 3,
            "end": [None, None, None],
        },
        schema=certs.schema,
    )
    new_certs = pl.concat([certs, new_rows])
    first_of_13 = new_certs.filter(pl.col("person_id") == 13)["cert_id"].to_list()
    if first_of_13:
        new_certs = new_certs.with_columns(
            pl.when(pl.col("cert_id") == first_of_13[0])
            .then(pl.lit(engine.days(datetime.date(2025, 6, 30)), pl.Int32))
            .otherwise(pl.col("end"))
            .alias("end")
        )
    new_persons = persons.with_columns(
        pl.when(pl.col("person_id") == 5).then(pl.lit(320412, pl.Int32)).otherwise(pl.col("region")).alias("region")
    )
    new_facts = engine.facts_from_events(engine.contributions(new_certs, new_persons, industry), plist)

    def subset(c: pl.DataFrame, p: pl.DataFrame, i: pl.DataFrame):  # type: ignore[no-untyped-def]
        return (
            c.filter(pl.col("person_id").is_in(changed)),
            p.filter(pl.col("person_id").is_in(changed)),
            i.filter(pl.col("person_id").is_in(changed)),
        )

    diff = engine.difference(
        engine.contributions(*subset(new_certs, new_persons, industry)),
        engine.contributions(*subset(certs, persons, industry)),
    )
    delta = engine.delta_facts(diff, plist)
    patched = _engine_counts(old_facts)
    for row in delta.iter_rows(named=True):
        for m in engine.MEASURES:
            key = (row["region"], row["scope"], row["dim"], row["member"], row["period"], m)
            patched[key] = patched.get(key, 0) + row[m]
    assert +Counter({k: v for k, v in patched.items() if v}) == _engine_counts(new_facts)


def test_periods_years_and_recent_quarters() -> None:
    plist = engine.periods(2020, datetime.date(2026, 8, 5), quarter_from=2025)
    labels = [p.label for p in plist]
    assert labels[:7] == ["2020", "2021", "2022", "2023", "2024", "2025", "2026"]
    assert labels[7:] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    q3 = plist[-1]
    assert q3.end == datetime.date(2026, 9, 30) and q3.bucket == 2026 * 4 + 2


def test_revoked_on_the_issue_day_never_counts() -> None:
    day = engine.days(datetime.date(2024, 5, 1))
    certs = pl.DataFrame(
        {
            "cert_id": [1],
            "person_id": [1],
            "rank": [3],
            "occ": [6],
            "digital": [False],
            "school": [False],
            "start": [day],
            "end": [day],
        },
        schema={
            "cert_id": pl.Int64,
            "person_id": pl.Int64,
            "rank": pl.Int8,
            "occ": pl.Int8,
            "digital": pl.Boolean,
            "school": pl.Boolean,
            "start": pl.Int32,
            "end": pl.Int32,
        },
    )
    persons = pl.DataFrame(
        {"person_id": [1], "region": [320582], "sex": [0], "birth": [engine.days(datetime.date(1990, 1, 1))]},
        schema={"person_id": pl.Int64, "region": pl.Int32, "sex": pl.Int8, "birth": pl.Int32},
    )
    industry = pl.DataFrame(schema={"person_id": pl.Int64, "industry": pl.Int8})
    facts = engine.facts_from_events(engine.contributions(certs, persons, industry), engine.periods(2020, AS_OF))
    assert facts.height == 0


def test_age_thresholds_by_table_equal_the_direct_computation() -> None:
    rng = np.random.default_rng(3)
    birth = rng.integers(-9000, 15000, 200_000).astype(np.int32)  # 1945 … 2011, leap days included
    leap_day = (np.datetime64("1988-02-29") - np.datetime64("1970-01-01")).astype(np.int32)
    birth[:10] = leap_day
    by_table = engine._age_thresholds(birth)
    direct = engine._age_thresholds_direct(birth)
    assert all(np.array_equal(a, b) for a, b in zip(by_table, direct, strict=True))
    # Born on 29 February 1988: 35 on 1 March 2023 (a common year).
    assert by_table[0][0] == (np.datetime64("2023-03-01") - np.datetime64("1970-01-01")).astype(np.int32)
