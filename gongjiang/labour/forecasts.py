"""Manpower forecasts, shortage warnings and major-project assessment (ZJG opinion 六(十七): 人力资源预测预警
at city, town and enterprise level, and manpower assessment of major projects).

A run (``forecast_run_create``) reads the series of ``manpower.assemble`` for the subtree of a region,
forecasts employment and supply of every region × occupation major group with the combination engine
(``labour/forecasting.py``: simple models weighted by a rolling-origin back-test against the naive
forecast, MASE per series, conformal intervals), reconciles each group's forecasts over the region
hierarchy (MinT with a shrunk covariance) and rounds them to whole persons so that districts sum to
their city and cities to the province exactly. Then, per region, group and forecast year:

    openings    = growth + replacement
    growth      = forecast employment − employment of the year before (the last actual for the first year)
    replacement = persons employed at the cut-off reaching statutory retirement age that year
    gap         = openings − forecast supply

Growth may be negative (a shrinking group), so openings and gaps are signed; they add up over the
hierarchy like their parts. Intervals are the engine's, moved by the reconciliation's adjustment of the
mean (and kept at 0 or above).

**Warning threshold.** A gap raises a shortage warning when it is at least ``GAP_MIN`` persons and at
least ``GAP_SHARE`` of the openings; it is *high* from ``GAP_HIGH_SHARE``. No policy document sets a
figure: the threshold is the platform's rule, chosen to agree with the need catalog's shortage index
(``labour/rules.py``: a demand of at least 10, and the weight a shortfall of supply carries) — a gap
of a fifth of the openings is what the index's gap share counts as material. A warning belongs to the
region where the gap arose; the city and the province see a district's (``restrict`` by code prefix).

**Towns and enterprises.** The forecasts stop at the district. A surveyed enterprise's share of a
district's openings in a group is its staff in the group (its submitted survey answer of the latest
year) over the district's employment in the group at the cut-off; a town's is the sum of its
enterprises' shares (an enterprise's town is recorded in ``EnterpriseTown``). The rest of the district
is not attributed to a town.
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.jobs import JobStatus
from gongjiang.core.scope import authorize
from gongjiang.core.tasks import enqueue_on_commit
from gongjiang.labour import forecasting
from gongjiang.labour.manpower import GROUPS, Panel, assemble, hierarchy
from gongjiang.labour.models import (
    EnterpriseTown,
    ForecastLine,
    ForecastRun,
    MajorProject,
    ProjectNeed,
    Severity,
    ShortageWarning,
)
from gongjiang.reference.selectors import occupation_by_code, validate_region_code
from gongjiang.registry.models import Employment, Organisation

GAP_MIN = 10
GAP_SHARE = Decimal("0.20")
GAP_HIGH_SHARE = 0.5
HISTORY_YEARS = 10
MAX_HORIZON = 5
MIN_HISTORY = 4
RECONCILIATION = "mint_shrink"

# The progress callback of a run: its stage (``models.ForecastStage``) and the share of it done.
Progress = Callable[[str, float], None]


@dataclass
class Forecast:
    """One measure's forecast over every region of one group: reconciled whole persons and intervals."""

    mean: np.ndarray  # [region, horizon] int
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    mase: np.ndarray  # [region]
    mase_naive: np.ndarray
    weights: np.ndarray  # [region, model]
    method: str = RECONCILIATION


def _coherent_ints(x: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Round a coherent forecast to whole persons keeping every sum exact, and none below 0 (a negative
    district is set to 0 and the levels above are summed again from the districts)."""
    rounded = np.asarray(forecasting.round_coherent(x, S), dtype=np.int64)
    if (rounded >= 0).all():
        return rounded
    bottom = rounded[forecasting.bottom_rows(S)]
    return (S.astype(np.int64) @ np.maximum(bottom, 0)).astype(np.int64)


def _reconciled(mean: np.ndarray, S: np.ndarray, history: np.ndarray, bottom: np.ndarray) -> tuple[np.ndarray, str]:
    """Whole-person coherent forecasts of every region of one group, and the reconciliation used. Only the
    districts with any record take part (the others stay 0, so every sum still holds): a district without
    data would make the residual covariance singular. Should the shrunk covariance still be singular (a
    region whose series never changes), the structural weights (the number of districts below) are used."""
    out = np.zeros(mean.shape, dtype=np.int64)
    live = np.flatnonzero(bottom.any(axis=1))
    if not live.size:
        return out, RECONCILIATION
    S_live = S[:, live]
    rows = np.flatnonzero(S_live.any(axis=1))
    S_live = S_live[rows]
    # In-sample one-step errors of the naive forecast stand in for the base models' residuals: MinT needs
    # the covariance on the same years for every region.
    residuals = np.diff(history[rows], axis=1)
    method = RECONCILIATION
    try:
        rec = forecasting.reconcile(mean[rows], S_live, method=method, residuals=residuals, nonnegative=True)
    except np.linalg.LinAlgError:
        method = "wls_struct"
        rec = forecasting.reconcile(mean[rows], S_live, method=method, nonnegative=True)
    out[rows] = _coherent_ints(rec, S_live)
    return out, method


@dataclass
class Base:
    """One measure's base forecasts (before reconciliation) of every region of every group, stacked group by
    group in the order of ``S``'s rows, and the names of the models combined."""

    stacked: np.ndarray  # [group × region, year] the history
    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    mase: np.ndarray
    mase_naive: np.ndarray
    weights: np.ndarray
    models: list[str]


def forecast_base(cube: np.ndarray, S: np.ndarray, horizon: int, *, seed: int = 0) -> Base:
    """Back-test, combine and forecast one measure [district, group, year] at every level of ``S``. Series
    that are zero throughout are forecast as zero and left out of the engine (they would only shrink the
    pooled conformal intervals of the others)."""
    stacked = np.concatenate([S @ cube[:, g, :] for g in range(cube.shape[1])], axis=0)
    live = np.flatnonzero(stacked.any(axis=1))
    total = stacked.shape[0]
    zeros = np.zeros((total, horizon))
    mean, lo80, hi80, lo95, hi95 = (zeros.copy() for _ in range(5))
    mase, mase_naive = np.full(total, np.nan), np.full(total, np.nan)
    models = list(forecasting.MODELS)
    weights = np.zeros((total, len(models)))
    weights[:, 0] = 1.0
    if live.size:
        with warnings.catch_warnings():  # a series with no back-test origin: its MASE is NaN, said once here
            warnings.simplefilter("ignore", RuntimeWarning)
            base = forecasting.forecast_panel(stacked[live], horizon, season=1, seed=seed)
        models = [str(m) for m in base.models]
        for target, source in (
            (mean, base.mean),
            (lo80, base.lo80),
            (hi80, base.hi80),
            (lo95, base.lo95),
            (hi95, base.hi95),
        ):
            target[live] = source
        mase[live], mase_naive[live], weights[live] = base.mase, base.mase_naive, base.weights
    return Base(stacked, mean, lo80, hi80, lo95, hi95, mase, mase_naive, weights, models)


def reconcile_base(
    base: Base, cube: np.ndarray, S: np.ndarray, progress: Callable[[float], None] | None = None
) -> list[Forecast]:
    """Reconcile and round a measure's base forecasts group by group over the hierarchy of ``S``; one
    ``Forecast`` per group, rows in the order of ``S``'s rows. ``progress`` hears the share of groups done."""
    n = S.shape[0]
    out = []
    groups = cube.shape[1]
    for g in range(groups):
        rows = slice(g * n, (g + 1) * n)
        ints, method = _reconciled(base.mean[rows], S, base.stacked[rows], cube[:, g, :])
        shift = ints - base.mean[rows]

        def band(a: np.ndarray, shift: np.ndarray = shift) -> np.ndarray:
            return np.maximum(a + shift, 0.0)

        out.append(
            Forecast(
                mean=ints,
                lo80=band(base.lo80[rows]),
                hi80=band(base.hi80[rows]),
                lo95=band(base.lo95[rows]),
                hi95=band(base.hi95[rows]),
                mase=base.mase[rows],
                mase_naive=base.mase_naive[rows],
                weights=base.weights[rows],
                method=method,
            )
        )
        if progress is not None:
            progress((g + 1) / groups)
    return out


def forecast_measure(
    cube: np.ndarray, S: np.ndarray, horizon: int, *, seed: int = 0
) -> tuple[list[Forecast], list[str]]:
    """Forecast, reconcile and round one measure [district, group, year] over the hierarchy of ``S``; one
    ``Forecast`` per group, rows in the order of ``S``'s rows; and the names of the models combined."""
    base = forecast_base(cube, S, horizon, seed=seed)
    return reconcile_base(base, cube, S), base.models


def _num(v: float) -> float | None:
    """A figure for JSON: rounded, or None where it is not finite (no back-test; an infinite interval)."""
    return None if not np.isfinite(v) else round(float(v), 3)


def _band(lo: float, hi: float) -> list[float | None]:
    return [_num(lo), _num(hi)]


@dataclass
class Figures:
    """Every region × group × horizon figure of a run, whole persons, coherent over the hierarchy."""

    panel: Panel
    employment: list[Forecast]
    supply: list[Forecast]
    replacement: np.ndarray  # [region, group, horizon]
    growth: np.ndarray
    openings: np.ndarray
    gap: np.ndarray
    models: list[str]


def compute(panel: Panel, horizon: int, *, seed: int = 0, progress: Progress | None = None) -> Figures:
    """Every figure of a run from its series: the base forecasts of employment and supply (stage
    ``models``), then their reconciliation (stage ``reconcile``), reported to ``progress``."""
    say: Progress = progress or (lambda stage, fraction: None)
    S = panel.tree.S
    say("models", 0.0)
    base_employment = forecast_base(panel.employment, S, horizon, seed=seed)
    say("models", 0.5)
    base_supply = forecast_base(panel.supply, S, horizon, seed=seed)
    say("reconcile", 0.0)
    employment = reconcile_base(base_employment, panel.employment, S, lambda f: say("reconcile", f / 2))
    supply = reconcile_base(base_supply, panel.supply, S, lambda f: say("reconcile", 0.5 + f / 2))
    models = base_employment.models
    G = len(GROUPS)
    replacement = np.stack([(S @ panel.replacement[:, g, :]).astype(np.int64) for g in range(G)], axis=1)
    last = np.stack([(S @ panel.employment[:, g, -1]).astype(np.int64) for g in range(G)], axis=1)  # [n, G]
    emp = np.stack([f.mean for f in employment], axis=1)  # [n, G, h]
    sup = np.stack([f.mean for f in supply], axis=1)
    growth = np.diff(np.concatenate([last[:, :, None], emp], axis=2), axis=2)
    openings = growth + replacement
    return Figures(
        panel=panel,
        employment=employment,
        supply=supply,
        replacement=replacement,
        growth=growth,
        openings=openings,
        gap=openings - sup,
        models=models,
    )


def _validate(region_code: str, cutoff_year: int, horizon: int, history_years: int) -> None:
    validate_region_code(region_code, field="region_code")
    this_year = timezone.localdate().year
    if not 2000 <= cutoff_year < this_year:
        raise ValidationError(
            {"cutoff_year": _("The data cut-off must be a complete year before %(year)d.") % {"year": this_year}}
        )
    if not 1 <= horizon <= MAX_HORIZON:
        raise ValidationError({"horizon": _("The horizon is 1 to %(n)d years.") % {"n": MAX_HORIZON}})
    if not MIN_HISTORY <= history_years <= 20:
        raise ValidationError({"history_years": _("Use %(n)d to 20 years of history.") % {"n": MIN_HISTORY}})


def _has_records(region_code: str, first_year: int, cutoff_year: int) -> bool:
    """Whether any employment record of the region's districts is active at a year-end from ``first_year``
    to ``cutoff_year`` (what ``manpower.assemble`` counts; one indexed look-up, so that a request refuses
    a run with nothing to forecast at once)."""
    tree = hierarchy(region_code, cutoff_year)
    return (
        Employment.objects.filter(region_code__in=tree.bottom, occupation__isnull=False)
        .filter(start__lte=datetime.date(cutoff_year, 12, 31))
        .filter(Q(end__isnull=True) | Q(end__gte=datetime.date(first_year + 1, 1, 1)))
        .exists()
    )


def _nothing_to_forecast(cutoff_year: int) -> ValidationError:
    return ValidationError(
        {
            "region_code": _("No employment records of the region up to %(year)d: nothing to forecast.")
            % {"year": cutoff_year}
        }
    )


@transaction.atomic
def _queue(
    *, actor: Any, region_code: str, cutoff_year: int, horizon: int, history_years: int, seed: int, language: str
) -> ForecastRun:
    """Check a run's parameters and store it as queued, with a change record. Bad parameters change
    nothing."""
    region_code = (region_code or "").strip()
    _validate(region_code, cutoff_year, horizon, history_years)
    authorize(actor, "add", ForecastRun, region_code=region_code)
    first_year = cutoff_year - history_years + 1
    if not _has_records(region_code, first_year, cutoff_year):
        raise _nothing_to_forecast(cutoff_year)
    run = ForecastRun(
        region_code=region_code,
        made_on=timezone.localdate(),
        cutoff_year=cutoff_year,
        first_year=first_year,
        history_years=history_years,
        horizon=horizon,
        seed=seed,
        reconciliation=RECONCILIATION,
        gap_threshold=GAP_MIN,
        gap_share=GAP_SHARE,
        status=JobStatus.QUEUED,
        language=(language or translation.get_language() or "")[:10],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    run.full_clean(exclude=["models_used"])  # known once computed
    run.save()
    record_change(action="create", instance=run)
    return run


def forecast_run_start(
    *,
    actor: Any,
    region_code: str,
    cutoff_year: int,
    horizon: int = 3,
    history_years: int = HISTORY_YEARS,
    seed: int = 0,
    language: str = "",
) -> ForecastRun:
    """Queue a forecast of the subtree of ``region_code`` from the records of ``cutoff_year`` and before:
    the run is stored as queued and its task (``labour.tasks``) queued once that is committed; the task
    computes it and saves its lines and warnings. Returns at once. Bad parameters change nothing."""
    from gongjiang.labour.tasks import forecast_run_task

    with transaction.atomic():
        run = _queue(
            actor=actor,
            region_code=region_code,
            cutoff_year=cutoff_year,
            horizon=horizon,
            history_years=history_years,
            seed=seed,
            language=language,
        )
        enqueue_on_commit(forecast_run_task, run_id=run.pk)
    return run


def forecast_run_create(
    *,
    actor: Any,
    region_code: str,
    cutoff_year: int,
    horizon: int = 3,
    history_years: int = HISTORY_YEARS,
    seed: int = 0,
) -> ForecastRun:
    """Make a forecast here and now (the demo, scripts): the run is queued without a task and computed at
    once by the function the worker runs (``labour.tasks.forecast_run_execute``). Bad parameters change
    nothing; a refusal met while computing ends the run as failed and is raised."""
    from gongjiang.labour.tasks import forecast_run_execute

    run = _queue(
        actor=actor,
        region_code=region_code,
        cutoff_year=cutoff_year,
        horizon=horizon,
        history_years=history_years,
        seed=seed,
        language="",
    )
    ended = forecast_run_execute(run_id=run.pk)
    if ended is None or ended.status != JobStatus.DONE:
        failed = ended or run
        raise ValidationError(failed.message or str(failed.get_failure_display()))
    return ended


def assemble_run(run: ForecastRun) -> Panel:
    """The series of a run, counted from the records (the first stage: tens of seconds at province scale)."""
    panel = assemble(run.region_code, first_year=run.first_year, cutoff_year=run.cutoff_year, horizon=run.horizon)
    if panel.employment.sum() == 0:
        raise _nothing_to_forecast(run.cutoff_year)
    return panel


def save_run(run: ForecastRun, fig: Figures) -> ForecastRun:
    """Store a computed run's lines and warnings, its models and summary, with change records (in the
    caller's transaction)."""
    lines, alerts = _lines_and_warnings(run, fig)
    ForecastLine.objects.bulk_create(lines, batch_size=1000)
    ShortageWarning.objects.bulk_create(alerts, batch_size=1000)
    finite = [v for line in lines for v in (line.mase.get("employment"),) if v is not None]
    before = snapshot(run)
    run.models_used = fig.models
    run.summary = {
        "regions": len(fig.panel.tree.regions),
        "series": len(lines) * 2,
        "warnings": len(alerts),
        "mase_median": round(float(np.median(finite)), 3) if finite else None,
    }
    run.save(update_fields=["models_used", "summary"])
    record_change(action="update", instance=run, before=before)
    record_set(model=ForecastLine, count=len(lines), detail={"run": run.pk}, region_code=run.region_code)
    if alerts:
        record_set(model=ShortageWarning, count=len(alerts), detail={"run": run.pk}, region_code=run.region_code)
    return run


def _lines_and_warnings(run: ForecastRun, fig: Figures) -> tuple[list[ForecastLine], list[ShortageWarning]]:
    panel, tree = fig.panel, fig.panel.tree
    S = tree.S
    ahead = panel.horizon_years
    lines: list[ForecastLine] = []
    alerts: list[ShortageWarning] = []
    for g, group in enumerate(GROUPS):
        emp_hist = S @ panel.employment[:, g, :]
        sup_hist = S @ panel.supply[:, g, :]
        posted = S @ panel.posted[:, g, :]
        planned = S @ panel.planned[:, g, :]
        e, s = fig.employment[g], fig.supply[g]
        for i, region in enumerate(tree.regions):
            if emp_hist[i].sum() == 0 and sup_hist[i].sum() == 0:
                continue
            years = {
                str(y): {
                    "employment": int(e.mean[i, k]),
                    "employment_80": _band(e.lo80[i, k], e.hi80[i, k]),
                    "employment_95": _band(e.lo95[i, k], e.hi95[i, k]),
                    "supply": int(s.mean[i, k]),
                    "supply_80": _band(s.lo80[i, k], s.hi80[i, k]),
                    "supply_95": _band(s.lo95[i, k], s.hi95[i, k]),
                    "growth": int(fig.growth[i, g, k]),
                    "replacement": int(fig.replacement[i, g, k]),
                    "openings": int(fig.openings[i, g, k]),
                    "gap": int(fig.gap[i, g, k]),
                }
                for k, y in enumerate(ahead)
            }
            history = {
                str(y): {
                    "employment": int(emp_hist[i, t]),
                    "supply": int(sup_hist[i, t]),
                    "posted": int(posted[i, t]),
                    "planned": int(planned[i, t]),
                }
                for t, y in enumerate(panel.years)
            }
            mase = {
                "employment": _num(e.mase[i]),
                "employment_naive": _num(e.mase_naive[i]),
                "supply": _num(s.mase[i]),
                "supply_naive": _num(s.mase_naive[i]),
            }
            weights = {
                "models": fig.models,
                "reconciliation": {"employment": e.method, "supply": s.method},
                "employment": [round(float(w), 3) for w in e.weights[i]],
                "supply": [round(float(w), 3) for w in s.weights[i]],
            }
            lines.append(
                ForecastLine(
                    run=run,
                    region_code=region,
                    depth=tree.depth[region],
                    group=group,
                    history=history,
                    forecast=years,
                    mase=mase,
                    weights=weights,
                    openings_total=int(fig.openings[i, g].sum()),
                    supply_total=int(s.mean[i].sum()),
                    gap_total=int(fig.gap[i, g].sum()),
                )
            )
            for k, y in enumerate(ahead):
                gap, openings = int(fig.gap[i, g, k]), int(fig.openings[i, g, k])
                if gap < GAP_MIN or gap < float(GAP_SHARE) * openings:
                    continue
                alerts.append(
                    ShortageWarning(
                        run=run,
                        region_code=region,
                        group=group,
                        year=y,
                        openings=openings,
                        supply=int(s.mean[i, k]),
                        gap=gap,
                        severity=Severity.HIGH if openings and gap >= GAP_HIGH_SHARE * openings else Severity.MEDIUM,
                        evidence={
                            "employment_cutoff": int(emp_hist[i, -1]),
                            "employment_forecast": int(e.mean[i, k]),
                            "growth": int(fig.growth[i, g, k]),
                            "replacement": int(fig.replacement[i, g, k]),
                            "supply_95": _band(s.lo95[i, k], s.hi95[i, k]),
                            "posted_last": int(posted[i, -1]),
                            "planned_last": int(planned[i, -1]),
                            "mase_employment": _num(e.mase[i]),
                            "mase_supply": _num(s.mase[i]),
                            "threshold": {"persons": GAP_MIN, "share": float(GAP_SHARE)},
                        },
                    )
                )
    return lines, alerts


# --- towns and enterprises ---------------------------------------------------------------------------


@transaction.atomic
def enterprise_town_set(*, actor: Any, organisation: Organisation, town_code: str, town_name: str) -> EnterpriseTown:
    """Record the town or street (its 9-digit statistical code, whose first six digits are the enterprise's
    district) an enterprise lies in."""
    town_code, town_name = (town_code or "").strip(), (town_name or "").strip()
    if len(town_code) != 9 or not town_code.isdigit():
        raise ValidationError({"town_code": _("A town code has nine digits (the district's six and three more).")})
    if town_code[:6] != organisation.region_code:
        raise ValidationError(
            {
                "town_code": _("The town code must begin with the enterprise's district %(code)s.")
                % {"code": organisation.region_code}
            }
        )
    found = EnterpriseTown.objects.select_for_update().filter(organisation=organisation).first()
    town = found or EnterpriseTown(organisation=organisation, region_code=organisation.region_code)
    authorize(actor, "change" if found else "add", town)
    town.town_code, town.town_name = town_code, town_name
    town.full_clean()
    town.save()
    record_change(action="update" if found else "create", instance=town)
    return town


# --- major projects ----------------------------------------------------------------------------------


@transaction.atomic
def major_project_create(
    *, actor: Any, name: str, enterprise: Organisation, region_code: str, start_year: int
) -> MajorProject:
    """Register a planned plant or major project for its manpower assessment."""
    region_code = validate_region_code((region_code or enterprise.region_code).strip(), field="region_code")
    project = MajorProject(
        name=(name or "").strip(), enterprise=enterprise, region_code=region_code, start_year=start_year
    )
    authorize(actor, "add", project)
    if not 2000 <= start_year <= 2100:
        raise ValidationError(
            {
                "start_year": _("Give the year the plant starts, e.g. %(year)d.")
                % {"year": timezone.localdate().year + 1}
            }
        )
    project.full_clean()
    project.save()
    record_change(action="create", instance=project)
    return project


@transaction.atomic
def project_need_add(
    *, actor: Any, project: MajorProject, occupation_code: str, year: int, headcount: int
) -> ProjectNeed:
    """Add a project's need of one occupation in one year (from its start year on)."""
    authorize(actor, "change", project)
    occupation = occupation_by_code(occupation_code)
    if year < project.start_year or year > project.start_year + 10:
        raise ValidationError(
            {
                "year": _("The year must be from the project's start %(start)d to ten years after.")
                % {"start": project.start_year}
            }
        )
    if headcount <= 0:
        raise ValidationError({"headcount": _("The headcount must be at least 1.")})
    if ProjectNeed.objects.filter(project=project, occupation=occupation, year=year).exists():
        raise ValidationError({"occupation": _("This occupation is already listed for that year.")})
    need = ProjectNeed(project=project, occupation=occupation, year=year, headcount=headcount)
    need.full_clean()
    need.save()
    record_change(action="create", instance=need)
    return need
