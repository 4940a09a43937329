"""Benchmark: disclosure control of one wage-price edition, the case the performance notes profile.

``generate(enterprises=1000, employees=60000, seed=2)``, edition 320000 (province, cities, districts),
100 replicates (so the precision rule sees standard errors); the cells are cached in a Parquet file so
that repeated runs time ``disclosure.protect`` alone. Printed: the time of ``protect``, the number and
time of the linear programs it solved, the suppressions, and the time and result of a final ``attack``
(the exact audit, which must find nothing), each with its CPU seconds (steadier than wall-clock seconds on
a shared machine), then one RESULT line of JSON.

Usage: python bench/wages_protect.py [--cells /tmp/wages_cells.parquet] [--no-attack]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from gongjiang.synth import wage_survey  # noqa: E402
from gongjiang.wages import disclosure, estimation  # noqa: E402


def cells_of(path: Path, enterprises: int = 1000, employees: int = 60_000, seed: int = 2) -> pl.DataFrame:
    if path.exists():
        return pl.read_parquet(path)
    survey = wage_survey.generate(enterprises=enterprises, employees=employees, seed=seed)
    records = estimation.annualise(survey.employees)
    cells = estimation.estimate_edition(
        records, survey.sample, survey.frame, region_code="320000", replicates=100, seed=seed
    ).cells
    cells.write_parquet(path)
    return cells


def cpu_seconds() -> float:
    """CPU seconds of this process and of its ended children (the forked workers)."""
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + child.ru_utime + child.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=Path, default=Path("/tmp/wages_protect_cells.parquet"))
    parser.add_argument("--no-attack", action="store_true")
    parser.add_argument("--enterprises", type=int, default=1000, help="survey size when the cells are not cached")
    parser.add_argument("--employees", type=int, default=60_000)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None, help="processes (default: the cores)")
    parser.add_argument(
        "--compare", action="store_true", help="also protect in one process and check the result is the same"
    )
    args = parser.parse_args()
    cells = cells_of(args.cells, args.enterprises, args.employees, args.seed)
    load = os.getloadavg()[0]
    t = time.perf_counter()
    cpu = cpu_seconds()
    workers = args.workers or disclosure.default_workers()
    protected = disclosure.protect(cells, workers=workers)
    prot_s = time.perf_counter() - t
    prot_cpu = cpu_seconds() - cpu
    prot_lp = {"n": disclosure.SOLVER_STATS["programs"], "s": disclosure.SOLVER_STATS["seconds"]}
    counts = dict(protected.group_by("status").len().sort("status").iter_rows())
    print(f"load {load:.2f}; cells {cells.height:,}: {counts}", flush=True)
    print(
        f"protect in {workers} process(es): {prot_s:.2f} s ({prot_cpu:.2f} s of CPU), "
        f"{prot_lp['n']} linear programs taking {prot_lp['s']:.2f} s (summed over the processes)",
        flush=True,
    )
    result: dict[str, Any] = {"bench": "wages_protect", "cells": cells.height, "status": counts, "workers": workers}
    result |= {"protect_s": round(prot_s, 2), "protect_cpu_s": round(prot_cpu, 2)}
    result |= {"lps": prot_lp["n"], "lp_s": round(prot_lp["s"], 2)}
    if args.compare:
        t = time.perf_counter()
        cpu = cpu_seconds()
        single = disclosure.protect(cells, workers=1)
        one_s, one_cpu = time.perf_counter() - t, cpu_seconds() - cpu
        same = single.equals(protected)
        print(f"protect in 1 process: {one_s:.2f} s ({one_cpu:.2f} s of CPU); same result: {same}", flush=True)
        result |= {"one_process_s": round(one_s, 2), "one_process_cpu_s": round(one_cpu, 2), "same": same}
    if not args.no_attack:
        t = time.perf_counter()
        cpu = cpu_seconds()
        found = disclosure.attack(protected, workers=workers)
        att_s = time.perf_counter() - t
        att_cpu = cpu_seconds() - cpu
        print(f"attack of the protected edition: {len(found)} recoveries in {att_s:.2f} s ({att_cpu:.2f} s of CPU)")
        result |= {"attack_s": round(att_s, 2), "attack_cpu_s": round(att_cpu, 2), "recoveries": len(found)}
    print("RESULT " + json.dumps(result | {"load": round(load, 2)}), flush=True)


if __name__ == "__main__":
    main()
