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
from django.db import connection
from django.db.models import Count
from django.db.models.functions import ExtractYear, Substr

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


def _in(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


def _active_counts(bottom: list[str], years: list[int], cutoff_year: int) -> tuple[list[tuple], list[tuple]]:
    """Counted in the database: persons employed at the end of each year by (year, employer's district,
    group), each person once by their latest started record active then (ties by the later record), and
    of those employed at the end of ``cutoff_year`` the (district, group, birth year, birth month, sex)
    with their number. Portable SQL (window functions: PostgreSQL, SQLite ≥ 3.25)."""
    from gongjiang.reference.models import Occupation
    from gongjiang.registry.models import Organisation, Person

    if not years or not bottom:
        return [], []
    pg = connection.vendor == "postgresql"
    day = "CAST(%s AS date)" if pg else "%s"
    if pg:
        birth_year, birth_month = (
            "CAST(EXTRACT(YEAR FROM p.birth_date) AS integer)",
            "CAST(EXTRACT(MONTH FROM p.birth_date) AS integer)",
        )
    else:
        birth_year, birth_month = (
            "CAST(strftime('%%Y', p.birth_date) AS integer)",
            "CAST(strftime('%%m', p.birth_date) AS integer)",
        )
    ends = [datetime.date(y, 12, 31).isoformat() for y in years]
    calendar = " UNION ALL ".join(f"SELECT CAST(%s AS integer) AS y, {day} AS d" for _ in years)
    calendar_params: list[object] = [v for y, d in zip(years, ends, strict=True) for v in (y, d)]
    emp, org, occ = Employment._meta.db_table, Organisation._meta.db_table, Occupation._meta.db_table
    latest = f"""
        WITH years AS ({calendar}),
        active AS (
            SELECT ys.y AS y, e.person_id AS person_id, o.region_code AS region, SUBSTR(c.code, 1, 1) AS grp,
                   ROW_NUMBER() OVER (PARTITION BY ys.y, e.person_id ORDER BY e.start DESC, e.id DESC) AS rn
            FROM {emp} e
            JOIN {org} o ON o.id = e.organisation_id
            JOIN {occ} c ON c.id = e.occupation_id
            JOIN years ys ON e.start <= ys.d AND (e."end" IS NULL OR e."end" > ys.d)
            WHERE o.region_code IN ({_in(bottom)}) AND e.start <= {day}
              AND (e."end" IS NULL OR e."end" > {day})
        )
    """  # noqa: S608 - table names and placeholders only
    params = [*calendar_params, *bottom, ends[-1], ends[0]]
    with connection.cursor() as cursor:
        cursor.execute(
            latest + "SELECT y, region, grp, COUNT(*) FROM active WHERE rn = 1 GROUP BY y, region, grp",  # noqa: S608
            params,
        )
        yearly = cursor.fetchall()
        person = Person._meta.db_table
        cutoff = f"""
            SELECT a.region, a.grp, {birth_year}, {birth_month}, p.sex, COUNT(*)
            FROM active a JOIN {person} p ON p.id = a.person_id
            WHERE a.rn = 1 AND a.y = %s
            GROUP BY a.region, a.grp, {birth_year}, {birth_month}, p.sex
        """  # noqa: S608 - table names and placeholders only
        if cutoff_year in years:
            cursor.execute(latest + cutoff, [*params, cutoff_year])
            now = cursor.fetchall()
        else:
            now = []
    return yearly, now


def assemble(root: str, *, first_year: int, cutoff_year: int, horizon: int) -> Panel:
    tree = hierarchy(root, cutoff_year)
    bottom = tree.bottom
    years = list(range(first_year, cutoff_year + 1))
    ahead = list(range(cutoff_year + 1, cutoff_year + horizon + 1))

    yearly, now = _active_counts(bottom, years, cutoff_year)
    employment = _cube(
        pl.DataFrame(
            yearly, schema={"year": pl.Int64, "region": pl.Utf8, "group": pl.Utf8, "n": pl.Int64}, orient="row"
        ),
        bottom,
        years,
        "n",
    )

    if not now:
        replacement = np.zeros((len(bottom), len(GROUPS), len(ahead)))
    else:
        retiring = pl.DataFrame(
            now,
            schema={
                "region": pl.Utf8,
                "group": pl.Utf8,
                "birth_year": pl.Int64,
                "birth_month": pl.Int64,
                "sex": pl.Utf8,
                "n": pl.Int64,
            },
            orient="row",
        )
        retire = retirement_year(
            retiring["birth_year"].to_numpy(),
            retiring["birth_month"].to_numpy(),
            retiring["sex"].to_numpy().astype(str),
        )
        replacement = _cube(retiring.with_columns(pl.Series("year", retire, dtype=pl.Int64)), bottom, ahead, "n")

    certs = pl.DataFrame(
        list(
            Certificate.objects.filter(
                person__residence_region_code__in=bottom,
                issue_date__gte=datetime.date(first_year, 1, 1),
                issue_date__lte=datetime.date(cutoff_year, 12, 31),
            )
            .annotate(group=Substr("occupation__code", 1, 1), year=ExtractYear("issue_date"))
            .values_list("person__residence_region_code", "group", "year")
            .annotate(n=Count("id"))
            .order_by()
        ),
        schema={"region": pl.Utf8, "group": pl.Utf8, "year": pl.Int64, "n": pl.Int64},
        orient="row",
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
    supply = _cube(certs, bottom, years, "n")
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
