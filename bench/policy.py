"""Benchmark: synthetic events through the shipped policy sets, with traces.

For each size (default 1 million and 10 million) a child process, under
``flock /tmp/gongjiang-bench.lock`` so that only one heavy benchmark runs at a time:

1. generates the events (40% 张家港, 30% other Suzhou districts, 15% Changzhou, 15% the rest of
   Jiangsu; mostly training subsidies, some awards; several events per person so that the stateful
   limits bite) in the engine's fast dtypes; generation is not counted;
2. evaluates them with the vectorised engine against the four shipped sets, each on its own regions,
   keeping the compact trace (eight atom ids per event): **the headline figure**, events per second;
3. renders every trace to its sentence and clause list (lazy in normal use; measured separately);
4. measures, in the same run, (a) the per-row Python evaluator of the same rules on a sample drawn
   from the same population, checks that it gives the same results, and extrapolates its rate; and
   (b) openfisca-core, installed into a throwaway virtual environment (/tmp/gj-openfisca), on the rule
   it can express: the stateless Suzhou training-certificate subsidy (standard by level and tier, city
   adjustment, digital-shortage uplift) for the same number of events, compared with the engine on
   the same events, amounts checked equal.

Peak memory is the child's maximum resident set, input generation included. The machine is the
project's 2-core box, shared with other work while the benchmark runs.

Usage: python bench/policy.py [--sizes 1000000,10000000] [--baseline-sample 20000] [--no-openfisca]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
LOCK = "/tmp/gongjiang-bench.lock"
OPENFISCA_VENV = Path(os.environ.get("GONGJIANG_OPENFISCA_VENV", "/tmp/gj-openfisca"))


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjiang.settings")
    import django

    django.setup()


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(n: int, baseline_sample: int, openfisca: bool) -> dict[str, object]:
    _setup()
    import datetime

    import numpy as np
    import polars as pl

    from gongjiang.policy.compiled import REASON_CODES, compile_set
    from gongjiang.policy.engine import evaluate_compiled
    from gongjiang.policy.normalise import normalise_events
    from gongjiang.policy.parsing import read_documents, read_set
    from gongjiang.policy.reference import RowEvaluator, rows_from_frame
    from gongjiang.policy.results import render_results
    from gongjiang.policy.synthetic import SET_REGIONS, shipped_population, synthetic_events

    out: dict[str, object] = {
        "events": n,
        "threads": pl.thread_pool_size(),
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg()[0],
    }
    docs = read_documents()
    sets = {name: compile_set(read_set(name, documents=docs), docs, version=1) for name in SET_REGIONS}
    t = time.perf_counter()
    population = shipped_population(n)
    out["generate_seconds"] = time.perf_counter() - t
    out["input_mib"] = sum(df.estimated_size() for df in population.values()) / 2**20
    out["rss_after_generation_mib"] = _rss_mib()
    for name, df in population.items():  # warm-up on a small slice
        evaluate_compiled(df.head(2000), sets[name])

    t = time.perf_counter()
    results = {name: evaluate_compiled(df, sets[name], render=False) for name, df in population.items()}
    out["evaluate_seconds"] = time.perf_counter() - t
    out["load_after"] = os.getloadavg()[0]
    out["per_set_events"] = {name: df.height for name, df in population.items()}
    out["eligible"] = int(sum(r["eligible"].sum() for r in results.values()))
    out["amount_fen"] = int(sum(r["amount_fen"].sum() for r in results.values()))
    reasons: dict[str, int] = {}
    for r in results.values():
        for reason, count in r["reason"].cast(pl.String).value_counts().iter_rows():
            reasons[reason] = reasons.get(reason, 0) + count
    out["reasons"] = dict(sorted(reasons.items(), key=lambda kv: -kv[1]))
    out["peak_rss_after_evaluate_mib"] = _rss_mib()
    # Rendering every sentence, a million events at a time (as an export would stream them).
    t = time.perf_counter()
    example = ""
    for name, r in results.items():
        for start in range(0, r.height, 1_000_000):
            part = render_results(r.slice(start, 1_000_000), sets[name])
            if not example and name == "zhangjiagang":
                cut = part.filter(pl.col("trace_text").str.contains("个人上限"))
                example = cut["trace_text"][0] if cut.height else ""
            del part
    out["render_seconds"] = time.perf_counter() - t
    out["example_trace"] = example
    out["peak_rss_mib"] = _rss_mib()

    # (a) the same rules one event at a time, on a sample of the same population
    if baseline_sample:
        per_set = {name: int(baseline_sample * df.height / n) for name, df in population.items()}
        seconds = 0.0
        checked = 0
        mismatches = 0
        for name, df in population.items():
            # Whole persons, so that the stateful limits see each person's events together.
            pmin, pmax = int(df["person_id"].min()), int(df["person_id"].max())
            k = max(1, (pmax - pmin + 1) * per_set[name] // df.height)
            sample = df.filter(pl.col("person_id") < pmin + k)
            frame, nh = normalise_events(sample, None)
            _, rows = rows_from_frame(frame, nh)
            t = time.perf_counter()
            ref = RowEvaluator(sets[name]).run(rows)
            seconds += time.perf_counter() - t
            vec = evaluate_compiled(sample, sets[name], render=False)
            amounts = vec["amount_fen"].to_list()
            reasons_v = vec["reason"].cast(pl.String).to_list()
            for i, r in enumerate(ref):
                checked += 1
                if (r["amount"] if r["eligible"] else 0) != amounts[i] or REASON_CODES[r["reason"]] != reasons_v[i]:
                    mismatches += 1
        out["baseline_events"] = checked
        out["baseline_seconds"] = seconds
        out["baseline_rate"] = checked / seconds if seconds else None
        out["baseline_mismatches"] = mismatches

    # (b) openfisca-core on the training-certificate subsidy
    if openfisca:
        out["openfisca"] = _openfisca(n, sets["suzhou"], np, pl, datetime, synthetic_events, evaluate_compiled)
    return out


def _openfisca(n, cs, np, pl, datetime, synthetic_events, evaluate_compiled):  # type: ignore[no-untyped-def]
    """Install openfisca-core into a throwaway venv (the project lock is untouched) and run it."""
    python = OPENFISCA_VENV / "bin" / "python"
    info: dict[str, object] = {}
    if (
        not python.exists()
        or subprocess.run([str(python), "-c", "import openfisca_core"], capture_output=True).returncode
    ):
        base = shutil.which("python3.11") or sys.executable
        try:
            subprocess.run([base, "-m", "venv", str(OPENFISCA_VENV)], check=True, capture_output=True, timeout=300)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "openfisca-core"],
                check=True,
                capture_output=True,
                text=True,
                timeout=900,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            return {"installed": False, "why": f"openfisca-core did not install: {str(detail).strip()[-500:]}"}
    version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('openfisca-core'))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    info["installed"] = True
    info["version"] = version
    # Training certificates in Suzhou in 2024 (digital shortage +30% then), one per person, enough class
    # hours: the stateless part of the rules, which OpenFisca's per-entity, per-period model expresses.
    events = synthetic_events(
        n,
        seed=11,
        regions=["320505", "320506", "320507"],
        persons=n,
        start=datetime.date(2024, 1, 1),
        end=datetime.date(2024, 12, 31),
        mix={"training_certificate": 1.0},
    ).with_columns(
        person_id=pl.int_range(pl.len(), dtype=pl.Int64),
        class_hours=pl.lit(64, dtype=pl.Int64),
        tier=pl.col("tier").fill_null("B"),
    )
    t = time.perf_counter()
    ours = evaluate_compiled(events, cs, render=False)
    info["engine_seconds_same_events"] = time.perf_counter() - t
    table = cs.tables["training_standard"][0]
    standard = {lv: {} for lv in ("level5", "level4", "level3", "level2", "level1")}
    for r, row in enumerate(table.spec.rows):
        level = next(iter(row.conditions["level"].values))
        tier = next(iter(row.conditions["tier"].values))
        standard[level][tier] = int(table.row_out["amount"][r]) // 100
    adj = cs.params["standard_adjustment"][0]
    rules = {
        "year": 2024,
        "standard_from": "2023-01-01",
        "standard": standard,
        "adjustment_from": adj.spec.start.isoformat(),
        "adjustment": float(adj.value) / 10000,
        "uplift_from": "2023-01-01",
        "uplift": 0.3,
    }
    level_rank = events["level"].to_physical().to_numpy().astype(np.int64)  # 1 初级工 … 5 高级技师
    tier = events["tier"].to_physical().to_numpy().astype(np.int64)
    with tempfile.TemporaryDirectory(prefix="gj-openfisca-run-") as work:
        Path(work, "rules.json").write_text(json.dumps(rules))
        np.savez(
            Path(work, "events.npz"),
            level=level_rank - 1,
            tier=tier,
            shortage=events["shortage"].to_numpy(),
            digital=events["digital"].to_numpy(),
        )
        run = subprocess.run(
            [str(python), str(ROOT / "bench" / "policy_openfisca.py"), work], capture_output=True, text=True
        )
        if run.returncode:
            return {**info, "ran": False, "why": run.stderr.strip()[-800:]}
        info.update(json.loads(Path(work, "openfisca.json").read_text()))
        theirs = np.load(Path(work, "openfisca_fen.npy"))
    info["amounts_equal"] = bool((theirs == ours["amount_fen"].to_numpy()).all())
    info["ran"] = True
    return info


def _fmt(x: float) -> str:
    return f"{x:,.0f}"


def report(r: dict[str, object]) -> list[str]:
    n = int(r["events"])  # type: ignore[arg-type]
    ev = float(r["evaluate_seconds"])  # type: ignore[arg-type]
    lines = [
        f"== {n:,} events (cpus {r['cpus']}, polars threads {r['threads']}; 1-minute load average "
        f"{float(r['load_before']):.1f} before, {float(r['load_after']):.1f} after the evaluation) ==",
        f"generated in {float(r['generate_seconds']):.1f} s (not counted); "
        f"input frame {float(r['input_mib']):,.0f} MiB",
        f"engine, compact traces: {ev:.2f} s = {_fmt(n / ev)} events/s = {ev / n * 1e6:.2f} s per million",
        f"rendering every trace to a sentence and clause list: {float(r['render_seconds']):.2f} s "
        f"({_fmt(n / float(r['render_seconds']))} events/s)",  # type: ignore[arg-type]
        f"peak memory after evaluation (whole process, generated input included): "
        f"{float(r['peak_rss_after_evaluate_mib']):,.0f} MiB (input alone {float(r['rss_after_generation_mib']):,.0f} "
        f"MiB); after rendering and the baselines {float(r['peak_rss_mib']):,.0f} MiB",
        f"eligible {r['eligible']:,} events, {int(r['amount_fen']) / 100:,.2f} yuan",  # type: ignore[arg-type]
        f"example trace: {r['example_trace']}",
    ]
    if r.get("baseline_rate"):
        rate = float(r["baseline_rate"])  # type: ignore[arg-type]
        lines.append(
            f"baseline (a) per-row Python, same rules: {_fmt(rate)} events/s on a sample of {r['baseline_events']:,} "
            f"({r['baseline_mismatches']} differences from the engine); {n / rate:,.0f} s extrapolated; "
            f"engine is {n / ev / rate:,.0f}× faster"
        )
    of = r.get("openfisca")
    if isinstance(of, dict):
        if not of.get("installed"):
            lines.append(f"baseline (b) openfisca-core: not measured: {of.get('why')}")
        elif not of.get("ran"):
            lines.append(f"baseline (b) openfisca-core {of.get('version')}: did not run: {of.get('why')}")
        else:
            ours = float(of["engine_seconds_same_events"])
            theirs = float(of["seconds"])
            lines.append(
                f"baseline (b) openfisca-core {of['version']}, stateless training subsidy only: {theirs:.2f} s "
                f"({_fmt(n / theirs)} events/s, peak {float(of['peak_rss_mib']):,.0f} MiB, amounts equal: "
                f"{of['amounts_equal']}); engine on the same events with all its rules and traces: {ours:.2f} s "
                f"({_fmt(n / ours)} events/s), ratio {theirs / ours:.2f}"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--baseline-sample", type=int, default=20000)
    parser.add_argument("--no-openfisca", action="store_true")
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.baseline_sample, not args.no_openfisca)))
        return
    for size in (int(s) for s in args.sizes.split(",")):
        cmd = [PY, __file__, "--child", str(size), "--baseline-sample", str(args.baseline_sample)]
        if args.no_openfisca:
            cmd.append("--no-openfisca")
        if size >= 1_000_000 and shutil.which("flock"):
            cmd = ["flock", LOCK, *cmd]  # millions of rows: one heavy benchmark at a time
        print(f"running {size:,} events…", flush=True)
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode:
            print(proc.stderr[-3000:])
            raise SystemExit(f"benchmark child for {size} failed")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        for line in report(result):
            print(line, flush=True)
        print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
