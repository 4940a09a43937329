"""Wage prices (工资价位) from an enterprise salary survey: weights, quantiles, means and their errors.

Method (the notice of method quotes this):

* **Annual pay** (yuan per year): base pay, bonus, allowances and overtime pay received over the months
  worked, times 12 / months worked (part-year employees are annualised, not counted as low earners).
* **Design weights**: enterprises are sampled without replacement within strata of industry section ×
  size class × district; an enterprise's design weight is N_h / n_h (enterprises in the frame's stratum
  over enterprises sampled in it).
* **Non-response**: within adjustment cells, respondents carry the design weight of the non-respondents
  (weight × sampled design weight / responding design weight). A stratum with fewer than two respondents
  is collapsed with its neighbours: first industry × size × city, then size × city, then size class,
  then all; the collapses made are listed in ``.method``.
* **Calibration**: respondents' weights are raked to the frame's employment totals (registry employment
  and employment statistics) by city × industry section and by city × size class, the enterprise's
  employment as auxiliary variable, with the adjustment factors bounded to [0.3, 3]; margins without any
  respondent are left out (listed). Each employee record carries its enterprise's weight times the
  enterprise's employment over its records.
* **Estimates** per cell: one weighted CDF (records sorted once by pay within the cell); P10, P25, P50,
  P75, P90 are its inverse at 0.1 … 0.9 (the smallest pay whose weighted share reaches p), so they are
  monotone by construction; the mean is the weighted total pay over the weighted employees.
* **Errors**: a Rao–Wu rescaling bootstrap over enterprises within strata (n_h − 1 draws with
  replacement among the stratum's sampled enterprises), each enterprise's factor rescaled with
  √(1 − f), f = n_h / N_h × the response rate of its non-response cell (response is treated as a second
  random selection); strata with one sampled enterprise are pooled by size class and city, without a
  correction. This gives replicate weights for every enterprise; each replicate repeats the
  non-response adjustment and the calibration. Standard errors are the replicates' standard deviation.
  Quantiles use Woodruff intervals: the replicate standard error s of the estimated CDF at the quantile
  gives the 95% interval [Q(p − t s), Q(p + t s)] mapped back through the cell's CDF, t the 97.5%
  point of Student's t with the cell's design degrees of freedom (its enterprises less the sampling
  strata they lie in, at least 1), and the standard error is its width / (2 t); interval ends are made
  monotone across P10 … P90. The t multiplier matters in the tails: the share of records above P90
  comes from few enterprises, so its replicate standard error is itself uncertain (in the coverage
  simulation its coefficient of variation was 0.52 at P90 against 0.27 at the median) and a normal
  multiplier left the P90 intervals covering 91 % of the time. The mean's interval is mean ± t SE with
  the same t (the cell's design degrees of freedom), so that every figure of a cell is judged alike.
  The level premium (ratio of the medians of two adjacent levels) uses replicate medians linearised
  through the same CDFs, so that both medians share each replicate; its 95% interval is
  ratio × exp(± t SE), SE the replicate standard error of the log ratio and t the 97.5% point of
  Student's t with the pair's design degrees of freedom, counted as a cell's over the two cells together
  (the enterprises in either cell less the sampling strata they lie in, at least 1). A normal multiplier
  left these intervals covering 88 % of the time in the simulation, the pair's t 94 %.
* Replicate sums are enterprise-level aggregates per cell times the enterprise replicate weights (a
  sparse product in single precision), never a pass over the employee records per replicate; their
  ratios and standard deviations are taken in double precision a block of cells at a time. The cell
  tables are independent and can be computed by ``workers`` forked processes side by side; the figures
  are the same whatever the number of workers.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
import scipy.sparse as sp
from scipy.stats import t as student_t

QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
Q_NAMES = ("p10", "p25", "p50", "p75", "p90")
LEVELS = ("level5", "level4", "level3", "level2", "level1")  # 初级工 … 高级技师
LEVEL_GROUP = {"level1": "high", "level2": "high", "level3": "high", "level4": "intermediate", "level5": "junior"}
LEVEL_GROUPS = ("high", "intermediate", "junior")
STRATUM = ("industry_section", "size_class", "region_code")
MIN_RESPONDENTS = 2
CALIBRATION_BOUNDS = (0.3, 3.0)
# Processes computing the cell tables (the tables are independent). One: on the shared 2-core machine two
# forked workers took 45-65 % more wall-clock time than one process at loads of 3.5-10, and cost more CPU
# at every load measured (docs/performance.md).
ESTIMATION_WORKERS = 1
MIN_CALIBRATION_RESPONDENTS = 3

CELL_KINDS: dict[str, tuple[str, ...]] = {
    "occupation_level": ("region_code", "occupation_code", "skill_level"),
    "minor_group_level": ("region_code", "minor_group", "skill_level"),
    "industry_level_group": ("region_code", "industry_section", "level_group"),
    "digital_level": ("region_code", "occupation_code", "skill_level"),
}
PAY_COMPONENTS = ("base_pay", "bonus", "allowances", "overtime_pay")
CELL_COLUMNS = (
    "cell_kind",
    "region_code",
    "region_level",
    "occupation_code",
    "minor_group",
    "skill_level",
    "industry_section",
    "level_group",
    "n_enterprises",
    "n_employees",
    "weighted_employees",
    "weighted_total_pay",
    "p10",
    "p25",
    "p50",
    "p75",
    "p90",
    "mean",
    *(f"se_{q}" for q in ("p10", "p25", "p50", "p75", "p90", "mean")),
    *(f"lo_{q}" for q in ("p10", "p25", "p50", "p75", "p90", "mean")),
    *(f"hi_{q}" for q in ("p10", "p25", "p50", "p75", "p90", "mean")),
    "top1_share",
    "top2_share",
)


@dataclass
class EditionEstimate:
    cells: pl.DataFrame
    premium: pl.DataFrame
    method: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------- pay


def annualise(employees: pl.DataFrame) -> pl.DataFrame:
    """``employees`` with ``annual_pay``: the pay components received over the months worked, × 12 / months."""
    months = employees["months_worked"]
    if months.null_count() or int(months.min() or 0) < 1 or int(months.max() or 0) > 12:  # type: ignore[arg-type]
        raise ValueError("months_worked must be 1..12")
    total = pl.sum_horizontal(*(pl.col(c).fill_null(0.0) for c in PAY_COMPONENTS))
    return employees.with_columns(annual_pay=(total * 12.0 / pl.col("months_worked")).cast(pl.Float64))


# ------------------------------------------------------------------------------------------- weights


def _codes(values: np.ndarray | pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Dense integer codes of values and the sorted unique values."""
    uniq, inv = np.unique(np.asarray(values), return_inverse=True)
    return inv.astype(np.int64), uniq


def _group_sum(groups: np.ndarray, ngroups: int, values: np.ndarray) -> np.ndarray:
    """Sums of the rows of ``values`` (n × k) by group → ngroups × k."""
    n = len(groups)
    ind = sp.csr_matrix((np.ones(n), (groups, np.arange(n))), shape=(ngroups, n))
    return np.asarray(ind @ values)


@dataclass
class _Design:
    """The sample's strata, adjustment cells, calibration margins, and replicate factors."""

    sample: pl.DataFrame
    stratum: np.ndarray
    design_weight: np.ndarray
    responded: np.ndarray
    employment: np.ndarray
    nr_cell: np.ndarray
    margins: list[tuple[np.ndarray, np.ndarray]]  # (group index per enterprise, target totals)
    notes: dict[str, Any]


def _design(sample: pl.DataFrame, frame: pl.DataFrame, employees: pl.DataFrame | None) -> _Design:
    for col in ("enterprise_id", *STRATUM, "responded"):
        if col not in sample.columns:
            raise ValueError(f"sample lacks the column {col}")
    s = sample.with_columns(pl.col("region_code").cast(pl.Utf8))
    if "employment" not in s.columns or s["employment"].null_count():
        if employees is None:
            raise ValueError("sample lacks employment: pass the employee records to count them")
        counts = employees.group_by("enterprise_id").agg(pl.len().cast(pl.Float64).alias("_records"))
        s = s.join(counts, on="enterprise_id", how="left")
        if "employment" in s.columns:
            s = s.with_columns(pl.col("employment").cast(pl.Float64).fill_null(pl.col("_records")))
        else:
            s = s.with_columns(employment=pl.col("_records"))
        s = s.drop("_records")
    s = s.with_columns(pl.col("employment").cast(pl.Float64).fill_null(0.0))
    f = frame.select(*STRATUM, "population_enterprises", "population_employment").with_columns(
        pl.col("region_code").cast(pl.Utf8)
    )
    s = s.join(f, on=list(STRATUM), how="left")
    missing = s.filter(pl.col("population_enterprises").is_null())
    if missing.height:
        r = missing.row(0, named=True)
        raise ValueError(
            f"enterprise {r['enterprise_id']}: stratum {r['industry_section']}/{r['size_class']}/{r['region_code']} "
            "is not in the sample frame"
        )
    s = s.with_columns(n_h=pl.len().over(list(STRATUM)))
    s = s.with_columns(
        design_weight=pl.max_horizontal(pl.col("population_enterprises"), pl.col("n_h")).cast(pl.Float64)
        / pl.col("n_h")
    )
    responded = s["responded"].fill_null(False).to_numpy().astype(bool)
    stratum, _ = _codes((s["industry_section"] + "|" + s["size_class"] + "|" + s["region_code"]).to_numpy())
    city = (s["region_code"].str.slice(0, 4) + "00").to_numpy()
    sec = s["industry_section"].to_numpy()
    size = s["size_class"].to_numpy()
    # Non-response adjustment cells: the finest level with enough respondents among the unassigned.
    levels = [
        ("stratum", stratum.astype(str)),
        ("industry_size_city", sec + "|" + size + "|" + city),
        ("size_city", size + "|" + city),
        ("size", size.astype(str)),
        ("all", np.full(len(s), "all")),
    ]
    cell = np.full(len(s), "", dtype=object)
    collapsed: dict[str, int] = {}
    for name, key in levels:
        open_ = cell == ""
        if not open_.any():
            break
        keys = np.array([f"{name}:{k}" for k in key[open_]], dtype=object)
        uniq, inv = np.unique(keys, return_inverse=True)
        resp = np.bincount(inv, weights=responded[open_].astype(float), minlength=len(uniq))
        ok = resp[inv] >= (MIN_RESPONDENTS if name != "all" else 1)
        idx = np.flatnonzero(open_)[ok]
        cell[idx] = keys[ok]
        if name != "stratum" and ok.any():
            collapsed[name] = int(len(np.unique(stratum[idx])))
    nr_cell, _ = _codes(cell.astype(str))
    # Calibration margins: employment by city × section and city × size, where respondents exist.
    fr = f.with_columns(city=pl.col("region_code").str.slice(0, 4) + "00")
    margins = []
    dropped: list[str] = []
    for a, b in (("city", "industry_section"), ("city", "size_class")):
        tot = fr.group_by(a, b).agg(pl.col("population_employment").sum().alias("t"))
        keys_s = np.char.add(
            np.char.add(city.astype(str) if a == "city" else sec.astype(str), "|"),
            (sec if b == "industry_section" else size).astype(str),
        )
        tkeys = (tot[a] + "|" + tot[b]).to_numpy().astype(str)
        tmap = dict(zip(tkeys, tot["t"].to_numpy(), strict=True))
        uniq, inv = np.unique(keys_s, return_inverse=True)
        resp_in = (
            np.bincount(inv, weights=responded * (s["employment"].to_numpy() > 0), minlength=len(uniq))
            >= MIN_CALIBRATION_RESPONDENTS
        )
        target = np.array([tmap.get(k, np.nan) for k in uniq])
        for k, okk in zip(uniq, resp_in, strict=True):
            if not okk:
                dropped.append(f"{a}×{b} {k}")
        # Groups with fewer respondents are left out: their targets could need factors beyond the bounds.
        target = np.where(resp_in, target, np.nan)
        margins.append((inv, target))
    notes = {
        "strata_sampled": int(stratum.max() + 1) if len(stratum) else 0,
        "nonresponse_cells": int(nr_cell.max() + 1) if len(nr_cell) else 0,
        "collapsed_strata": collapsed,
        "calibration_margins_dropped": dropped,
    }
    return _Design(
        sample=s,
        stratum=stratum,
        design_weight=s["design_weight"].to_numpy(),
        responded=responded,
        employment=s["employment"].to_numpy().astype(float),
        nr_cell=nr_cell,
        margins=margins,
        notes=notes,
    )


def _adjust(d: _Design, base: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Non-response adjustment and calibration of the columns of ``base`` (n × k design weights)."""
    ncell = int(d.nr_cell.max()) + 1
    all_w = _group_sum(d.nr_cell, ncell, base)
    resp_base = base * d.responded[:, None]
    resp_w = _group_sum(d.nr_cell, ncell, resp_base)
    factor = np.divide(all_w, resp_w, out=np.zeros_like(all_w), where=resp_w > 0)
    nr = resp_base * factor[d.nr_cell]
    w = nr.copy()
    lo, hi = CALIBRATION_BOUNDS
    x = d.employment[:, None]
    n = len(x)
    inds = [
        (sp.csr_matrix((np.ones(n), (g, np.arange(n))), shape=(len(t), n)), g, t, ~np.isnan(t)) for g, t in d.margins
    ]
    iterations = 0
    worst = previous = np.inf
    for iterations in range(1, 101):  # noqa: B007
        for ind, g, target, ok in inds:
            sums = np.asarray(ind @ (w * x))
            f = np.divide(target[:, None], sums, out=np.ones_like(sums), where=(sums > 0) & ok[:, None])
            w *= f[g]
        np.clip(w, lo * nr, hi * nr, out=w)
        worst = 0.0
        for ind, _g, target, ok in inds:
            if ok.any():
                sums = np.asarray(ind @ (w[:, :1] * x))
                worst = max(worst, float(np.max(np.abs(sums[ok, 0] / target[ok] - 1.0))))
        if worst < 1e-8 or previous - worst < 1e-10:  # converged, or stalled at the bounds
            break
        previous = worst
    d.notes["calibration_max_deviation"] = worst
    return nr, w, iterations


def weights(sample: pl.DataFrame, frame: pl.DataFrame, *, employees: pl.DataFrame | None = None) -> pl.DataFrame:
    """``sample`` + design_weight (N_h/n_h), nonresponse_weight and final_weight (calibrated; 0 for
    non-respondents). ``employees`` is needed only when the sample has no ``employment`` column."""
    d = _design(sample, frame, employees)
    nr, w, _ = _adjust(d, d.design_weight[:, None])
    return d.sample.drop("population_enterprises", "population_employment", "n_h").with_columns(
        nonresponse_weight=pl.Series(nr[:, 0]), final_weight=pl.Series(w[:, 0])
    )


def _replicate_factors(d: _Design, replicates: int, seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Rao–Wu rescaling bootstrap factors (n × R) over enterprises within (pooled) strata."""
    rng = np.random.default_rng(seed)
    s = d.sample
    n_h = s["n_h"].to_numpy()
    # The finite-population correction counts the enterprises that both were sampled and responded:
    # response is a second random selection (missing at random within the non-response cells), so the
    # sampling fraction is scaled by the cell's response rate.
    dw = d.design_weight
    ncell = int(d.nr_cell.max()) + 1
    rate = np.bincount(d.nr_cell, weights=dw * d.responded, minlength=ncell) / np.maximum(
        np.bincount(d.nr_cell, weights=dw, minlength=ncell), 1e-300
    )
    f_h = np.minimum(1.0, n_h / s["population_enterprises"].to_numpy().astype(float)) * rate[d.nr_cell]
    vstrat = d.stratum.astype(str).astype(object)
    # A stratum with one sampled enterprise pools with others (of its size class and city) for variance.
    single = n_h < 2
    pooled = int(single.sum())
    if single.any():
        city = (s["region_code"].str.slice(0, 4) + "00").to_numpy()
        vstrat = np.where(single, "pool:" + s["size_class"].to_numpy() + "|" + city, vstrat)
        _uniq, inv = np.unique(vstrat.astype(str), return_inverse=True)
        cnt = np.bincount(inv)
        still = single & (cnt[inv] < 2)
        vstrat = np.where(still, "pool:" + s["size_class"].to_numpy(), vstrat)
        _uniq, inv = np.unique(vstrat.astype(str), return_inverse=True)
        cnt = np.bincount(inv)
        vstrat = np.where(single & (cnt[inv] < 2), "pool:all", vstrat)
        f_h = np.where(single, 0.0, f_h)
    v, _ = _codes(vstrat.astype(str))
    order = np.argsort(v, kind="stable")
    vs = v[order]
    nv = int(v.max()) + 1
    size = np.bincount(vs, minlength=nv)
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    fpc = np.bincount(v, weights=f_h, minlength=nv) / np.maximum(np.bincount(v, minlength=nv), 1)  # mean f
    m = np.maximum(size - 1, 0)
    # Each enterprise's own correction (pooled strata mix enterprises of different sampling fractions).
    lam_unit = np.sqrt(np.maximum(0.0, 1.0 - f_h))[order]
    del fpc
    # Draws: for every stratum with n ≥ 2, m_h positions uniformly among its n_h enterprises.
    draw_strata = np.repeat(np.arange(nv), m)
    factors = np.ones((len(v), replicates), dtype=np.float64)
    nn = len(v)
    for r in range(replicates):
        pos = start[draw_strata] + (rng.random(len(draw_strata)) * size[draw_strata]).astype(np.int64)
        counts = np.bincount(pos, minlength=nn).astype(float)
        k = vs  # stratum of each sorted position
        ok = size[k] >= 2
        fac = np.ones(nn)
        fac[ok] = 1.0 - lam_unit[ok] + lam_unit[ok] * size[k[ok]] / m[k[ok]] * counts[ok]
        factors[order, r] = fac
    return factors, {"variance_strata": nv, "strata_pooled_for_variance": pooled}


# ---------------------------------------------------------------------------------------- estimation


@dataclass
class _Rows:
    """The employee records prepared once, in ascending order of pay (ties in their input order)."""

    ent: np.ndarray  # index into the respondent enterprises
    pay: np.ndarray  # ascending
    w: np.ndarray  # full-sample weight of each record
    region: dict[str, np.ndarray]  # level name → region index of each enterprise
    region_codes: dict[str, np.ndarray]
    stratum: np.ndarray  # sampling stratum of each enterprise
    stratum_region: dict[str, np.ndarray] = field(default_factory=dict)  # level name → region index per stratum
    last_tie: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # last position of equal pay


@dataclass
class _Pairs:
    """The enterprise × key pairs of one kind's records. An enterprise lies in one region, so the pairs
    are the same at every region level; only the cells they fall in differ. Pairs are in order of
    (key, enterprise), and each pair's sums run over its records in order of pay."""

    sel: np.ndarray  # positions (in pay order) of the kind's records
    of_row: np.ndarray  # pair of each position, -1 outside the kind's records
    key: np.ndarray
    ent: np.ndarray
    n: np.ndarray  # records (float)
    pay: np.ndarray  # total pay of the records
    w: np.ndarray  # weighted records (full sample)
    wp: np.ndarray  # weighted pay (full sample)
    key_strata: np.ndarray  # the distinct (key × strata + stratum) of the pairs


def _sort_packed(major: np.ndarray, minor: np.ndarray, nminor: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """(major, minor) in lexicographic order, for distinct non-negative ``minor`` below ``nminor``: one
    sort of packed 64-bit integers (major shifted left by ``bits``, minor in the low bits), several times
    faster than an argsort of either, and unpacked by shifts and masks rather than divisions. Returns
    the sorted majors and minors, the sorted packed integers and ``bits``."""
    bits = max(1, int(nminor - 1).bit_length())
    packed = np.left_shift(major.astype(np.int64), bits)
    packed |= minor
    packed.sort()
    return packed >> bits, packed & ((1 << bits) - 1), packed, bits


def _pairs(rows: _Rows, key: np.ndarray, mask: np.ndarray, nent: int) -> _Pairs:
    n = len(rows.pay)
    sel = np.flatnonzero(mask)
    pk, pos, _packed, _bits = _sort_packed(key[sel] * nent + rows.ent[sel], sel, n)
    new = np.ones(len(pk), dtype=bool)
    np.not_equal(pk[1:], pk[:-1], out=new[1:])
    idx = np.cumsum(new) - 1
    upk = pk[new]
    npair = len(upk)
    of_row = np.full(n, -1, dtype=np.int64)
    of_row[pos] = idx
    w, pay = rows.w[pos], rows.pay[pos]
    return _Pairs(
        sel=sel,
        of_row=of_row,
        key=upk // nent,
        ent=upk % nent,
        n=np.bincount(idx, minlength=npair).astype(float),
        pay=np.bincount(idx, weights=pay, minlength=npair),
        w=np.bincount(idx, weights=w, minlength=npair),
        wp=np.bincount(idx, weights=w * pay, minlength=npair),
        key_strata=np.unique(upk // nent * len(rows.stratum_region["edition"]) + rows.stratum[upk % nent]),
    )


def _replicate_sd(a: np.ndarray) -> np.ndarray:
    """Standard deviation (ddof 1) over the last axis, leaving out NaN (replicates without weight in the
    cell); NaN where fewer than two replicates remain. As ``np.nanvar``, without its copies."""
    valid = ~np.isnan(a)
    cnt = valid.sum(axis=-1)
    x = np.where(valid, a, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = x.sum(axis=-1) / cnt
        np.subtract(x, mean[..., None], out=x)
        x *= valid
        np.multiply(x, x, out=x)
        var = x.sum(axis=-1) / (cnt - 1)
    return np.sqrt(np.where(cnt > 1, var, np.nan))


CHUNK_CELLS = 2048


def _replicate_errors(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From the replicate sums ``Y`` (cells × (employees, pay, CDF counts…) × R, float32): the replicate
    standard errors of the mean and of the CDF at each quantile, and the replicate CDF at the median.
    The ratios are taken in double precision, a block of cells at a time (the block's arrays stay in
    the processor's cache)."""
    ncell, nq, _R = Y.shape
    se_mean = np.empty(ncell)
    se_F = np.empty((ncell, nq - 2))
    F50_r = np.empty((ncell, Y.shape[2]))
    with np.errstate(invalid="ignore", divide="ignore"):
        for a in range(0, ncell, CHUNK_CELLS):
            b = min(a + CHUNK_CELLS, ncell)
            emp_r = Y[a:b, 0, :].astype(np.float64)
            mean_r = np.divide(Y[a:b, 1, :], emp_r, dtype=np.float64)
            F_r = np.divide(Y[a:b, 2:, :], emp_r[:, None, :], dtype=np.float64)
            se_mean[a:b] = _replicate_sd(mean_r)
            F50_r[a:b] = F_r[:, (nq - 2) // 2, :]
            se_F[a:b] = _replicate_sd(F_r)
    return se_mean, se_F, F50_r


def _t975(df: np.ndarray) -> np.ndarray:
    """The 97.5% point of Student's t for each degrees of freedom in ``df`` (computed once per value)."""
    uniq, inv = np.unique(df, return_inverse=True)
    return np.asarray(student_t.ppf(0.975, uniq))[inv]


def _union_df_with_next(
    cell_key: np.ndarray,
    n_ent: np.ndarray,
    pair_cell: np.ndarray,
    pair_ent: np.ndarray,
    nent: int,
    strata_cell: np.ndarray,
    strata: np.ndarray,
    nstrata: int,
) -> np.ndarray:
    """Design degrees of freedom of each cell joined with the cell of the next key (``cell_key`` + 1, the
    next skill level of the premium table): the enterprises in either cell less the sampling strata they
    lie in, at least 1, as a cell's own are counted; 0 where there is no such cell.

    ``pair_cell`` / ``pair_ent``: the cell and enterprise of each distinct (cell, enterprise);
    ``strata_cell`` / ``strata``: the cell and stratum of each distinct (cell, stratum)."""
    ncell = len(cell_key)
    if ncell == 0:
        return np.zeros(0, dtype=np.int64)
    nxt = np.minimum(np.searchsorted(cell_key, cell_key + 1), ncell - 1)
    has = cell_key[nxt] == cell_key + 1

    def shared(cell: np.ndarray, member: np.ndarray, nmember: int) -> np.ndarray:
        """Per cell, its members that the next cell has too."""
        codes = np.sort(cell.astype(np.int64) * nmember + member)
        probe = nxt[cell].astype(np.int64) * nmember + member
        found = codes[np.minimum(np.searchsorted(codes, probe), len(codes) - 1)] == probe
        return np.bincount(cell[found & has[cell]], minlength=ncell)

    n_strata = np.bincount(strata_cell, minlength=ncell)
    ents = n_ent + n_ent[nxt] - shared(pair_cell, pair_ent, nent)
    in_strata = n_strata + n_strata[nxt] - shared(strata_cell, strata, nstrata)
    return np.where(has, np.maximum(ents - in_strata, 1), 0)


def _cells_for(
    rows: _Rows,
    pairs: _Pairs,
    W: np.ndarray,
    *,
    key: np.ndarray,
    nkey: int,
    region_level: str,
    with_next: bool = False,
) -> dict[str, np.ndarray]:
    """Estimates of every cell (region at ``region_level`` × ``key``) over the pairs' records.

    ``W``: enterprise replicate weights (n_ent × (1 + R), float32). Returns arrays per cell; with
    ``with_next``, also the design degrees of freedom of each cell joined with the next key's cell
    (``df_next``, for the premium table).
    """
    n = len(rows.pay)
    sel = pairs.sel
    reg_ent = rows.region[region_level]
    nreg = len(rows.region_codes[region_level])
    ckey = reg_ent[rows.ent[sel]] * nkey + key[sel]
    present = np.bincount(ckey, minlength=nreg * nkey) > 0
    cell_u = np.flatnonzero(present)
    remap = np.cumsum(present) - 1
    ncell = len(cell_u)
    # The records by (cell, pay): one sort of packed integers (positions are ranks of pay).
    cell_s, row_s, packed, bits = _sort_packed(remap[ckey], sel, n)
    pay_s = rows.pay[row_s]
    w_s = rows.w[row_s]
    cum = np.cumsum(w_s)
    bounds = np.searchsorted(cell_s, np.arange(ncell + 1))
    begin, end = bounds[:-1], bounds[1:]
    before = np.where(begin > 0, cum[np.maximum(begin - 1, 0)], 0.0)
    total = cum[end - 1] - before

    def inv_cdf_at(prob: np.ndarray) -> np.ndarray:
        """Position (in the (cell, pay) order) of Q(prob) per cell (prob: ncell × k): the smallest pay whose
        cumulative share reaches prob."""
        prob = np.clip(prob, 0.0, 1.0)
        target = before[:, None] + prob * total[:, None] * (1.0 - 1e-12)
        idx = np.searchsorted(cum, target.ravel(), side="left").reshape(target.shape)
        return np.clip(idx, begin[:, None], end[:, None] - 1)

    def inv_cdf(prob: np.ndarray) -> np.ndarray:
        return pay_s[inv_cdf_at(prob)]

    p = np.array(QUANTILES)
    q_at = inv_cdf_at(np.broadcast_to(p, (ncell, len(p))))
    q = pay_s[q_at]
    # Enterprise × cell aggregates: the kind's pairs, each in the cell of its enterprise's region.
    pair_cell = remap[reg_ent[pairs.ent] * nkey + pairs.key]
    wemp = np.bincount(pair_cell, weights=pairs.w, minlength=ncell)
    wpay = np.bincount(pair_cell, weights=pairs.wp, minlength=ncell)
    n_ent = np.bincount(pair_cell, minlength=ncell)
    n_emp = np.bincount(pair_cell, weights=pairs.n, minlength=ncell)
    # Largest enterprises' shares of the cell's weighted total pay.
    top1 = np.zeros(ncell)
    np.maximum.at(top1, pair_cell, pairs.wp)
    is_top = pairs.wp == top1[pair_cell]
    second = np.zeros(ncell)
    np.maximum.at(second, pair_cell[~is_top], pairs.wp[~is_top])
    second = np.where(np.bincount(pair_cell[is_top], minlength=ncell) >= 2, top1, second)
    top2 = top1 + second
    # Design degrees of freedom of the cell: its enterprises less the sampling strata they lie in.
    # A stratum lies in one district, so the distinct (key, stratum) pairs (found once per table) fall
    # each in one cell at every region level.
    nstrata = len(rows.stratum_region[region_level])
    key_strata = pairs.key_strata
    cell_strata = remap[rows.stratum_region[region_level][key_strata % nstrata] * nkey + key_strata // nstrata]
    df = np.maximum(n_ent - np.bincount(cell_strata, minlength=ncell), 1)
    df_next = (
        _union_df_with_next(cell_u, n_ent, pair_cell, pairs.ent, W.shape[0], cell_strata, key_strata % nstrata, nstrata)
        if with_next
        else np.zeros(0, dtype=np.int64)
    )
    R = W.shape[1] - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = wpay / wemp
    if R == 0:  # point estimates only
        nan = np.full((ncell, len(p)), np.nan)
        lo, hi, se_q, se_mean, med_r = nan, nan.copy(), nan.copy(), np.full(ncell, np.nan), np.zeros((ncell, 0))
        t = np.full((ncell, 1), np.nan)
    else:
        # Threshold count per record: how many of the cell's quantiles its pay does not exceed. Within a
        # cell the records ascend in pay, so the records above Q_j start at one position t_j (the first
        # after the last record of Q_j's rank among ties); the records at or above a position are counted
        # through the cumulative count of all cells' thresholds (every threshold of an earlier cell lies
        # at or before the cell's first record, none of a later cell before its end).
        last = np.left_shift(np.arange(ncell, dtype=np.int64)[:, None], bits) | rows.last_tie[row_s[q_at]]
        t_at = np.searchsorted(packed, last.ravel(), "right")
        passed = np.cumsum(np.bincount(t_at, minlength=len(sel) + 1)[: len(sel)])
        k = len(p) * (cell_s + 1) - passed
        del passed
        npair = len(pair_cell)
        cnt_k = np.bincount(pairs.of_row[row_s] * 6 + k, minlength=npair * 6).reshape(npair, 6)
        # y ≤ Q(p_j) ⇔ k ≥ 5 − j
        le = np.cumsum(cnt_k[:, ::-1], axis=1)[:, ::-1][:, 1:][:, ::-1]  # le[:, j] = count(k ≥ 5 − j)
        # Replicates: rows (cell, quantity) × enterprises times W (without the full-sample column).
        nq = 2 + len(p)
        data = np.column_stack([pairs.n, pairs.pay, le]).astype(np.float32)
        rr = (pair_cell[:, None] * nq + np.arange(nq)[None, :]).ravel()
        cc = np.repeat(pairs.ent, nq)
        A = sp.csr_matrix((data.ravel(), (rr, cc)), shape=(ncell * nq, W.shape[0]))
        Y = np.asarray(A @ W[:, 1:]).reshape(ncell, nq, R)  # float32 sums
        se_mean, se_F, F50_r = _replicate_errors(Y)
        # The full-sample CDF at the quantiles, by the same aggregation (weights from W's column 0).
        le_w = np.zeros((ncell, len(p)))
        for j in range(len(p)):
            le_w[:, j] = np.bincount(pair_cell, weights=le[:, j] * pairs.w / np.maximum(pairs.n, 1), minlength=ncell)
        F = le_w / wemp[:, None]
        t = _t975(df)[:, None]
        lo = inv_cdf(p[None, :] - t * se_F)
        hi = inv_cdf(p[None, :] + t * se_F)
        lo = np.maximum.accumulate(np.minimum(lo, q), axis=1)
        hi = np.maximum.accumulate(np.maximum(hi, q), axis=1)
        se_q = (hi - lo) / (2 * t)
        # Linearised replicate medians for the premium table: Q_r = Q − (F_r − F) × (hi − lo) / (2 t s_F).
        j50 = 2
        slope = np.divide(
            hi[:, j50] - lo[:, j50], 2 * t[:, 0] * se_F[:, j50], out=np.zeros(ncell), where=se_F[:, j50] > 0
        )
        med_r = q[:, j50, None] - (F50_r - F[:, j50, None]) * slope[:, None]
    return {
        "cell_key": cell_u,
        "n_enterprises": n_ent,
        "n_employees": n_emp.astype(np.int64),
        "weighted_employees": wemp,
        "weighted_total_pay": wpay,
        "q": q,
        "lo": lo,
        "hi": hi,
        "se_q": se_q,
        "t": t[:, 0],
        "df_next": df_next,
        "mean": mean,
        "se_mean": se_mean,
        "top1_share": np.divide(top1, wpay, out=np.zeros(ncell), where=wpay > 0),
        "top2_share": np.divide(top2, wpay, out=np.zeros(ncell), where=wpay > 0),
        "median_replicates": med_r,
    }


# The table functions of the running estimations by a token, for their forked workers (which see the
# dictionary as it was when they were forked, so concurrent estimations in threads keep to their own).
_TABLES: dict[int, Callable[[int], Any]] = {}
_TOKENS = itertools.count()


def _table_in_worker(token_index: tuple[int, int]) -> Any:
    token, index = token_index
    return _TABLES[token](index)


def _run_tables(
    table: Callable[[int], Any], ntables: int, workers: int, progress: Callable[[str, float], None] | None
) -> list[Any]:
    """``table(i)`` for every table, in order. With several workers the tables are shared among forked
    processes: they inherit the prepared records (nothing is copied to them), compute a table's figures
    exactly as the parent would (numpy and scipy only), and send back its arrays."""
    if progress:
        progress("cells", 0.0)
    usable = (
        workers > 1
        and ntables > 1
        and "fork" in mp.get_all_start_methods()
        and not mp.current_process().daemon  # a daemonic process may not have children
    )
    if not usable:
        out = []
        for i in range(ntables):
            out.append(table(i))
            if progress:
                progress("cells", (i + 1) / ntables)
        return out
    token = next(_TOKENS)
    _TABLES[token] = table
    try:
        with mp.get_context("fork").Pool(min(workers, ntables)) as pool:
            out = []
            jobs = [(token, i) for i in range(ntables)]
            for i, res in enumerate(pool.imap(_table_in_worker, jobs, chunksize=1)):
                out.append(res)
                if progress:
                    progress("cells", (i + 1) / ntables)
            return out
    finally:
        del _TABLES[token]


def _region_prefix(region_code: str) -> str:
    if region_code.endswith("0000"):
        return region_code[:2]
    return region_code[:4] if region_code.endswith("00") else region_code


def _dense_codes(column: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a string column, numbered in the order of the sorted distinct values (a hash
    lookup per row, no sort of the rows)."""
    column = column.cast(pl.Utf8).fill_null("")
    uniq = np.sort(column.unique().to_numpy().astype(str))
    codes = column.replace_strict(list(uniq), list(range(len(uniq))), return_dtype=pl.Int64)
    return codes.to_numpy(), uniq


def estimate_edition(
    employees: pl.DataFrame,
    sample: pl.DataFrame,
    frame: pl.DataFrame,
    *,
    region_code: str,
    replicates: int = 100,
    seed: int = 1,
    digital_occupations: set[str] | frozenset[str] | None = None,
    kinds: tuple[str, ...] | None = None,
    region_levels: tuple[str, ...] | None = None,
    progress: Callable[[str, float], None] | None = None,
    workers: int | None = None,
) -> EditionEstimate:
    """Every cell of an edition for ``region_code`` (province, city or district) and the cities and
    districts inside it, with standard errors and 95% intervals; see the module's docstring.

    ``digital_occupations``: codes of digital occupations (default: the reference list's flags).
    ``kinds`` / ``region_levels`` restrict the cells computed (default: all kinds; "edition", "city",
    "district"). ``progress(stage, fraction)``, if given, is called as each stage starts ("weights",
    "replicates", "cells") and as the cells advance. ``workers``: processes computing the cell tables side by
    side (default: ``ESTIMATION_WORKERS``, at most the processor's cores); the figures do not depend on it.
    """
    if replicates == 1 or replicates < 0:
        raise ValueError("replicates must be 0 (point estimates only) or at least 2")
    if workers is None:
        workers = min(ESTIMATION_WORKERS, os.cpu_count() or 1)
    if workers < 1:
        raise ValueError("workers must be at least 1")
    only_levels = region_levels
    if progress:
        progress("weights", 0.0)
    d = _design(sample, frame, employees)
    if replicates:
        if progress:
            progress("replicates", 0.0)
        factors, vnotes = _replicate_factors(d, replicates, seed)
    else:
        factors, vnotes = np.zeros((len(d.design_weight), 0)), {}
    base = d.design_weight[:, None] * np.column_stack([np.ones(len(factors)), factors])
    _nr, w_all, iters = _adjust(d, base)
    if "annual_pay" not in employees.columns:
        employees = annualise(employees)
    # The responding enterprises of the region, in the sample's order.
    s = d.sample
    keep = (
        s["responded"].fill_null(False).to_numpy().astype(bool)
        & (w_all[:, 0] > 0)
        & s["region_code"].str.starts_with(_region_prefix(region_code)).to_numpy().astype(bool)
    )
    ent_ids = s["enterprise_id"].to_numpy()[keep]
    nent = len(ent_ids)
    # Each record's enterprise (by a binary search in the sorted ids; records of others are left out).
    eid = employees["enterprise_id"].to_numpy()
    by_id = np.argsort(ent_ids, kind="stable")
    sorted_ids = ent_ids[by_id]
    at = np.minimum(np.searchsorted(sorted_ids, eid), max(nent - 1, 0))
    hit = sorted_ids[at] == eid if nent else np.zeros(len(eid), dtype=bool)
    if not hit.any():
        raise ValueError(f"no employee records of responding enterprises in region {region_code}")
    ent = by_id[at[hit]]
    rec = np.bincount(ent, minlength=nent).astype(float)
    employment = d.employment[keep]
    within = np.divide(employment, rec, out=np.ones_like(rec), where=(rec > 0) & (employment > 0))
    W_ent = w_all[keep] * within[:, None]
    W32 = W_ent.astype(np.float32)
    W32[:, 0] = W_ent[:, 0]  # column 0 is only used to derive ratios below (kept in float64 elsewhere)
    # Regions and sections are the enterprises' attributes.
    dist_i, dist_u = _codes(s["region_code"].to_numpy()[keep].astype(str))
    city_u, city_of_d = np.unique(np.array([c[:4] + "00" for c in dist_u]), return_inverse=True)
    sec_ent, sec_u = _codes(s["industry_section"].to_numpy()[keep].astype(str))
    level_index: dict[str, np.ndarray] = {"edition": np.zeros(nent, dtype=np.int64)}
    region_codes: dict[str, np.ndarray] = {"edition": np.array([region_code])}
    if region_code.endswith("0000"):
        level_index["city"] = city_of_d[dist_i].astype(np.int64)
        region_codes["city"] = city_u
    if region_code.endswith("00"):
        level_index["district"] = dist_i.astype(np.int64)
        region_codes["district"] = dist_u
    # The records in ascending order of pay, once: every cell's records are then sorted by a key sort.
    pay = employees["annual_pay"].to_numpy().astype(np.float64)[hit]
    order = np.argsort(pay, kind="stable")
    occ_all, occ_u = _dense_codes(employees["occupation_code"])
    occ = occ_all[hit][order]
    level = (
        employees["skill_level"]
        .cast(pl.Utf8)
        .replace_strict(list(LEVELS), list(range(len(LEVELS))), default=-1, return_dtype=pl.Int64)
        .to_numpy()[hit][order]
    )
    ent = ent[order]
    minor_u, minor_of_occ = np.unique(np.array([c[:7] for c in occ_u]), return_inverse=True)
    if digital_occupations is None:
        from gongjiang.synth.wage_survey import occupations

        codes, _n, dig = occupations()
        digital_occupations = {c for c, g in zip(codes, dig, strict=True) if g}
    stratum_ent = d.stratum[keep]
    nstrata = int(d.stratum.max()) + 1
    stratum_region: dict[str, np.ndarray] = {}
    for lvl_name, reg in level_index.items():
        stratum_region[lvl_name] = np.zeros(nstrata, dtype=np.int64)
        stratum_region[lvl_name][stratum_ent] = reg
        if not (stratum_region[lvl_name][stratum_ent] == reg).all():
            raise AssertionError("a sampling stratum spans several regions")
    pay_sorted = pay[order]
    tie_end = np.flatnonzero(np.append(pay_sorted[1:] != pay_sorted[:-1], True))  # last position of each pay
    last_tie = tie_end[np.cumsum(np.insert(pay_sorted[1:] != pay_sorted[:-1], 0, False))]
    rows = _Rows(
        ent=ent,
        pay=pay_sorted,
        last_tie=last_tie,
        w=W_ent[ent, 0],
        region=level_index,
        region_codes=region_codes,
        stratum=stratum_ent,
        stratum_region=stratum_region,
    )
    minor = minor_of_occ[occ]
    section = sec_ent[ent]
    has_level = level >= 0
    all_rows = np.ones(len(ent), dtype=bool)
    lg_of_level = np.array([LEVEL_GROUPS.index(LEVEL_GROUP[lv]) for lv in LEVELS])
    group = np.where(has_level, lg_of_level[np.maximum(level, 0)], 0)
    nlev = len(LEVELS) + 1  # + "all"
    # (kind, how its key reads, key, number of keys, records)
    variants = [
        ("occupation_level", "occupation", occ * nlev + np.where(has_level, level, 0), len(occ_u) * nlev, has_level),
        ("occupation_level", "occupation", occ * nlev + len(LEVELS), len(occ_u) * nlev, all_rows),
        ("minor_group_level", "minor", minor * nlev + np.where(has_level, level, 0), len(minor_u) * nlev, has_level),
        ("minor_group_level", "minor", minor * nlev + len(LEVELS), len(minor_u) * nlev, all_rows),
        ("industry_level_group", "section", section * 3 + group, len(sec_u) * 3, has_level),
        # All industries by level group: the margins of the industry tables (Jiangsu's table by level group).
        ("industry_level_group", "all_sections", group, 3, has_level),
    ]
    frames: list[pl.DataFrame] = []
    premium_parts: list[pl.DataFrame] = []
    text = {c: pl.Utf8 for c in ("occupation_code", "minor_group", "skill_level", "industry_section", "level_group")}
    lv_names = np.array([*LEVELS, "all"])

    tasks = []
    for kind, reads, key, nkey, mask in variants:
        wanted = kinds is None or kind in kinds or (kind == "occupation_level" and "digital_level" in kinds)
        if mask.any() and wanted:
            tasks.append((kind, reads, key, nkey, mask))
    levels = [lvl for lvl in level_index if only_levels is None or lvl in only_levels]

    def table(index: int) -> list[dict[str, Any]]:
        """The figures of one table's cells at each region level (arrays only), with its premium's."""
        _kind, reads, key, nkey, mask = tasks[index]
        pairs = _pairs(rows, key, mask, nent)
        parts = []
        for lvl_name in levels:
            with_premium = reads in ("occupation", "minor") and mask is has_level
            res: dict[str, Any] = _cells_for(
                rows, pairs, W32, key=key, nkey=nkey, region_level=lvl_name, with_next=with_premium
            )
            med_r = res.pop("median_replicates")
            df_next = res.pop("df_next")
            if with_premium:
                res["premium"] = _premium_arrays(res["cell_key"], nlev, res["q"][:, 2], med_r, df_next)
            parts.append(res)
        return parts

    results = _run_tables(table, len(tasks), workers, progress)
    for (kind, reads, _key, nkey, _mask), parts in zip(tasks, results, strict=True):
        for lvl_name, res in zip(levels, parts, strict=True):
            ck = res["cell_key"]
            sub = ck % nkey
            out: dict[str, Any] = {"cell_kind": kind, "region_code": region_codes[lvl_name][ck // nkey]}
            out |= dict.fromkeys(("occupation_code", "minor_group", "skill_level", "industry_section", "level_group"))
            if reads in ("section", "all_sections"):
                if reads == "section":
                    out["industry_section"] = sec_u[sub // 3]
                out["level_group"] = np.array(LEVEL_GROUPS)[sub % 3]
            else:
                out["skill_level"] = lv_names[sub % nlev]
                if reads == "occupation":
                    out["occupation_code"] = occ_u[sub // nlev]
                else:
                    out["minor_group"] = minor_u[sub // nlev]
            out["region_level"] = lvl_name
            for name in ("n_enterprises", "n_employees", "weighted_employees", "weighted_total_pay"):
                out[name] = res[name]
            for j, qn in enumerate(Q_NAMES):
                out[qn] = res["q"][:, j]
            out["mean"] = res["mean"]
            for j, qn in enumerate(Q_NAMES):
                out[f"se_{qn}"] = res["se_q"][:, j]
            out["se_mean"] = res["se_mean"]
            for j, qn in enumerate(Q_NAMES):
                out[f"lo_{qn}"] = res["lo"][:, j]
            out["lo_mean"] = res["mean"] - res["t"] * res["se_mean"]
            for j, qn in enumerate(Q_NAMES):
                out[f"hi_{qn}"] = res["hi"][:, j]
            out["hi_mean"] = res["mean"] + res["t"] * res["se_mean"]
            out["top1_share"] = res["top1_share"]
            out["top2_share"] = res["top2_share"]
            df = pl.DataFrame(out, schema_overrides=text)
            frames.append(df.select(CELL_COLUMNS))
            if "premium" in res:
                premium_parts.append(_premium(kind, df, ck, nlev, res["premium"]))
    cells = pl.concat(frames, how="vertical_relaxed")
    dig_cells = cells.filter(
        (pl.col("cell_kind") == "occupation_level") & pl.col("occupation_code").is_in(sorted(digital_occupations))
    ).with_columns(cell_kind=pl.lit("digital_level"))
    cells = pl.concat([cells, dig_cells], how="vertical_relaxed")
    if kinds is not None:
        cells = cells.filter(pl.col("cell_kind").is_in(list(kinds)))
    premium = pl.concat(premium_parts, how="vertical_relaxed") if premium_parts else pl.DataFrame(schema=PREMIUM_SCHEMA)
    method = {
        "replicate_method": "Rao-Wu rescaling bootstrap over enterprises within strata",
        "replicates": replicates,
        "seed": seed,
        "quantile_intervals": (
            "Woodruff (replicate SE of the CDF at the quantile, mapped through the CDF), Student's t multiplier "
            "with the cell's design degrees of freedom (enterprises less the strata they lie in)"
        ),
        "mean_intervals": "mean ± t × replicate SE, t as for the quantiles (the cell's design degrees of freedom)",
        "premium_intervals": (
            "ratio × exp(± t × replicate SE of the log ratio), Student's t with the pair's design degrees of "
            "freedom (enterprises in either cell less the strata they lie in)"
        ),
        "quantile_definition": "inverse of the weighted CDF (smallest pay whose weighted share reaches p)",
        "design_weight": "N_h / n_h",
        "nonresponse": f"within strata; strata with fewer than {MIN_RESPONDENTS} respondents collapsed",
        "calibration": (
            f"raking to employment by city x industry and city x size, bounds {CALIBRATION_BOUNDS}, "
            f"margins with at least {MIN_CALIBRATION_RESPONDENTS} respondents"
        ),
        "calibration_iterations": iters,
        "confidence": 0.95,
        **d.notes,
        **vnotes,
    }
    return EditionEstimate(cells=cells, premium=premium, method=method)


PREMIUM_SCHEMA = {
    "region_code": pl.Utf8,
    "occupation_code": pl.Utf8,
    "minor_group": pl.Utf8,
    "from_level": pl.Utf8,
    "to_level": pl.Utf8,
    "ratio": pl.Float64,
    "se_ratio": pl.Float64,
    "lo_ratio": pl.Float64,
    "hi_ratio": pl.Float64,
}


def _premium_arrays(
    cell_key: np.ndarray, nlev: int, med: np.ndarray, med_r: np.ndarray, df_next: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ratios of medians of adjacent levels within the same region and occupation (or minor group): the
    lower level's cell of each ratio, the ratio, the replicate standard error of its logarithm and the
    design degrees of freedom of the pair.

    ``cell_key`` (sorted) numbers the cells so that the next level's cell of a cell is its key + 1;
    ``df_next`` holds each cell's design degrees of freedom joined with that next cell. Both medians come
    from the same replicate design, and the ratio's replicate error draws on the enterprises of either
    cell, so a pair's degrees of freedom are counted as a cell's are, over the two cells together: the
    enterprises in either cell less the sampling strata they lie in, at least the larger of the two cells'
    own. In the coverage simulation (minor groups' premiums of the province, pairs of cells of at least 10
    enterprises, 100 samples) the interval covered 94.3 % of the time with the pair's degrees of freedom,
    97.2 % with the smaller of the two cells' (too wide) and 87.6 % with the normal multiplier 1.96."""
    lv = cell_key % nlev
    nxt = np.searchsorted(cell_key, cell_key + 1)
    found = nxt < len(cell_key)
    nxt = np.minimum(nxt, len(cell_key) - 1)
    i = np.flatnonzero(found & (cell_key[nxt] == cell_key + 1) & (lv < len(LEVELS) - 1) & (med > 0))
    j = nxt[i]
    ratio = med[j] / med[i]
    if med_r.shape[1] > 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            lr = np.log(med_r[j] / med_r[i])
        finite = np.isfinite(lr)
        whole = finite.all(axis=1)
        se_log = np.full(len(i), np.nan)
        se_log[whole] = np.std(lr[whole], axis=1, ddof=1)
        for r in np.flatnonzero(~whole):  # replicates with a zero median are left out of that ratio's error
            x = lr[r][finite[r]]
            se_log[r] = float(np.std(x, ddof=1)) if len(x) > 1 else np.nan
    else:
        se_log = np.full(len(i), np.nan)
    return i, ratio, se_log, df_next[i]


def _premium(
    kind: str,
    df: pl.DataFrame,
    cell_key: np.ndarray,
    nlev: int,
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> pl.DataFrame:
    """The premium rows of one table's cells ``df`` from :func:`_premium_arrays`: the ratio's 95% interval
    is ratio × exp(± t × SE of its logarithm), t the 97.5% point of Student's t with the pair's design
    degrees of freedom (as the cells' intervals)."""
    i, ratio, se_log, pair_df = arrays
    t = _t975(pair_df) if len(i) else np.zeros(0)
    lv = cell_key % nlev
    code_col = "occupation_code" if kind == "occupation_level" else "minor_group"
    codes = df[code_col].to_numpy()[i]
    none = np.full(len(i), None, dtype=object)
    lv_names = np.array(LEVELS)
    return pl.DataFrame(
        {
            "region_code": df["region_code"].to_numpy()[i],
            "occupation_code": codes if kind == "occupation_level" else none,
            "minor_group": codes if kind != "occupation_level" else none,
            "from_level": lv_names[lv[i]],
            "to_level": lv_names[lv[i] + 1],
            "ratio": ratio,
            "se_ratio": ratio * se_log,
            "lo_ratio": ratio * np.exp(-t * se_log),
            "hi_ratio": ratio * np.exp(t * se_log),
        },
        schema=PREMIUM_SCHEMA,
    )
