"""Indicator values: numerators and denominators read from their sources, for regions and periods.

A :class:`Store` holds, for a set of regions, everything the indicators need: the rollup facts (the
``total`` row of every certificate scope), employed persons by year, carriers and organisation counts.
Regions are current codes; employment statistics and carriers filed under retired codes are counted
under their successors (:mod:`gongjiang.monitoring.crosswalk`).

* Employed persons of a region and year: the region's own figure when there is one, otherwise the sum
  of its subregions' figures. A year without a figure takes the latest earlier year's (at most two
  years back); the value is then marked as carried forward.
* Carriers count on a day that falls within a span of their recognised history: recognised on or before
  it, within its term or renewed, and not withdrawn by it (``monitoring.carriers``).
* Organisations carry no filing dates, so their counts are today's and belong to the latest period only.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q

from gongjiang.competitions import selectors as competition_selectors
from gongjiang.evaluation import selectors as evaluation_selectors
from gongjiang.labour import selectors as labour_selectors
from gongjiang.monitoring import engine
from gongjiang.monitoring.carriers import counted_spans
from gongjiang.monitoring.crosswalk import current_code
from gongjiang.monitoring.models import DataSource, Indicator, RegionFact, RollupState
from gongjiang.reference.regions import city_of, level_of, lineage, province_of, scope_prefix
from gongjiang.registry.models import EmploymentStat, Organisation
from gongjiang.training import selectors as training_selectors

CARRY_FORWARD_YEARS = 2


@dataclass
class Value:
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    note: str = ""  # "carried_forward:2025" when the denominator is an earlier year's


@dataclass
class Store:
    as_of: datetime.date
    periods: list[engine.Period]
    registry: dict[tuple[str, str, str], dict[str, int]] = field(default_factory=dict)
    employed: dict[tuple[str, int], float] = field(default_factory=dict)
    carriers: list[tuple[str, str, bool, datetime.date, datetime.date | None]] = field(default_factory=list)
    organisations: dict[str, dict[str, int]] | None = None  # None: not loaded
    # Evaluation filings (region, kind, from, until) and digital resources (region, occupation, from, until).
    filings: list[tuple[str, str, datetime.date, datetime.date | None]] = field(default_factory=list)
    digital_resources: list[tuple[str, int, datetime.date, datetime.date | None]] = field(default_factory=list)
    # Competitions held (region, level, start date, participants), drafts left out.
    competitions: list[tuple[str, str, datetime.date, int]] = field(default_factory=list)
    # Real-name rosters (region, class end, programme, digital, elderly care, youth, passed, trainees).
    trained: list[tuple[str, datetime.date, str, bool, bool, bool, bool, int]] = field(default_factory=list)
    # Labour-market figures by (region, year): measure → value (``labour.selectors``), years only.
    labour: dict[tuple[str, int], dict[str, float]] = field(default_factory=dict)
    regions: set[str] = field(default_factory=set)
    # A year cut short (values as of a quarter's end): the year's label and its quarters so far.
    partial_year: tuple[str, list[str]] | None = None

    @property
    def period_by_label(self) -> dict[str, engine.Period]:
        return {p.label: p for p in self.periods}

    @property
    def years(self) -> list[int]:
        return [int(p.label) for p in self.periods if p.kind == "Y"]

    @property
    def latest_year(self) -> int:
        return self.as_of.year

    @property
    def latest_quarter(self) -> str:
        quarters = [p.label for p in self.periods if p.kind == "Q"]
        return quarters[-1] if quarters else str(self.as_of.year)

    # ---- raw measures ------------------------------------------------------------------------

    def registry_measure(self, region: str, scope: str, measure: str, period: str) -> float | None:
        if period not in self.period_by_label:
            return None
        if self.partial_year and period == self.partial_year[0]:
            quarters = self.partial_year[1]
            if measure.startswith("new_"):
                parts = [self.registry_measure(region, scope, measure, q) for q in quarters]
                return None if any(v is None for v in parts) else float(sum(v or 0 for v in parts))
            return self.registry_measure(region, scope, measure, quarters[-1])
        row = self.registry.get((region, scope, period))
        if row is None:
            return 0.0 if region in self.regions else None
        return float(row.get(measure, 0))

    def employed_in(self, region: str, year: int) -> tuple[float | None, int | None]:
        for back in range(CARRY_FORWARD_YEARS + 1):
            value = self.employed.get((region, year - back))
            if value is not None:
                return value, year - back
        return None, None

    def carrier_count(self, region: str, kind: str, digital: bool, day: datetime.date) -> float:
        prefix = scope_prefix(region)
        return float(
            sum(
                1
                for code, k, dig, since, until in self.carriers
                if k == kind
                and code.startswith(prefix)
                and (dig or not digital)
                and since <= day
                and (until is None or until > day)
            )
        )

    def evaluation_count(self, region: str, measure: str, day: datetime.date) -> float:
        """Filed institutions (of every kind, or employers only) in the region's subtree on ``day``; or the
        digital occupations with a standard, norm or question bank in use there, a resource of an
        enclosing region (the province's question bank) serving the whole region."""
        prefix = scope_prefix(region)
        if measure == "digital_occupations":
            above = set(lineage(region))
            return float(
                len(
                    {
                        occupation
                        for code, occupation, since, until in self.digital_resources
                        if (code.startswith(prefix) or code in above)
                        and since <= day
                        and (until is None or until > day)
                    }
                )
            )
        return float(
            sum(
                1
                for code, kind, since, until in self.filings
                if code.startswith(prefix)
                and (measure != "self_evaluating_enterprises" or kind == "enterprise")
                and since <= day
                and (until is None or until > day)
            )
        )

    def competition_count(self, region: str, measure: str, period: engine.Period) -> float:
        """Municipal competitions, or participants of competitions of every level, held in the region's
        subtree during the period (by their start date, up to the data's date)."""
        prefix = scope_prefix(region)
        first = (
            datetime.date(period.end.year, 1, 1)
            if period.kind == "Y"
            else datetime.date(period.end.year, period.end.month - 2, 1)
        )
        last = min(period.end, self.as_of)
        held = [
            (level, n)
            for code, level, start, n in self.competitions
            if code.startswith(prefix) and first <= start <= last
        ]
        if measure == "municipal_competitions":
            return float(sum(1 for level, _ in held if level == "municipal"))
        return float(sum(n for _, n in held))

    def training_count(self, region: str, measure: str, period: engine.Period) -> float:
        """Trainees (person-times) on the real-name rosters of classes in the region's subtree that ended
        during the period (up to the data's date): every one (subsidised), or those of digital, elderly-care
        or youth training; digital_passed counts the digital trainees who passed (matched a certificate)."""
        prefix = scope_prefix(region)
        first = (
            datetime.date(period.end.year, 1, 1)
            if period.kind == "Y"
            else datetime.date(period.end.year, period.end.month - 2, 1)
        )
        last = min(period.end, self.as_of)
        total = 0
        for code, end, _programme, digital, care, youth, passed, n in self.trained:
            if not (code.startswith(prefix) and first <= end <= last):
                continue
            if (
                measure == "subsidised"
                or (measure == "digital" and digital)
                or (measure == "digital_passed" and digital and passed)
                or (measure == "elderly_care" and care)
                or (measure == "youth" and youth)
            ):
                total += n
        return float(total)

    def labour_count(self, region: str, measure: str, period: engine.Period) -> float | None:
        """A labour-market figure of the region's subtree for a whole year (the figures are yearly: a
        class's year, an apprenticeship's start, a school's report, a graduation year); none for quarters."""
        if period.kind != "Y":
            return None
        prefix = scope_prefix(region)
        year = period.end.year
        return float(
            sum(v.get(measure, 0) for (code, y), v in self.labour.items() if y == year and code.startswith(prefix))
        )

    def measure(self, spec: dict[str, Any], region: str, period: str) -> tuple[float | None, str]:
        source = spec.get("source")
        p = self.period_by_label.get(period)
        if p is None:
            return None, ""
        if source == DataSource.REGISTRY:
            return self.registry_measure(region, spec.get("scope", "all"), spec["measure"], period), ""
        if source == DataSource.EMPLOYMENT_STATS:
            value, year = self.employed_in(region, p.end.year)
            note = f"carried_forward:{year}" if value is not None and year != p.end.year else ""
            return value, note
        if source == DataSource.CARRIERS:
            return self.carrier_count(region, spec["kind"], bool(spec.get("digital")), min(p.end, self.as_of)), ""
        if source == DataSource.EVALUATION:
            return self.evaluation_count(region, spec["measure"], min(p.end, self.as_of)), ""
        if source == DataSource.COMPETITIONS:
            return self.competition_count(region, spec["measure"], p), ""
        if source == DataSource.TRAINING:
            return self.training_count(region, spec["measure"], p), ""
        if source == DataSource.LABOUR:
            return self.labour_count(region, spec["measure"], p), ""
        if source == DataSource.ORGANISATIONS:
            if self.organisations is None or period not in (str(self.latest_year), self.latest_quarter):
                return None, ""
            return float(self.organisations.get(region, {}).get(spec["measure"], 0)), ""
        return None, ""

    # ---- indicator values --------------------------------------------------------------------

    def value(self, indicator: Indicator, region: str, period: str) -> Value:
        if indicator.source == DataSource.NOT_COLLECTED:
            return Value(None)
        num, note_n = self.measure(indicator.numerator, region, period)
        if indicator.denominator:
            den, note_d = self.measure(indicator.denominator, region, period)
            if num is None or den is None or den == 0:
                return Value(None, num, den, note_d or note_n)
            return Value(num / den * indicator.factor, num, den, note_d or note_n)
        if num is None:
            return Value(None)
        return Value(num * indicator.factor, num, None, note_n)

    def flow_sum(self, indicator: Indicator, region: str, first_year: int, last_year: int) -> Value:
        """A flow indicator summed over whole years (cumulative targets)."""
        total = 0.0
        for year in range(first_year, last_year + 1):
            v = self.value(indicator, region, str(year))
            if v.value is None:
                return Value(None)
            total += v.value
        return Value(total, total, None)

    def yearly(self, indicator: Indicator, region: str) -> list[tuple[int, Value]]:
        return [(y, self.value(indicator, region, str(y))) for y in self.years]


def _employed_table(regions: set[str] | None) -> dict[tuple[str, int], float]:
    """Employed persons per current region code and year, cities and the province filled from below."""
    raw: dict[tuple[str, int], float] = defaultdict(float)
    for code, year, employed in EmploymentStat.objects.values_list("region_code", "year", "employed"):
        raw[(current_code(code), year)] += employed
    own: dict[tuple[str, int], float] = dict(raw)
    out: dict[tuple[str, int], float] = {}
    years = {y for _, y in own}
    for (code, year), value in own.items():
        if level_of(code) == "county":
            out[(code, year)] = value
    for year in years:
        cities: dict[str, float] = defaultdict(float)
        direct: dict[str, float] = defaultdict(float)  # counties the province runs directly
        for (code, y), value in own.items():
            if y == year and level_of(code) == "county":
                city = city_of(code)
                if city is None:
                    direct[province_of(code)] += value
                else:
                    cities[city] += value
        for (code, y), value in own.items():
            if y == year and level_of(code) == "city":
                cities[code] = value  # a city's own figure wins over the sum of its districts
        for code, value in cities.items():
            out[(code, year)] = value
        provinces: dict[str, float] = defaultdict(float, direct)
        for code, value in cities.items():
            provinces[province_of(code)] += value
        for (code, y), value in own.items():
            if y == year and level_of(code) == "province":
                provinces[code] = value
        for code, value in provinces.items():
            out[(code, year)] = value
    if regions is not None:
        out = {k: v for k, v in out.items() if k[0] in regions}
    return out


def _organisation_counts(regions: set[str] | None) -> dict[str, dict[str, int]]:
    rows = (
        Organisation.objects.values("region_code")
        .annotate(
            evaluation_institutions=Count("id", filter=Q(kind="evaluation") | Q(self_evaluation=True)),
            self_evaluating_enterprises=Count("id", filter=Q(kind="enterprise", self_evaluation=True)),
        )
        .order_by()
    )
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        code = current_code(row["region_code"])
        targets = set(lineage(code))
        for r in targets:
            for key in ("evaluation_institutions", "self_evaluating_enterprises"):
                out[r][key] += row[key]
    if regions is not None:
        return {k: dict(v) for k, v in out.items() if k in regions}
    return {k: dict(v) for k, v in out.items()}


def indicator_sources(indicators: Iterable[Indicator]) -> set[str]:
    """The data sources the indicators' numerators and denominators read."""
    out: set[str] = set()
    for ind in indicators:
        for spec in (ind.numerator, ind.denominator):
            if spec and spec.get("source"):
                out.add(spec["source"])
    return out


def build_store(
    regions: Iterable[str] | None = None,
    *,
    with_organisations: bool = True,
    sources: Iterable[str] | None = None,
    state: RollupState | None = None,
) -> Store | None:
    """Everything the indicators need for ``regions`` (all regions if None); None before the first rollup.
    Organisation counts (a scan of the organisations) can be left out when no indicator needs them.
    ``sources`` (data sources, see :func:`indicator_sources`) limits the tables read to those sources:
    the rollup facts are always read, the other sources' whole tables only when named. ``state`` is the
    rollup state when the caller has already read it."""
    state = state or RollupState.objects.filter(pk=1).first()
    if state is None or state.data_as_of is None:
        return None
    wanted = set(regions) if regions is not None else None
    stored = engine.periods(state.first_year, state.stored_through or state.data_as_of, state.quarter_from)
    plist = engine.visible_periods(stored, state.data_as_of)
    store = Store(as_of=state.data_as_of, periods=plist)
    facts = RegionFact.objects.filter(dim="all")
    if wanted is not None:
        facts = facts.filter(region_code__in=wanted)
    for region, scope, period, *values in facts.values_list("region_code", "scope", "period", *engine.MEASURES):
        store.registry[(region, scope, period)] = dict(zip(engine.MEASURES, values, strict=True))
        store.regions.add(region)
    needed = set(sources) if sources is not None else set(DataSource.values)
    if DataSource.EMPLOYMENT_STATS in needed:
        store.employed = _employed_table(wanted)
    if DataSource.CARRIERS in needed:
        store.carriers = [
            (current_code(code), kind, digital, start, end) for code, kind, digital, start, end in counted_spans()
        ]
    if DataSource.EVALUATION in needed:
        store.filings = [(current_code(c), k, a, b) for c, k, a, b in evaluation_selectors.filing_spans()]
        store.digital_resources = [
            (current_code(c), o, a, b) for c, o, a, b in evaluation_selectors.digital_resource_spans()
        ]
    if DataSource.COMPETITIONS in needed:
        store.competitions = [(current_code(c), lv, d, n) for c, lv, d, n in competition_selectors.held()]
    if DataSource.TRAINING in needed:
        store.trained = [(current_code(row[0]), *row[1:]) for row in training_selectors.trained()]  # type: ignore[misc]
    if DataSource.LABOUR in needed:
        store.labour = _labour_table()
    if with_organisations and DataSource.ORGANISATIONS in needed:
        store.organisations = _organisation_counts(wanted)
    return store


def _labour_table() -> dict[tuple[str, int], dict[str, float]]:
    """The labour app's figures by (current region code, year)."""
    table: dict[tuple[str, int], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for code, year, classes, students in labour_selectors.class_counts():
        cell = table[(current_code(code), year)]
        cell["order_classes"] += classes
        cell["order_class_students"] += students
    for code, year, n in labour_selectors.apprentice_starts():
        table[(current_code(code), year)]["apprentices"] += n
    for code, year, figures in labour_selectors.school_figures():
        cell = table[(current_code(code), year)]
        for name, value in figures.items():
            cell[name] += value
    for code, year, _graduates, retained in labour_selectors.retention():
        table[(current_code(code), year)]["retained_graduates"] += retained
    return {key: dict(value) for key, value in table.items()}


def fact_regions() -> list[str]:
    """Every region (current code) the rollup has facts for."""
    return sorted(
        set(RegionFact.objects.filter(dim="all", scope="all").values_list("region_code", flat=True).distinct())
    )
