"""Estimation of wage prices: annual pay, weights, quantiles, and coverage of the intervals by simulation."""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pytest

from gongjiang.synth import wage_survey as ws
from gongjiang.wages import estimation as est

Q = ("p10", "p25", "p50", "p75", "p90")


def test_annualise_scales_part_year_pay_to_twelve_months() -> None:
    emp = pl.DataFrame(
        {
            "months_worked": [12, 6, 3],
            "base_pay": [60_000.0, 30_000.0, 9_000.0],
            "bonus": [12_000.0, 0.0, 1_000.0],
            "allowances": [6_000.0, 3_000.0, 0.0],
            "overtime_pay": [2_000.0, None, 500.0],
        }
    )
    out = est.annualise(emp)["annual_pay"].to_list()
    assert out == pytest.approx([80_000.0, 66_000.0, 42_000.0])


@pytest.mark.parametrize("months", [0, 13])
def test_annualise_refuses_months_outside_one_to_twelve(months: int) -> None:
    emp = pl.DataFrame(
        {
            "months_worked": [12, months],
            "base_pay": [1.0, 1.0],
            "bonus": [0.0, 0.0],
            "allowances": [0.0, 0.0],
            "overtime_pay": [0.0, 0.0],
        }
    )
    with pytest.raises(ValueError, match="months_worked"):
        est.annualise(emp)


def _population() -> ws.Population:
    return ws.make_population(
        enterprises=6000, employees_per_enterprise=40, seed=5, with_employees=True, cities=("320500", "320400")
    )


def test_design_weights_sum_to_the_frame_and_calibration_hits_employment() -> None:
    pop = _population()
    sample, _emp = ws.draw(pop, seed=3)
    w = est.weights(sample, pop.frame)
    # Design weights: N_h / n_h, summing to N_h in every sampled stratum.
    by = w.group_by("industry_section", "size_class", "region_code").agg(pl.col("design_weight").sum().alias("s"))
    joined = by.join(pop.frame, on=["industry_section", "size_class", "region_code"])
    assert joined.height == by.height
    np.testing.assert_allclose(joined["s"].to_numpy(), joined["population_enterprises"].to_numpy(), rtol=1e-12)
    # Non-response: respondents carry the non-respondents' design weight; non-respondents weigh nothing.
    assert w.filter(~pl.col("responded"))["final_weight"].abs().max() == 0
    assert w["nonresponse_weight"].sum() == pytest.approx(w["design_weight"].sum(), rel=1e-12)
    # Calibration: weighted employment of respondents equals the frame's by city × industry and city × size,
    # for every margin with at least three respondents (the others are left out and listed).
    resp = w.filter(pl.col("responded")).with_columns(city=pl.col("region_code").str.slice(0, 4) + "00")
    frame = pop.frame.with_columns(city=pl.col("region_code").str.slice(0, 4) + "00")
    checked = 0
    for by_cols in (["city", "industry_section"], ["city", "size_class"]):
        got = resp.group_by(by_cols).agg(
            (pl.col("final_weight") * pl.col("employment")).sum().alias("got"), pl.len().alias("n")
        )
        want = frame.group_by(by_cols).agg(pl.col("population_employment").sum().alias("want"))
        cmp = got.join(want, on=by_cols).filter(pl.col("n") >= est.MIN_CALIBRATION_RESPONDENTS)
        np.testing.assert_allclose(cmp["got"].to_numpy(), cmp["want"].to_numpy(), rtol=1e-6)
        checked += cmp.height
    assert checked >= 20
    # And the adjustment factors stay within their bounds.
    ratio = (resp["final_weight"] / resp["nonresponse_weight"]).to_numpy()
    assert ratio.min() >= est.CALIBRATION_BOUNDS[0] - 1e-9 and ratio.max() <= est.CALIBRATION_BOUNDS[1] + 1e-9


def test_a_census_with_full_response_reproduces_the_population_exactly() -> None:
    """Every enterprise of a stratum surveyed and responding: weights 1, quantiles are the population's, no error."""
    rng = np.random.default_rng(4)
    n_ent, per = 6, 9
    pay = np.round(rng.lognormal(11, 0.4, n_ent * per), -2)  # ties on purpose
    employees = pl.DataFrame(
        {
            "enterprise_id": np.repeat(np.arange(1, n_ent + 1), per),
            "occupation_code": "6-18-02-04",
            "skill_level": np.tile(["level4", "level3", "none"], n_ent * per // 3),
            "education": "vocational",
            "months_worked": 12,
            "hours_per_month": 174.0,
            "base_pay": pay,
            "bonus": 0.0,
            "allowances": 0.0,
            "overtime_pay": 0.0,
        }
    )
    sample = pl.DataFrame(
        {
            "enterprise_id": np.arange(1, n_ent + 1),
            "uscc": [f"U{i}" for i in range(n_ent)],
            "industry_section": "C",
            "size_class": "small",
            "region_code": ["320402"] * 3 + ["320411"] * 3,
            "responded": True,
        }
    )
    frame = pl.DataFrame(
        {
            "industry_section": ["C", "C"],
            "size_class": ["small", "small"],
            "region_code": ["320402", "320411"],
            "population_enterprises": [3, 3],
            "population_employment": [3.0 * per, 3.0 * per],
        }
    )
    e = est.estimate_edition(employees, sample, frame, region_code="320400", replicates=20, seed=1)
    cell = e.cells.filter(
        (pl.col("cell_kind") == "occupation_level")
        & (pl.col("region_code") == "320400")
        & (pl.col("skill_level") == "all")
    ).row(0, named=True)
    y = np.sort(pay)
    for p, name in zip(est.QUANTILES, Q, strict=True):
        assert cell[name] == y[int(np.ceil(p * len(y))) - 1]
        assert cell[f"se_{name}"] == 0 and cell[f"lo_{name}"] == cell[name] == cell[f"hi_{name}"]
    assert cell["mean"] == pytest.approx(pay.mean())
    assert cell["weighted_employees"] == pytest.approx(n_ent * per)
    assert cell["n_enterprises"] == n_ent


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_quantiles_and_their_intervals_are_monotone_in_every_cell(seed: int) -> None:
    survey = ws.generate(enterprises=120, employees=5_000, seed=seed)
    emp = survey.employees
    if seed % 2 == 0:  # many ties: pay rounded to thousands of yuan
        emp = emp.with_columns((pl.col("base_pay") / 1000).round() * 1000, bonus=0.0, allowances=0.0, overtime_pay=0.0)
    e = est.estimate_edition(emp, survey.sample, survey.frame, region_code="320000", replicates=30, seed=seed)
    c = e.cells
    assert c.height > 500
    q = c.select(Q).to_numpy()
    lo = c.select([f"lo_{n}" for n in Q]).to_numpy()
    hi = c.select([f"hi_{n}" for n in Q]).to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    assert (np.diff(lo, axis=1) >= 0).all() and (np.diff(hi, axis=1) >= 0).all()
    assert (lo <= q).all() and (q <= hi).all()
    assert (c["lo_mean"] <= c["mean"]).all() and (c["mean"] <= c["hi_mean"]).all()
    assert (c.select([f"se_{n}" for n in (*Q, "mean")]).to_numpy() >= 0).all()
    assert ((c["mean"] >= c["p10"] * 0.5) & (c["top1_share"] <= c["top2_share"] + 1e-12)).all()


def test_intervals_cover_the_population_value_in_95_percent_of_samples() -> None:
    """120 samples of a fixed population; industry × level-group cells (and the all-industry ones) of the
    province with at least 10 enterprises: about 32,000 intervals, 93–97% covered pooled and for each of
    P10 … P90 and the mean (its interval with the same Student's t as the quantiles')."""
    pop = _population()
    assert pop.employees is not None
    people = (
        est.annualise(pop.employees)
        .join(pop.enterprises.select("enterprise_id", "industry_section"), on="enterprise_id")
        .with_columns(level_group=pl.col("skill_level").replace_strict(est.LEVEL_GROUP, default=None))
        .filter(pl.col("level_group").is_not_null())
    )
    truth: dict[tuple[str | None, str], np.ndarray] = {}
    for (sec, grp), df in [
        *people.group_by("industry_section", "level_group"),
        *((((None, g), df) for (g,), df in people.group_by("level_group"))),  # all industries
    ]:
        y = np.sort(df["annual_pay"].to_numpy())
        qs = [y[int(np.ceil(p * len(y) * (1 - 1e-12))) - 1] for p in est.QUANTILES]
        truth[(None if sec is None else str(sec), str(grp))] = np.array([*qs, y.mean()])
    names = (*Q, "mean")
    covered = np.zeros(len(names))
    total = np.zeros(len(names))
    z: list[np.ndarray] = []
    for sim in range(120):
        sample, emp = ws.draw(pop, seed=1000 + sim)
        e = est.estimate_edition(
            emp,
            sample,
            pop.frame,
            region_code="320000",
            replicates=100,
            seed=sim,
            kinds=("industry_level_group",),
            region_levels=("edition",),
        )
        c = e.cells.filter(pl.col("n_enterprises") >= 10)
        t = np.array([truth[(r[0], r[1])] for r in c.select("industry_section", "level_group").iter_rows()])
        est_v = c.select(names).to_numpy()
        lo = c.select([f"lo_{n}" for n in names]).to_numpy()
        hi = c.select([f"hi_{n}" for n in names]).to_numpy()
        se = c.select([f"se_{n}" for n in names]).to_numpy()
        covered += ((lo <= t) & (t <= hi)).sum(axis=0)
        total += len(t)
        with np.errstate(divide="ignore", invalid="ignore"):
            z.append((est_v - t) / se)
    rate = covered.sum() / total.sum()
    print(f"coverage {rate:.4f} of {int(total.sum())} intervals; by figure {np.round(covered / total, 4)}")
    assert total.sum() > 20_000
    assert 0.93 <= rate <= 0.97, (rate, covered / total)
    # Every published figure on its own, P90 included (the tails' intervals use the design degrees of freedom).
    assert ((covered / total) >= 0.93).all() and ((covered / total) <= 0.97).all(), covered / total
    # The mean's interval (mean ± t SE, t of the cell's design degrees of freedom) on its own.
    assert names[-1] == "mean" and 0.93 <= covered[-1] / total[-1] <= 0.97, covered[-1] / total[-1]
    # Unbiased within the intervals: the average error is a small fraction of the standard error.
    zz = np.concatenate(z)
    bias = np.nanmean(np.where(np.isfinite(zz), zz, np.nan), axis=0)
    assert (np.abs(bias) < 0.25).all(), bias


KEYS = ("cell_kind", "region_code", "occupation_code", "minor_group", "skill_level", "industry_section", "level_group")


def _reference_cells(survey: ws.WageSurvey, region_code: str) -> pl.DataFrame:
    """Every cell's point estimates by their definition, one plain Polars group-by per cell table: the
    records weighted by their enterprise's final weight × employment / records, sorted by pay in each
    cell, P_p the smallest pay whose cumulative weight reaches p × the cell's weight."""
    w = est.weights(survey.sample, survey.frame).filter(pl.col("responded") & (pl.col("final_weight") > 0))
    emp = (
        est.annualise(survey.employees)
        .join(
            w.select("enterprise_id", "region_code", "industry_section", "final_weight", "employment"),
            on="enterprise_id",
        )
        .with_columns(records=pl.len().over("enterprise_id"))
        .with_columns(
            w=pl.when(pl.col("employment") > 0)
            .then(pl.col("final_weight") * pl.col("employment") / pl.col("records"))
            .otherwise(pl.col("final_weight")),
            edition=pl.lit(region_code),
            city=pl.col("region_code").str.slice(0, 4) + "00",
            minor_group=pl.col("occupation_code").str.slice(0, 7),
            level_group=pl.col("skill_level").replace_strict(est.LEVEL_GROUP, default=None),
            all_levels=pl.lit("all"),
        )
    )
    leveled = emp.filter(pl.col("skill_level").is_in(est.LEVELS))
    pay = pl.col("annual_pay").sort_by("annual_pay")
    cum = pl.col("w").sort_by("annual_pay").cum_sum()
    aggs = [
        pay.filter(cum >= p * pl.col("w").sum() * (1.0 - 1e-12)).first().alias(n)
        for p, n in zip(est.QUANTILES, Q, strict=True)
    ]
    aggs += [
        pl.col("enterprise_id").n_unique().alias("n_enterprises"),
        pl.len().alias("n_employees"),
        pl.col("w").sum().alias("weighted_employees"),
        (pl.col("w") * pl.col("annual_pay")).sum().alias("weighted_total_pay"),
    ]
    tables = [  # (kind, records, key columns → output columns)
        ("occupation_level", leveled, {"occupation_code": "occupation_code", "skill_level": "skill_level"}),
        ("occupation_level", emp, {"occupation_code": "occupation_code", "all_levels": "skill_level"}),
        ("minor_group_level", leveled, {"minor_group": "minor_group", "skill_level": "skill_level"}),
        ("minor_group_level", emp, {"minor_group": "minor_group", "all_levels": "skill_level"}),
        ("industry_level_group", leveled, {"industry_section": "industry_section", "level_group": "level_group"}),
        ("industry_level_group", leveled, {"level_group": "level_group"}),
    ]
    out = []
    for kind, rows, keys in tables:
        for region, level in (("edition", "edition"), ("city", "city"), ("region_code", "district")):
            by = [region, *keys]
            cells = rows.group_by(by).agg(aggs)
            shares = (
                rows.group_by([*by, "enterprise_id"])
                .agg((pl.col("w") * pl.col("annual_pay")).sum().alias("wp"))
                .group_by(by)
                .agg(pl.col("wp").top_k(2).alias("top"))
            )
            cells = cells.join(shares, on=by, nulls_equal=True).with_columns(
                top1_share=pl.col("top").list.max() / pl.col("weighted_total_pay"),
                top2_share=pl.col("top").list.sum() / pl.col("weighted_total_pay"),
                mean=pl.col("weighted_total_pay") / pl.col("weighted_employees"),
            )
            out.append(
                cells.rename({region: "region_code", **{k: v for k, v in keys.items() if k != v}}).with_columns(
                    cell_kind=pl.lit(kind), region_level=pl.lit(level)
                )
            )
    ref = pl.concat(out, how="diagonal_relaxed")
    return ref.with_columns(*(pl.col(k).cast(pl.Utf8).fill_null("") for k in KEYS if k in ref.columns))


@pytest.mark.parametrize("seed", [1, 2])
def test_point_estimates_equal_the_definition_in_every_cell(seed: int) -> None:
    """The vectorised estimation (one pay order, one sort of packed keys per table and region level,
    enterprise × key pairs shared by the region levels) gives every cell's figures as the definition does."""
    survey = ws.generate(enterprises=150, employees=8_000, seed=seed)
    got = est.estimate_edition(
        survey.employees, survey.sample, survey.frame, region_code="320000", replicates=20 * (seed - 1), seed=seed
    ).cells.filter(pl.col("cell_kind") != "digital_level")
    got = got.with_columns(*(pl.col(k).cast(pl.Utf8).fill_null("") for k in KEYS))
    ref = _reference_cells(survey, "320000")
    assert got.height == ref.height > 1000
    assert got.select(KEYS).is_duplicated().sum() == 0
    both = got.join(ref, on=[*KEYS, "region_level"], how="inner", suffix="_ref")
    assert both.height == ref.height
    all_industries = both.filter((pl.col("cell_kind") == "industry_level_group") & (pl.col("industry_section") == ""))
    assert sorted(all_industries.filter(pl.col("region_level") == "edition")["level_group"]) == sorted(est.LEVEL_GROUPS)
    for name in Q:  # quantiles exactly
        np.testing.assert_array_equal(both[name].to_numpy(), both[f"{name}_ref"].to_numpy(), err_msg=name)
    for name in ("n_enterprises", "n_employees"):
        np.testing.assert_array_equal(both[name].to_numpy(), both[f"{name}_ref"].to_numpy(), err_msg=name)
    for name in ("weighted_employees", "weighted_total_pay", "mean", "top1_share", "top2_share"):
        np.testing.assert_allclose(both[name].to_numpy(), both[f"{name}_ref"].to_numpy(), rtol=1e-11, err_msg=name)


# Digests of every column of the edition below as computed before the replicate errors were taken a block
# of cells at a time and the tables shared among worker processes (commit eaa27f4): the figures must not
# move. lo_mean and hi_mean are left out: the mean's interval then used the normal multiplier.
PREVIOUS_DIGESTS = {
    "cells": {
        "cell_kind": "1f123890d2f64d7f",
        "region_code": "022f3521bda61548",
        "region_level": "514ecf0bc092cf09",
        "occupation_code": "0bc22e69bf972dc7",
        "minor_group": "b45dd59bb857ebee",
        "skill_level": "2710a32331128156",
        "industry_section": "cec3a3d4d53ef8fc",
        "level_group": "1a5f8c6bac27c83d",
        "n_enterprises": "446048ebacf5636d",
        "n_employees": "de7f555a7c9f46d3",
        "weighted_employees": "08e4c1d5e25bf6b2",
        "weighted_total_pay": "1a92b42ad6e66b8c",
        "p10": "d7d2a4b96ba33be7",
        "p25": "4f94c5136c9187b4",
        "p50": "d3395ba3c3417729",
        "p75": "d95b837f4839b9cf",
        "p90": "8fb9bd5460567872",
        "mean": "4695d422b9345bf1",
        "se_p10": "2a2790ac6ee6318f",
        "se_p25": "6dddb0bf46daf150",
        "se_p50": "095ee182f9c63eb1",
        "se_p75": "27dad0c25c805a2e",
        "se_p90": "a6d3ff738b0c9150",
        "se_mean": "3a09a8b593e1b0ca",
        "lo_p10": "6277a419db7f478c",
        "lo_p25": "cd8afa053746fa09",
        "lo_p50": "d192ab6f849f5426",
        "lo_p75": "55f293d7f68a1bfe",
        "lo_p90": "cdb814ff6b4dec7a",
        "hi_p10": "c2805216ee7364cd",
        "hi_p25": "dd7e9c8d80f3a584",
        "hi_p50": "7a9a2188ec1f49be",
        "hi_p75": "402044119b3dfb58",
        "hi_p90": "e3f0486868fb23bc",
        "top1_share": "239aee7d5c689535",
        "top2_share": "d5a38a087f7e6cdf",
    },
    "premium": {
        "region_code": "d9cbd7333ef927a9",
        "occupation_code": "3c5c690bec41330c",
        "minor_group": "59adbfed7acccd2a",
        "from_level": "f9436342fd354de7",
        "to_level": "e4962ea7418b750f",
        "ratio": "932456ec656f9991",
    },
}
# The premium's error and interval go through np.log and np.exp, whose last bits differ between the
# processors' vector instruction sets, so no digest of their values (not even one rounded to six
# significant digits: a value at a rounding boundary flips) holds on every machine. They are compared by
# moments instead (count, Σv, Σv², Σ i·v over the rows in order) to a relative 1e-12: last-bit
# differences move these by about 1e-16, a change of any one value by more than about 1e-10 moves them
# beyond it. Read from the implementation whose rounded digests matched the previous one's (se_ratio) and
# the interval with Student's t of the pair's design degrees of freedom (lo_ratio, hi_ratio).
PREVIOUS_MOMENTS = {
    "premium": {
        "se_ratio": (5302, 88.80744735781471, 6.816808323993206, 186560.0829424042),
        "lo_ratio": (5302, 5598.218788229137, 7067.261111259957, 15299346.946381683),
        "hi_ratio": (5302, 7960.150352268369, 15566.317343255512, 20203017.898548227),
    },
}


def _moments(values: np.ndarray) -> tuple[int, float, float, float]:
    """Count, sum, sum of squares and index-weighted sum of a column's non-missing values."""
    present = ~np.isnan(values)
    v, i = values[present], np.flatnonzero(present)
    return int(present.sum()), float(v.sum()), float((v * v).sum()), float((i * v).sum())


def _digests(df: pl.DataFrame) -> dict[str, str]:
    """SHA-256 (first 16 hex digits) of each column's values in row order: text joined, numbers as float64
    bytes."""
    out = {}
    for c in df.columns:
        col = df[c]
        if col.dtype == pl.Utf8:
            raw = "\x1f".join("\x00" if v is None else v for v in col.to_list()).encode()
        else:
            raw = np.ascontiguousarray(col.cast(pl.Float64).to_numpy()).tobytes()
        out[c] = hashlib.sha256(raw).hexdigest()[:16]
    return out


def test_every_figure_and_error_is_unchanged_and_the_same_with_two_workers() -> None:
    survey = ws.generate(enterprises=150, employees=8_000, seed=1)
    args = (survey.employees, survey.sample, survey.frame)
    one = est.estimate_edition(*args, region_code="320000", replicates=20, seed=3, workers=1)
    two = est.estimate_edition(*args, region_code="320000", replicates=20, seed=3, workers=2)
    assert one.cells.height == 18_556 and one.premium.height == 5_302
    # Two worker processes: the same frames, bit for bit.
    assert one.cells.equals(two.cells) and one.premium.equals(two.premium)
    for name, df in (("cells", one.cells), ("premium", one.premium)):
        got = _digests(df)
        changed = [c for c, digest in PREVIOUS_DIGESTS[name].items() if got[c] != digest]
        for c, expected in PREVIOUS_MOMENTS.get(name, {}).items():
            moments = _moments(df[c].cast(pl.Float64).to_numpy())
            if moments[0] != expected[0] or not np.allclose(moments[1:], expected[1:], rtol=1e-12, atol=0):
                changed.append(c)
        assert not changed, (name, changed)
    assert set(one.premium.columns) == set(PREVIOUS_DIGESTS["premium"]) | set(PREVIOUS_MOMENTS["premium"])
    assert set(_digests(one.cells)) - set(PREVIOUS_DIGESTS["cells"]) == {"lo_mean", "hi_mean"}


def test_the_means_interval_uses_students_t_with_the_cells_design_degrees_of_freedom() -> None:
    """mean ± t × SE, t the 97.5% point of Student's t with the cell's enterprises less the sampling strata
    they lie in (counted here from the records), the same t as the quantiles' Woodruff intervals."""
    from scipy.stats import t as student_t

    survey = ws.generate(enterprises=150, employees=8_000, seed=2)
    e = est.estimate_edition(
        survey.employees,
        survey.sample,
        survey.frame,
        region_code="320000",
        replicates=30,
        seed=2,
        kinds=("industry_level_group",),
    )
    c = e.cells.filter(pl.col("se_mean") > 0)
    # The cells' degrees of freedom by definition: distinct enterprises less distinct strata.
    resp = survey.sample.filter(pl.col("responded")).select("enterprise_id", *est.STRATUM)
    rows = (
        survey.employees.join(resp.rename({"industry_section": "section"}), on="enterprise_id")
        .with_columns(
            level_group=pl.col("skill_level").replace_strict(est.LEVEL_GROUP, default=None),
            city=pl.col("region_code").str.slice(0, 4) + "00",
            edition=pl.lit("320000"),
        )
        .filter(pl.col("level_group").is_not_null())
    )
    dfs = []
    for region in ("edition", "city", "region_code"):
        for by in (["section", "level_group"], ["level_group"]):
            g = rows.group_by(region, *by).agg(
                pl.col("enterprise_id").n_unique().alias("ents"),
                pl.struct("section", "size_class", "region_code").n_unique().alias("strata"),
            )
            if "section" not in by:
                g = g.with_columns(section=pl.lit(""))
            dfs.append(
                g.rename({region: "region_code"}).select("region_code", "section", "level_group", "ents", "strata")
            )
    ref = pl.concat(dfs)
    both = c.with_columns(section=pl.col("industry_section").fill_null("")).join(
        ref, on=["region_code", "section", "level_group"], how="inner"
    )
    assert both.height == c.height > 100
    t = student_t.ppf(0.975, np.maximum(both["ents"].to_numpy() - both["strata"].to_numpy(), 1))
    mean, se = both["mean"].to_numpy(), both["se_mean"].to_numpy()
    np.testing.assert_allclose(both["hi_mean"].to_numpy(), mean + t * se, rtol=1e-12)
    np.testing.assert_allclose(both["lo_mean"].to_numpy(), mean - t * se, rtol=1e-12, atol=1e-6)
    # The quantiles' intervals have the same multiplier: SE = (hi − lo) / (2 t).
    ok = both["se_p50"].to_numpy() > 0
    width = (both["hi_p50"] - both["lo_p50"]).to_numpy()
    np.testing.assert_allclose(width[ok] / (2 * both["se_p50"].to_numpy()[ok]), t[ok], rtol=1e-9)
    assert (t > 2.2).sum() > 10  # cells of few enterprises: wider than the normal multiplier 1.96


def test_premium_intervals_cover_the_population_ratio_in_95_percent_of_samples() -> None:
    """40 samples of the fixed population; the minor groups' level premiums of the province whose two
    cells have at least 10 enterprises each: about 5,000 intervals ratio × exp(± t SE of the log ratio),
    t of the pair's design degrees of freedom, 93–97% covering the ratio of the population medians (the
    normal multiplier 1.96 covered under 90%)."""
    pop = _population()
    assert pop.employees is not None
    people = (
        est.annualise(pop.employees)
        .filter(pl.col("skill_level").is_in(est.LEVELS))
        .with_columns(minor_group=pl.col("occupation_code").str.slice(0, 7))
    )
    median: dict[tuple[str, str], float] = {}
    for (group, level), df in people.group_by("minor_group", "skill_level"):
        y = np.sort(df["annual_pay"].to_numpy())
        median[(str(group), str(level))] = y[int(np.ceil(0.5 * len(y) * (1 - 1e-12))) - 1]
    covered = covered_normal = total = 0
    for sim in range(40):
        sample, emp = ws.draw(pop, seed=1000 + sim)
        e = est.estimate_edition(
            emp,
            sample,
            pop.frame,
            region_code="320000",
            replicates=100,
            seed=sim,
            kinds=("minor_group_level",),
            region_levels=("edition",),
        )
        cells = e.cells.select("minor_group", "skill_level", "n_enterprises")
        p = (
            e.premium.join(
                cells.rename({"skill_level": "from_level", "n_enterprises": "n_from"}), on=["minor_group", "from_level"]
            )
            .join(cells.rename({"skill_level": "to_level", "n_enterprises": "n_to"}), on=["minor_group", "to_level"])
            .filter((pl.col("n_from") >= 10) & (pl.col("n_to") >= 10) & (pl.col("se_ratio") > 0))
        )
        truth = np.array(
            [
                median[(g, b)] / median[(g, a)]
                for g, a, b in p.select("minor_group", "from_level", "to_level").iter_rows()
            ]
        )
        ratio, se_log = p["ratio"].to_numpy(), (p["se_ratio"] / p["ratio"]).to_numpy()
        covered += int(((p["lo_ratio"].to_numpy() <= truth) & (truth <= p["hi_ratio"].to_numpy())).sum())
        normal = (ratio * np.exp(-1.96 * se_log) <= truth) & (truth <= ratio * np.exp(1.96 * se_log))
        covered_normal += int(normal.sum())
        total += len(truth)
    print(f"premium coverage {covered / total:.4f} of {total} intervals; with 1.96 {covered_normal / total:.4f}")
    assert total > 4_000
    assert 0.93 <= covered / total <= 0.97, covered / total
    assert covered_normal / total < 0.90, covered_normal / total


def test_the_premiums_interval_uses_students_t_with_the_pairs_design_degrees_of_freedom() -> None:
    """ratio × exp(± t × SE of the log ratio), t the 97.5% point of Student's t with the enterprises in
    either of the pair's cells less the sampling strata they lie in (counted here from the records); the
    ratio and its standard error as before."""
    from scipy.stats import t as student_t

    survey = ws.generate(enterprises=150, employees=8_000, seed=2)
    e = est.estimate_edition(
        survey.employees,
        survey.sample,
        survey.frame,
        region_code="320000",
        replicates=30,
        seed=2,
        kinds=("minor_group_level",),
    )
    resp = survey.sample.filter(pl.col("responded")).select("enterprise_id", *est.STRATUM)
    rows = (
        survey.employees.select("enterprise_id", "skill_level", minor_group=pl.col("occupation_code").str.slice(0, 7))
        .join(resp.rename({"region_code": "district"}), on="enterprise_id")
        .with_columns(city=pl.col("district").str.slice(0, 4) + "00", edition=pl.lit("320000"))
        .filter(pl.col("skill_level").is_in(est.LEVELS))
    )
    pairs = e.premium.filter(pl.col("se_ratio") > 1e-6 * pl.col("ratio"))  # not the replicates' rounding
    assert pairs.height > 300
    dfs = []
    stratum = ("industry_section", "size_class", "district")
    for region in ("edition", "city", "district"):
        lower = rows.rename({"skill_level": "from_level"})
        upper = rows.rename({"skill_level": "to_level"})
        both = pairs.select(pl.col("region_code").alias(region), "minor_group", "from_level", "to_level")
        members = pl.concat(
            [
                both.join(lower, on=[region, "minor_group", "from_level"]).select(
                    *dict.fromkeys((region, "minor_group", "from_level", "enterprise_id", *stratum))
                ),
                both.join(upper, on=[region, "minor_group", "to_level"]).select(
                    *dict.fromkeys((region, "minor_group", "from_level", "enterprise_id", *stratum))
                ),
            ]
        )
        dfs.append(
            members.group_by(region, "minor_group", "from_level")
            .agg(
                pl.col("enterprise_id").n_unique().alias("ents"),
                pl.struct(*stratum).n_unique().alias("strata"),
            )
            .rename({region: "region_code"})
        )
    ref = pl.concat(dfs)
    got = pairs.join(ref, on=["region_code", "minor_group", "from_level"], how="inner")
    assert got.height == pairs.height
    df = np.maximum(got["ents"].to_numpy() - got["strata"].to_numpy(), 1)
    t = student_t.ppf(0.975, df)
    ratio, se_log = got["ratio"].to_numpy(), (got["se_ratio"] / got["ratio"]).to_numpy()
    np.testing.assert_allclose(got["hi_ratio"].to_numpy(), ratio * np.exp(t * se_log), rtol=1e-12)
    np.testing.assert_allclose(got["lo_ratio"].to_numpy(), ratio * np.exp(-t * se_log), rtol=1e-12)
    assert len(np.unique(df)) >= 5 and (t > 2.2).sum() > 10
