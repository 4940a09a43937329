"""Forecast models, intervals and the back-test that chooses between them."""

from __future__ import annotations

import numpy as np
import pytest

from gongjiang.monitoring import forecast as fc


def test_linear_trend_is_exact_on_a_line() -> None:
    y = np.array([10.0, 12, 14, 16, 18, 20])
    fit = fc.linear(y, 3)
    assert fit.point == pytest.approx([22, 24, 26])
    assert fit.lo == pytest.approx(fit.point) and fit.hi == pytest.approx(fit.point)  # no residual, no width


def test_intervals_widen_with_the_horizon() -> None:
    rng = np.random.default_rng(3)
    y = 100 + 5 * np.arange(15) + rng.normal(0, 4, 15)
    for model in ("linear", "holt"):
        fit = fc.MODELS[model](y, 6)
        width = fit.hi - fit.lo
        assert np.all(width > 0) and np.all(np.diff(width) > 0), model
        assert np.all(fit.lo < fit.point) and np.all(fit.point < fit.hi)


def test_holt_matches_a_direct_recursion() -> None:
    y = np.array([3.0, 5, 4, 8, 9, 12, 11, 15])
    fit = fc.holt(y, 2)
    best = None
    for a in fc.ALPHAS:
        for b in fc.BETAS:
            level, trend, sse = y[0], y[1] - y[0], 0.0
            for v in y[1:]:
                f = level + trend
                e = v - f
                sse += e * e
                level, trend = f + a * e, trend + a * b * e
            if best is None or sse < best[0] - 1e-12:
                best = (sse, level, trend)
    assert best is not None
    assert fit.point == pytest.approx([best[1] + best[2], best[1] + 2 * best[2]])


def test_backtest_is_rolling_origin() -> None:
    y = np.arange(10, dtype=float) ** 1.5
    bt = fc.backtest(y, "linear")
    assert bt.origins == len(y) - fc.MIN_TRAIN
    manual = []
    for origin in range(fc.MIN_TRAIN, len(y)):
        steps = min(fc.MAX_STEP, len(y) - origin)
        manual.extend(np.abs(y[origin : origin + steps] - fc.linear(y[:origin], steps).point))
    assert bt.mae == pytest.approx(np.mean(manual))
    assert fc.backtest(y[:4], "holt").mae is None  # too short to test


def test_model_choice_follows_the_backtest() -> None:
    line = 50 + 3.0 * np.arange(12)
    model, tests = fc.choose(line)
    assert model == "linear" and tests["linear"].mae == pytest.approx(0, abs=1e-9)
    # A series that bends: exponential smoothing tracks the change of slope better than a straight line.
    bend = np.concatenate([np.full(8, 100.0), 100 + 20.0 * np.arange(1, 9)])
    model, tests = fc.choose(bend)
    assert tests["holt"].mae < tests["linear"].mae and model == "holt"


def test_forecast_series_years_and_nonnegative() -> None:
    res = fc.forecast_series([2020, 2021, 2022, 2023, 2024, 2025], [50, 40, 30, 20, 10, 5], 2030)
    assert res is not None
    assert res.years == [2026, 2027, 2028, 2029, 2030]
    assert min(res.point) >= 0 and min(res.lo) >= 0
    assert fc.forecast_series([2025], [1.0], 2030) is None


def test_ratio_backtest_recomputes_the_ratio() -> None:
    num = np.array([10.0, 12, 14, 16, 18, 20, 22])
    den = np.array([100.0, 100, 100, 100, 100, 100, 100])
    bt = fc.ratio_backtest(num, den, "linear", "linear", 100)
    assert bt.origins == 3 and bt.mae == pytest.approx(0, abs=1e-9)


def test_a_rising_share_never_exceeds_its_bound() -> None:
    # A share climbing six points a year for sixteen years, from 5% to 95%: a straight line would pass
    # 100% within a year; on the logit scale neither the forecast nor its interval reaches 100.
    years = list(range(2010, 2026))
    values = [5.0 + 6.0 * i for i in range(16)]
    res = fc.forecast_share(years, values, 2035, 100.0)
    assert res is not None
    assert res.model in ("logit_linear", "logit_holt")
    assert all(0 < lo <= p <= hi < 100 for p, lo, hi in zip(res.point, res.lo, res.hi, strict=True))
    # per 10,000: bounded by 10,000 in the same way
    per10k = fc.forecast_share(years, [v * 100 for v in values], 2035, 10_000.0)
    assert per10k is not None and max(per10k.hi) < 10_000


def test_the_provinces_skilled_share_levels_off_plausibly() -> None:
    # The rule: a share rising 3.6 points a year over 2021–2025 (the demo province's skilled workers
    # among the employed, 20.7% to 35.5%) is forecast to rise by less each year than the year before,
    # and by 2035 to stay within 45–60%: at most about half of the 35 further points a straight line
    # gives (71%).
    years = [2021, 2022, 2023, 2024, 2025]
    values = [20.72, 24.14, 27.69, 31.27, 35.55]
    res = fc.forecast_share(years, values, 2035, 100.0)
    assert res is not None and res.years[-1] == 2035
    steps = np.diff([values[-1], *res.point])
    assert bool(np.all(np.diff(steps) < 0))
    assert 45 <= res.point[-1] <= 60
    assert res.lo[-1] <= res.point[-1] <= res.hi[-1] < 100
    linear = fc.forecast_series(years, values, 2035)
    assert linear is not None and linear.point[-1] > 70  # what the dashboard drew before


def test_a_falling_share_stays_above_zero() -> None:
    res = fc.forecast_share(list(range(2016, 2026)), [20.0 - 2 * i for i in range(10)], 2035, 100.0)
    assert res is not None and all(lo > 0 for lo in res.lo)
