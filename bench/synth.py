"""Benchmark: synthesize Suzhou (`gongjiang synth --region 320500 --scale 1`) on SQLite and PostgreSQL.

Prints wall time, rows per second and peak memory, and beside them a baseline measured in the same
run: the per-row service path (person_create + certificate_issue, as a page or API call would write)
on a sample, expressed in rows per second. The ratio is vectorised rows/s over per-row rows/s.

Usage: python bench/synth.py [--scale 1] [--db sqlite,postgres] [--baseline-persons 2000]
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
PG_URL = os.environ.get("GONGJIANG_BENCH_PG", "postgres://postgres@127.0.0.1:5432/gongjiang_bench")

BASELINE = r"""
import datetime, json, os, sys, time
import django
django.setup()
from gongjiang.core.audit import audit_context
from gongjiang.credentials.services import certificate_issue
from gongjiang.registry.services import person_create
from gongjiang.synth.ids import make_certificate_number, make_id_number
n = int(sys.argv[1])
start = time.perf_counter()
with audit_context(source="cli"):
    for i in range(n):
        birth = datetime.date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        p = person_create(actor=None, name="基准人员", id_number=make_id_number("320582", birth, i % 1000),
                          residence_region_code="320582", phone="13800000000")
        certificate_issue(actor=None, number=make_certificate_number(evaluator="S", station=999000 + i // 100000, year=2024,
                          national_level=3, serial=i % 100000), person=p, occupation_code="6-31-01-03",
                          level_code="level3", issue_date=datetime.date(2024, 5, 1), source="third_party")
elapsed = time.perf_counter() - start
print(json.dumps({"rows": 2 * n, "seconds": elapsed}))
"""


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, out.stdout


def prepare(env: dict[str, str]) -> None:
    run([PY, "-m", "gongjiang", "migrate", "-v0"], env)
    run([PY, "-m", "gongjiang", "load_reference"], env)


def bench(db: str, scale: float, baseline_n: int) -> dict[str, float | str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="gongjiang.settings")
    tmp = tempfile.mkdtemp(prefix=f"gj-bench-{db}-")
    env["GONGJIANG_VAR_DIR"] = tmp
    if db == "postgres":
        env["DATABASE_URL"] = PG_URL
        run([PY, "scripts/pgdb.py", "create", PG_URL], env)
    else:
        env.pop("DATABASE_URL", None)
    prepare(env)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    synth = [PY, "-m", "gongjiang", "synth", "--region", "320500", "--scale", str(scale), "--seed", "1"]
    seconds, out = run(synth, env)
    peak_kib = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    counts = {}
    for part in out.strip().splitlines()[-1].split(": ", 1)[1].split(", "):
        key, value = part.rsplit(" ", 1)
        counts[key] = int(value)
    rows = sum(counts.values())

    # Baseline in the same run, on a fresh database of the same kind.
    base_env = dict(env)
    base_env["GONGJIANG_VAR_DIR"] = tempfile.mkdtemp(prefix=f"gj-bench-base-{db}-")
    if db == "postgres":
        base_env["DATABASE_URL"] = PG_URL + "_base"
        run([PY, "scripts/pgdb.py", "create", base_env["DATABASE_URL"]], base_env)
    prepare(base_env)
    _, base_out = run([PY, "-c", BASELINE, str(baseline_n)], base_env)
    base = json.loads(base_out.strip().splitlines()[-1])
    if db == "postgres":
        run([PY, "scripts/pgdb.py", "drop", base_env["DATABASE_URL"]], base_env)
        run([PY, "scripts/pgdb.py", "drop", PG_URL], env)
    for folder in (tmp, base_env["GONGJIANG_VAR_DIR"]):  # the databases (2 GB on SQLite) are not kept
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "db": db,
        "scale": scale,
        "persons": counts.get("persons", 0),
        "certificates": counts.get("certificates", 0),
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "baseline_rows_per_s": base["rows"] / base["seconds"],
        "ratio": (rows / seconds) / (base["rows"] / base["seconds"]),
        "peak_rss_mib": peak_kib / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--baseline-persons", type=int, default=2000)
    args = parser.parse_args()
    print(
        f"{'db':<9} {'persons':>9} {'certs':>9} {'rows':>9} {'seconds':>8} {'rows/s':>9} "
        f"{'per-row/s':>9} {'ratio':>7} {'peak MiB':>9}"
    )
    for db in args.db.split(","):
        r = bench(db, args.scale, args.baseline_persons)
        print(
            f"{r['db']:<9} {r['persons']:>9} {r['certificates']:>9} {r['rows']:>9} {r['seconds']:>8.1f} "
            f"{r['rows_per_s']:>9.0f} {r['baseline_rows_per_s']:>9.0f} {r['ratio']:>6.1f}x {r['peak_rss_mib']:>9.0f}"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
