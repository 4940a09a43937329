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
