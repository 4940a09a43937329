"""Estimation of wage prices: annual pay, weights, quantiles, and coverage of the intervals by simulation."""

from __future__ import annotations

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
    P10 … P90 and the mean."""
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
