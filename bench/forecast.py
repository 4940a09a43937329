"""Benchmark: manpower forecasts of many series (gongjiang.labour.forecasting) against statsforecast.

Series: N synthetic yearly headcounts (default 10,000; seeded), 20 to 40 years long, levels from 50 to
50,000 persons, each a mix of a growth rate of −3% to +6% a year (damped in a third of them), a random
walk part, AR(1) noise and in one series in ten a level shift, with 2–10% noise; the last ``horizon``
(6) years are held out.

Both engines see the same training years and the same back-test origins (``--origins`` rolling origins,
the cross-validation windows of statsforecast with ``step_size=1``):

* ours: ``forecasting.forecast_panel`` (back-test of naive, SES, damped trend, Theta and ARIMA,
  inverse-MASE combination per series, conformal intervals, forecasts), one process;
* statsforecast: ``StatsForecast([AutoETS, AutoTheta, AutoARIMA], n_jobs=1)``, its ``cross_validation``
  over the same windows and its ``forecast``, combined by the mean of the three (statsforecast 2 runs
  compiled code: there is no numba compile, the warm-up call on a few series is timed apart).

statsforecast's AutoARIMA takes a large fraction of a second per series and window on this machine, so
by default it runs on a seeded sample of ``--baseline`` series (default 100) and the comparison of
time and MASE is made on that sample, with ours timed on the same sample; ours also runs on all N.
MASE on the hold-out: the mean absolute error over the held-out years divided by the in-sample naive
one-step MAE of the training years; mean and median over series.

Usage: python bench/forecast.py [--series N] [--baseline B] [--origins K] [--horizon H] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gongjiang.labour.forecasting import forecast_panel  # noqa: E402


def synthetic(n: int, horizon: int, seed: int) -> np.ndarray:
    """(n, 40 + horizon) yearly headcounts, NaN before each series' first year."""
    rng = np.random.default_rng(seed)
    t_len = 40 + horizon
    lengths = rng.integers(20, 41, n) + horizon
    level0 = np.exp(rng.uniform(np.log(50), np.log(50_000), n))
    growth = rng.uniform(-0.03, 0.06, n)
    damp = np.where(rng.random(n) < 1 / 3, rng.uniform(0.7, 0.95, n), 1.0)
    rw_sd = rng.uniform(0.0, 0.04, n)
    noise_sd = rng.uniform(0.02, 0.10, n)
    phi = rng.uniform(0.0, 0.7, n)
    log_y = np.zeros((n, t_len))
    g = growth.copy()
    ar = np.zeros(n)
    lvl = np.log(level0)
    shift_at = np.where(rng.random(n) < 0.1, rng.integers(5, t_len, n), -1)
    shift = rng.normal(0, 0.15, n)
    for t in range(t_len):
        lvl = lvl + g + rng.normal(0, 1, n) * rw_sd + np.where(shift_at == t, shift, 0.0)
        g = g * damp
        ar = phi * ar + rng.normal(0, 1, n) * noise_sd
        log_y[:, t] = lvl + ar
    y = np.round(np.exp(log_y))
    first = t_len - lengths
    y[np.arange(t_len)[None, :] < first[:, None]] = np.nan
    return y


def holdout_mase(train: np.ndarray, actual: np.ndarray, forecast: np.ndarray) -> np.ndarray:
    d = np.abs(np.diff(train, axis=1))
    scale = np.nanmean(d, axis=1)
    scale = np.where(scale > 0, scale, 1.0)
    return np.abs(forecast - actual).mean(axis=1) / scale


def to_frame(train: np.ndarray):  # type: ignore[no-untyped-def]
    import pandas as pd

    ids, ds, ys = [], [], []
    for i, row in enumerate(train):
        ok = ~np.isnan(row)
        k = int(ok.sum())
        ids.append(np.full(k, i))
        ds.append(np.arange(row.size)[ok])
        ys.append(row[ok])
    return pd.DataFrame({"unique_id": np.concatenate(ids), "ds": np.concatenate(ds), "y": np.concatenate(ys)})


def statsforecast_run(train: np.ndarray, horizon: int, origins: int) -> tuple[float, np.ndarray]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    df = to_frame(train)
    models = [AutoETS(season_length=1), AutoTheta(season_length=1), AutoARIMA(season_length=1)]
    sf = StatsForecast(models=models, freq=1, n_jobs=1)
    t0 = time.perf_counter()
    sf.cross_validation(df=df, h=horizon, n_windows=origins, step_size=1)
    fc = sf.forecast(df=df, h=horizon)
    seconds = time.perf_counter() - t0
    fc = fc.sort_values(["unique_id", "ds"])
    mean = fc[["AutoETS", "AutoTheta", "AutoARIMA"]].to_numpy().mean(axis=1)
    return seconds, np.maximum(mean.reshape(train.shape[0], horizon), 0.0)


def ours_run(train: np.ndarray, horizon: int, origins: int) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    result = forecast_panel(train, horizon, n_origins=origins)
    return time.perf_counter() - t0, result.mean


def summary(name: str, mase: np.ndarray) -> str:
    return f"{name}: hold-out MASE mean {np.mean(mase):.3f}, median {np.median(mase):.3f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=100, help="series also run through statsforecast")
    parser.add_argument("--origins", type=int, default=4)
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    h = args.horizon

    y = synthetic(args.series, h, args.seed)
    train, actual = y[:, :-h], y[:, -h:]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()}")
    print(f"{args.series:,} yearly series of 20-40 years (+{h} held out), {args.origins} back-test origins")

    warm = train[:5]
    t0 = time.perf_counter()
    forecast_panel(warm, h, n_origins=args.origins)
    print(f"ours warm-up (5 series): {time.perf_counter() - t0:.2f} s")
    ours_all_s, ours_all = ours_run(train, h, args.origins)
    ours_all_mase = holdout_mase(train, actual, ours_all)
    naive_all = np.repeat(train[:, -1:], h, axis=1)
    print(f"ours, all {args.series:,} series: {ours_all_s:.2f} s; {summary('ours', ours_all_mase)}; "
          f"{summary('naive', holdout_mase(train, actual, naive_all))}")  # fmt: skip

    if args.baseline <= 0:
        return
    rng = np.random.default_rng(args.seed + 1)
    sample = np.sort(rng.choice(args.series, size=min(args.baseline, args.series), replace=False))
    tr, ac = train[sample], actual[sample]
    t0 = time.perf_counter()
    statsforecast_run(warm, h, args.origins)
    print(f"statsforecast warm-up (5 series): {time.perf_counter() - t0:.2f} s")
    print(f"load average before the sample: {os.getloadavg()}")
    ours_s, ours_fc = ours_run(tr, h, args.origins)
    sf_s, sf_fc = statsforecast_run(tr, h, args.origins)
    print(f"load average after the sample: {os.getloadavg()}")
    m_ours = holdout_mase(tr, ac, ours_fc)
    m_sf = holdout_mase(tr, ac, sf_fc)
    print(f"sample of {sample.size} series: ours {ours_s:.2f} s, statsforecast {sf_s:.2f} s, "
          f"time ratio ours/statsforecast {ours_s / sf_s:.3f} (goal <= 1.5)")  # fmt: skip
    print(summary("ours", m_ours))
    print(summary("statsforecast mean of AutoETS, AutoTheta, AutoARIMA", m_sf))
    print(f"MASE ratio ours/statsforecast: mean {np.mean(m_ours) / np.mean(m_sf):.3f}, "
          f"median {np.median(m_ours) / np.median(m_sf):.3f} (goal <= 1)")  # fmt: skip
    print(f"statsforecast per series: {sf_s / sample.size * 1000:.1f} ms; ours on all series per series: "
          f"{ours_all_s / args.series * 1000:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
