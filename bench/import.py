"""Benchmark: bulk import of 1,000,000 persons and 1,500,000 certificates from CSV, on SQLite and PostgreSQL.

For each database, measured in the same run:

* **import**: ``gongjiang.imports.processing.import_file`` in import mode (the path of ``gongjiang import``
  and of the background job): read, validate every row (formats, check digits, reference codes,
  duplicates in the file and against the registry, references), plan, write (COPY on PostgreSQL) with
  its change records;
* **raw load** (baseline a): the same rows put into the same tables with no validation at all: read
  the CSV, compute only what storing needs (encryption and blind index of ID numbers and phones,
  birth date and sex cut from the ID, foreign keys by join), then ``copy_frame``, encrypting chunk
  by chunk as the rows are sent, as the import does;
* **django-import-export** (baseline b): a ``ModelResource`` per model doing the same preparation per
  row, importing a 50,000-row sample of each file into a fresh database, configured for speed
  (``use_bulk``, ``batch_size=2000``, ``skip_diff``, ``skip_unchanged``).

Printed: rows/s, seconds, peak resident memory (of the process doing the work), and the ratios
import / raw load (time) and import / django-import-export (rows/s). The input files are generated
by this script with the vectorised generators of ``gongjiang.synth`` (valid identifiers throughout).

Usage: python bench/import.py [--persons 1000000] [--certificates 1500000] [--db sqlite,postgres]
       [--sample 50000] [--workdir DIR]
Heavy runs go under ``flock /tmp/gongjiang-bench.lock`` (``make bench-import`` does this).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PG_BASE = os.environ.get("GONGJIANG_BENCH_PG", "postgres://postgres@127.0.0.1:5432/gongjiang_bench_import")

# ------------------------------------------------------------------------------------------------
# Work done in child processes (each prints one JSON line: its figures and its own peak memory)
# ------------------------------------------------------------------------------------------------

CHILD = r"""
import json, os, resource, sys, time
import django
django.setup()
from gongjiang.core.audit import audit_context

def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

task, args = sys.argv[1], json.loads(sys.argv[2])
out = {}
with audit_context(source="cli"):
    if task == "generate":
        from bench_import_files import generate
        out = generate(**args)
    elif task == "import":
        from gongjiang.imports.processing import import_file
        data = open(args["file"], "rb").read()
        start = time.perf_counter()
        result = import_file(kind=args["kind"], data=data, filename=os.path.basename(args["file"]), actor=None, mode="import")
        out = {"seconds": time.perf_counter() - start, "rows": result.total_rows, "created": result.created,
               "errors": result.errors.height, "file_errors": result.file_errors, "status": str(result.status)}
    elif task == "raw":
        from bench_import_files import raw_load
        start = time.perf_counter()
        rows = raw_load(args["kind"], args["file"])
        out = {"seconds": time.perf_counter() - start, "rows": rows}
    elif task == "die":
        from bench_import_files import die_load
        start = time.perf_counter()
        rows = die_load(args["kind"], args["file"])
        out = {"seconds": time.perf_counter() - start, "rows": rows}
out["peak_mib"] = peak_mib()
print(json.dumps(out))
"""


def child(task: str, args: dict, env: dict[str, str]) -> dict:
    proc = subprocess.run(
        [PY, "-c", CHILD, task, json.dumps(args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"{task} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fresh(db: str, name: str, workdir: Path) -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="gongjiang.settings", PYTHONPATH=str(ROOT / "bench"))
    env["GONGJIANG_VAR_DIR"] = str(workdir / f"var-{db}-{name}")
    env["GONGJIANG_LOG_LEVEL"] = "WARNING"
    Path(env["GONGJIANG_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    if db == "postgres":
        env["DATABASE_URL"] = f"{PG_BASE}_{name}"
        subprocess.run([PY, "scripts/pgdb.py", "create", env["DATABASE_URL"]], env=env, cwd=ROOT, check=True)
    else:
        env.pop("DATABASE_URL", None)
        db_file = Path(env["GONGJIANG_VAR_DIR"]) / "gongjiang.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
    for cmd in (["migrate", "-v0"], ["load_reference"]):
        subprocess.run([PY, "-m", "gongjiang", *cmd], env=env, cwd=ROOT, check=True, capture_output=True)
    return env


def drop(db: str, env: dict[str, str]) -> None:
    if db == "postgres":
        subprocess.run([PY, "scripts/pgdb.py", "drop", env["DATABASE_URL"]], env=env, cwd=ROOT, check=True)


def bench(db: str, files: dict[str, str], samples: dict[str, str], workdir: Path) -> list[dict]:
    results = []
    env = fresh(db, "import", workdir)
    imports = {kind: child("import", {"kind": kind, "file": files[kind]}, env) for kind in ("persons", "certificates")}
    drop(db, env)
    for kind, r in imports.items():
        if r["status"] != "imported" or r["errors"]:
            raise SystemExit(f"{db} {kind}: the benchmark file was not imported cleanly: {r}")
    env = fresh(db, "raw", workdir)
    raw = {kind: child("raw", {"kind": kind, "file": files[kind]}, env) for kind in ("persons", "certificates")}
    drop(db, env)
    env = fresh(db, "die", workdir)
    die = {kind: child("die", {"kind": kind, "file": samples[kind]}, env) for kind in ("persons", "certificates")}
    drop(db, env)
    for kind in ("persons", "certificates"):
        imp, base, other = imports[kind], raw[kind], die[kind]
        results.append(
            {
                "db": db,
                "kind": kind,
                "rows": imp["rows"],
                "seconds": imp["seconds"],
                "rows_per_s": imp["rows"] / imp["seconds"],
                "peak_mib": imp["peak_mib"],
                "raw_rows_per_s": base["rows"] / base["seconds"],
                "raw_seconds": base["seconds"],
                "vs_raw": imp["seconds"] / base["seconds"] * (base["rows"] / imp["rows"]),
                "die_rows": other["rows"],
                "die_rows_per_s": other["rows"] / other["seconds"],
                "vs_die": (imp["rows"] / imp["seconds"]) / (other["rows"] / other["seconds"]),
            }
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--certificates", type=int, default=1_500_000)
    parser.add_argument("--sample", type=int, default=50_000)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--workdir", default="")
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="gj-bench-import-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        return _run(args, workdir)
    finally:
        if not args.workdir:  # generated files and databases are not kept unless a work directory was given
            shutil.rmtree(workdir, ignore_errors=True)


def _run(args: argparse.Namespace, workdir: Path) -> int:
    env = fresh("sqlite", "generate", workdir)  # reference data for the generator (occupation codes)
    started = time.perf_counter()
    files = child(
        "generate",
        {"directory": str(workdir), "persons": args.persons, "certificates": args.certificates, "sample": args.sample},
        env,
    )
    print(
        f"files generated in {time.perf_counter() - started:.0f} s in {workdir}: "
        f"{args.persons} persons, {args.certificates} certificates, samples of {args.sample}"
    )
    header = (
        f"{'db':<9} {'kind':<13} {'rows':>9} {'seconds':>8} {'rows/s':>9} {'peak MiB':>9} "
        f"{'raw rows/s':>10} {'x raw':>6} {'DIE rows/s':>10} {'x DIE':>7}"
    )
    print(header)
    for db in args.db.split(","):
        for r in bench(db, files["full"], files["sample"], workdir):
            print(
                f"{r['db']:<9} {r['kind']:<13} {r['rows']:>9} {r['seconds']:>8.1f} {r['rows_per_s']:>9.0f} "
                f"{r['peak_mib']:>9.0f} {r['raw_rows_per_s']:>10.0f} {r['vs_raw']:>5.2f}x "
                f"{r['die_rows_per_s']:>10.0f} {r['vs_die']:>6.0f}x"
            )
            sys.stdout.flush()
    print("x raw: import time over raw-load time for the same rows (goal on PostgreSQL: at most 2.5)")
    print("x DIE: import rows/s over django-import-export rows/s on the sample (goal: at least 50)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
