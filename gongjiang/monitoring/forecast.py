"""Yearly forecasts with intervals: a linear trend and Holt's linear exponential smoothing, in numpy.

Each series is forecast by the model with the smaller back-test error. The back-test is a rolling
origin: for every origin from the fifth year on, the model is fitted on the years before it and
forecasts up to three years ahead; the errors against what happened are averaged (MAE, and MAPE over
non-zero actuals). With fewer than five years there is nothing to test: the linear trend is used
(two years at least) and the back-test is reported as not available.

Intervals are 80% prediction intervals under a normal approximation:
* linear trend: residual variance σ² = SSE/(n−2), widened by 1 + 1/n + (x−x̄)²/Sxx;
* Holt: σ² = SSE/(n−2) of the one-step errors, widened for step h by 1 + Σⱼ₌₁ʰ⁻¹ α²(1+jβ)²
  (the additive-error ETS(A,A,N) variance). α and β are chosen on a grid by in-sample one-step SSE.
Forecasts of counts are not allowed below zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

Z80 = 1.2815515655446004
MIN_TRAIN = 4
MAX_STEP = 3
ALPHAS = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
BETAS = np.array([0.05, 0.1, 0.2, 0.3, 0.5])
_A, _B = (g.ravel() for g in np.meshgrid(ALPHAS, BETAS, indexing="ij"))


@dataclass
class Fit:
    model: str
    point: np.ndarray  # forecasts for steps 1..h
    lo: np.ndarray
    hi: np.ndarray


@dataclass
class Backtest:
    mae: float | None = None
    mape: float | None = None
    origins: int = 0

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "mae": None if self.mae is None else round(self.mae, 4),
            "mape": None if self.mape is None else round(self.mape, 4),
            "origins": self.origins,
        }


@dataclass
class SeriesResult:
    model: str
    years: list[int]
    point: list[float]
    lo: list[float]
    hi: list[float]
    backtest: dict[str, Backtest] = field(default_factory=dict)


def linear(y: np.ndarray, steps: int) -> Fit:
    n = len(y)
    x = np.arange(n, dtype=float)
    if n == 1:
        flat = np.full(steps, float(y[0]))
        return Fit("linear", flat, flat.copy(), flat.copy())
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    slope = float(((x - xm) * (y - ym)).sum() / sxx)
    intercept = ym - slope * xm
    resid = y - (intercept + slope * x)
    sigma2 = float((resid**2).sum() / (n - 2)) if n > 2 else 0.0
    xf = np.arange(n, n + steps, dtype=float)
    point = intercept + slope * xf
    se = np.sqrt(sigma2 * (1 + 1 / n + (xf - xm) ** 2 / sxx))
    return Fit("linear", point, point - Z80 * se, point + Z80 * se)


def _holt_path(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Holt's recursions for every (alpha, beta) on the grid at once. Row t holds the level, trend and
    in-sample one-step SSE after the first t + 1 observations, so every prefix of the series (every
    back-test origin) is fitted by the same pass."""
    n = len(y)
    level = np.empty((n, _A.size))
    trend = np.empty((n, _A.size))
    sse = np.empty((n, _A.size))
    level[0] = y[0]
    trend[0] = y[1] - y[0] if n > 1 else 0.0
    sse[0] = 0.0
    for t in range(1, n):
        forecast = level[t - 1] + trend[t - 1]
        err = y[t] - forecast
        sse[t] = sse[t - 1] + err * err
        level[t] = forecast + _A * err
        trend[t] = trend[t - 1] + _A * _B * err
    return level, trend, sse


def _holt_at(path: tuple[np.ndarray, np.ndarray, np.ndarray], n: int, steps: int) -> Fit:
    """The Holt fit on the first ``n`` observations, from a path."""
    level, trend, sse = path
    best = int(np.argmin(sse[n - 1]))
    al, be = _A[best], _B[best]
    sigma2 = float(sse[n - 1, best] / (n - 2)) if n > 2 else 0.0
    h = np.arange(1, steps + 1, dtype=float)
    point = level[n - 1, best] + h * trend[n - 1, best]
    j = np.arange(1, steps, dtype=float)
    widen = 1 + np.concatenate([[0.0], np.cumsum((al * (1 + j * be)) ** 2)])
    se = np.sqrt(sigma2 * widen)
    return Fit("holt", point, point - Z80 * se, point + Z80 * se)


def holt(y: np.ndarray, steps: int) -> Fit:
    n = len(y)
    if n < 3:
        return linear(y, steps)
    return _holt_at(_holt_path(y.astype(float)), n, steps)


MODELS = {"linear": linear, "holt": holt}


def backtest(y: np.ndarray, model: str) -> Backtest:
    n = len(y)
    if n < MIN_TRAIN + 1:
        return Backtest()
    errors: list[float] = []
    pct: list[float] = []
    origins = 0
    path = _holt_path(y.astype(float)) if model == "holt" else None
    for origin in range(MIN_TRAIN, n):
        steps = min(MAX_STEP, n - origin)
        fit = _holt_at(path, origin, steps) if path is not None else MODELS[model](y[:origin], steps)
        actual = y[origin : origin + steps]
        err = np.abs(actual - fit.point)
        errors.extend(err.tolist())
        nz = actual != 0
        pct.extend((err[nz] / np.abs(actual[nz])).tolist())
        origins += 1
    return Backtest(mae=float(np.mean(errors)), mape=float(np.mean(pct)) if pct else None, origins=origins)


def choose(y: np.ndarray) -> tuple[str, dict[str, Backtest]]:
    """The model with the smaller back-test MAE (the linear trend on a tie or without a back-test)."""
    tests = {name: backtest(y, name) for name in MODELS}
    scored = [(t.mae, name) for name, t in tests.items() if t.mae is not None]
    if not scored:
        return "linear", tests
    best_mae = min(s[0] for s in scored)
    model = "linear" if tests["linear"].mae == best_mae else min(scored)[1]
    return model, tests


def forecast_series(years: list[int], values: list[float], until: int, nonnegative: bool = True) -> SeriesResult | None:
    """Forecast a yearly series (consecutive years) to ``until``; None with fewer than two years."""
    if len(values) < 2 or until <= years[-1]:
        return None
    y = np.asarray(values, dtype=float)
    model, tests = choose(y)
    steps = until - years[-1]
    fit = MODELS[model](y, steps)
    point, lo, hi = fit.point, fit.lo, fit.hi
    if nonnegative:
        point, lo, hi = np.maximum(point, 0), np.maximum(lo, 0), np.maximum(hi, 0)
    return SeriesResult(
        model=model,
        years=list(range(years[-1] + 1, until + 1)),
        point=point.tolist(),
        lo=lo.tolist(),
        hi=hi.tolist(),
        backtest=tests,
    )


def ratio_backtest(num: np.ndarray, den: np.ndarray, num_model: str, den_model: str, factor: float) -> Backtest:
    """Back-test of a ratio forecast recomputed from its numerator and denominator forecasts."""
    n = min(len(num), len(den))
    num, den = num[-n:], den[-n:]
    if n < MIN_TRAIN + 1:
        return Backtest()
    errors: list[float] = []
    pct: list[float] = []
    origins = 0
    num_path = _holt_path(num.astype(float)) if num_model == "holt" else None
    den_path = _holt_path(den.astype(float)) if den_model == "holt" else None
    for origin in range(MIN_TRAIN, n):
        steps = min(MAX_STEP, n - origin)
        fn = (_holt_at(num_path, origin, steps) if num_path is not None else linear(num[:origin], steps)).point
        fd = (_holt_at(den_path, origin, steps) if den_path is not None else linear(den[:origin], steps)).point
        with np.errstate(divide="ignore", invalid="ignore"):
            pred = np.where(fd > 0, fn / fd * factor, np.nan)
            actual = np.where(
                den[origin : origin + steps] > 0,
                num[origin : origin + steps] / den[origin : origin + steps] * factor,
                np.nan,
            )
        ok = ~np.isnan(pred) & ~np.isnan(actual)
        err = np.abs(actual[ok] - pred[ok])
        errors.extend(err.tolist())
        nz = actual[ok] != 0
        pct.extend((err[nz] / np.abs(actual[ok][nz])).tolist())
        origins += 1
    if not errors:
        return Backtest()
    return Backtest(mae=float(np.mean(errors)), mape=float(np.mean(pct)) if pct else None, origins=origins)


# ---------------------------------------------------------------------------------------------
# Shares: forecast on the logit scale with a damped trend
# ---------------------------------------------------------------------------------------------

# A share (a ratio whose numerator is part of its denominator: skilled workers among the employed,
# high-skilled among the skilled) lives in [0, bound] (100 for %, 10,000 for "per 10,000"). It is
# forecast as logit(share / bound): the models above are fitted to the logit, their trend is damped
# (each year's step is PHI times the year before's, Gardner and McKenzie's damped trend), and point
# and interval are transformed back. The forecast stays inside (0, bound), slows as it nears either
# end, and a trend of a few years does not run on for a decade: the total further rise in logit is
# at most PHI / (1 − PHI) = 4 times the current yearly step.
PHI = 0.8
EDGE = 1e-4  # shares at 0 or at the bound are moved this far inside before the logit


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EDGE, 1 - EDGE)
    return np.log(p / (1 - p))


def expit(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def damped_steps(steps: int, phi: float = PHI) -> np.ndarray:
    """Σⱼ₌₁ʰ φʲ for h = 1..steps: how many yearly trend steps are added by step h."""
    return np.cumsum(phi ** np.arange(1, steps + 1, dtype=float))


def _damped(z: np.ndarray, steps: int, model: str) -> Fit:
    """A model's fit to the logit series ``z`` with its trend damped: the level at the last year plus the
    damped sum of the yearly trend; the interval half-width of the undamped model (a little wider than
    the damped one's, never narrower)."""
    n = len(z)
    raw = MODELS[model](z, steps)
    if n == 1:
        return raw
    if model == "holt" and n >= 3:
        level, trend, sse = _holt_path(z.astype(float))
        best = int(np.argmin(sse[n - 1]))
        start, slope = float(level[n - 1, best]), float(trend[n - 1, best])
    else:
        x = np.arange(n, dtype=float)
        slope, intercept = np.polyfit(x, z, 1)
        start = float(intercept + slope * (n - 1))
    point = start + slope * damped_steps(steps)
    half = (raw.hi - raw.lo) / 2
    return Fit(model, point, point - half, point + half)


def bounded_backtest(y: np.ndarray, model: str, bound: float) -> Backtest:
    """Rolling-origin back-test of the damped logit model, errors measured on the share itself."""
    n = len(y)
    if n < MIN_TRAIN + 1:
        return Backtest()
    z = logit(y / bound)
    errors: list[float] = []
    pct: list[float] = []
    origins = 0
    for origin in range(MIN_TRAIN, n):
        steps = min(MAX_STEP, n - origin)
        pred = expit(_damped(z[:origin], steps, model).point) * bound
        actual = y[origin : origin + steps]
        err = np.abs(actual - pred)
        errors.extend(err.tolist())
        nz = actual != 0
        pct.extend((err[nz] / np.abs(actual[nz])).tolist())
        origins += 1
    return Backtest(mae=float(np.mean(errors)), mape=float(np.mean(pct)) if pct else None, origins=origins)


def forecast_share(years: list[int], values: list[float], until: int, bound: float) -> SeriesResult | None:
    """Forecast a share in [0, ``bound``] (consecutive years) to ``until`` on the logit scale with a damped
    trend; the linear or Holt fit of the logit chosen by back-test as for other series. Model names are
    ``logit_linear`` and ``logit_holt``. None with fewer than two years."""
    if len(values) < 2 or until <= years[-1]:
        return None
    y = np.asarray(values, dtype=float)
    tests = {f"logit_{name}": bounded_backtest(y, name, bound) for name in MODELS}
    scored = [(t.mae, name) for name, t in tests.items() if t.mae is not None]
    model = "logit_linear"
    if scored:
        best_mae = min(s[0] for s in scored)
        model = "logit_linear" if tests["logit_linear"].mae == best_mae else min(scored)[1]
    steps = until - years[-1]
    fit = _damped(logit(y / bound), steps, model.removeprefix("logit_"))
    return SeriesResult(
        model=model,
        years=list(range(years[-1] + 1, until + 1)),
        point=(expit(fit.point) * bound).tolist(),
        lo=(expit(fit.lo) * bound).tolist(),
        hi=(expit(fit.hi) * bound).tolist(),
        backtest=tests,
    )
