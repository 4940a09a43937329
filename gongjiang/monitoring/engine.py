"""The rollup arithmetic, on Polars frames only (no database): person contributions and periods.

A person's *state* on a day is their highest valid level that day: the highest level among their
certificates issued on or before the day and not revoked by it (``revoked_on`` after the day). For each
certificate scope (all certificates, digital occupations only, digital occupations through schools)
the state is a step function of time. We cut it into *segments* (from one change to the next) and
turn each segment into a +1 event where it starts and a −1 event where it ends, in every
disaggregation at once. Summing events up to a period's last day gives the stock that day; a person
moving from one age band to the next inside a segment contributes a −1/+1 pair on that birthday.
*First-reach* events (+1 on the first day a person's level reached 初级工, 中级工, 高级工 or above)
give the flows ("new skilled", "new high-skilled").

Events are bucketed by quarter (days → quarter index ``year * 4 + quarter - 1``): a quarter is the
finest period. Full rebuilds and incremental updates call the same :func:`contributions`; an update
is the contributions of the affected persons after the change minus before it.
"""

from __future__ import annotations

import datetime
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from gongjiang.monitoring.segments import ATTRS, attach, scope_frames, with_industry

SCOPES = {"all": 0, "digital": 1, "school_digital": 2}
SCOPE_NAMES = {v: k for k, v in SCOPES.items()}
DIMS = {"all": 0, "industry": 1, "occupation": 2, "level": 3, "sex": 4, "age": 5}
DIM_NAMES = {v: k for k, v in DIMS.items()}
# Scopes other than "all" keep only these disaggregations (the targets and breakdowns that use them).
SCOPE_DIMS = {0: (0, 1, 2, 3, 4, 5), 1: (0, 1, 2, 3, 4, 5), 2: (0, 3)}
AGE_BANDS = ("under35", "35-44", "45-54", "55plus")
AGE_THRESHOLDS = (35, 45, 55)
SEXES = ("M", "F")
THRESHOLDS = {"skilled": 1, "mid_plus": 2, "high": 3}  # skill-level ranks (初级工 1 … 高级技师 5, 特级技师 6)
MEASURES = ("skilled", "mid_plus", "high", "new_skilled", "new_mid_plus", "new_high")
EPOCH = datetime.date(1970, 1, 1)

# Frames handed to contributions():
#   certs:   cert_id i64, person_id i64, rank i8, occ i8 (major group 1–8, 0 unknown), digital bool,
#            school bool, start i32 (days since 1970-01-01), end i32 nullable (revocation day)
#   persons: person_id i64, region i32 (current code), sex i8 (0 male, 1 female), birth i32 (days)
#   industry: person_id i64, industry i8 (section A=1 … T=20, 0 unknown)
EVENT_KEYS = ["region", "scope", "dim", "member", "bucket"]


def days(d: datetime.date) -> int:
    return (d - EPOCH).days


def quarter_index(d: datetime.date) -> int:
    return d.year * 4 + (d.month - 1) // 3


@dataclass(frozen=True)
class Period:
    label: str  # "2025" or "2025Q3"
    kind: str  # "Y" or "Q"
    bucket: int  # quarter index of its last quarter
    first_bucket: int
    end: datetime.date


def periods(first_year: int, through: datetime.date, quarter_from: int | None = None) -> list[Period]:
    """Years from ``first_year`` to ``through``'s year, and the quarters from ``quarter_from`` (default: the
    last five years) up to the one containing ``through``."""
    if quarter_from is None:
        quarter_from = through.year - 4
    out: list[Period] = []
    for year in range(first_year, through.year + 1):
        out.append(Period(str(year), "Y", year * 4 + 3, year * 4, datetime.date(year, 12, 31)))
    last_q = quarter_index(through)
    for year in range(max(first_year, quarter_from), through.year + 1):
        for q in range(1, 5):
            if year * 4 + q - 1 > last_q:
                break
            end_month = q * 3
            end = datetime.date(year + (end_month == 12), end_month % 12 + 1, 1) - datetime.timedelta(days=1)
            out.append(Period(f"{year}Q{q}", "Q", year * 4 + q - 1, year * 4 + q - 1, end))
    return out


def stored_through(as_of: datetime.date) -> datetime.date:
    """Facts are kept a year beyond the data (age bands move on their own): to the end of the next year."""
    return datetime.date(as_of.year + 1, 12, 31)


def visible_periods(stored: list[Period], as_of: datetime.date) -> list[Period]:
    """The stored periods that have begun by ``as_of``."""
    q = quarter_index(as_of)
    return [p for p in stored if p.first_bucket <= q]


def _scope_filter(certs: pl.DataFrame, scope: int) -> pl.DataFrame:
    if scope == 1:
        return certs.filter(pl.col("digital"))
    if scope == 2:
        return certs.filter(pl.col("digital") & pl.col("school"))
    return certs


# ---------------------------------------------------------------------------------------------
# Events, counted with numpy
# ---------------------------------------------------------------------------------------------
#
# Every disaggregation is a small dense grid (region index × quarter × member × level), so events are
# counted with one np.bincount per disaggregation instead of a hash group-by.


def _quarters_direct(days_arr: np.ndarray) -> np.ndarray:
    d = days_arr.astype("datetime64[D]")
    year = d.astype("datetime64[Y]").astype(np.int64) + 1970
    month = d.astype("datetime64[M]").astype(np.int64) % 12
    return year * 4 + month // 3


def days_to_quarter(days_arr: np.ndarray) -> np.ndarray:
    """Quarter index of each day (days since 1970), through a table of the days spanned."""
    if len(days_arr) < 10_000:
        return _quarters_direct(days_arr)
    lo, hi = int(days_arr.min()), int(days_arr.max())
    table = _quarters_direct(np.arange(lo, hi + 1, dtype=np.int64))
    return table[days_arr.astype(np.int64) - lo]


def quarter_of_days(col: pl.Expr) -> pl.Expr:
    date = pl.from_epoch(col.cast(pl.Int64), time_unit="d")
    return (date.dt.year().cast(pl.Int32) * 4 + (date.dt.month().cast(pl.Int32) - 1) // 3).alias("bucket")


def _age_thresholds(birth: np.ndarray) -> list[np.ndarray]:
    """The days a person turns 35, 45 and 55; someone born on 29 February does so on 1 March of a common
    year (the day after 28 February). Computed once per calendar day spanned, then looked up."""
    if len(birth) < 100_000:
        return _age_thresholds_direct(birth)
    lo, hi = int(birth.min()), int(birth.max())
    tables = _age_thresholds_direct(np.arange(lo, hi + 1, dtype=np.int64))
    offset = birth.astype(np.int64) - lo
    return [table[offset] for table in tables]


def _age_thresholds_direct(birth: np.ndarray) -> list[np.ndarray]:
    d = birth.astype("datetime64[D]")
    years = d.astype("datetime64[Y]")
    month_start = d.astype("datetime64[M]")
    month = month_start - years.astype("datetime64[M]")
    day = (d - month_start.astype("datetime64[D]")).astype(np.int64)
    out = []
    for k in AGE_THRESHOLDS:
        reached = ((years + np.timedelta64(k, "Y")).astype("datetime64[M]") + month).astype("datetime64[D]") + day
        out.append(reached.astype(np.int64).astype(np.int32))
    return out


def _with_age_thresholds(persons: pl.DataFrame) -> pl.DataFrame:
    c35, c45, c55 = _age_thresholds(persons["birth"].to_numpy())
    return persons.with_columns(pl.Series("c35", c35), pl.Series("c45", c45), pl.Series("c55", c55))


def _band(t: np.ndarray, c35: np.ndarray, c45: np.ndarray, c55: np.ndarray) -> np.ndarray:
    return (c35 <= t).astype(np.int8) + (c45 <= t) + (c55 <= t)


_MEMBER_SIZE = {0: 1, 1: 32, 2: 16, 3: 8, 4: 2, 5: 4}
COMPACT_BELOW = 0.25  # events per grid cell under which only the occurring cells are counted


def _count(
    region: np.ndarray,
    bucket: np.ndarray,
    member: np.ndarray,
    level: np.ndarray,
    weight: np.ndarray,
    *,
    n_regions: int,
    b0: int,
    n_buckets: int,
    dim: int,
    scope: int,
    cumulative_levels: bool,
) -> pl.DataFrame:
    """Sum ``weight`` per (region, quarter, member, level) with one bincount; return per (region, quarter,
    member) the three measures: persons at level ≥ 1, ≥ 2, ≥ 3 (stocks) or at exactly 1, 2, 3 (flows)."""
    size = _MEMBER_SIZE[dim]
    idx = region.astype(np.int64) * n_buckets
    idx += bucket - b0
    idx *= size
    idx += member
    idx *= 8
    idx += level
    full = n_regions * n_buckets * size
    if len(idx) < full * COMPACT_BELOW:
        # Few events (an incremental update) on a large grid: count over the cells that occur only.
        occurring, inverse = np.unique(idx >> 3, return_inverse=True)
        compact = inverse.astype(np.int64) * 8 + (idx & 7)
        grid = np.bincount(compact, weights=weight, minlength=len(occurring) * 8).reshape(-1, 8)
    else:
        occurring = None
        grid = np.bincount(idx, weights=weight, minlength=full * 8).reshape(-1, 8)
    if cumulative_levels:
        at_least = np.cumsum(grid[:, ::-1], axis=1)[:, ::-1]  # column r: levels r and above
        values = at_least[:, 1:4]
    else:
        values = grid[:, 1:4]
    cells = np.flatnonzero(np.any(values != 0, axis=1))
    if occurring is not None:
        values = values[cells]
        cells = occurring[cells]
        rows = np.arange(len(cells))
    else:
        rows = cells
    member_of = cells % size
    rest = cells // size
    return pl.DataFrame(
        {
            "region": (rest // n_buckets).astype(np.int32),
            "bucket": (rest % n_buckets + b0).astype(np.int32),
            "member": member_of.astype(np.int16),
            "a": np.rint(values[rows, 0]).astype(np.int64),
            "b": np.rint(values[rows, 1]).astype(np.int64),
            "c": np.rint(values[rows, 2]).astype(np.int64),
            "scope": np.full(len(cells), scope, dtype=np.int8),
            "dim": np.full(len(cells), dim, dtype=np.int8),
        }
    )


@dataclass(frozen=True)
class _Grid:
    """The dense grid events are counted on: region indexes, and quarters b0 … b0 + n_buckets − 1 (the
    quarter of ``last_day``, the last day counted; events after it are left out)."""

    n_regions: int
    b0: int
    n_buckets: int
    last_day: int

    def counting(self, scope: int, *, cumulative_levels: bool) -> dict[str, Any]:
        return {
            "n_regions": self.n_regions,
            "b0": self.b0,
            "n_buckets": self.n_buckets,
            "scope": scope,
            "cumulative_levels": cumulative_levels,
        }


def _stock_events(seg: pl.DataFrame, scope: int, grid: _Grid) -> list[pl.DataFrame]:
    """+1/−1 events of each segment in every disaggregation of the scope, up to the grid's last day."""
    last = grid.last_day
    start = seg["seg_start"].to_numpy()
    seg_end = seg["seg_end"].fill_null(np.iinfo(np.int32).max).to_numpy()
    began = np.flatnonzero(start <= last)
    ended = np.flatnonzero(seg_end <= last)
    rows = np.concatenate([began, ended])  # the segment of each event: starts, then ends
    day = np.concatenate([start[began], seg_end[ended]])
    sign = np.concatenate([np.ones(len(began)), -np.ones(len(ended))])
    col = {c: seg[c].to_numpy() for c in ("region", "rank", "occ", "industry", "sex", "c35", "c45", "c55")}
    ev = {c: col[c][rows] for c in ("region", "occ", "industry", "sex")}  # native small integer types
    rank = np.clip(col["rank"], 0, 7)[rows]
    bucket = days_to_quarter(day)
    # An end event is counted in the age band of the segment's last day.
    band_day = day - np.concatenate([np.zeros(len(began), dtype=day.dtype), np.ones(len(ended), dtype=day.dtype)])
    age = _band(band_day, col["c35"][rows], col["c45"][rows], col["c55"][rows])
    members = {0: np.zeros(len(sign), dtype=np.int8), 1: ev["industry"], 2: ev["occ"], 3: rank, 4: ev["sex"], 5: age}
    kw = grid.counting(scope, cumulative_levels=True)
    out = []
    for dim in SCOPE_DIMS[scope]:
        if dim == 5:
            continue
        out.append(_count(ev["region"], bucket, members[dim], rank, sign, dim=dim, **kw))
    if 5 in SCOPE_DIMS[scope]:
        # Age bands also move inside segments, on the birthdays that cross a threshold (up to the last day).
        regions, buckets, ranks, ages, signs = [ev["region"]], [bucket], [rank], [age], [sign]
        until = np.minimum(seg_end, last + 1)
        for i, k in enumerate(AGE_THRESHOLDS):
            c = col[f"c{k}"]
            moving = np.flatnonzero((c > start) & (c < until))
            q = days_to_quarter(c[moving])
            moved_region = col["region"][moving]
            moved_rank = np.clip(col["rank"][moving], 0, 7)
            for band, s in ((i, -1.0), (i + 1, 1.0)):
                regions.append(moved_region)
                buckets.append(q)
                ranks.append(moved_rank)
                ages.append(np.full(len(moving), band, dtype=np.int8))
                signs.append(np.full(len(moving), s))
        out.append(
            _count(
                np.concatenate(regions),
                np.concatenate(buckets),
                np.concatenate(ages),
                np.concatenate(ranks),
                np.concatenate(signs),
                dim=5,
                **kw,
            )
        )
    return [f.rename({"a": "d_skilled", "b": "d_mid", "c": "d_high"}) for f in out]


def _flow_events(reach: pl.DataFrame, scope: int, grid: _Grid) -> list[pl.DataFrame]:
    reach = reach.filter(pl.col("t") <= grid.last_day)
    col = {c: reach[c].to_numpy() for c in ("region", "level", "occ", "industry", "sex", "c35", "c45", "c55")}
    t = reach["t"].to_numpy()
    bucket = days_to_quarter(t)
    age = _band(t, col["c35"], col["c45"], col["c55"])
    members = {0: np.zeros(len(t), dtype=np.int8), 1: col["industry"], 2: col["occ"], 4: col["sex"], 5: age}
    weight = np.ones(len(t))
    kw = grid.counting(scope, cumulative_levels=False)
    out = [
        _count(col["region"], bucket, members[dim], col["level"], weight, dim=dim, **kw)
        for dim in SCOPE_DIMS[scope]
        if dim in members
    ]
    return [f.rename({"a": "f_skilled", "b": "f_mid", "c": "f_high"}) for f in out]


EVENT_SCHEMA: Any = {
    "region": pl.Int32,
    "scope": pl.Int8,
    "dim": pl.Int8,
    "member": pl.Int16,
    "bucket": pl.Int32,
    "d_skilled": pl.Int64,
    "d_mid": pl.Int64,
    "d_high": pl.Int64,
    "f_skilled": pl.Int64,
    "f_mid": pl.Int64,
    "f_high": pl.Int64,
}


def _empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=EVENT_SCHEMA)


SPLIT_FROM_ROWS = 2_000_000  # certificates from which the persons are counted in two halves
THREADS = 2


def _scope_events(held: pl.DataFrame, grid: _Grid) -> list[pl.DataFrame]:
    """The counted events of every scope, for the certificates ``held`` (with their holders' attributes)."""
    parts: list[pl.DataFrame] = []
    for scope in SCOPES.values():
        subset = _scope_filter(held, scope)
        if subset.height == 0:
            continue
        seg, reach = scope_frames(subset)
        for frame in _stock_events(seg, scope, grid):
            parts.append(frame.with_columns(*(pl.lit(0, pl.Int64).alias(c) for c in ("f_skilled", "f_mid", "f_high"))))
        for frame in _flow_events(reach, scope, grid):
            parts.append(frame.with_columns(*(pl.lit(0, pl.Int64).alias(c) for c in ("d_skilled", "d_mid", "d_high"))))
    return parts


def contributions(
    certs: pl.DataFrame, persons: pl.DataFrame, industry: pl.DataFrame, *, through: datetime.date | None = None
) -> pl.DataFrame:
    """All events of these persons, aggregated per (region, scope, dim, member, bucket), regions replicated
    to their city and province. With ``through``, only the events up to that day (the last day of the
    stored periods: later events change no stored fact)."""
    codes = persons["region"].unique().sort()
    if len(codes) >= (1 << 12):
        raise ValueError("more than 4,096 distinct regions")
    index = {int(c): i for i, c in enumerate(codes.to_list())}
    people = with_industry(_with_age_thresholds(persons), industry)
    people = people.with_columns(
        pl.col("industry").fill_null(0).cast(pl.Int8),
        pl.col("region").replace_strict(index, return_dtype=pl.Int32),
    ).select("person_id", *ATTRS)
    held = attach(certs, people)
    if held.height == 0:
        return _empty_events()
    # Quarters from the earliest issue day to the last day counted: ``through``, or else the latest day
    # any event can fall on (a 55th birthday).
    lo_day = int(held["start"].min())  # type: ignore[arg-type]
    if through is not None:
        hi_day = days(through)
    else:
        hi_day = max(int(held["start"].max()), int(held["end"].max() or 0), int(people["c55"].max()))  # type: ignore[arg-type]
    if hi_day < lo_day:
        return _empty_events()
    b0 = int(days_to_quarter(np.array([lo_day]))[0])
    grid = _Grid(len(codes), b0, int(days_to_quarter(np.array([hi_day]))[0]) - b0 + 1, hi_day)
    if held.height >= SPLIT_FROM_ROWS and THREADS > 1:
        # Persons count independently: their halves are counted in two threads (numpy and Polars
        # release the interpreter lock in their loops) and the counts added up.
        odd = (held["person_id"] % 2 == 1).to_numpy()
        shares = [held.filter(pl.Series(~odd)), held.filter(pl.Series(odd))]
        del held
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="rollup-count") as pool:
            parts = [p for share in pool.map(lambda h: _scope_events(h, grid), shares) for p in share]
    else:
        parts = _scope_events(held, grid)
    if not parts:
        return _empty_events()
    events = pl.concat([p.select(list(EVENT_SCHEMA)).cast(EVENT_SCHEMA) for p in parts])
    events = events.with_columns(
        pl.col("region").replace_strict(dict(enumerate(codes.to_list())), return_dtype=pl.Int32)
    )
    return replicate_up(events)


def replicate_up(events: pl.DataFrame) -> pl.DataFrame:
    """Add each event to the region's city and province as well, then sum."""
    region = pl.col("region")
    city = (region // 100 * 100).cast(pl.Int32)
    province = (region // 10000 * 10000).cast(pl.Int32)
    copies = [
        events,
        events.filter(region % 100 != 0).with_columns(city.alias("region")),
        events.filter(region % 10000 != 0).with_columns(province.alias("region")),
    ]
    return sum_events(pl.concat(copies))


def sum_events(events: pl.DataFrame) -> pl.DataFrame:
    value_cols = [c for c in EVENT_SCHEMA if c not in EVENT_KEYS]
    summed = events.group_by(EVENT_KEYS).agg(*(pl.col(c).sum() for c in value_cols))
    nonzero = pl.any_horizontal(*(pl.col(c) != 0 for c in value_cols))
    return summed.filter(nonzero).sort(EVENT_KEYS)


def difference(new: pl.DataFrame, old: pl.DataFrame) -> pl.DataFrame:
    value_cols = [c for c in EVENT_SCHEMA if c not in EVENT_KEYS]
    negated = old.with_columns(*(-pl.col(c) for c in value_cols))
    return sum_events(pl.concat([new.cast(EVENT_SCHEMA), negated.cast(EVENT_SCHEMA)]))


def facts_from_events(events: pl.DataFrame, plist: list[Period]) -> pl.DataFrame:
    """Stocks on each period's last day (events summed up to its last quarter) and flows within it.

    Rows whose measures are all zero are left out. Columns: region, scope, dim, member, period, period_end
    and the six measures."""
    keys = ["region", "scope", "dim", "member"]
    if events.height == 0:
        return _empty_facts()
    cum = (
        events.sort([*keys, "bucket"])
        .with_columns(
            pl.col("d_skilled").cum_sum().over(keys).alias("skilled"),
            pl.col("d_mid").cum_sum().over(keys).alias("mid_plus"),
            pl.col("d_high").cum_sum().over(keys).alias("high"),
        )
        .select([*keys, "bucket", "skilled", "mid_plus", "high"])
    )
    pframe = pl.DataFrame(
        {
            "period": [p.label for p in plist],
            "period_end": [p.end for p in plist],
            "p_bucket": [p.bucket for p in plist],
            "p_first": [p.first_bucket for p in plist],
        },
        schema={"period": pl.Utf8, "period_end": pl.Date, "p_bucket": pl.Int32, "p_first": pl.Int32},
    )
    grid = events.select(keys).unique().join(pframe, how="cross")
    stocks = (
        grid.sort("p_bucket")
        .join_asof(
            cum.sort("bucket"),
            left_on="p_bucket",
            right_on="bucket",
            by=keys,
            strategy="backward",
            check_sortedness=False,
        )
        .with_columns(pl.col("skilled", "mid_plus", "high").fill_null(0))
    )
    # Flows: a year row sums its quarters; a quarter row is its own bucket.
    flow_events = events.filter((pl.col("f_skilled") != 0) | (pl.col("f_mid") != 0) | (pl.col("f_high") != 0))
    flows = (
        flow_events.join(pframe, how="cross")
        .filter((pl.col("bucket") >= pl.col("p_first")) & (pl.col("bucket") <= pl.col("p_bucket")))
        .group_by([*keys, "period"])
        .agg(
            pl.col("f_skilled").sum().alias("new_skilled"),
            pl.col("f_mid").sum().alias("new_mid_plus"),
            pl.col("f_high").sum().alias("new_high"),
        )
    )
    out = (
        stocks.join(flows, on=[*keys, "period"], how="left")
        .with_columns(pl.col("new_skilled", "new_mid_plus", "new_high").fill_null(0))
        .select([*keys, "period", "period_end", *MEASURES])
    )
    return out.filter(pl.any_horizontal(*(pl.col(m) != 0 for m in MEASURES)))


def delta_facts(events: pl.DataFrame, plist: list[Period]) -> pl.DataFrame:
    """For an incremental update: the change of every stored period's stocks and flows caused by ``events``
    (which are differences). A stock changes in every period at or after the event's quarter."""
    keys = ["region", "scope", "dim", "member"]
    if events.height == 0:
        return _empty_facts()
    pframe = pl.DataFrame(
        {
            "period": [p.label for p in plist],
            "period_end": [p.end for p in plist],
            "p_bucket": [p.bucket for p in plist],
            "p_first": [p.first_bucket for p in plist],
        },
        schema={"period": pl.Utf8, "period_end": pl.Date, "p_bucket": pl.Int32, "p_first": pl.Int32},
    )
    crossed = events.join(pframe, how="cross").filter(pl.col("bucket") <= pl.col("p_bucket"))
    in_period = (pl.col("bucket") >= pl.col("p_first")).cast(pl.Int64)
    out = crossed.group_by([*keys, "period", "period_end"]).agg(
        pl.col("d_skilled").sum().alias("skilled"),
        pl.col("d_mid").sum().alias("mid_plus"),
        pl.col("d_high").sum().alias("high"),
        (pl.col("f_skilled") * in_period).sum().alias("new_skilled"),
        (pl.col("f_mid") * in_period).sum().alias("new_mid_plus"),
        (pl.col("f_high") * in_period).sum().alias("new_high"),
    )
    return out.filter(pl.any_horizontal(*(pl.col(m) != 0 for m in MEASURES))).select(
        [*keys, "period", "period_end", *MEASURES]
    )


def _empty_facts() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "region": pl.Int32,
            "scope": pl.Int8,
            "dim": pl.Int8,
            "member": pl.Int16,
            "period": pl.Utf8,
            "period_end": pl.Date,
            **dict.fromkeys(MEASURES, pl.Int64),
        }
    )


def member_label(dim: int, member: int, sections: str = "ABCDEFGHIJKLMNOPQRST") -> str:
    """The stored text of a disaggregation member."""
    if dim == 0:
        return "total"
    if dim == 1:
        return sections[member - 1] if 1 <= member <= len(sections) else "unknown"
    if dim == 2:
        return str(member) if member else "unknown"
    if dim == 3:
        return str(member)
    if dim == 4:
        return SEXES[member] if member in (0, 1) else "unknown"
    if dim == 5:
        return AGE_BANDS[member] if 0 <= member < len(AGE_BANDS) else "unknown"
    raise ValueError(dim)
