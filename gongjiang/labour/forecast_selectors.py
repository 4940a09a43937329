"""Reads of the manpower forecasts: a run's reconciled table and chart, the town and enterprise shares of a
district's forecast, and the major-project assessment against the forecast supply."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from gongjiang.labour.models import EnterpriseTown, ForecastLine, ForecastRun, MajorProject, NeedSurvey, SurveyLine
from gongjiang.reference.models import Occupation
from gongjiang.reference.selectors import region_name


def group_names() -> dict[str, str]:
    """The major groups of the 2022 classification by their one-digit code."""
    return dict(Occupation.objects.filter(kind="major").values_list("code", "name"))


def group_label(code: str, names: dict[str, str] | None = None) -> str:
    names = names if names is not None else group_names()
    return f"{code} {names.get(code, '')}".strip()


def run_groups(run: ForecastRun, lines: QuerySet[ForecastLine]) -> list[str]:
    """The run's groups, those with the most openings at the root first."""
    return list(lines.filter(region_code=run.region_code).order_by("-openings_total").values_list("group", flat=True))


def reconciled_rows(run: ForecastRun, lines: QuerySet[ForecastLine], region: str, group: str) -> list[dict[str, Any]]:
    """The region's line and its children's lines of one group, each with its yearly figures, and a last row
    summing the children (equal to the region's line: the forecast is reconciled)."""
    mine = lines.filter(group=group, region_code=region).first()
    if mine is None:
        return []
    depth = mine.depth
    children = [
        line
        for line in lines.filter(group=group, depth=depth + 1).order_by("region_code")
        if _parent_of(line.region_code, region)
    ]
    rows = [_row(mine, own=True)] + [_row(line) for line in children]
    if children:
        years = list(mine.forecast)
        rows.append(
            {
                "region": None,
                "sum": True,
                "years": [
                    {k: sum(c.forecast[y][k] for c in children) for k in ("employment", "openings", "supply", "gap")}
                    for y in years
                ],
            }
        )
    return rows


def _parent_of(child: str, parent: str) -> bool:
    if parent.endswith("0000"):
        return child[:2] == parent[:2] and child != parent
    if parent.endswith("00"):
        return child[:4] == parent[:4] and child != parent
    return False


def _row(line: ForecastLine, own: bool = False) -> dict[str, Any]:
    return {
        "line": line,
        "own": own,
        "region": f"{region_name(line.region_code)} ({line.region_code})",
        "code": line.region_code,
        "mase": line.mase.get("employment"),
        "years": [line.forecast[y] for y in line.forecast],
    }


def chart_data(line: ForecastLine, labels: dict[str, str]) -> dict[str, Any]:
    """The chart of one line: employment and supply, history then forecast, with 80% and 95% intervals."""
    hist_years, ahead = list(line.history), list(line.forecast)
    data: dict[str, Any] = {"years": hist_years + ahead, "labels": labels, "cut": len(hist_years)}
    for measure in ("employment", "supply"):
        data[measure] = {
            "history": [line.history[y][measure] for y in hist_years] + [None] * len(ahead),
            "forecast": [None] * (len(hist_years) - 1)
            + [line.history[hist_years[-1]][measure]]
            + [line.forecast[y][measure] for y in ahead],
            "lo80": [None] * len(hist_years) + [line.forecast[y][f"{measure}_80"][0] for y in ahead],
            "hi80": [None] * len(hist_years) + [line.forecast[y][f"{measure}_80"][1] for y in ahead],
            "lo95": [None] * len(hist_years) + [line.forecast[y][f"{measure}_95"][0] for y in ahead],
            "hi95": [None] * len(hist_years) + [line.forecast[y][f"{measure}_95"][1] for y in ahead],
        }
    data["openings"] = [None] * len(hist_years) + [line.forecast[y]["openings"] for y in ahead]
    return data


@dataclass
class Local:
    """A town's or an enterprise's share of a district's forecast openings of one group."""

    name: str
    staff: int
    share: float
    openings: list[int]
    planned: int = 0
    enterprises: list[str] = field(default_factory=list)


def local_shares(line: ForecastLine, surveys: QuerySet[NeedSurvey]) -> tuple[list[Local], list[Local]]:
    """Enterprises and towns of a district line: each surveyed enterprise's staff in the group (its latest
    submitted answer up to the year after the cut-off) over the district's employment at the cut-off, times
    the district's forecast openings of each year; a town sums its enterprises."""
    cutoff = str(line.run.cutoff_year)
    employed = line.history.get(cutoff, {}).get("employment", 0)
    if not employed:
        return [], []
    latest: dict[int, NeedSurvey] = {}
    for survey in (
        surveys.filter(region_code=line.region_code, submitted_on__isnull=False, year__lte=line.run.cutoff_year + 1)
        .select_related("organisation")
        .order_by("year")
    ):
        latest[survey.organisation_id] = survey
    if not latest:
        return [], []
    staff: dict[int, int] = defaultdict(int)
    planned: dict[int, int] = defaultdict(int)
    for survey_id, code, n, hires in SurveyLine.objects.filter(survey__in=[s.pk for s in latest.values()]).values_list(
        "survey_id", "occupation__code", "staff", "hires_1"
    ):
        if code.startswith(f"{line.group}-"):
            staff[survey_id] += n
            planned[survey_id] += hires
    years = list(line.forecast)
    towns = dict(
        EnterpriseTown.objects.filter(organisation_id__in=list(latest)).values_list("organisation_id", "town_name")
    )
    enterprises: list[Local] = []
    by_town: dict[str, list[Local]] = defaultdict(list)
    for org_id, survey in latest.items():
        n = staff.get(survey.pk, 0)
        if not n:
            continue
        share = min(1.0, n / employed)
        local = Local(
            name=survey.organisation.name,
            staff=n,
            share=share,
            openings=[round(share * line.forecast[y]["openings"]) for y in years],
            planned=planned.get(survey.pk, 0),
        )
        enterprises.append(local)
        if org_id in towns:
            by_town[towns[org_id]].append(local)
    town_rows = [
        Local(
            name=name,
            staff=sum(e.staff for e in members),
            share=min(1.0, sum(e.staff for e in members) / employed),
            openings=[sum(e.openings[k] for e in members) for k in range(len(years))],
            planned=sum(e.planned for e in members),
            enterprises=[e.name for e in members],
        )
        for name, members in sorted(by_town.items())
    ]
    enterprises.sort(key=lambda e: -e.staff)
    return town_rows, enterprises


@dataclass
class NeedRow:
    occupation: Occupation
    year: int
    need: int
    group: str
    supply: int | None = None
    openings: int | None = None
    remaining: int | None = None
    gap: int | None = None
    run: ForecastRun | None = None
    group_label: str = ""


def assess(project: MajorProject, lines: QuerySet[ForecastLine]) -> list[NeedRow]:
    """Each need of the project (occupation × year) against the latest forecast of its region and group:
    the forecast supply, the openings already expected, the supply remaining after them and after the
    project's earlier needs of the same group and year, and the gap the project leaves (persons to bring
    from outside the region). Supply is forecast by major group, so the occupations of one group share it."""
    rows = [
        NeedRow(occupation=n.occupation, year=n.year, need=n.headcount, group=n.occupation.code.split("-")[0])
        for n in project.needs.select_related("occupation").order_by("year", "occupation__code")
    ]
    by_group: dict[str, ForecastLine | None] = {}
    left: dict[tuple[str, int], int] = {}
    for row in rows:
        if row.group not in by_group:
            by_group[row.group] = (
                lines.filter(region_code=project.region_code, group=row.group)
                .select_related("run")
                .order_by("-run__made_on", "-run_id")
                .first()
            )
        line = by_group[row.group]
        year = str(row.year)
        if line is None or year not in line.forecast:
            continue
        figures = line.forecast[year]
        row.run, row.supply, row.openings = line.run, figures["supply"], figures["openings"]
        key = (row.group, row.year)
        remaining = left.get(key, row.supply - row.openings)
        row.remaining = remaining
        row.gap = max(0, row.need - max(remaining, 0))
        left[key] = remaining - row.need
    return rows
