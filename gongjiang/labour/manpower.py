"""The series a manpower forecast reads, assembled from the platform's records on whole arrays.

Occupation groups are the 8 major groups (大类) of the 2022 classification (the first digit of the code
D-DD-DD-DD): the registry's records are thin per occupation in a district, and a major group keeps each
district's yearly series long and dense enough for the back-test. Regions are the GB/T 2260 hierarchy
below the forecast's root (province > city > county/district, current codes); the bottom level is the
county/district, whose series sum to the upper levels.

Per district × group × year:

* **employment**: persons with an employment record in the group active at the end of the year (started
  on or before 31 December and not ended by then), by the employing organisation's district, each person
  counted once (their latest started record);
* **supply**: skill certificates newly issued in the year (by the holder's residence) plus the schools'
  expected graduates of the year (``Programme``, by the school's district);
* **demand evidence** (shown beside the forecast, not forecast): headcount posted in the year (``DemandPost``
  by its opening date) and next year's planned hires of the year's submitted survey answers;
* **replacement**: of the persons employed at the end of the cut-off year, those reaching statutory
  retirement age in each forecast year (``labour/retirement.py``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.db.models import Q

from gongjiang.credentials.models import Certificate
from gongjiang.labour.models import DemandPost, Programme, SurveyLine
from gongjiang.labour.retirement import retirement_year
from gongjiang.reference.models import Region
from gongjiang.registry.models import Employment

GROUPS = [str(d) for d in range(1, 9)]


@dataclass
class Hierarchy:
    """The regions of a forecast, top-down (root first, then its children, …), and the summing matrix that
    adds the bottom level (counties/districts) up to every region."""

    regions: list[str]
    parent: dict[str, str | None]
    depth: dict[str, int]
    bottom: list[str]
    S: np.ndarray = field(repr=False)

    def children(self, code: str) -> list[str]:
        return [r for r in self.regions if self.parent.get(r) == code]


def hierarchy(root: str, as_of: int) -> Hierarchy:
    """The region tree below ``root`` (current codes valid in ``as_of``): province → cities → districts."""
    rows = list(
        Region.objects.as_of(as_of)
        .filter(code__startswith=root[: 2 if root.endswith("0000") else 4 if root.endswith("00") else 6])
        .values_list("code", "parent_code", "level")
    )
    known = {code: (parent, level) for code, parent, level in rows}
    if root not in known:
        raise LookupError(root)
    regions: list[str] = [root]
    parent: dict[str, str | None] = {root: None}
    depth = {root: 0}
    frontier = [root]
    while frontier:
        nxt = []
        for code in frontier:
            for child in sorted(c for c, (p, _level) in known.items() if p == code):
                regions.append(child)
                parent[child] = code
                depth[child] = depth[code] + 1
                nxt.append(child)
        frontier = nxt
    has_child = {p for p in parent.values() if p}
    bottom = [r for r in regions if r not in has_child]
    index = {b: j for j, b in enumerate(bottom)}
    S = np.zeros((len(regions), len(bottom)), dtype=np.float64)
    for i, r in enumerate(regions):
        for b in bottom:
            node: str | None = b
            while node is not None:
                if node == r:
                    S[i, index[b]] = 1.0
                    break
                node = parent[node]
    return Hierarchy(regions=regions, parent=parent, depth=depth, bottom=bottom, S=S)


@dataclass
class Panel:
    """Bottom-level arrays [district, group, year]."""

    tree: Hierarchy
    years: list[int]
    horizon_years: list[int]
    employment: np.ndarray
    supply: np.ndarray
    posted: np.ndarray
    planned: np.ndarray
    replacement: np.ndarray  # [district, group, horizon year]


def _cube(frame: pl.DataFrame, bottom: list[str], years: list[int], value: str) -> np.ndarray:
    """A frame of (region, group, year, value) summed into an array [district, group, year]."""
    out = np.zeros((len(bottom), len(GROUPS), len(years)), dtype=np.float64)
    if frame.is_empty():
        return out
    ri = {r: i for i, r in enumerate(bottom)}
    gi = {g: i for i, g in enumerate(GROUPS)}
    yi = {y: i for i, y in enumerate(years)}
    f = (
        frame.filter(pl.col("region").is_in(bottom) & pl.col("group").is_in(GROUPS) & pl.col("year").is_in(years))
        .group_by("region", "group", "year")
        .agg(pl.col(value).sum())
    )
    if f.is_empty():
        return out
    r = np.array([ri[v] for v in f["region"].to_list()])
    g = np.array([gi[v] for v in f["group"].to_list()])
    y = np.array([yi[v] for v in f["year"].to_list()])
    np.add.at(out, (r, g, y), f[value].to_numpy().astype(np.float64))
    return out


def _employment_frame(bottom: list[str], first_year: int, cutoff_year: int) -> pl.DataFrame:
    rows = list(
        Employment.objects.filter(organisation__region_code__in=bottom, occupation__isnull=False)
        .filter(start__lte=datetime.date(cutoff_year, 12, 31))
        .filter(Q(end__isnull=True) | Q(end__gt=datetime.date(first_year, 12, 31)))
        .values_list(
            "person_id",
            "organisation__region_code",
            "occupation__code",
            "start",
            "end",
            "person__birth_date",
            "person__sex",
        )
    )
    return pl.DataFrame(
        rows,
        schema={
            "person": pl.Int64,
            "region": pl.Utf8,
            "code": pl.Utf8,
            "start": pl.Date,
            "end": pl.Date,
            "birth": pl.Date,
            "sex": pl.Utf8,
        },
        orient="row",
    ).with_columns(pl.col("code").str.slice(0, 1).alias("group"))


def _active_at(frame: pl.DataFrame, year: int) -> pl.DataFrame:
    """Persons employed at the end of ``year`` (their latest started record)."""
    day = datetime.date(year, 12, 31)
    return (
        frame.filter((pl.col("start") <= day) & (pl.col("end").is_null() | (pl.col("end") > day)))
        .sort("start", descending=True)
        .unique("person", keep="first")
    )


def assemble(root: str, *, first_year: int, cutoff_year: int, horizon: int) -> Panel:
    tree = hierarchy(root, cutoff_year)
    bottom = tree.bottom
    years = list(range(first_year, cutoff_year + 1))
    ahead = list(range(cutoff_year + 1, cutoff_year + horizon + 1))

    emp = _employment_frame(bottom, first_year, cutoff_year)
    yearly = [
        _active_at(emp, y).group_by("region", "group").len("n").with_columns(pl.lit(y).alias("year")) for y in years
    ]
    employment = _cube(pl.concat(yearly) if yearly else pl.DataFrame(), bottom, years, "n")

    now = _active_at(emp, cutoff_year)
    if now.is_empty():
        replacement = np.zeros((len(bottom), len(GROUPS), len(ahead)))
    else:
        birth = now["birth"]
        retire = retirement_year(
            birth.dt.year().to_numpy(), birth.dt.month().to_numpy(), now["sex"].to_numpy().astype(str)
        )
        retiring = now.with_columns(pl.Series("year", retire, dtype=pl.Int64), pl.lit(1).alias("n"))
        replacement = _cube(retiring, bottom, ahead, "n")

    certs = pl.DataFrame(
        list(
            Certificate.objects.filter(
                person__residence_region_code__in=bottom,
                issue_date__gte=datetime.date(first_year, 1, 1),
                issue_date__lte=datetime.date(cutoff_year, 12, 31),
            ).values_list("person__residence_region_code", "occupation__code", "issue_date")
        ),
        schema={"region": pl.Utf8, "code": pl.Utf8, "day": pl.Date},
        orient="row",
    ).with_columns(
        pl.col("code").str.slice(0, 1).alias("group"), pl.col("day").dt.year().alias("year"), pl.lit(1).alias("n")
    )
    grads = pl.DataFrame(
        list(
            Programme.objects.filter(region_code__in=bottom, year__gte=first_year, year__lte=cutoff_year).values_list(
                "region_code", "occupation__code", "year", "expected_graduates"
            )
        ),
        schema={"region": pl.Utf8, "code": pl.Utf8, "year": pl.Int64, "n": pl.Int64},
        orient="row",
    ).with_columns(pl.col("code").str.slice(0, 1).alias("group"))
    supply = _cube(
        certs.select("region", "group", "year", "n").cast({"year": pl.Int64, "n": pl.Int64}), bottom, years, "n"
    )
    supply += _cube(grads, bottom, years, "n")

    posts = pl.DataFrame(
        list(
            DemandPost.objects.filter(region_code__in=bottom, opened_on__year__gte=first_year).values_list(
                "region_code", "occupation__code", "opened_on", "headcount"
            )
        ),
        schema={"region": pl.Utf8, "code": pl.Utf8, "day": pl.Date, "n": pl.Int64},
        orient="row",
    ).with_columns(pl.col("code").str.slice(0, 1).alias("group"), pl.col("day").dt.year().cast(pl.Int64).alias("year"))
    planned_rows = pl.DataFrame(
        list(
            SurveyLine.objects.filter(
                survey__region_code__in=bottom, survey__submitted_on__isnull=False, survey__year__gte=first_year
            ).values_list("survey__region_code", "occupation__code", "survey__year", "hires_1")
        ),
        schema={"region": pl.Utf8, "code": pl.Utf8, "year": pl.Int64, "n": pl.Int64},
        orient="row",
    ).with_columns(pl.col("code").str.slice(0, 1).alias("group"))
    return Panel(
        tree=tree,
        years=years,
        horizon_years=ahead,
        employment=employment,
        supply=supply,
        posted=_cube(posts, bottom, years, "n"),
        planned=_cube(planned_rows, bottom, years, "n"),
        replacement=replacement,
    )
