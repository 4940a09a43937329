"""Benchmark: indicator rollups at province scale, on SQLite and PostgreSQL.

Data: `gongjiang synth --region 320000` at the scale giving 15 million persons, plus extra certificates
(another certificate for randomly drawn persons: a lower or equal level in another occupation, issued
between their 18th birthday or 2005 and the end of the data) up to 25 million certificates. The counts
printed are counted in the database. The prepared databases are kept for the next run
(`--fresh` prepares them again).

Measured, in one run per database:
* full rebuild (`rollup_rebuild`: read persons, certificates and current employments, compute, write the
  fact table), and separately the refresh of every target evaluation, forecast and warning;
* incremental update after a batch of 10,000 certificates written as an import does (one bulk insert
  and one change record), and separately the refresh of the regions it touched;
* dashboard data API (`GET /api/monitoring/dashboard/?region=…` through Django's test client, i.e. the
  full middleware, URL, DRF and JSON path without a network socket): p50/p95 over the province, every
  city and a sample of districts;
* baseline in the same run: a plain Polars group-by over the same certificates and persons exported
  to Parquet (highest valid level per person on the last day of the data, counted by district), read
  from Parquet and computed, as a data engineer would do it by hand.

Usage: flock /tmp/gongjiang-bench.lock python bench/rollup.py [--db sqlite,postgres] [--fresh]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(Path(os.environ.get("GONGJIANG_BENCH_VENV", str(ROOT / ".venv"))) / "bin" / "python")
PG_URL = os.environ.get("GONGJIANG_BENCH_ROLLUP_PG", "postgres://postgres@127.0.0.1:5432/gj_bench_rollup")
VAR = Path(os.environ.get("GONGJIANG_BENCH_ROLLUP_DIR", "/tmp/gj-bench-rollup"))
PERSONS = 15_000_000
CERTIFICATES = 25_000_000
BATCH = 10_000
SKILLED_AT_SCALE_1 = 13_904_000  # sum of the synthetic cities' skilled workers at scale 1

WORKER = r"""
import datetime, json, os, sys, time
import django
django.setup()
import numpy as np
import polars as pl
from django.db import connection, transaction
from gongjiang.core.audit import audit_context, record_set
from gongjiang.core.bulk import copy_frame, next_ids
from gongjiang.credentials.models import Certificate
from gongjiang.registry.models import Person, Organisation

step = sys.argv[1]
out = {}
PERSON_IDS = None


def counts():
    return {"persons": Person.objects.count(), "certificates": Certificate.objects.count()}


def new_certificates(n, *, seed, since, until, station_base):
    # n certificates for random persons: a level at most 高级工 in a random occupation, S-numbers in a
    # station range of their own.
    from gongjiang.reference.models import Occupation, SkillLevel
    from gongjiang.monitoring.reading import fetch
    rng = np.random.default_rng(seed)
    global PERSON_IDS
    if PERSON_IDS is None:
        PERSON_IDS = fetch("SELECT id, residence_region_code FROM registry_person",
                           {"id": pl.Int64, "residence_region_code": pl.Utf8})
    drawn = rng.integers(0, PERSON_IDS.height, n)
    person = PERSON_IDS["id"].to_numpy()[drawn]
    region = PERSON_IDS["residence_region_code"].gather(drawn)  # the holder's, copied onto the certificate
    levels = dict(SkillLevel.objects.values_list("code", "id"))
    occ = np.array(list(Occupation.objects.filter(kind="occupation").values_list("id", flat=True)))
    evals = np.array(list(Organisation.objects.filter(kind="evaluation").values_list("id", flat=True)))
    national = rng.choice([5, 4, 3], n, p=[0.4, 0.4, 0.2])
    level_id = np.select([national == 5, national == 4], [levels["level5"], levels["level4"]], levels["level3"])
    lo, hi = (since - datetime.date(1970, 1, 1)).days, (until - datetime.date(1970, 1, 1)).days
    day = rng.integers(lo, hi + 1, n)
    now = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    frame = pl.DataFrame({"person_id": person, "region_code": region, "national": national, "level_id": level_id,
                          "occupation_id": occ[rng.integers(0, len(occ), n)],
                          "issuer_id": evals[rng.integers(0, len(evals), n)], "day": day})
    frame = frame.with_columns(pl.from_epoch(pl.col("day"), time_unit="d").alias("issue_date"))
    frame = frame.with_columns((pl.lit(station_base) + pl.int_range(pl.len()) // 900_000).alias("station"))
    frame = frame.with_columns(pl.int_range(pl.len()).over(["station", pl.col("issue_date").dt.year(), "national"]).alias("serial"))
    ids = next_ids(Certificate, n)
    return frame.select(
        pl.int_range(ids.start, ids.stop, dtype=pl.Int64).alias("id"),
        pl.format("S000032{}{}{}{}", pl.col("station").cast(pl.Utf8).str.zfill(6),
                  (pl.col("issue_date").dt.year() % 100).cast(pl.Utf8).str.zfill(2),
                  pl.col("national").cast(pl.Utf8), pl.col("serial").cast(pl.Utf8).str.zfill(6)).alias("number"),
        "person_id", "region_code", "occupation_id", "level_id", "issuer_id", "issue_date",
        pl.lit("valid").alias("status"), pl.lit(None, dtype=pl.Date).alias("revoked_on"),
        pl.lit("").alias("revoke_reason"), pl.lit("third_party").alias("source"),
        pl.lit(now).alias("created"), pl.lit(now).alias("updated"),
    )


if step == "extra":
    target = int(sys.argv[2])
    have = Certificate.objects.count()
    need = max(0, target - have)
    t = time.perf_counter()
    with audit_context(source="cli"), transaction.atomic():
        done = 0
        k = 0
        while done < need:
            n = min(2_000_000, need - done)
            frame = new_certificates(n, seed=100 + k, since=datetime.date(2005, 1, 1), until=datetime.date(2025, 12, 31),
                                     station_base=950_000 + k * 3)
            # An extra certificate issued before its holder turned 18 is moved to the holder's 18th year.
            copy_frame(Certificate, frame)
            done += n
            k += 1
        if need:
            with connection.cursor() as cur:
                if connection.vendor == "postgresql":
                    cur.execute("UPDATE credentials_certificate c SET issue_date = p.birth_date + INTERVAL '18 years' "
                                "FROM registry_person p WHERE c.person_id = p.id AND c.id > %s "
                                "AND c.issue_date < p.birth_date + INTERVAL '18 years'", [have])
                else:
                    cur.execute("UPDATE credentials_certificate SET issue_date = (SELECT date(p.birth_date, '+18 years') "
                                "FROM registry_person p WHERE p.id = credentials_certificate.person_id) WHERE id > %s "
                                "AND issue_date < (SELECT date(p.birth_date, '+18 years') FROM registry_person p "
                                "WHERE p.id = credentials_certificate.person_id)", [have])
            record_set(model=Certificate, count=need, detail={"bench": "extra certificates"})
    out = {"added": need, "seconds": time.perf_counter() - t, **counts()}

elif step == "counts":
    out = counts()

elif step == "rebuild":
    from gongjiang.monitoring.rollup import rollup_rebuild
    from gongjiang.monitoring.evaluation import monitoring_refresh
    with audit_context(source="cli"):
        t = time.perf_counter()
        r = rollup_rebuild()
        rebuild = time.perf_counter() - t
        t = time.perf_counter()
        f = monitoring_refresh()
        refresh = time.perf_counter() - t
    out = {"seconds": rebuild, "timings": r.timings, "facts": r.facts, "persons": r.persons,
           "certificates": r.certificates, "refresh_seconds": refresh, "evaluations": f.evaluations,
           "forecasts": f.forecasts, "warnings": f.warnings}

elif step == "update":
    from gongjiang.monitoring.incremental import rollup_update
    from gongjiang.monitoring.evaluation import monitoring_refresh
    from gongjiang.monitoring.models import RollupState
    state = RollupState.objects.get()
    as_of = state.data_as_of
    with audit_context(source="cli"):
        with transaction.atomic():
            frame = new_certificates(int(sys.argv[2]), seed=int(time.time()) % 100000, since=as_of - datetime.timedelta(days=60),
                                     until=as_of, station_base=990_000 + int(time.time()) % 9000)
            copy_frame(Certificate, frame)
            record_set(model=Certificate, count=frame.height, detail={"bench": "batch"})
        t = time.perf_counter()
        r = rollup_update()
        update = time.perf_counter() - t
        t = time.perf_counter()
        f = monitoring_refresh(regions=r.affected_regions)
        refresh = time.perf_counter() - t
    out = {"mode": r.mode, "reason": r.reason, "seconds": update, "timings": r.timings, "persons": r.persons,
           "delta_rows": r.facts, "regions": len(r.affected_regions), "refresh_seconds": refresh}

elif step == "api":
    from django.test import Client
    from gongjiang.core.models import User
    from gongjiang.monitoring.selectors import children
    user, _ = User.objects.get_or_create(username="bench-province", defaults={"role": "officer", "region_code": "320000"})
    client = Client()
    client.force_login(user)
    cities = children("320000")
    districts = [d for c in cities for d in children(c)][::4]
    regions = ["320000"] + cities + districts
    for code in regions[:5]:
        assert client.get("/api/monitoring/dashboard/", {"region": code}).status_code == 200  # warm-up
    times = []
    for _ in range(int(sys.argv[2])):
        for code in regions:
            t = time.perf_counter()
            response = client.get("/api/monitoring/dashboard/", {"region": code})
            times.append(time.perf_counter() - t)
            assert response.status_code == 200
    times.sort()
    out = {"requests": len(times), "regions": len(regions), "p50_ms": times[len(times) // 2] * 1000,
           "p95_ms": times[int(len(times) * 0.95)] * 1000, "max_ms": times[-1] * 1000}

elif step == "export":
    from gongjiang.monitoring.reading import Reader, read_tables
    from gongjiang.monitoring.frames import (CERT_SCHEMA, PERSON_SCHEMA, cert_query, person_query, lookups,
                                             prepare_certs, prepare_persons)
    lk = lookups()
    folder = sys.argv[2]
    certs = prepare_certs(read_tables({'c': (cert_query(), CERT_SCHEMA)}, [Reader()])['c'], lk).select("person_id", "rank", "start", "end")
    certs.write_parquet(f"{folder}/certificates.parquet")
    prepare_persons(read_tables({'p': (person_query(), PERSON_SCHEMA)}, [Reader()])['p']).select("person_id", "region").write_parquet(f"{folder}/persons.parquet")
    out = {"certificates": certs.height}

elif step == "baseline":
    folder = sys.argv[2]
    day = (datetime.date.fromisoformat(sys.argv[3]) - datetime.date(1970, 1, 1)).days
    t = time.perf_counter()
    certs = pl.scan_parquet(f"{folder}/certificates.parquet")
    persons = pl.scan_parquet(f"{folder}/persons.parquet")
    top = (certs.filter((pl.col("start") <= day) & (pl.col("end").is_null() | (pl.col("end") > day)))
           .group_by("person_id").agg(pl.col("rank").max()))
    result = (top.join(persons, on="person_id").group_by("region")
              .agg(pl.len().alias("skilled"), (pl.col("rank") >= 3).sum().alias("high")).collect())
    out = {"seconds": time.perf_counter() - t, "regions": result.height, "skilled": int(result["skilled"].sum())}

print(json.dumps(out, default=str))
"""


def run(args: list[str], env: dict[str, str], quiet: bool = True) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"failed: {' '.join(args[:4])}")
    return time.perf_counter() - start, proc.stdout


def worker(step: str, env: dict[str, str], *extra: str) -> dict:
    _, out = run([PY, "-c", WORKER, step, *extra], env)
    return json.loads(out.strip().splitlines()[-1])


def _bench_key(label: str) -> str:
    # The fixed keys of bench/verify.py (made-up data only), so that bench-verify can reuse the PostgreSQL
    # province (GONGJIANG_BENCH_VERIFY_PG) and its blind indexes match.
    return base64.b64encode(hashlib.sha256(f"gongjiang bench verify {label}".encode()).digest()).decode()


def environment(db: str) -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="gongjiang.settings")
    env.setdefault("GONGJIANG_PII_KEY", _bench_key("pii"))
    env.setdefault("GONGJIANG_PII_INDEX_KEY", _bench_key("pii-index"))
    folder = VAR / db
    folder.mkdir(parents=True, exist_ok=True)
    env["GONGJIANG_VAR_DIR"] = str(folder)
    if db == "postgres":
        env["DATABASE_URL"] = PG_URL
    else:
        env.pop("DATABASE_URL", None)
    return env


def prepare(db: str, env: dict[str, str], fresh: bool, persons: int, certificates: int) -> dict:
    marker = Path(env["GONGJIANG_VAR_DIR"]) / "prepared.json"
    if marker.exists() and not fresh:
        return json.loads(marker.read_text())
    if db == "postgres":
        run([PY, "scripts/pgdb.py", "create", PG_URL], env)
    else:
        for name in ("gongjiang.sqlite3", "gongjiang.sqlite3-wal", "gongjiang.sqlite3-shm"):
            (Path(env["GONGJIANG_VAR_DIR"]) / name).unlink(missing_ok=True)
    print(f"  [{db}] preparing: migrate, reference data", flush=True)
    run([PY, "-m", "gongjiang", "migrate", "-v0"], env)
    run([PY, "-m", "gongjiang", "load_reference"], env)
    scale = round(persons / SKILLED_AT_SCALE_1, 4)
    print(f"  [{db}] synth --region 320000 --scale {scale}", flush=True)
    synth_s, _ = run([PY, "-m", "gongjiang", "synth", "--region", "320000", "--scale", str(scale), "--seed", "1"], env)
    print(f"  [{db}] synth took {synth_s:.0f} s; adding certificates up to {certificates:,}", flush=True)
    extra = worker("extra", env, str(certificates))
    run([PY, "-m", "gongjiang", "targets", "load"], env)
    run([PY, "-m", "gongjiang", "maps", "load", "--demo"], env)
    info = {"scale": scale, "synth_seconds": synth_s, "extra_certificates": extra["added"], **worker("counts", env)}
    # The build's rate, to judge whether a larger province would be ready in the time at hand.
    rate = info["persons"] / synth_s if synth_s else 0.0
    print(f"  [{db}] synthesis: {rate:,.0f} persons a second (load average {os.getloadavg()[0]:.1f})", flush=True)
    marker.write_text(json.dumps(info))
    return info


def bench(db: str, fresh: bool, api_rounds: int, persons: int, certificates: int) -> dict:
    env = environment(db)
    info = prepare(db, env, fresh, persons, certificates)
    run([PY, "-m", "gongjiang", "migrate", "-v0"], env)  # a database prepared by earlier code
    print(f"  [{db}] {info['persons']:,} persons, {info['certificates']:,} certificates", flush=True)
    rebuild = worker("rebuild", env)
    print(f"  [{db}] full rebuild {rebuild['seconds']:.1f} s {rebuild['timings']}", flush=True)
    update = worker("update", env, str(BATCH))
    print(f"  [{db}] incremental {update['seconds']:.2f} s ({update['mode']}) {update['timings']}", flush=True)
    api = worker("api", env, str(api_rounds))
    folder = Path(env["GONGJIANG_VAR_DIR"])
    worker("export", env, str(folder))
    as_of = json.loads(
        run(
            [
                PY,
                "-c",
                "import django,json;django.setup();"
                "from gongjiang.monitoring.models import RollupState;"
                "print(json.dumps(str(RollupState.objects.get().data_as_of)))",
            ],
            env,
        )[1]
    )
    baseline = worker("baseline", env, str(folder), as_of)
    return {"db": db, **info, "rebuild": rebuild, "update": update, "api": api, "baseline": baseline}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--fresh", action="store_true", help="prepare the databases again")
    parser.add_argument("--api-rounds", type=int, default=5)
    parser.add_argument("--persons", type=int, default=PERSONS, help="a smaller run for trying the script")
    parser.add_argument("--certificates", type=int, default=CERTIFICATES)
    parser.add_argument("--prepare-only", action="store_true", help="only build the databases")
    args = parser.parse_args()
    results = []
    for db in args.db.split(","):
        print(f"{db}:", flush=True)
        if args.prepare_only:
            info = prepare(db, environment(db), args.fresh, args.persons, args.certificates)
            print(f"  [{db}] {info['persons']:,} persons, {info['certificates']:,} certificates", flush=True)
            continue
        results.append(bench(db, args.fresh, args.api_rounds, args.persons, args.certificates))
    if args.prepare_only:
        return 0
    print()
    print(
        f"{'db':<9} {'persons':>11} {'certs':>11} {'rebuild s':>9} {'refresh s':>9} {'update s':>8} "
        f"{'upd.refresh':>11} {'API p50':>8} {'API p95':>8} {'polars s':>8} {'rebuild/polars':>14}"
    )
    for r in results:
        ratio = r["rebuild"]["seconds"] / r["baseline"]["seconds"]
        print(
            f"{r['db']:<9} {r['persons']:>11,} {r['certificates']:>11,} {r['rebuild']['seconds']:>9.1f} "
            f"{r['rebuild']['refresh_seconds']:>9.1f} {r['update']['seconds']:>8.2f} "
            f"{r['update']['refresh_seconds']:>11.2f} {r['api']['p50_ms']:>6.1f}ms {r['api']['p95_ms']:>6.1f}ms "
            f"{r['baseline']['seconds']:>8.2f} {ratio:>13.1f}x"
        )
    print()
    print(json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
