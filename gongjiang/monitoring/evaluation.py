"""Targets judged against their trajectories; forecasts; early warnings routed up the region hierarchy.

**Time.** A year ends at ``year + 1`` on a continuous axis; the data's last day (``as_of``) sits at
``year + day_of_year / days_in_year``. A target is judged at ``as_of``, or at the end of its horizon
year once that has passed (then it is *achieved* or *missed*).

**Trajectory (linear).**
* level: a straight line from the baseline (value at the end of the baseline year, measured unless the
  document gives it) to the target at the end of the horizon year. Where the baseline already meets the
  target, the trajectory is the target itself (the documents ask to keep such levels stable);
* cumulative: from zero on the window's first day to the target at the end of the horizon year;
* annual: the yearly figure, pro rata within the current year;
* monitor: none.

**Status** while the horizon is open, from progress ``p`` = value ÷ expected (expected ÷ value for
"at most" targets): on track if ``p ≥ 0.98`` or the target is already met, at risk if
``0.90 ≤ p < 0.98``, off track below 0.90. No value: no data. Monitor targets: monitored.

**Required annual growth** (level and cumulative, horizon open): what is still missing divided by the
years left to the horizon's end (in the indicator's unit per year), and for levels also the compound
annual rate ``(target / value)^(1/years) − 1``.

**Warnings** (for open targets; missing data always): *behind trajectory* (at risk: medium, off
track: high); *forecast to miss* (the forecast at the horizon fails the target: medium; even the 80%
bound in the good direction fails it: high); *declining* (the last complete year is more than 0.5%
below the year before in the good direction: low, more than 5%: medium); *missing data* (the source
is not collected or there is no value: medium; a denominator carried forward from an earlier year:
low). A warning belongs to the region where it was raised; officers of that region and of every
enclosing region see it (the city and the province see a district's warnings).

**Inherited targets.** A ratio target of a region is also judged in each of its subregions, marked as
inherited (a district is measured against its city's 36%), unless the subregion — or a region between
them — has its own target for the same indicator and horizon year. Count targets are not inherited:
they do not divide.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone

from gongjiang.monitoring import forecast as fc
from gongjiang.monitoring.measures import Store, Value, build_store, fact_regions
from gongjiang.monitoring.models import (
    Comparison,
    DataSource,
    EarlyWarning,
    Indicator,
    IndicatorKind,
    SeriesForecast,
    Severity,
    Status,
    Target,
    TargetEvaluation,
    TargetKind,
    WarningKind,
)
from gongjiang.reference.regions import scope_prefix

ON_TRACK = 0.98
AT_RISK = 0.90
DECLINE_LOW = 0.005
DECLINE_MEDIUM = 0.05
FORECAST_UNTIL = 2035
# Shown on every overview, so forecast for every region.
DASHBOARD_INDICATORS = (
    "skilled_share_employed",
    "high_share_skilled",
    "high_per_10k_employed",
    "skilled_workers",
    "high_skilled_workers",
    "new_skilled",
    "new_high_skilled",
)


def t_of(day: datetime.date) -> float:
    days_in_year = 366 if calendar.isleap(day.year) else 365
    return day.year + day.timetuple().tm_yday / days_in_year


def last_complete_year(as_of: datetime.date) -> int:
    return as_of.year if (as_of.month, as_of.day) == (12, 31) else as_of.year - 1


def meets(value: float, target: Target) -> bool:
    assert target.value is not None
    return {
        Comparison.AT_LEAST: value >= target.value,
        Comparison.ABOVE: value > target.value,
        Comparison.AT_MOST: value <= target.value,
        Comparison.BELOW: value < target.value,
    }[Comparison(target.comparison)]


def upward(target: Target) -> bool:
    return target.comparison in (Comparison.AT_LEAST, Comparison.ABOVE)


# The one judgement of a target in a region, shown on its card and agreeing with its warnings: the
# status, except that a target on track by its trajectory whose forecast at the horizon falls short
# (the case that raises a *forecast to miss* warning) is "on track, but forecast to miss".
ON_TRACK_FORECAST_MISS = "on_track_forecast_miss"


def forecast_misses(target: Target, forecast: float | None) -> bool:
    """Does the forecast at the horizon fail the target (the rule of the *forecast to miss* warning)?"""
    return forecast is not None and target.value is not None and not meets(forecast, target)


def judgement(status: str, target: Target, forecast: float | None) -> str:
    if status == Status.ON_TRACK and forecast_misses(target, forecast):
        return ON_TRACK_FORECAST_MISS
    return status


@dataclass
class Trajectory:
    kind: str
    start_t: float
    start_value: float
    end_t: float
    end_value: float
    flat: bool = False

    def expected(self, t: float) -> float:
        if self.kind == TargetKind.ANNUAL:
            year_start = float(int(t)) if t != int(t) else t - 1
            return self.end_value * min(max(t - year_start, 0.0), 1.0)
        if self.flat:
            return self.end_value
        span = self.end_t - self.start_t
        frac = min(max((t - self.start_t) / span, 0.0), 1.0) if span > 0 else 1.0
        return self.start_value + (self.end_value - self.start_value) * frac

    def points(self, first_year: int, last_year: int) -> list[list[float]]:
        return [[y, round(self.expected(y + 1.0), 6)] for y in range(first_year, last_year + 1)]


def trajectory(target: Target, baseline: float | None) -> Trajectory | None:
    if target.kind == TargetKind.MONITOR or target.value is None:
        return None
    end_t = target.horizon + 1.0
    if target.kind == TargetKind.CUMULATIVE:
        start = target.window_start or datetime.date(target.baseline_year + 1, 1, 1)
        return Trajectory(
            target.kind, float(start.year) + (start.timetuple().tm_yday - 1) / 365, 0.0, end_t, target.value
        )
    if target.kind == TargetKind.ANNUAL:
        return Trajectory(target.kind, target.baseline_year + 1.0, target.value, end_t, target.value, flat=True)
    if baseline is None:
        return None
    flat = meets(baseline, target)
    return Trajectory(target.kind, target.baseline_year + 1.0, baseline, end_t, target.value, flat=flat)


@dataclass
class Result:
    target: Target
    region: str
    inherited: bool
    period: str = ""
    as_of: datetime.date | None = None
    value: Value = field(default_factory=lambda: Value(None))
    baseline: float | None = None
    expected: float | None = None
    progress: float | None = None
    status: str = Status.NO_DATA
    required_annual: float | None = None
    required_rate: float | None = None
    forecast: tuple[float, float, float] | None = None
    trajectory: list[list[float]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _target_value(store: Store, target: Target, region: str, year: int) -> Value:
    ind = target.indicator
    if target.kind == TargetKind.CUMULATIVE:
        first = (target.window_start or datetime.date(target.baseline_year + 1, 1, 1)).year
        if year < first:
            return Value(0.0, 0.0)
        return store.flow_sum(ind, region, first, year)
    return store.value(ind, region, str(year))


def _yearly_target_values(store: Store, target: Target, region: str, upto: int) -> list[tuple[int, float]]:
    out = []
    for year in store.years:
        if year > upto:
            break
        v = store.value(target.indicator, region, str(year)).value
        if v is not None:
            out.append((year, v))
    return out


def evaluate(store: Store, target: Target, region: str, inherited: bool, series: dict[str, Any] | None) -> Result:
    res = Result(target=target, region=region, inherited=inherited)
    ind = target.indicator
    as_of = store.as_of
    horizon_end = datetime.date(target.horizon, 12, 31)
    final = as_of >= horizon_end
    when = horizon_end if final else as_of
    res.as_of = when
    res.period = str(when.year)
    if ind.source == DataSource.NOT_COLLECTED:
        res.status = Status.NO_DATA
        res.warnings.append(
            {"kind": WarningKind.MISSING_DATA, "severity": Severity.MEDIUM, "detail": {"reason": "not_collected"}}
        )
        return res
    if when.year not in store.years:
        res.status = Status.NO_DATA
        res.warnings.append(
            {"kind": WarningKind.MISSING_DATA, "severity": Severity.MEDIUM, "detail": {"reason": "no_period"}}
        )
        return res
    res.value = _target_value(store, target, region, when.year)
    if target.kind in (TargetKind.LEVEL, TargetKind.MONITOR):
        res.baseline = target.baseline_value
        if res.baseline is None:
            # Measured: the baseline year's value, or failing that the first later year with one (taken
            # as unchanged since the baseline year: the trajectory still starts there).
            for year in range(target.baseline_year, when.year + 1):
                res.baseline = store.value(ind, region, str(year)).value
                if res.baseline is not None:
                    break
    else:
        res.baseline = 0.0 if target.kind == TargetKind.CUMULATIVE else target.value
    traj = trajectory(target, res.baseline)
    if traj is not None:
        res.trajectory = traj.points(target.baseline_year, target.horizon)
    value = res.value.value
    if res.value.note.startswith("carried_forward") and not final:
        res.warnings.append(
            {
                "kind": WarningKind.MISSING_DATA,
                "severity": Severity.LOW,
                "detail": {"reason": "carried_forward", "year": int(res.value.note.split(":")[1])},
            }
        )
    if value is None:
        res.status = Status.NO_DATA
        res.warnings.append(
            {"kind": WarningKind.MISSING_DATA, "severity": Severity.MEDIUM, "detail": {"reason": "no_value"}}
        )
        return res
    if target.kind == TargetKind.MONITOR or target.value is None:
        res.status = Status.MONITORED
    elif final:
        res.status = Status.ACHIEVED if meets(value, target) else Status.MISSED
    else:
        expected = traj.expected(t_of(when)) if traj is not None else None
        res.expected = expected
        if meets(value, target):
            progress = 1.0
        elif expected is None:
            progress = None
        elif upward(target):
            progress = value / expected if expected > 0 else 1.0
        else:
            progress = expected / value if value > 0 else 1.0
        res.progress = progress
        if progress is None:
            res.status = Status.NO_DATA
        elif progress >= ON_TRACK:
            res.status = Status.ON_TRACK
        elif progress >= AT_RISK:
            res.status = Status.AT_RISK
        else:
            res.status = Status.OFF_TRACK
        years_left = target.horizon + 1.0 - t_of(when)
        if target.kind in (TargetKind.LEVEL, TargetKind.CUMULATIVE) and years_left > 0:
            gap = target.value - value
            res.required_annual = max(gap, 0.0) / years_left if upward(target) else min(gap, 0.0) / years_left
            if target.kind == TargetKind.LEVEL and value > 0 and target.value > 0:
                rate = (target.value / value) ** (1 / years_left) - 1
                res.required_rate = max(rate, 0.0) if upward(target) else min(rate, 0.0)
        if res.status in (Status.AT_RISK, Status.OFF_TRACK):
            res.warnings.append(
                {
                    "kind": WarningKind.BEHIND,
                    "severity": Severity.MEDIUM if res.status == Status.AT_RISK else Severity.HIGH,
                    "detail": {"value": value, "expected": expected, "progress": progress},
                }
            )
        res.forecast = _forecast_at_horizon(store, target, region, series, value)
        if res.forecast is not None:
            point, lo, hi = res.forecast
            if forecast_misses(target, point):
                best = hi if upward(target) else lo
                res.warnings.append(
                    {
                        "kind": WarningKind.FORECAST_MISS,
                        "severity": Severity.MEDIUM if meets(best, target) else Severity.HIGH,
                        "detail": {
                            "forecast": point,
                            "lo": lo,
                            "hi": hi,
                            "target": target.value,
                            "horizon": target.horizon,
                        },
                    }
                )
    if not final:
        _declining(store, target, region, res)
    return res


def _declining(store: Store, target: Target, region: str, res: Result) -> None:
    last = last_complete_year(store.as_of)
    values = dict(_yearly_target_values(store, target, region, last))
    if last not in values or last - 1 not in values:
        return
    now, before = values[last], values[last - 1]
    if before == 0:
        return
    change = (now - before) / abs(before)
    worse = -change if (target.kind == TargetKind.MONITOR or upward(target)) else change
    if worse > DECLINE_LOW:
        res.warnings.append(
            {
                "kind": WarningKind.DECLINING,
                "severity": Severity.MEDIUM if worse > DECLINE_MEDIUM else Severity.LOW,
                "detail": {"year": last, "value": now, "previous": before, "change": change},
            }
        )


def _forecast_at_horizon(
    store: Store, target: Target, region: str, series: dict[str, Any] | None, value: float
) -> tuple[float, float, float] | None:
    if series is None:
        return None
    points = {int(p[0]): p for p in series.get("points", [])}
    history = {int(h[0]): h[1] for h in series.get("history", [])}
    if target.kind == TargetKind.LEVEL:
        if target.horizon in points:
            _, point, lo, hi = points[target.horizon]
            return float(point), float(lo), float(hi)
        if target.horizon in history:
            v = float(history[target.horizon])
            return v, v, v
        return None
    if target.kind == TargetKind.ANNUAL:
        nxt = min(points) if points else None
        if nxt is None:
            return None
        _, point, lo, hi = points[nxt]
        return float(point), float(lo), float(hi)
    # cumulative: actual flows of complete years in the window, plus forecast flows to the horizon
    last = last_complete_year(store.as_of)
    first = (target.window_start or datetime.date(target.baseline_year + 1, 1, 1)).year
    actual = sum(float(history.get(y, 0.0)) for y in range(first, last + 1))
    years = [y for y in range(max(first, last + 1), target.horizon + 1)]
    if any(y not in points for y in years):
        return None
    point = actual + sum(float(points[y][1]) for y in years)
    se = float(np.sqrt(sum(((float(points[y][3]) - float(points[y][2])) / (2 * fc.Z80)) ** 2 for y in years)))
    return point, max(point - fc.Z80 * se, actual), point + fc.Z80 * se


# ---------------------------------------------------------------------------------------------
# Forecast series
# ---------------------------------------------------------------------------------------------


def _run(values: list[tuple[int, float | None]], last: int) -> tuple[list[int], list[float]]:
    """The trailing run of consecutive complete years with values."""
    years: list[int] = []
    vals: list[float] = []
    for year, v in reversed([(y, v) for y, v in values if y <= last]):
        if v is None or (years and year != years[-1] - 1):
            break
        years.append(year)
        vals.append(v)
    return years[::-1], vals[::-1]


def _fingerprint(*runs: tuple[list[int], list[float]]) -> str:
    text = repr([(years, [round(float(v), 9) for v in values]) for years, values in runs])
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def series_forecast(
    store: Store, indicator: Indicator, region: str, previous: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """History and forecast of a series. When ``previous`` was fitted on the same complete years (same
    fingerprint), its model, back-test and forecast are kept and only the history is renewed."""
    if indicator.source == DataSource.NOT_COLLECTED:
        return None
    last = last_complete_year(store.as_of)
    until = max(FORECAST_UNTIL, last + 1)
    yearly = store.yearly(indicator, region)
    history = [[y, v.value] for y, v in yearly if v.value is not None and y <= store.as_of.year]
    nonneg = True
    if indicator.kind == IndicatorKind.RATIO and indicator.denominator:
        # A share: forecast on the logit scale with a damped trend (forecast.forecast_share), from the
        # complete years whose numerator and denominator are both measured (a carried-forward
        # denominator is not history).
        ratio_vals: list[tuple[int, float | None]] = []
        for y in store.years:
            n_val = store.measure(indicator.numerator, region, str(y))[0]
            d_val, note = store.measure(indicator.denominator, region, str(y))
            ok = n_val is not None and d_val is not None and not note and d_val > 0
            ratio_vals.append((y, n_val / d_val * indicator.factor if ok else None))  # type: ignore[operator]
        run = _run(ratio_vals, last)
        if len(run[0]) < 2:
            return {"model": "none", "history": history, "points": [], "backtest": {"reason": "insufficient_history"}}
        fingerprint = _fingerprint(run, ([0], [indicator.factor]))
        if previous and previous.get("backtest", {}).get("fingerprint") == fingerprint:
            return {**previous, "history": history}
        share = fc.forecast_share(run[0], run[1], until, float(indicator.factor))
        if share is None:
            return None
        points = [[y, p, lo, hi] for y, p, lo, hi in zip(share.years, share.point, share.lo, share.hi, strict=True)]
        backtest = {
            "model": share.model,
            "scale": "logit",
            "damping": fc.PHI,
            "candidates": {k: v.as_dict() for k, v in share.backtest.items()},
            "fingerprint": fingerprint,
        }
        return {"model": share.model, "history": history, "points": points, "backtest": backtest}
    years, vals = _run([(y, v.value) for y, v in yearly], last)
    if len(years) < 2:
        return {"model": "none", "history": history, "points": [], "backtest": {"reason": "insufficient_history"}}
    fingerprint = _fingerprint((years, vals))
    if previous and previous.get("backtest", {}).get("fingerprint") == fingerprint:
        return {**previous, "history": history}
    res = fc.forecast_series(years, vals, until, nonneg)
    if res is None:
        return None
    points = [[y, p, lo, hi] for y, p, lo, hi in zip(res.years, res.point, res.lo, res.hi, strict=True)]
    backtest = {
        "model": res.model,
        "candidates": {k: v.as_dict() for k, v in res.backtest.items()},
        "fingerprint": fingerprint,
    }
    return {"model": res.model, "history": history, "points": points, "backtest": backtest}


# ---------------------------------------------------------------------------------------------
# Refresh
# ---------------------------------------------------------------------------------------------


@dataclass
class RefreshReport:
    evaluations: int = 0
    forecasts: int = 0
    warnings: int = 0
    seconds: float = 0.0


def target_plan(targets: list[Target], regions: set[str], all_regions: list[str]) -> list[tuple[Target, str, bool]]:
    """(target, region, inherited) to evaluate, restricted to ``regions``."""
    own = {(t.indicator_id, t.region_code, t.horizon) for t in targets}
    out: list[tuple[Target, str, bool]] = []
    for t in targets:
        if t.region_code in regions:
            out.append((t, t.region_code, False))
        inheritable = t.indicator.kind == IndicatorKind.RATIO and t.kind in (TargetKind.LEVEL, TargetKind.MONITOR)
        if not inheritable:
            continue
        prefix = scope_prefix(t.region_code)
        for code in all_regions:
            if code != t.region_code and code.startswith(prefix) and code in regions:
                if (t.indicator_id, code, t.horizon) in own:
                    continue
                # the nearest target wins: a district under Changzhou inherits Changzhou's, not Jiangsu's
                nearer = [
                    o
                    for o in targets
                    if o.indicator_id == t.indicator_id
                    and o.region_code != t.region_code
                    and code.startswith(scope_prefix(o.region_code))
                    and len(scope_prefix(o.region_code)) > len(prefix)
                    and o.horizon == t.horizon
                ]
                if nearer:
                    continue
                out.append((t, code, True))
    return out


def monitoring_refresh(*, regions: Iterable[str] | None = None) -> RefreshReport:
    """Recompute evaluations, forecasts and warnings for ``regions`` (every region with data if None)."""
    started = time.perf_counter()
    report = RefreshReport()
    all_regions = fact_regions()
    wanted = set(all_regions) if regions is None else set(regions)
    targets = list(Target.objects.select_related("indicator"))
    wanted |= {t.region_code for t in targets if regions is None}
    store = build_store(wanted)
    if store is None:
        return report
    plan = target_plan(targets, wanted, sorted(set(all_regions) | {t.region_code for t in targets}))
    indicators = {i.code: i for i in Indicator.objects.all()}
    pairs = {(code, r) for code in DASHBOARD_INDICATORS if code in indicators for r in wanted if r in store.regions}
    pairs |= {(t.indicator.code, r) for t, r, _ in plan}
    now = timezone.now()
    stored = SeriesForecast.objects.filter(region_code__in={r for _, r in pairs}).select_related("indicator")
    previous = {
        (f.indicator.code, f.region_code): {"model": f.model, "backtest": f.backtest, "points": f.points}
        for f in stored
    }
    series: dict[tuple[str, str], dict[str, Any]] = {}
    for code, region in sorted(pairs):
        s = series_forecast(store, indicators[code], region, previous.get((code, region)))
        if s is not None:
            series[(code, region)] = s
    results = [evaluate(store, t, r, inh, series.get((t.indicator.code, r))) for t, r, inh in plan]
    with transaction.atomic():
        if regions is None:
            TargetEvaluation.objects.all().delete()
            SeriesForecast.objects.all().delete()
            EarlyWarning.objects.all().delete()
        else:
            TargetEvaluation.objects.filter(region_code__in=wanted).delete()
            SeriesForecast.objects.filter(region_code__in=wanted).delete()
            EarlyWarning.objects.filter(region_code__in=wanted).delete()
        SeriesForecast.objects.bulk_create(
            [
                SeriesForecast(
                    indicator=indicators[code],
                    region_code=region,
                    model=s["model"],
                    backtest=s["backtest"],
                    history=_clean(s["history"]),
                    points=_clean(s["points"]),
                    computed_at=now,
                )
                for (code, region), s in series.items()
            ],
            batch_size=1000,
        )
        TargetEvaluation.objects.bulk_create(
            [
                TargetEvaluation(
                    target=r.target,
                    region_code=r.region,
                    inherited=r.inherited,
                    period=r.period,
                    as_of=r.as_of,
                    value=r.value.value,
                    numerator=r.value.numerator,
                    denominator=r.value.denominator,
                    baseline_value=r.baseline,
                    expected=r.expected,
                    progress=r.progress,
                    status=r.status,
                    required_annual=r.required_annual,
                    required_rate=r.required_rate,
                    forecast=r.forecast[0] if r.forecast else None,
                    forecast_lo=r.forecast[1] if r.forecast else None,
                    forecast_hi=r.forecast[2] if r.forecast else None,
                    trajectory=r.trajectory,
                    computed_at=now,
                )
                for r in results
            ],
            batch_size=1000,
        )
        warnings = [
            EarlyWarning(
                kind=w["kind"],
                severity=w["severity"],
                region_code=r.region,
                target=r.target,
                indicator=r.target.indicator,
                inherited=r.inherited,
                period=r.period,
                detail=_clean(w["detail"]),
                computed_at=now,
            )
            for r in results
            for w in r.warnings
        ]
        EarlyWarning.objects.bulk_create(warnings, batch_size=1000)
    report.evaluations, report.forecasts, report.warnings = len(results), len(series), len(warnings)
    report.seconds = time.perf_counter() - started
    return report


def prune_derived(*, keep: set[str]) -> int:
    """Delete the evaluations, forecasts and warnings of regions outside ``keep`` (a full refresh done one
    city at a time: regions that no longer have facts or targets); the rows deleted."""
    deleted = 0
    with transaction.atomic():
        for model in (TargetEvaluation, SeriesForecast, EarlyWarning):
            deleted += model.objects.exclude(region_code__in=keep).delete()[0]
    return deleted


def _clean(value: Any) -> Any:
    """JSON-safe: numpy numbers to floats rounded to 6 places, NaN to None."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if f != f else round(f, 6)
    if isinstance(value, np.integer):
        return int(value)
    return value
