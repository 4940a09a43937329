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
from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth, ExtractYear, Substr

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


def _as_date(value: object) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _active_years(start: datetime.date, end: datetime.date | None, years: list[int]) -> set[int]:
    """The years at whose end a record (start, end) is active: started by 31 December, not ended by then."""
    return {y for y in years if start <= datetime.date(y, 12, 31) and (end is None or end > datetime.date(y, 12, 31))}


def _active_counts(bottom: list[str], years: list[int], cutoff_year: int) -> tuple[list[tuple], list[tuple]]:
    """Counted in the database: persons employed at the end of each year as rows (year, employer's district,
    group, number), each person once by their latest started record active then (ties by the later record),
    and of those employed at the end of ``cutoff_year`` rows (district, group, birth year, birth month, sex,
    number).

    A record is active at the end of every year from its start's year to the year before its end's, so the
    records are counted grouped by (district, group, start year, end year) in one pass and spread over the
    years here. A person with two records active at one year-end is counted by the later one only: the
    pairs of records of one person overlapping in time (few) are read by a self-join and the earlier
    record's overlapping year-ends taken off."""
    from gongjiang.reference.models import Occupation
    from gongjiang.registry.models import Person

    if not years or not bottom:
        return [], []
    first_end, last_end = datetime.date(years[0], 12, 31), datetime.date(years[-1], 12, 31)
    records = (
        Employment.objects.filter(region_code__in=bottom, occupation__isnull=False)
        .filter(start__lte=last_end)
        .filter(Q(end__isnull=True) | Q(end__gt=first_end))
    )
    counts: dict[tuple, int] = {}
    for region, group, sy, ey, n in (
        records.annotate(group=Substr("occupation__code", 1, 1), sy=ExtractYear("start"), ey=ExtractYear("end"))
        .values_list("region_code", "group", "sy", "ey")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("region_code", "group", "sy", "ey", "n")
    ):
        for y in years:
            if sy <= y and (ey is None or ey > y):
                counts[(y, region, group)] = counts.get((y, region, group), 0) + n
    retiring: dict[tuple, int] = {}
    for region, group, birth_year, birth_month, sex, n in (
        records.filter(start__lte=datetime.date(cutoff_year, 12, 31))
        .filter(Q(end__isnull=True) | Q(end__gt=datetime.date(cutoff_year, 12, 31)))
        .annotate(
            group=Substr("occupation__code", 1, 1),
            birth_year=ExtractYear("person__birth_date"),
            birth_month=ExtractMonth("person__birth_date"),
        )
        .values_list("region_code", "group", "birth_year", "birth_month", "person__sex")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("region_code", "group", "birth_year", "birth_month", "person__sex", "n")
    ):
        key = (region, group, birth_year, birth_month, sex)
        retiring[key] = retiring.get(key, 0) + n

    emp, occ = Employment._meta.db_table, Occupation._meta.db_table
    person = Person._meta.db_table
    places = ", ".join(["%s"] * len(bottom))
    pairs = f"""
        SELECT e.id, e.region_code, SUBSTR(c.code, 1, 1), e.start, e."end", l.start, l."end", p.birth_date, p.sex
        FROM {emp} e
        JOIN {emp} l ON l.person_id = e.person_id AND l.id <> e.id
        JOIN {occ} c ON c.id = e.occupation_id
        JOIN {person} p ON p.id = e.person_id
        WHERE e.region_code IN ({places}) AND l.region_code IN ({places}) AND l.occupation_id IS NOT NULL
          AND e.start <= %s AND (e."end" IS NULL OR e."end" > %s)
          AND l.start <= %s AND (l."end" IS NULL OR l."end" > %s)
          AND (l.start > e.start OR (l.start = e.start AND l.id > e.id))
          AND (e."end" IS NULL OR e."end" > l.start)
    """  # noqa: S608 - table names and placeholders only
    shadowed: dict[int, tuple[str, str, datetime.date, str, set[int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(pairs, [*bottom, *bottom, last_end, first_end, last_end, first_end])
        for eid, region, group, start, end, later_start, later_end, birth, sex in cursor.fetchall():
            both = _active_years(_as_date(start), _as_date(end), years) & _active_years(  # type: ignore[arg-type]
                _as_date(later_start),  # type: ignore[arg-type]
                _as_date(later_end),
                years,
            )
            if both:
                entry = shadowed.setdefault(eid, (region, group, _as_date(birth), sex, set()))  # type: ignore[arg-type]
                entry[4].update(both)
    for region, group, birth, sex, ys in shadowed.values():
        for y in ys:
            counts[(y, region, group)] -= 1
        if cutoff_year in ys:
            retiring[(region, group, birth.year, birth.month, sex)] -= 1
    return (
        [(y, region, group, n) for (y, region, group), n in counts.items() if n],
        [(*key, n) for key, n in retiring.items() if n],
    )


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
                region_code__in=bottom,
                issue_date__gte=datetime.date(first_year, 1, 1),
                issue_date__lte=datetime.date(cutoff_year, 12, 31),
            )
            .annotate(group=Substr("occupation__code", 1, 1), year=ExtractYear("issue_date"))
            .values_list("region_code", "group", "year")
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
