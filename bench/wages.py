"""Benchmark: a province-scale wage-price edition (工资价位) from 5 million employee records.

A synthetic Jiangsu salary survey (``gongjiang.synth.wage_survey``, seeded) of about 5 million employee
records in about 50,000 responding enterprises, pay annualised once before the timings. Then, over the
same rows and the same cell keys (occupation × level and occupation × all levels, minor group × level
and × all levels, industry section × level group, all industries × level group; each for the province,
its cities and its districts):

* **baseline**: a plain Polars unweighted group-by per cell kind and region level (the enterprises'
  region and industry joined in), P10, P25, P50, P75, P90 and the mean;
* **point estimates**: ``estimate_edition(..., replicates=0)``: design weights, non-response adjustment,
  calibration, weighted quantiles from one CDF per cell and weighted means (goal: within 2× of the
  baseline);
* **full estimation** (``--estimate-only``): the full edition's estimation without its protection;
* **full edition**: ``estimate_edition(..., replicates=R)`` (standard errors and 95% intervals for every
  figure, the level premium table) and ``disclosure.protect`` (primary rules, complementary suppression
  with the linear-programming audit until nothing can be recovered) (goal: ≤ 30 s on 2 cores).

Printed: the survey's size, each timing (wall clock, and the CPU seconds of the process and of its
worker processes beside it: on a shared machine the CPU seconds move less with the load), the ratio to
the baseline, the cells and suppressions, peak memory, the load average at the start and at the end,
then one RESULT line of JSON.

Usage: python bench/wages.py [--enterprises 50000] [--employees 5000000] [--replicates 100] [--seed 1]
       [--workers N] [--points-only | --estimate-only]

`make bench-wages` passes `--workers 2`: the goal is the full edition on 2 cores.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from gongjiang.synth import wage_survey  # noqa: E402
from gongjiang.wages import disclosure, estimation  # noqa: E402


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of its finished worker processes."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def baseline(employees: pl.DataFrame, sample: pl.DataFrame, region_code: str) -> int:
    """Unweighted quantiles and means by the same cell keys, one Polars group-by per kind and region level."""
    rows = employees.join(
        sample.filter(pl.col("responded")).select("enterprise_id", "region_code", "industry_section"),
        on="enterprise_id",
    ).with_columns(
        city=pl.col("region_code").str.slice(0, 4) + "00",
        edition=pl.lit(region_code),
        minor_group=pl.col("occupation_code").str.slice(0, 7),
        level_group=pl.col("skill_level").replace_strict(estimation.LEVEL_GROUP, default=None),
        has_level=pl.col("skill_level").is_in(list(estimation.LEVELS)),
    )
    aggs = [
        pl.col("annual_pay").quantile(p, "lower").alias(n)
        for p, n in zip(estimation.QUANTILES, estimation.Q_NAMES, strict=True)
    ]
    aggs.append(pl.col("annual_pay").mean().alias("mean"))
    cells = 0
    for region in ("edition", "city", "region_code"):
        for keys, only_levels in (
            (["occupation_code", "skill_level"], True),
            (["occupation_code"], False),
            (["minor_group", "skill_level"], True),
            (["minor_group"], False),
            (["industry_section", "level_group"], True),
            (["level_group"], True),
        ):
            src = rows.filter(pl.col("has_level")) if only_levels else rows
            cells += src.group_by([region, *keys]).agg(aggs).height
    return cells


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--enterprises", type=int, default=50_000)
    parser.add_argument("--employees", type=int, default=5_000_000)
    parser.add_argument("--replicates", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers",
        type=int,
        default=estimation.ESTIMATION_WORKERS,
        help="processes computing the cell tables and protecting the tables",
    )
    parser.add_argument("--points-only", action="store_true", help="skip the full edition")
    parser.add_argument(
        "--estimate-only", action="store_true", help="the full edition's estimation without its protection"
    )
    args = parser.parse_args()
    say = functools.partial(print, flush=True)
    say(f"threads: polars {pl.thread_pool_size()}, cores {os.cpu_count()}, load {os.getloadavg()[0]:.2f}")
    t = time.perf_counter()
    survey = wage_survey.generate(enterprises=args.enterprises, employees=args.employees, seed=args.seed)
    gen_s = time.perf_counter() - t
    employees = estimation.annualise(survey.employees)
    responding = int(survey.sample["responded"].sum())
    say(
        f"survey: {employees.height:,} employee records in {responding:,} responding of "
        f"{survey.sample.height:,} sampled enterprises; frame {survey.frame.height:,} strata, "
        f"{int(survey.frame['population_enterprises'].sum()):,} enterprises ({gen_s:.1f} s to generate)"
    )
    region = "320000"
    t, c = time.perf_counter(), cpu_seconds()
    base_cells = baseline(employees, survey.sample, region)
    base_s, base_cpu = time.perf_counter() - t, cpu_seconds() - c
    say(
        f"baseline (Polars unweighted group-by, same rows and keys): {base_s:.2f} s ({base_cpu:.2f} s CPU), "
        f"{base_cells:,} cells"
    )
    t, c = time.perf_counter(), cpu_seconds()
    points = estimation.estimate_edition(
        employees, survey.sample, survey.frame, region_code=region, replicates=0, workers=args.workers
    )
    point_s, point_cpu = time.perf_counter() - t, cpu_seconds() - c
    n_point = points.cells.filter(pl.col("cell_kind") != "digital_level").height
    say(
        f"point estimates (weighted, calibrated): {point_s:.2f} s ({point_cpu:.2f} s CPU), {n_point:,} cells "
        f"(+ digital copies); ratio to baseline {point_s / base_s:.2f}× (goal ≤ 2×)"
    )
    if args.points_only:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        say(f"peak memory {peak:,.0f} MiB")
        result = {"bench": "wages", "records": employees.height, "responding_enterprises": responding}
        result |= {"baseline_s": round(base_s, 2), "point_s": round(point_s, 2), "ratio": round(point_s / base_s, 2)}
        say("RESULT " + json.dumps(result | {"peak_mib": round(peak)}))
        return
    t, c = time.perf_counter(), cpu_seconds()
    full = estimation.estimate_edition(
        employees,
        survey.sample,
        survey.frame,
        region_code=region,
        replicates=args.replicates,
        seed=args.seed,
        workers=args.workers,
    )
    est_s, est_cpu = time.perf_counter() - t, cpu_seconds() - c
    if args.estimate_only:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        say(
            f"full estimation with {args.replicates} replicates, {args.workers} workers: {est_s:.2f} s "
            f"({est_cpu:.2f} s CPU), {full.cells.height:,} cells, premium rows {full.premium.height:,}; "
            f"{est_s / point_s:.2f}× the point estimates, {est_s / base_s:.2f}× the baseline; "
            f"peak memory {peak:,.0f} MiB; load at the end {os.getloadavg()[0]:.2f}"
        )
        result = {"bench": "wages", "records": employees.height, "responding_enterprises": responding}
        result |= {"baseline_s": round(base_s, 2), "point_s": round(point_s, 2), "ratio": round(point_s / base_s, 2)}
        result |= {"full_estimate_s": round(est_s, 2), "full_estimate_cpu_s": round(est_cpu, 2)}
        result |= {"replicates": args.replicates, "workers": args.workers, "peak_mib": round(peak)}
        result |= {"load_end": round(os.getloadavg()[0], 2)}
        say("RESULT " + json.dumps(result))
        return
    say(
        f"full estimation with {args.replicates} replicates, {args.workers} workers: {est_s:.2f} s "
        f"({est_cpu:.2f} s CPU), {full.cells.height:,} cells; load {os.getloadavg()[0]:.2f}; protecting…"
    )
    t, c = time.perf_counter(), cpu_seconds()
    protected = disclosure.protect(full.cells, workers=args.workers)
    prot_s, prot_cpu = time.perf_counter() - t, cpu_seconds() - c
    status = protected.group_by("status").len().sort("status")
    counts = dict(zip(status["status"].to_list(), status["len"].to_list(), strict=True))
    say(
        f"full edition: estimates with {args.replicates} replicates, {args.workers} workers {est_s:.2f} s "
        f"({est_cpu:.2f} s CPU); protection {prot_s:.2f} s ({prot_cpu:.2f} s CPU)"
    )
    say(f"  cells {protected.height:,}: {counts}; premium rows {full.premium.height:,}")
    say(f"  total {est_s + prot_s:.2f} s (goal ≤ 30 s)")
    t = time.perf_counter()
    recovered = disclosure.attack(protected, workers=args.workers)
    audit_s = time.perf_counter() - t
    say(f"audit of the protected edition: {len(recovered)} recoveries in {audit_s:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say(f"peak memory {peak:,.0f} MiB; load at the end {os.getloadavg()[0]:.2f}")
    say(
        "RESULT "
        + json.dumps(
            {
                "bench": "wages",
                "records": employees.height,
                "responding_enterprises": responding,
                "baseline_s": round(base_s, 2),
                "point_s": round(point_s, 2),
                "ratio": round(point_s / base_s, 2),
                "full_estimate_s": round(est_s, 2),
                "full_estimate_cpu_s": round(est_cpu, 2),
                "protect_s": round(prot_s, 2),
                "protect_cpu_s": round(prot_cpu, 2),
                "full_s": round(est_s + prot_s, 2),
                "cells": protected.height,
                "status": counts,
                "recoveries": len(recovered),
                "replicates": args.replicates,
                "workers": args.workers,
                "peak_mib": round(peak),
                "load_end": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
