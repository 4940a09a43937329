"""A deterministic synthetic salary survey (工资价位调查) of Jiangsu enterprises.

The population: enterprises in strata of industry section × size class × district (GB/T 2260 codes of
Jiangsu valid in 2024), each with its employment and a pay level of its own. The sample frame counts
the enterprises (N_h) and their employment (E_h) per stratum. A stratified sample is drawn without
replacement within each stratum (all large enterprises, fractions of the others, at least two where the
stratum has two); enterprises respond with a probability that varies by size class and industry (about
92% of large, 60% of micro enterprises). Responding enterprises report every employee: occupation (real
codes of the 2022 classification, 6-18-02-04 焊工 and digital occupations among them), skill level,
education, months worked (about one in eight part-year), hours, and the pay components received over the
months worked. Annual pay is log-normal around a base with effects of city (苏州 and 南京 above 常州, the
northern cities lowest), industry, occupation, skill level (a premium per level), the enterprise and the
employee.

Everything is vectorised numpy: 5 million employee records in 50,000 responding enterprises take seconds.
``generate(..., population=True)`` also returns every employee of the population (for simulations of
coverage); ``draw(population, seed=...)`` draws further samples from the same population.
"""

from __future__ import annotations

import csv
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl

SIZE_CLASSES = ("large", "medium", "small", "micro")
_SIZE_SHARE = np.array([0.03, 0.09, 0.33, 0.55])  # of enterprises in the population
_SIZE_MEAN = np.array([1800.0, 500.0, 70.0, 8.0])  # employees, before scaling to the requested size
_SAMPLING_FRACTION = np.array([1.0, 0.4, 0.12, 0.04])
_RESPONSE = np.array([0.92, 0.85, 0.75, 0.60])

# Cities of Jiangsu: share of enterprises, pay factor (苏州 and 南京 highest, the north lowest).
CITIES: dict[str, tuple[float, float]] = {
    "320100": (0.13, 1.16),  # 南京
    "320200": (0.12, 1.10),  # 无锡
    "320300": (0.06, 0.82),  # 徐州
    "320400": (0.09, 1.02),  # 常州
    "320500": (0.22, 1.15),  # 苏州
    "320600": (0.09, 0.95),  # 南通
    "320700": (0.03, 0.80),  # 连云港
    "320800": (0.04, 0.80),  # 淮安
    "320900": (0.05, 0.83),  # 盐城
    "321000": (0.05, 0.90),  # 扬州
    "321100": (0.04, 0.95),  # 镇江
    "321200": (0.05, 0.90),  # 泰州
    "321300": (0.03, 0.78),  # 宿迁
}

# Industry sections: share of enterprises, log pay effect, response factor, occupation prefixes.
SECTIONS: dict[str, tuple[float, float, float, tuple[str, ...]]] = {
    "C": (0.30, 0.00, 1.05, ("6-", "2-02-", "3-01-", "4-04-", "6-31-07", "6-25-04", "6-18-02-04")),
    "F": (0.20, -0.05, 0.90, ("4-01-", "3-01-", "4-02-")),
    "E": (0.07, 0.02, 0.95, ("6-29-", "6-18-02-04", "2-02-18", "4-08-08-23")),
    "G": (0.05, 0.00, 1.00, ("4-02-", "6-30-", "3-01-")),
    "H": (0.06, -0.22, 0.80, ("4-03-", "3-01-")),
    "I": (0.05, 0.22, 1.00, ("4-04-", "2-02-10", "4-13-01")),
    "L": (0.08, -0.05, 0.90, ("4-07-", "3-01-", "4-01-06")),
    "M": (0.05, 0.12, 1.00, ("2-02-", "4-08-", "4-07-02-05")),
    "O": (0.05, -0.15, 0.85, ("4-10-", "4-12-")),
    "K": (0.03, 0.05, 0.95, ("4-06-", "3-01-")),
    "N": (0.02, -0.08, 0.95, ("4-09-", "5-05-01-03")),
    "Q": (0.02, 0.08, 1.00, ("4-14-", "2-05-")),
    "D": (0.01, 0.15, 1.05, ("6-28-", "4-04-04")),
    "J": (0.01, 0.25, 1.05, ("2-06-", "3-01-", "4-04-05")),
}

LEVELS = ("none", "level5", "level4", "level3", "level2", "level1")
LEVEL_PREMIUM = np.array([0.0, 0.05, 0.15, 0.28, 0.42, 0.56])  # log pay over "none"
_MAJOR_EFFECT = {"1": 0.45, "2": 0.30, "3": 0.02, "4": -0.08, "5": -0.25, "6": 0.0}
# Probability of each level by major group (production and services carry skill levels more often).
_LEVEL_MIX = {
    "2": np.array([0.80, 0.04, 0.06, 0.06, 0.03, 0.01]),
    "3": np.array([0.65, 0.12, 0.13, 0.07, 0.02, 0.01]),
    "4": np.array([0.40, 0.22, 0.20, 0.12, 0.05, 0.01]),
    "6": np.array([0.22, 0.22, 0.26, 0.18, 0.09, 0.03]),
}
EDUCATION = ("junior_secondary", "senior_secondary", "vocational", "college", "bachelor", "master")
BASE_PAY = 78_000.0  # yuan per year, the median of an employee without a skill level in 常州's manufacturing
_SLOTS = np.array([0.34, 0.2, 0.13, 0.1, 0.08, 0.06, 0.05, 0.04])  # shares of an enterprise's occupations


@dataclass(frozen=True)
class Population:
    enterprises: pl.DataFrame  # enterprise_id, uscc, industry_section, size_class, region_code, employment, ...
    frame: pl.DataFrame
    employees: pl.DataFrame | None  # every employee of every enterprise (only when asked for)
    seed: int


@dataclass(frozen=True)
class WageSurvey:
    frame: pl.DataFrame
    sample: pl.DataFrame
    employees: pl.DataFrame
    population: Population


@lru_cache(maxsize=1)
def occupations() -> tuple[tuple[str, ...], tuple[str, ...], np.ndarray]:
    """Codes, names and digital flags of the 2022 classification's occupations (the reference data)."""
    path = Path(__file__).resolve().parent.parent / "reference" / "data" / "occupations_2022.csv"
    with path.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "occupation"]
    return (
        tuple(r["code"] for r in rows),
        tuple(r["name"] for r in rows),
        np.array([r["digital"] == "1" for r in rows]),
    )


@lru_cache(maxsize=1)
def districts() -> dict[str, tuple[str, ...]]:
    """The districts (counties, county-level cities) of each Jiangsu city valid in 2024."""
    from gongjiang.reference import regions

    out: dict[str, list[str]] = {c: [] for c in CITIES}
    for v in regions.national_table():
        if v.code[:4] + "00" in out and not v.code.endswith("00") and not v.code.endswith("01") and v.valid_in(2024):
            out[v.code[:4] + "00"].append(v.code)
    return {c: tuple(sorted(set(d))) for c, d in out.items()}


def _stable_normal(key: str, scale: float) -> float:
    """A fixed pseudo-random effect of a code (the same in every run and every population)."""
    r = np.random.default_rng(zlib.crc32(key.encode()))
    return float(r.normal(0.0, scale))


def _occupation_effects() -> np.ndarray:
    codes, _names, digital = occupations()
    eff = np.array([_MAJOR_EFFECT.get(c[0], 0.0) + _stable_normal(c, 0.12) for c in codes])
    return eff + 0.18 * digital


def make_population(
    *,
    enterprises: int,
    employees_per_enterprise: float = 100.0,
    seed: int = 1,
    with_employees: bool = False,
    cities: tuple[str, ...] | None = None,
) -> Population:
    """A population of about ``enterprises`` enterprises whose sample (``draw``) holds about
    ``employees_per_enterprise`` records per responding enterprise on average (``cities``: only these
    cities of Jiangsu, default all thirteen)."""
    from gongjiang.synth.ids import usccs

    rng = np.random.default_rng(seed)
    n = int(enterprises)
    size = rng.choice(4, size=n, p=_SIZE_SHARE)
    city_codes = list(cities or CITIES)
    city_w = np.array([CITIES[c][0] for c in city_codes])
    city = rng.choice(len(city_codes), size=n, p=city_w / city_w.sum())
    dmap = districts()
    region = np.empty(n, dtype=object)
    for ci, c in enumerate(city_codes):
        idx = np.flatnonzero(city == ci)
        ds = dmap[c]
        dw = np.random.default_rng(zlib.crc32(c.encode())).gamma(3.0, 1.0, len(ds))
        region[idx] = np.array(ds, dtype=object)[rng.choice(len(ds), size=len(idx), p=dw / dw.sum())]
    sec_codes = list(SECTIONS)
    sec_w = np.array([SECTIONS[s][0] for s in sec_codes])
    section = rng.choice(len(sec_codes), size=n, p=sec_w / sec_w.sum())
    # Employment: log-normal within the size class, scaled so that responding sampled enterprises hold
    # about ``employees_per_enterprise`` employees on average.
    raw = _SIZE_MEAN[size] * rng.lognormal(-0.18, 0.6, n)
    resp_w = _SAMPLING_FRACTION[size] * _RESPONSE[size]
    scale = employees_per_enterprise * resp_w.sum() / (raw * resp_w).sum()
    employment = np.maximum(1, np.round(raw * scale)).astype(np.int64)
    sec_resp = np.array([SECTIONS[s][2] for s in sec_codes])
    propensity = np.clip(_RESPONSE[size] * sec_resp[section], 0.05, 0.99)
    effect = rng.normal(0.0, 0.16, n) + 0.05 * (size <= 1)  # the enterprise's own pay level
    region_s = region.astype(str)
    ids = np.arange(1, n + 1, dtype=np.int64)
    ents = pl.DataFrame(
        {
            "enterprise_id": ids,
            "uscc": usccs(region_s.astype(np.int64), ids + 10_000_000 * seed),
            "industry_section": np.array(sec_codes)[section],
            "size_class": np.array(SIZE_CLASSES)[size],
            "region_code": region_s,
            "employment": employment,
            "response_propensity": propensity,
            "pay_effect": effect,
        }
    )
    frame = (
        ents.group_by("industry_section", "size_class", "region_code")
        .agg(
            pl.len().cast(pl.Int64).alias("population_enterprises"),
            pl.col("employment").sum().cast(pl.Float64).alias("population_employment"),
        )
        .sort("industry_section", "size_class", "region_code")
    )
    emp = _employees(ents, np.random.default_rng([seed, 7])) if with_employees else None
    return Population(enterprises=ents, frame=frame, employees=emp, seed=seed)


def _employees(ents: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Every employee of the given enterprises, with occupation, level and pay components."""
    codes, _names, _digital = occupations()
    codes_a = np.array(codes)
    occ_eff = _occupation_effects()
    count = ents["employment"].to_numpy()
    m = int(count.sum())
    ent_idx = np.repeat(np.arange(len(ents)), count)
    # Each enterprise employs a handful of occupations from its industry's list (the first slots most).
    sec = ents["industry_section"].to_numpy().astype(str)
    focus = np.zeros((len(ents), len(_SLOTS)), dtype=np.int64)
    for s, (_share, _eff, _resp, prefixes) in SECTIONS.items():
        rows = np.flatnonzero(sec == s)
        if not len(rows):
            continue
        cand = np.array([i for i, c in enumerate(codes) if c.startswith(prefixes)])
        pop = np.array([60.0 if codes[i] == "6-18-02-04" else 1.0 for i in cand]) * np.random.default_rng(
            zlib.crc32(s.encode())
        ).gamma(0.8, 1.0, len(cand))
        focus[rows] = cand[rng.choice(len(cand), size=(len(rows), len(_SLOTS)), p=pop / pop.sum())]
    slot = rng.choice(len(_SLOTS), size=m, p=_SLOTS)
    occ = focus[ent_idx, slot]
    major = np.array([c[0] for c in codes])[occ]
    level = np.zeros(m, dtype=np.int64)
    for g, mix in _LEVEL_MIX.items():
        rows = np.flatnonzero(major == g)
        level[rows] = rng.choice(len(LEVELS), size=len(rows), p=mix)
    rest = np.flatnonzero(~np.isin(major, list(_LEVEL_MIX)))
    level[rest] = rng.choice(len(LEVELS), size=len(rest), p=_LEVEL_MIX["4"])
    region = ents["region_code"].to_numpy().astype(str)
    city_factor = {c: np.log(f) for c, (_s, f) in CITIES.items()}
    ent_city = np.array([city_factor[r[:4] + "00"] for r in region])
    sec_eff = {s: v[1] for s, v in SECTIONS.items()}
    ent_sec = np.array([sec_eff[s] for s in sec])
    ent_eff = ents["pay_effect"].to_numpy() + ent_city + ent_sec
    log_pay = np.log(BASE_PAY) + ent_eff[ent_idx] + occ_eff[occ] + LEVEL_PREMIUM[level] + rng.normal(0.0, 0.28, m)
    annual = np.exp(log_pay)
    part = rng.random(m) < 0.12
    months = np.where(part, rng.integers(1, 12, m), 12)
    paid = annual * months / 12.0
    shares = rng.dirichlet([14.0, 3.0, 2.0, 1.0], m)
    overtime_flag = (major == "6") | (rng.random(m) < 0.3)
    shares[:, 3] *= overtime_flag
    shares /= shares.sum(axis=1, keepdims=True)
    comp = np.round(paid[:, None] * shares, 2)
    edu = np.clip(level // 2 + (major == "2") * 3 + rng.integers(0, 3, m), 0, len(EDUCATION) - 1)
    return pl.DataFrame(
        {
            "enterprise_id": ents["enterprise_id"].to_numpy()[ent_idx],
            "occupation_code": codes_a[occ],
            "skill_level": np.array(LEVELS)[level],
            "education": np.array(EDUCATION)[edu],
            "months_worked": months.astype(np.int64),
            "hours_per_month": np.round(rng.normal(174.0, 14.0, m) + 12.0 * overtime_flag, 1),
            "base_pay": comp[:, 0],
            "bonus": comp[:, 1],
            "allowances": comp[:, 2],
            "overtime_pay": comp[:, 3],
        }
    )


SAMPLE_COLUMNS = ("enterprise_id", "uscc", "industry_section", "size_class", "region_code", "employment")


def draw(population: Population, *, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A stratified sample of the population with its non-response: (sample, employees of respondents)."""
    rng = np.random.default_rng([population.seed, seed, 11])
    ents = population.enterprises
    size = ents["size_class"].to_numpy()
    frac = np.select([size == s for s in SIZE_CLASSES], list(_SAMPLING_FRACTION))
    u = rng.random(len(ents))
    ranked = (
        ents.select("industry_section", "size_class", "region_code")
        .with_columns(u=pl.Series(u), f=pl.Series(frac))
        .with_columns(
            rank=pl.col("u").rank("ordinal").over("industry_section", "size_class", "region_code"),
            n_h=pl.len().over("industry_section", "size_class", "region_code"),
        )
    )
    n_h = ranked["n_h"].to_numpy()
    take = np.minimum(n_h, np.maximum(np.minimum(2, n_h), np.round(frac * n_h + rng.random(len(ents)) - 0.5)))
    # One draw per stratum decides the rounding: the same for every enterprise of the stratum.
    take = (
        ranked.with_columns(t=pl.Series(take))
        .select(pl.col("t").first().over("industry_section", "size_class", "region_code"))["t"]
        .to_numpy()
    )
    sampled = ranked["rank"].to_numpy() <= take
    responded = rng.random(len(ents)) < ents["response_propensity"].to_numpy()
    sample = (
        ents.filter(pl.Series(sampled)).select(*SAMPLE_COLUMNS).with_columns(responded=pl.Series(responded[sampled]))
    )
    resp_ids = sample.filter(pl.col("responded"))["enterprise_id"]
    if population.employees is not None:
        emp = population.employees.filter(pl.col("enterprise_id").is_in(resp_ids.implode()))
    else:
        emp = _employees(
            ents.filter(pl.col("enterprise_id").is_in(resp_ids.implode())),
            np.random.default_rng([population.seed, seed, 13]),
        )
    return sample, emp


def generate(*, enterprises: int = 400, employees: int = 30_000, seed: int = 1, population: bool = False) -> WageSurvey:
    """A survey with about ``enterprises`` responding enterprises and ``employees`` employee records.

    ``population=True`` also builds every employee of the population (``.population.employees``),
    for small sizes only; the sample's employees are then a subset of it.
    """
    resp_rate = float((_SIZE_SHARE * _SAMPLING_FRACTION * _RESPONSE).sum() / (_SIZE_SHARE * _SAMPLING_FRACTION).sum())
    sampled_share = float((_SIZE_SHARE * _SAMPLING_FRACTION).sum())
    n_pop = max(20, round(enterprises / resp_rate / sampled_share))
    pop = make_population(
        enterprises=n_pop,
        employees_per_enterprise=employees / max(1, enterprises),
        seed=seed,
        with_employees=population,
    )
    sample, emp = draw(pop, seed=seed)
    return WageSurvey(frame=pop.frame, sample=sample, employees=emp, population=pop)
