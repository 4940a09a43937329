"""Benchmark: manpower forecasts of many series (gongjiang.labour.forecasting) against statsforecast.

Series: N synthetic yearly headcounts (default 10,000; seeded), 20 to 40 years long, levels from 50 to
50,000 persons, each a mix of a growth rate of −3% to +6% a year (damped in a third of them), a random
walk part, AR(1) noise and in one series in ten a level shift, with 2–10% noise; the last ``horizon``
(6) years are held out.

Both engines see the same training years and the same back-test origins (``--origins`` rolling origins,
the cross-validation windows of statsforecast with ``step_size=1``):

* ours: ``forecasting.forecast_panel`` (back-test of naive, SES, damped trend, Theta and ARIMA,
  inverse-MASE combination per series, conformal intervals, forecasts);
* statsforecast: ``StatsForecast([AutoETS, AutoTheta, AutoARIMA], n_jobs=--jobs)`` with the models'
  defaults, its ``cross_validation`` over the same windows (refitting at every window, its default) and
  its ``forecast``, combined by the mean of the three (statsforecast 2 runs compiled code: there is no
  numba compile; the warm-up call on a few series is timed apart).

Where statsforecast's time goes (cProfile of one chunk): ``AutoARIMA``'s stepwise search fits about
nine candidate ARIMA models per series and window, each by scipy's BFGS with finite-difference
gradients in Python; that is nearly all of its time (AutoETS and AutoTheta take a few hundredths of a
second a series). So it runs in chunks of ``--chunk`` series, each chunk's forecasts and time cached in
``--cache`` so that a run resumes where it stopped; ``--until HH:MM`` (UTC) starts no new chunk after
that time. The series run in a seeded random order, so the completed chunks are a random sample; the
comparison is made on exactly the series statsforecast completed, ours run on them with the same
number of processes (``--jobs``; ours splits the series between processes). Ours also runs on all N
in one process.

MASE on the hold-out: the mean absolute error over the held-out years divided by the in-sample naive
one-step MAE of the training years; mean and median over series, and their ratio with a bootstrap 95%
interval over the compared series. Our intervals' coverage of the held-out years is printed too.

Usage: python bench/forecast.py [--series N] [--baseline B] [--origins K] [--horizon H] [--seed S]
       [--jobs J] [--chunk C] [--cache DIR] [--until HH:MM]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
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
    return synthetic_kinds(n, horizon, seed)[0]


def synthetic_kinds(n: int, horizon: int, seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The series of ``synthetic`` and, per series, whether it is mostly a random walk (its random-walk
    deviation above its noise's), damped, or shifted."""
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
    kinds = {"random walk above noise": rw_sd > noise_sd, "damped growth": damp < 1, "level shift": shift_at >= 0}
    return y, kinds


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


SF_COLUMNS = ["AutoETS", "AutoTheta", "AutoARIMA"]


def statsforecast_run(train: np.ndarray, horizon: int, origins: int, jobs: int) -> tuple[float, np.ndarray]:
    """statsforecast's back-test (``cross_validation``, refitting every model at every window, its default)
    and final forecast of ``train``; (seconds, mean of the three models' final forecasts (n, horizon))."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    df = to_frame(train)
    models = [AutoETS(season_length=1), AutoTheta(season_length=1), AutoARIMA(season_length=1)]
    sf = StatsForecast(models=models, freq=1, n_jobs=jobs)
    t0 = time.perf_counter()
    sf.cross_validation(df=df, h=horizon, n_windows=origins, step_size=1)
    fc = sf.forecast(df=df, h=horizon)
    seconds = time.perf_counter() - t0
    fc = fc.sort_values(["unique_id", "ds"])
    mean = fc[SF_COLUMNS].to_numpy().mean(axis=1)
    return seconds, np.maximum(mean.reshape(train.shape[0], horizon), 0.0)


def _ours_part(args: tuple[np.ndarray, int, int]) -> np.ndarray:
    train, horizon, origins = args
    return forecast_panel(train, horizon, n_origins=origins).mean


def coverage_report(train: np.ndarray, actual: np.ndarray, horizon: int, origins: int, kinds: dict) -> None:  # type: ignore[type-arg]
    r = forecast_panel(train, horizon, n_origins=origins)
    c80 = (actual >= r.lo80) & (actual <= r.hi80)
    c95 = (actual >= r.lo95) & (actual <= r.hi95)
    parts = [f"all {c80.mean():.1%} / {c95.mean():.1%}"]
    for name, sel in kinds.items():
        parts.append(f"{name} ({sel.sum():,}) {c80[sel].mean():.1%} / {c95[sel].mean():.1%}")
        parts.append(f"not {name} {c80[~sel].mean():.1%} / {c95[~sel].mean():.1%}")
    print("ours, interval coverage of the held-out years, 80% / 95%: " + "; ".join(parts))


def ours_run(train: np.ndarray, horizon: int, origins: int, jobs: int = 1) -> tuple[float, np.ndarray]:
    """Our back-test, combination and forecasts; with ``jobs`` > 1 the series are split into that many
    parts run in as many processes (the pool's start-up is timed too)."""
    t0 = time.perf_counter()
    if jobs <= 1:
        mean = _ours_part((train, horizon, origins))
    else:
        import multiprocessing

        parts = np.array_split(np.arange(train.shape[0]), jobs)
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            means = pool.map(_ours_part, [(train[p], horizon, origins) for p in parts])
        mean = np.concatenate(means)
    return time.perf_counter() - t0, mean


def summary(name: str, mase: np.ndarray) -> str:
    return f"{name}: hold-out MASE mean {np.mean(mase):.3f}, median {np.median(mase):.3f}"


def bootstrap_ratio(a: np.ndarray, b: np.ndarray, stat, reps: int, seed: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Percentile 95% interval of stat(a) / stat(b) over series resampled with replacement (pairs kept)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, a.size, (reps, a.size))
    ratios = np.array([stat(a[i]) / stat(b[i]) for i in idx])
    lo, hi = np.percentile(ratios, [2.5, 97.5])
    return float(lo), float(hi)


def baseline_chunks(
    train: np.ndarray, order: np.ndarray, args: argparse.Namespace, until: datetime | None
) -> tuple[list[np.ndarray], list[np.ndarray], list[float], list[tuple[float, float]]]:
    """statsforecast on the first ``--baseline`` series of ``order`` in chunks of ``--chunk``, each chunk's
    forecasts and time cached in ``--cache`` (a run resumes from the chunks there); no new chunk starts
    after ``until``. Returns the completed chunks' series, forecasts, seconds and load averages."""
    key = f"sf-seed{args.seed}-n{args.series}-h{args.horizon}-k{args.origins}-c{args.chunk}-j{args.jobs}"
    cache = Path(args.cache) / key
    cache.mkdir(parents=True, exist_ok=True)
    todo = order[: args.baseline]
    done_idx, done_fc, done_s, loads = [], [], [], []
    n_chunks = -(-todo.size // args.chunk)
    fresh = 0
    for c in range(n_chunks):
        idx = todo[c * args.chunk : (c + 1) * args.chunk]
        path = cache / f"chunk-{c:05d}.npz"
        if path.exists():
            z = np.load(path)
            if not np.array_equal(z["idx"], idx):
                raise SystemExit(f"{path}: cached for other series; use another --cache directory")
        else:
            if until is not None and datetime.now(UTC) >= until:
                print(f"stopped at {datetime.now(UTC):%H:%M:%S} UTC (--until): chunk {c} of {n_chunks} not run")
                break
            load0 = os.getloadavg()[0]
            seconds, fc = statsforecast_run(train[idx], args.horizon, args.origins, args.jobs)
            load1 = os.getloadavg()[0]
            np.savez(path.with_suffix(".tmp.npz"), idx=idx, fc=fc, seconds=seconds, load=[load0, load1])
            os.replace(path.with_suffix(".tmp.npz"), path)
            fresh += 1
            print(f"  chunk {c + 1}/{n_chunks}: {idx.size} series, {seconds:.1f} s, load average {load0:.1f} → "
                  f"{load1:.1f} ({datetime.now(UTC):%H:%M:%S} UTC)", flush=True)  # fmt: skip
            z = np.load(path)
        done_idx.append(z["idx"])
        done_fc.append(z["fc"])
        done_s.append(float(z["seconds"]))
        loads.append((float(z["load"][0]), float(z["load"][1])))
    print(f"statsforecast chunks: {len(done_idx)} of {n_chunks} complete ({fresh} run now, the rest from {cache})")
    return done_idx, done_fc, done_s, loads


def full_run(train: np.ndarray, actual: np.ndarray, args: argparse.Namespace, kinds: dict) -> None:  # type: ignore[type-arg]
    """Ours on all N series in one process: time, hold-out MASE against naive's, interval coverage."""
    h = args.horizon
    ours_all_s, ours_all = ours_run(train, h, args.origins)
    ours_all_mase = holdout_mase(train, actual, ours_all)
    naive_all = np.repeat(train[:, -1:], h, axis=1)
    print(f"ours, all {args.series:,} series, 1 process: {ours_all_s:.2f} s; {summary('ours', ours_all_mase)}; "
          f"{summary('naive', holdout_mase(train, actual, naive_all))}")  # fmt: skip

    coverage_report(train, actual, h, args.origins, kinds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=100, help="series also run through statsforecast")
    parser.add_argument("--origins", type=int, default=4)
    parser.add_argument("--horizon", type=int, default=6)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--jobs", type=int, default=1, help="processes for statsforecast (n_jobs) and for ours")
    parser.add_argument("--chunk", type=int, default=100, help="statsforecast series per cached chunk")
    parser.add_argument("--cache", default="/tmp/gongjiang-bench-forecast", help="directory of cached chunks")
    parser.add_argument("--until", default=None, help="UTC time HH:MM after which no new chunk starts")
    parser.add_argument("--reps", type=int, default=2000, help="bootstrap resamples")
    parser.add_argument("--sample-only", action="store_true", help="skip ours on all N series and the coverage")
    args = parser.parse_args()
    h = args.horizon
    until = None
    if args.until:
        hh, mm = (int(v) for v in args.until.split(":"))
        until = datetime.now(UTC).replace(hour=hh, minute=mm, second=0, microsecond=0)

    y, kinds = synthetic_kinds(args.series, h, args.seed)
    train, actual = y[:, :-h], y[:, -h:]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()}")
    print(f"{args.series:,} yearly series of 20-40 years (+{h} held out), {args.origins} back-test origins")

    warm = train[:5]
    t0 = time.perf_counter()
    forecast_panel(warm, h, n_origins=args.origins)
    print(f"ours warm-up (5 series): {time.perf_counter() - t0:.2f} s")
    if not args.sample_only:
        full_run(train, actual, args, kinds)
    if args.baseline <= 0:
        return
    # the baseline's series in a seeded random order: any completed prefix of chunks is a random sample
    order = np.random.default_rng(args.seed + 1).permutation(args.series)
    t0 = time.perf_counter()
    statsforecast_run(warm, h, args.origins, 1)
    print(f"statsforecast warm-up (5 series, 1 process): {time.perf_counter() - t0:.2f} s")
    print(f"load average before the baseline: {os.getloadavg()}")
    idx_l, fc_l, sec_l, loads = baseline_chunks(train, order, args, until)
    print(f"load average after the baseline: {os.getloadavg()}")
    if not idx_l:
        return
    idx = np.concatenate(idx_l)
    sf_fc = np.concatenate(fc_l)
    sf_s = sum(sec_l)
    tr, ac = train[idx], actual[idx]
    label = (
        "all series" if idx.size == args.series else f"a seeded random sample of {idx.size:,} of {args.series:,} series"
    )
    print(f"compared on {label}; statsforecast's chunks ran at load averages "
          f"{min(min(v) for v in loads):.1f} to {max(max(v) for v in loads):.1f}")  # fmt: skip
    load0 = os.getloadavg()[0]
    ours_s, ours_fc = ours_run(tr, h, args.origins, args.jobs)
    print(f"ours on the same series, {args.jobs} process(es): {ours_s:.2f} s at load average {load0:.1f} → "
          f"{os.getloadavg()[0]:.1f}")  # fmt: skip
    m_ours = holdout_mase(tr, ac, ours_fc)
    m_sf = holdout_mase(tr, ac, sf_fc)
    print(f"time: ours {ours_s:.2f} s, statsforecast {sf_s:.1f} s ({args.jobs} process(es) each), "
          f"ratio ours/statsforecast {ours_s / sf_s:.4f} (goal <= 1.5)")  # fmt: skip
    print(summary("ours", m_ours))
    print(summary("statsforecast mean of AutoETS, AutoTheta, AutoARIMA", m_sf))
    lo, hi = bootstrap_ratio(m_ours, m_sf, np.mean, args.reps, args.seed + 2)
    lo_m, hi_m = bootstrap_ratio(m_ours, m_sf, np.median, args.reps, args.seed + 3)
    print(f"MASE ratio ours/statsforecast (goal <= 1): mean {np.mean(m_ours) / np.mean(m_sf):.3f} "
          f"(bootstrap 95% interval {lo:.3f}-{hi:.3f}), median {np.median(m_ours) / np.median(m_sf):.3f} "
          f"({lo_m:.3f}-{hi_m:.3f}); ours better on {np.mean(m_ours < m_sf):.1%} of the series")  # fmt: skip
    print(f"per series: statsforecast {sf_s / idx.size * 1000:.1f} ms, ours {ours_s / idx.size * 1000:.2f} ms")


if __name__ == "__main__":
    main()
