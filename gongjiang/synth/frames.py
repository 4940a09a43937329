"""The synthetic data as frames: one city's (or district's) organisations, persons, employment,
certificates and employment statistics, built as numpy arrays and Polars frames from the calibrated
profiles (:mod:`gongjiang.synth.profiles`), with every identifier valid. Nothing is written here;
:mod:`gongjiang.synth.generator` loads the frames.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.utils import timezone

from gongjiang.core import pii
from gongjiang.reference import regions
from gongjiang.reference.models import Industry, Occupation, SkillLevel
from gongjiang.synth import ids
from gongjiang.synth.profiles import (
    BIRTH_ORIGIN,
    CITIES,
    ENTERPRISE_SECTIONS,
    HIGH_SPLIT,
    LOWER_SPLIT,
    OTHER_PROVINCES,
    REFERENCE_YEAR,
    CityProfile,
)

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方邹孟熊秦邱"
)
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志鹏宇浩然子轩梓涵欣怡俊杰佳琪文博晨曦海燕红梅丹玉兰凤翔飞雪婷晓东立新振华永亮春生国庆"
)
NAME_WORDS = list("恒泰华鑫盛达精工永信宏远天成金鼎瑞丰博达新亚中联东方长江太湖吴越润泽科创智能")
ENTERPRISE_SUFFIX = [
    "精密机械有限公司",
    "电子科技有限公司",
    "新材料股份有限公司",
    "汽车零部件有限公司",
    "智能装备有限公司",
    "纺织有限公司",
    "化工有限公司",
    "建设工程有限公司",
    "物流有限公司",
    "信息技术有限公司",
    "酒店管理有限公司",
    "养老服务有限公司",
]
KIND_SUFFIX = {
    "training": "职业培训学校",
    "evaluation": "职业技能等级认定中心",
    "vocational_school": "中等专业学校",
    "technician_college": "技师学院",
}
REVOKE_SHARE = 0.002


@dataclass
class SynthReport:
    region: str
    scale: float
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def rng_for(seed: int, region: str) -> np.random.Generator:
    digest = hashlib.sha256(f"{seed}:{region}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def district_codes(city: CityProfile) -> tuple[list[str], np.ndarray]:
    if city.district_weights:
        codes = list(city.district_weights)
        w = np.array([city.district_weights[c] for c in codes], dtype=float)
    else:
        table = regions.versions_by_code()
        codes = sorted(
            c
            for c, vs in table.items()
            if c.startswith(city.code[:4])
            and regions.level_of(c) == "county"
            and not c.endswith("01")
            and any(v.valid_to is None for v in vs)
        )
        w = np.ones(len(codes))
    return codes, w / w.sum()


def targets(region: str) -> list[tuple[CityProfile, list[str], np.ndarray]]:
    """The cities (and their districts, with weights) that ``region`` covers."""
    level = regions.level_of(region)
    if level == "province":
        if region != "320000":
            raise ValueError("synthetic data is calibrated for Jiangsu (320000) only")
        return [(c, *district_codes(c)) for c in CITIES.values()]
    if level == "city":
        if region not in CITIES:
            raise ValueError(f"{region} is not a Jiangsu city")
        return [(CITIES[region], *district_codes(CITIES[region]))]
    city = CITIES.get(regions.city_of(region) or "")
    if city is None:
        raise ValueError(f"{region} is not in a Jiangsu city")
    codes, w = district_codes(city)
    if region not in codes:
        raise ValueError(f"{region} is not a current district of {city.code}")
    share = float(w[codes.index(region)])
    sub = CityProfile(
        city.code,
        int(city.skilled * share),
        city.high_share,
        city.skilled_per_employed,
        int(city.self_eval_certificates * share),
        int(city.self_eval_enterprises * share),
        int(round(city.special_grade * share)),
        {region: 1.0},
    )
    return [(sub, [region], np.array([1.0]))]


def _choice(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    keys = list(options)
    p = np.array([options[k] for k in keys], dtype=float)
    return np.array(keys)[rng.choice(len(keys), size=n, p=p / p.sum())]


def names(rng: np.random.Generator, n: int) -> pl.Series:
    sur = pl.Series(SURNAMES).gather(rng.integers(0, len(SURNAMES), n))
    g1 = pl.Series(GIVEN).gather(rng.integers(0, len(GIVEN), n))
    g2 = pl.Series(GIVEN).gather(rng.integers(0, len(GIVEN), n))
    two = pl.Series(rng.random(n) < 0.7)
    return (
        pl.select(pl.when(two).then(pl.lit(sur) + pl.lit(g1) + pl.lit(g2)).otherwise(pl.lit(sur) + pl.lit(g1)))
        .to_series()
        .alias("name")
    )


def _lookup(values: np.ndarray, table: dict, dtype: type = np.int64) -> np.ndarray:
    """Map a small-vocabulary array through a dict, vectorised (one comparison per key)."""
    out: np.ndarray = np.zeros(len(values), dtype=dtype)
    for key, mapped in table.items():
        out[values == key] = mapped
    return out


def county_pool(prefixes: list[str]) -> np.ndarray:
    table = regions.versions_by_code()
    codes = [
        c
        for c, vs in table.items()
        if c[:2] in prefixes
        and regions.level_of(c) == "county"
        and not c.endswith("01")
        and any(v.valid_to is None for v in vs)
    ]
    return np.array(sorted(codes), dtype=np.int64)


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970-01-01 → (datetime64[D], int YYYYMMDD)."""
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(int) + 1970
    m = d.astype("datetime64[M]").astype(int) % 12 + 1
    day = (d - d.astype("datetime64[M]")).astype(int) + 1
    return d, y * 10000 + m * 100 + day


def _days(year: np.ndarray | int, month: int = 1, day: int = 1) -> np.ndarray:
    y = np.asarray(year)
    base = (y - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return (base + np.timedelta64(0, "D")).astype(np.int64) + (
        np.datetime64(f"1970-{month:02d}-{day:02d}") - np.datetime64("1970-01-01")
    ).astype(np.int64)


def _organisations(rng, city: CityProfile, districts, weights, scale, id_start: int, industries) -> pl.DataFrame:
    skilled = city.skilled * scale
    counts = {
        "enterprise": max(12, int(skilled / 110)),
        "evaluation": max(3, int(skilled / 8000)),
        "training": max(3, int(248 * scale)) if city.code == "320500" else max(3, int(skilled / 10000)),
        "vocational_school": max(2, int(skilled / 100_000)),
        "technician_college": max(1, int(skilled / 300_000)),
    }
    kinds = np.concatenate([np.full(n, k, dtype=object) for k, n in counts.items()])
    n = len(kinds)
    org_ids = np.arange(id_start, id_start + n)
    region = np.array(districts)[rng.choice(len(districts), size=n, p=weights)]
    enterprise = kinds == "enterprise"
    n_self = min(
        int(enterprise.sum()) // 2,
        max(3, int(city.self_eval_enterprises * scale))
        if city.self_eval_enterprises
        else max(1, int(enterprise.sum() * 0.06)),
    )
    self_eval = np.zeros(n, dtype=bool)
    self_eval[np.flatnonzero(enterprise)[:n_self]] = True
    section = np.where(enterprise, _choice(rng, ENTERPRISE_SECTIONS, n), "P")
    section[kinds == "training"] = "P"
    section[kinds == "evaluation"] = "L"
    industry = np.array([industries[s][int(rng.integers(0, len(industries[s])))] for s in section])
    w1 = np.array(NAME_WORDS)[rng.integers(0, len(NAME_WORDS), n)]
    w2 = np.array(NAME_WORDS)[rng.integers(0, len(NAME_WORDS), n)]
    suffix = np.array(ENTERPRISE_SUFFIX)[rng.integers(0, len(ENTERPRISE_SUFFIX), n)]
    suffix = np.array([KIND_SUFFIX.get(k, s) for k, s in zip(kinds, suffix, strict=True)])
    district_names = {c: regions.resolve(c).name for c in districts}  # type: ignore[union-attr]
    prefix = np.array([district_names[r] for r in region])
    names = [f"{p}{a}{b}{s}" for p, a, b, s in zip(prefix, w1, w2, suffix, strict=True)]
    # Names must be distinct enough to read: number the rare duplicates of institutions.
    seen: dict[str, int] = {}
    for idx, name in enumerate(names):
        if name in seen:
            seen[name] += 1
            names[idx] = f"{name}（{seen[name]}）"
        else:
            seen[name] = 0
    uscc = ids.usccs(region, org_ids)
    now = timezone.now().strftime("%Y-%m-%d %H:%M:%S")
    return pl.DataFrame(
        {
            "id": org_ids,
            "uscc": uscc,
            "name": names,
            "kind": kinds.astype(str),
            "region_code": region,
            "industry_id": industry,
            "self_evaluation": self_eval,
            "created": [now] * n,
            "updated": [now] * n,
        }
    )


@dataclass
class Context:
    occupations: np.ndarray
    occupation_weights: np.ndarray
    levels: dict[str, int]
    industries: dict[str, list[int]]


def reference_context() -> Context:
    occ = list(Occupation.objects.filter(kind="occupation").values_list("id", "code", "digital"))
    if not occ:
        raise RuntimeError("reference data is not loaded: run `gongjiang load_reference` first")
    weights = np.array(
        [(0.62 if c.startswith("6") else 0.34 if c.startswith("4") else 0.04) * (1.6 if d else 1.0) for _, c, d in occ]
    )
    by_major: dict[str, int] = {}
    for _, c, _d in occ:
        by_major[c[0]] = by_major.get(c[0], 0) + 1
    weights = weights / np.array([by_major[c[0]] for _, c, _d in occ])
    industries: dict[str, list[int]] = {}
    for pk, section, kind in Industry.objects.values_list("id", "section", "kind"):
        if kind == "division":
            industries.setdefault(section, []).append(pk)
    return Context(
        occupations=np.array([o[0] for o in occ]),
        occupation_weights=weights / weights.sum(),
        levels=dict(SkillLevel.objects.values_list("code", "id")),
        industries=industries,
    )


def city_frames(
    rng, ctx: Context, city: CityProfile, districts, weights, scale, ids_at, progress
) -> tuple[dict[str, pl.DataFrame], pii.ProtectInBackground]:
    n = int(round(city.skilled * scale))
    ref_end = _days(REFERENCE_YEAR, 12, 31)[()]
    orgs = _organisations(rng, city, districts, weights, scale, ids_at["org"], ctx.industries)
    progress(f"{city.code}: {orgs.height} organisations")

    # --- persons ---------------------------------------------------------------------------------------
    residence = np.array(districts)[rng.choice(len(districts), size=n, p=weights)].astype(np.int64)
    age = rng.normal(38, 10, n)
    for _ in range(20):  # a truncated normal: redraw ages outside working life
        out = (age < 19) | (age > 62)
        if not out.any():
            break
        age[out] = rng.normal(38, 10, int(out.sum()))
    age = np.clip(age, 19, 62)
    birth_days = (ref_end - age * 365.25).astype(np.int64) - rng.integers(0, 365, n) * (age > 20)
    birth_d, birth_ymd = ymd(birth_days)
    sex_male = rng.random(n) < 0.6
    origin = _choice(rng, BIRTH_ORIGIN, n)
    js_pool, other_pool = county_pool(["32"]), county_pool(OTHER_PROVINCES)
    area = np.where(
        origin == "local",
        residence,
        np.where(
            origin == "jiangsu",
            js_pool[rng.integers(0, len(js_pool), n)],
            other_pool[rng.integers(0, len(other_pool), n)],
        ),
    )
    seq = rng.integers(0, 500, n) * 2 + sex_male.astype(np.int64)
    body = area * 10**11 + birth_ymd * 1000 + seq
    for attempt in range(50):  # re-draw the rare same-area, same-birthday, same-sequence collisions
        _, first = np.unique(body, return_index=True)
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        if not dup.any():
            break
        seq[dup] = rng.integers(0, 500, int(dup.sum())) * 2 + sex_male[dup].astype(np.int64)
        if attempt % 5 == 4:  # a crowded bucket: move the overflow to a nearby birthday
            birth_days[dup] -= rng.integers(1, 60, int(dup.sum()))
            birth_d, birth_ymd = ymd(birth_days)
        body = area * 10**11 + birth_ymd * 1000 + seq
    else:
        raise RuntimeError("could not draw distinct ID numbers")
    id_numbers = ids.id_numbers(area, birth_ymd, seq)
    household = np.where(rng.random(n) < 0.6, area, residence)
    has_phone = rng.random(n) < 0.9
    phone_num = (np.array([13, 15, 17, 18, 19])[rng.integers(0, 5, n)] * 10**9 + rng.integers(0, 10**9, n)).astype(str)
    phone = np.where(has_phone, phone_num, "")
    progress(f"{city.code}: encrypting personal data of {n} persons (in the background)")
    id_list = id_numbers.tolist()
    phone_list = phone.tolist()
    # The ciphertexts are computed while the other tables load (see synthesize); the blind index, which
    # orders the primary keys, is computed here.
    sealing = pii.ProtectInBackground({"id": id_list, "phone": phone_list})
    id_index = pl.Series(pii.blind_index_many(id_list))
    # Primary keys follow the blind index, so the table and its unique index both grow by appending.
    person_ids = np.empty(n, dtype=np.int64)
    person_ids[id_index.arg_sort().to_numpy()] = np.arange(ids_at["person"], ids_at["person"] + n)
    now = timezone.now().strftime("%Y-%m-%d %H:%M:%S")
    persons = pl.DataFrame(
        {
            "id": person_ids,
            "name": names(rng, n),
            "id_index": id_index,
            "_pos": np.arange(n, dtype=np.int64),  # the person's place in the lists being encrypted
            "birth_date": birth_d,
            "sex": np.where(sex_male, "M", "F"),
            "birth_region_code": area.astype(str),
            "household_region_code": household.astype(str),
            "residence_region_code": residence.astype(str),
            "created": [now] * n,
            "updated": [now] * n,
        }
    ).with_columns(pl.col("birth_date").cast(pl.Date))
    persons = persons.sort("id")

    # --- highest certificate per person -------------------------------------------------------------
    high = rng.random(n) < city.high_share
    level = np.where(high, _choice(rng, HIGH_SPLIT, n), _choice(rng, LOWER_SPLIT, n)).astype("<U10")
    n_special = int(round(city.special_grade * scale))
    if n_special:
        candidates = np.flatnonzero(level == "level1")[:n_special]
        level[candidates] = "special"
    adult_year = birth_d.astype("datetime64[Y]").astype(int) + 1970 + 18
    lo = np.maximum(adult_year, 2005)
    year = lo + np.floor(rng.beta(2.4, 1.0, n) * (REFERENCE_YEAR - lo + 1)).astype(np.int64)
    year = np.minimum(year, REFERENCE_YEAR)
    issue_days = _days(year) + rng.integers(0, 365, n)
    issue_days = np.minimum(issue_days, ref_end)
    occupation = ctx.occupations[rng.choice(len(ctx.occupations), size=n, p=ctx.occupation_weights)]

    # --- employment ------------------------------------------------------------------------------------
    ent = orgs.filter(pl.col("kind") == "enterprise")
    ent_ids = ent["id"].to_numpy()
    ent_region = ent["region_code"].cast(pl.Int64).to_numpy()
    ent_self = ent["self_evaluation"].to_numpy()
    # Self-evaluated certificates: recent, issued by the holder's employer, a self-evaluating enterprise.
    n_self_certs = int(round(city.self_eval_certificates * scale)) if city.self_eval_certificates else int(n * 0.08)
    recent = np.flatnonzero((year >= 2020) & (level != "special"))
    self_holders = rng.choice(recent, size=min(n_self_certs, len(recent)), replace=False) if len(recent) else recent
    is_self = np.zeros(n, dtype=bool)
    is_self[self_holders] = True
    employer = np.empty(n, dtype=np.int64)
    self_ids = ent_ids[ent_self]
    employer[is_self] = self_ids[rng.integers(0, len(self_ids), int(is_self.sum()))]
    # Others work for an enterprise of their district where there is one.
    order = np.argsort(ent_region, kind="stable")
    sorted_regions = ent_region[order]
    start_idx = np.searchsorted(sorted_regions, residence, side="left")
    end_idx = np.searchsorted(sorted_regions, residence, side="right")
    span = end_idx - start_idx
    pick = start_idx + (rng.random(n) * np.maximum(span, 1)).astype(np.int64)
    fallback = rng.integers(0, len(ent_ids), n)
    local_choice = np.where(span > 0, ent_ids[order][np.minimum(pick, len(ent_ids) - 1)], ent_ids[fallback])
    employer[~is_self] = local_choice[~is_self]
    job_start = np.maximum(issue_days - rng.integers(0, 5 * 365, n), _days(adult_year))
    job_start = np.minimum(job_start, issue_days)
    ended = (rng.random(n) < 0.12) & ~is_self
    job_end = np.where(ended, np.minimum(issue_days + rng.integers(30, 3 * 365, n), ref_end), -1)
    employments = pl.DataFrame(
        {
            "id": np.arange(ids_at["employment"], ids_at["employment"] + n),
            "person_id": person_ids,
            "organisation_id": employer,
            "start": job_start.astype("datetime64[D]"),
            "end": job_end.astype("datetime64[D]"),
            "occupation_id": occupation,
        }
    ).with_columns(
        pl.col("start").cast(pl.Date),
        pl.when(pl.Series(ended)).then(pl.col("end").cast(pl.Date)).otherwise(None).alias("end"),
    )

    # --- certificates: the highest, plus an earlier lower one for some -----------------------------------
    rank = {"level5": 1, "level4": 2, "level3": 3, "level2": 4, "level1": 5, "special": 6}
    lower_of = {2: "level5", 3: "level4", 4: "level3", 5: "level2", 6: "level1"}
    level_rank = _lookup(level, rank)
    prior = (level_rank >= 2) & (rng.random(n) < 0.3)
    prior_days = issue_days - rng.integers(365, 4 * 365, n)
    prior &= prior_days >= np.maximum(_days(adult_year), _days(2005))
    pidx = np.flatnonzero(prior)
    cert_person = np.concatenate([np.arange(n), pidx])
    lower = np.empty(len(pidx), dtype=level.dtype)
    for r, code in lower_of.items():
        lower[level_rank[pidx] == r] = code
    cert_level = np.concatenate([level, lower])
    cert_days = np.concatenate([issue_days, prior_days[pidx]])
    cert_occ = np.concatenate([occupation, occupation[pidx]])
    cert_self = np.concatenate([is_self, np.zeros(len(pidx), dtype=bool)])
    m = len(cert_person)
    cert_year = cert_days.astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    evals = orgs.filter(pl.col("kind") == "evaluation")["id"].to_numpy()
    schools = orgs.filter(pl.col("kind").is_in(["vocational_school", "technician_college"]))["id"].to_numpy()
    issuer = evals[rng.integers(0, len(evals), m)]
    issuer = np.where(cert_self, employer[cert_person], issuer)
    source = np.full(m, "third_party", dtype=object)
    roll = rng.random(m)
    young = (cert_days - birth_days[cert_person]) < 23 * 365
    school = young & (roll < 0.25) & ~cert_self
    source[school] = "school_dual"
    issuer = np.where(school, schools[rng.integers(0, len(schools), m)], issuer)
    source[(roll > 0.995) & ~cert_self & ~school] = "competition"
    source[cert_self] = "self_evaluation"
    legacy = cert_year < 2019
    source[legacy] = "legacy"
    special = cert_level == "special"
    source[special] = "direct"
    national = _lookup(cert_level, {"level5": 5, "level4": 4, "level3": 3, "level2": 2, "level1": 1, "special": 0})
    frame = pl.DataFrame(
        {
            "evaluator": np.where(cert_self, "Y", "S"),
            "station": issuer,
            "year": cert_year,
            "national": national,
            "legacy": legacy,
            "special": special,
        }
    ).with_columns(
        pl.int_range(pl.len()).over(["evaluator", "station", "year", "national"]).alias("serial"),
        # Special-grade numbers first, then legacy ones: each kind numbered on its own.
        pl.int_range(pl.len())
        .over(pl.when(pl.col("special")).then(2).otherwise(pl.col("legacy").cast(pl.Int8)))
        .alias("serial_by_kind"),
    )
    city4 = city.code[:4]
    numbers = frame.select(
        pl.when(pl.col("special"))
        .then(pl.format("TJ{}{}", pl.lit(city4), pl.col("serial_by_kind").cast(pl.Utf8).str.zfill(16)))
        .when(pl.col("legacy"))
        .then(
            pl.format(
                "{}{}{}",
                (pl.col("year") % 100).cast(pl.Utf8).str.zfill(2),
                pl.lit(city4),
                pl.col("serial_by_kind").cast(pl.Utf8).str.zfill(10),
            )
        )
        .otherwise(
            pl.format(
                "{}000032{}{}{}{}",
                pl.col("evaluator"),
                pl.col("station").cast(pl.Utf8).str.zfill(6),
                (pl.col("year") % 100).cast(pl.Utf8).str.zfill(2),
                pl.col("national").cast(pl.Utf8),
                pl.col("serial").cast(pl.Utf8).str.zfill(6),
            )
        )
        .alias("number")
    )["number"]
    revoked = np.zeros(m, dtype=bool)
    revoked[n:] = rng.random(m - n) < REVOKE_SHARE * 10  # only earlier, superseded certificates
    revoked_days = np.minimum(cert_days + rng.integers(30, 720, m), ref_end)
    level_ids = _lookup(cert_level, {k: v for k, v in ctx.levels.items() if k in rank})
    # Primary keys follow the certificate number, for the same appending loads as persons.
    cert_ids = np.empty(m, dtype=np.int64)
    cert_ids[numbers.arg_sort().to_numpy()] = np.arange(ids_at["certificate"], ids_at["certificate"] + m)
    certificates = (
        pl.DataFrame(
            {
                "id": cert_ids,
                "number": numbers,
                "person_id": person_ids[cert_person],
                "occupation_id": cert_occ,
                "level_id": level_ids,
                "issuer_id": np.where(legacy, -1, issuer),
                "issue_date": cert_days.astype("datetime64[D]"),
                "status": np.where(revoked, "revoked", "valid"),
                "revoked_on": revoked_days.astype("datetime64[D]"),
                "revoke_reason": np.where(revoked, "证书信息核查不实，予以撤销", ""),
                "source": source.astype(str),
                "created": [now] * m,
                "updated": [now] * m,
            }
        )
        .with_columns(
            pl.col("issue_date").cast(pl.Date),
            pl.when(pl.Series(revoked)).then(pl.col("revoked_on").cast(pl.Date)).otherwise(None).alias("revoked_on"),
            pl.when(pl.col("issuer_id") < 0).then(None).otherwise(pl.col("issuer_id")).alias("issuer_id"),
        )
        .sort("id")
    )

    # --- employed persons by district and year (denominators) -------------------------------------------
    per_district = np.bincount(
        np.searchsorted(np.array(districts, dtype=np.int64), residence), minlength=len(districts)
    )
    rows = []
    for code, skilled in zip(districts, per_district.tolist(), strict=True):
        ratio = city.skilled_per_employed * float(rng.uniform(0.96, 1.04))
        employed_now = int(round(skilled / ratio))
        for back, y in enumerate(range(REFERENCE_YEAR, REFERENCE_YEAR - 5, -1)):
            rows.append((code, y, int(round(employed_now * (1 - 0.006 * back)))))
    stats = pl.DataFrame(rows, schema=["region_code", "year", "employed"], orient="row")
    frames = {
        "organisations": orgs,
        "persons": persons,
        "employments": employments,
        "certificates": certificates,
        "stats": stats,
    }
    return frames, sealing
