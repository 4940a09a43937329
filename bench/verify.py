"""Benchmark: the public verification API over a province of certificates, served by the production setup.

What it does, in one run:

1. Prepares (once; reused afterwards) a dedicated PostgreSQL database (``GONGJIANG_BENCH_VERIFY_PG``,
   default ``postgres://postgres@127.0.0.1:5432/gongjiang_bench_verify``): migrate, reference data, and
   ``synth --region 320000 --scale 1.1`` (Jiangsu, about 17 million certificates). A database holding at
   least ``--min-certificates`` certificates is reused as it is (only migrated).
2. Draws a random sample of certificates and writes the query bodies: ~70% number + name, ~20% number +
   ID number (decrypted with the bench key), ~10% number + a wrong name (answered "not found").
3. Serves the platform with gunicorn (``--workers`` sync workers, default 2 x CPUs + 1, on 127.0.0.1,
   debug off, Redis cache for the shared rate-limit counter, the limit raised so it never refuses: the
   counter still runs).
4. Loads it from loopback with wrk (Debian's; installed with apt-get if missing): a warm-up, then the
   trivial view ``GET /healthz/`` and the verification API ``POST /api/verify/``, same connections and
   duration, in the same run; prints req/s, p50/p99 latency and the ratio verify/trivial, and for each
   round the CPU time per request of gunicorn, PostgreSQL, Redis, wrk and the whole machine (from /proc).

Goal: >= 1,000 req/s, p99 <= 50 ms, ratio >= 0.6. Run with ``make bench-verify`` (which holds
``/tmp/gongjiang-bench.lock`` so that no other heavy benchmark shares the machine).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PG_URL = os.environ.get("GONGJIANG_BENCH_VERIFY_PG", "postgres://postgres@127.0.0.1:5432/gongjiang_bench_verify")
REDIS_URL = os.environ.get("GONGJIANG_BENCH_REDIS", "redis://127.0.0.1:6379/0")

WRK_LUA = r"""
local bodies = {}
for line in io.lines(os.getenv("GJ_BODIES")) do bodies[#bodies + 1] = line end
counter = 0
bad = 0
id = 0
local threads = {}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  counter = (id * 7919) % #bodies
end
function request()
  counter = counter + 1
  return wrk.format(nil, "/api/verify/", nil, bodies[(counter % #bodies) + 1])
end
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(threads) do non200 = non200 + (t:get("bad") or 0) end
  io.write(string.format("GJ-RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), non200,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

WRK_TRIVIAL_LUA = r"""
bad = 0
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local non200 = 0
  for _, t in ipairs(threads) do non200 = non200 + (t:get("bad") or 0) end
  io.write(string.format("GJ-RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), non200,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

SAMPLE = r"""
import json, random, sys
import django
django.setup()
from django.db import connection
from gongjiang.core import pii
n, out = int(sys.argv[1]), sys.argv[2]
with connection.cursor() as cur:
    cur.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'credentials_certificate'")
    total = max(1, cur.fetchone()[0])
    percent = min(100.0, 100.0 * n * 3 / total)
    cur.execute(
        "SELECT c.number, p.name, p.id_number_enc FROM credentials_certificate c TABLESAMPLE SYSTEM (%s) "
        "JOIN registry_person p ON p.id = c.person_id ORDER BY random() LIMIT %s",
        [percent, n],
    )
    rows = cur.fetchall()
rng = random.Random(7)
kinds = {"name": 0, "id_number": 0, "wrong_name": 0}
with open(out, "w", encoding="utf-8") as f:
    for number, name, id_enc in rows:
        r = rng.random()
        if r < 0.7:
            body, kind = {"number": number, "name": name}, "name"
        elif r < 0.9:
            body, kind = {"number": number, "id_number": pii.decrypt(id_enc)}, "id_number"
        else:
            body, kind = {"number": number, "name": name + "某"}, "wrong_name"
        kinds[kind] += 1
        f.write(json.dumps(body, ensure_ascii=False) + "\n")
print(json.dumps({"rows": len(rows), **kinds}))
"""


def _bench_key(label: str) -> str:
    # Fixed keys for the synthetic bench database only: its data is made up, and the server under test
    # runs with debug off, which refuses the development keys.
    return base64.b64encode(hashlib.sha256(f"gongjiang bench verify {label}".encode()).digest()).decode()


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="gongjiang.settings",
        DATABASE_URL=PG_URL,
        GONGJIANG_DEBUG="0",
        GONGJIANG_SECRET_KEY="bench-" + hashlib.sha256(b"gongjiang bench verify secret").hexdigest(),
        GONGJIANG_PII_KEY=_bench_key("pii"),
        GONGJIANG_PII_INDEX_KEY=_bench_key("pii-index"),
        GONGJIANG_VAR_DIR=env.get("GONGJIANG_BENCH_VAR_DIR", str(Path(tempfile.gettempdir()) / "gj-bench-verify")),
        GONGJIANG_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    Path(env["GONGJIANG_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


def sh(cmd: list[str], env: dict[str, str], *, quiet: bool = False) -> str:
    out = subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=quiet, text=True)
    return out.stdout or ""


def psql_scalar(sql: str, url: str = PG_URL) -> str | None:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            cursor = conn.execute(sql)  # type: ignore[arg-type]
            row = cursor.fetchone() if cursor.description else None
    except (psycopg.OperationalError, psycopg.errors.UndefinedTable):
        return None
    return None if row is None else str(row[0])


def certificate_count() -> int:
    value = psql_scalar("SELECT count(*) FROM credentials_certificate")
    return int(value) if value is not None else -1


def ensure_database(env: dict[str, str], *, scale: float, min_certificates: int) -> int:
    """Reuse the bench database when it is full; otherwise build it from scratch."""
    count = certificate_count()
    if count >= min_certificates:
        print(f"reusing {PG_URL.rsplit('/', 1)[1]}: {count:,} certificates", flush=True)
        sh([PY, "-m", "gongjiang", "migrate", "-v0"], env)
        return count
    found = f"{count:,} certificates" if count >= 0 else "no database"
    print(f"building the bench database ({found}); synth --region 320000 --scale {scale}: this takes a while")
    sys.stdout.flush()
    sh([PY, "scripts/pgdb.py", "create", PG_URL], env)
    sh([PY, "-m", "gongjiang", "migrate", "-v0"], env)
    sh([PY, "-m", "gongjiang", "load_reference"], env)
    started = time.perf_counter()
    sh([PY, "-m", "gongjiang", "synth", "--region", "320000", "--scale", str(scale), "--seed", "1"], env)
    print(f"synthesized in {time.perf_counter() - started:.0f} s; analysing", flush=True)
    psql_scalar("VACUUM ANALYZE")
    count = certificate_count()
    print(f"bench database ready: {count:,} certificates", flush=True)
    if count < min_certificates:
        raise SystemExit(f"only {count:,} certificates were generated; raise --scale")
    return count


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    print("installing Debian's wrk", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk is not available")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], *, workers: int, port: int, log: Path) -> subprocess.Popen:
    server_env = dict(
        env,
        GONGJIANG_CACHE_URL=REDIS_URL,
        GONGJIANG_VERIFY_RATE_LIMIT="1000000000",  # the counter runs; it just never refuses
        GONGJIANG_LOG_LEVEL="WARNING",
    )
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "gongjiang.wsgi",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "--backlog",
        "2048",
        "--log-level",
        "warning",
    ]
    handle = log.open("w")
    proc = subprocess.Popen(
        cmd, env=server_env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
        if proc.poll() is not None:
            break
    stop_server(proc)
    raise SystemExit(f"gunicorn did not start; see {log}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_wrk(
    wrk: str, url: str, script: Path, *, threads: int, connections: int, seconds: int, env: dict[str, str]
) -> dict[str, float]:
    cmd = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), url]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("GJ-RESULT"))
    requests, duration_us, p50_us, p99_us, non200, socket_errors = (int(x) for x in line.split()[1:])
    return {
        "requests": requests,
        "req_per_s": requests / (duration_us / 1e6),
        "p50_ms": p50_us / 1000,
        "p99_ms": p99_us / 1000,
        "non_200": non200,
        "socket_errors": socket_errors,
    }


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CPU_GROUPS = ("gunicorn", "PostgreSQL", "Redis", "wrk", "machine")


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far, user and kernel, by each group of processes: the server's gunicorn
    processes (its process group), PostgreSQL's and Redis's, the finished wrk runs (this process's
    waited-for children) and the whole machine (every CPU's busy time in /proc/stat). A process's count
    includes its waited-for children, so a backend or worker that exits between two snapshots stays counted
    (in its parent's)."""
    used = dict.fromkeys(CPU_GROUPS, 0.0)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process has just exited
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        # fields[2] is the process group; fields[11:15] are utime, stime, cutime and cstime (proc(5)).
        if int(fields[2]) == server_pid:
            group = "gunicorn"
        elif name == "postgres":
            group = "PostgreSQL"
        elif name.startswith("redis-server"):
            group = "Redis"
        else:
            continue
        used[group] += sum(int(x) for x in fields[11:15]) / CLOCK_TICKS
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    used["wrk"] = children.ru_utime + children.ru_stime
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    # user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    ticks = [int(x) for x in cpu[:8]]
    used["machine"] = (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS
    return used


def cpu_per_request(before: dict[str, float], after: dict[str, float], requests: float) -> dict[str, float]:
    """Microseconds of CPU per answered request, per group, between two snapshots."""
    return {group: (after[group] - before[group]) / max(1.0, requests) * 1e6 for group in CPU_GROUPS}


def combine(runs: list[dict[str, float]]) -> dict[str, float]:
    """Throughput over all rounds; the median of the p50s and the worst p99 (percentiles do not add up)."""
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["requests"] / r["req_per_s"] for r in runs)
    p50s = sorted(r["p50_ms"] for r in runs)
    return {
        "requests": requests,
        "req_per_s": requests / seconds,
        "p50_ms": p50s[len(p50s) // 2],
        "p99_ms": max(r["p99_ms"] for r in runs),
        "non_200": sum(r["non_200"] for r in runs),
        "socket_errors": sum(r["socket_errors"] for r in runs),
    }


def outcome_counts(since: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT outcome, count(*) FROM credentials_verificationevent WHERE time >= %s GROUP BY outcome",
            [since],
        ).fetchall()
    return {outcome: int(n) for outcome, n in rows}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.1, help="synth scale when the database is built")
    parser.add_argument("--min-certificates", type=int, default=15_000_000)
    parser.add_argument("--prepare-only", action="store_true")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn sync workers (default 2 x CPUs + 1, as the README's production setup)",
    )
    parser.add_argument("--connections", type=int, default=16, help="concurrent wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--seconds", type=int, default=20, help="duration of each measured run")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of trivial + verify")
    parser.add_argument("--warmup", type=int, default=15, help="warm-up seconds (verification API)")
    parser.add_argument("--sample", type=int, default=50_000, help="certificates in the query mix")
    args = parser.parse_args()

    env = bench_env()
    total = ensure_database(env, scale=args.scale, min_certificates=args.min_certificates)
    if args.prepare_only:
        return 0
    wrk = ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="gj-bench-verify-"))
    bodies = work / "bodies.jsonl"
    mix = json.loads(sh([PY, "-c", SAMPLE, str(args.sample), str(bodies)], env, quiet=True).strip().splitlines()[-1])
    verify_lua, trivial_lua = work / "verify.lua", work / "trivial.lua"
    verify_lua.write_text(WRK_LUA)
    trivial_lua.write_text(WRK_TRIVIAL_LUA)
    wrk_env = dict(os.environ, GJ_BODIES=str(bodies))
    port = free_port()
    log = work / "gunicorn.log"
    print(f"machine: {os.cpu_count()} CPUs, load average before the run {os.getloadavg()[0]:.2f}", flush=True)
    print(
        f"certificates {total:,}; query mix {mix['rows']:,} certificates (name {mix['name']}, ID number "
        f"{mix['id_number']}, wrong name {mix['wrong_name']}); gunicorn {args.workers} sync workers; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s",
        flush=True,
    )
    server = start_server(env, workers=args.workers, port=port, log=log)
    try:
        base = f"http://127.0.0.1:{port}"
        run_wrk(
            wrk,
            f"{base}/api/verify/",
            verify_lua,
            threads=args.threads,
            connections=args.connections,
            seconds=args.warmup,
            env=wrk_env,
        )
        run_wrk(
            wrk,
            f"{base}/healthz/",
            trivial_lua,
            threads=args.threads,
            connections=args.connections,
            seconds=max(5, args.warmup // 3),
            env=wrk_env,
        )
        started = psql_scalar("SELECT now()") or ""
        runs: dict[str, list[dict[str, float]]] = {"trivial": [], "verify": []}
        cpu: dict[str, list[dict[str, float]]] = {"trivial": [], "verify": []}
        for _ in range(args.rounds):  # interleaved, so that drift in the machine's load hits both alike
            for key, path, script in (("trivial", "/healthz/", trivial_lua), ("verify", "/api/verify/", verify_lua)):
                before = cpu_snapshot(server.pid)
                run = run_wrk(
                    wrk,
                    base + path,
                    script,
                    threads=args.threads,
                    connections=args.connections,
                    seconds=args.seconds,
                    env=wrk_env,
                )
                cpu[key].append(cpu_per_request(before, cpu_snapshot(server.pid), run["requests"]))
                runs[key].append(run)
        outcomes = outcome_counts(started)
    finally:
        stop_server(server)
    for key in runs:
        for i, r in enumerate(runs[key], 1):
            print(f"  {key} round {i}: {r['req_per_s']:.0f} req/s, p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms")
    trivial, verify = combine(runs["trivial"]), combine(runs["verify"])
    ratio = verify["req_per_s"] / trivial["req_per_s"]
    print(f"{'endpoint':<22} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-200':>8} {'errors':>7}")
    for name, r in (("GET /healthz/", trivial), ("POST /api/verify/", verify)):
        print(
            f"{name:<22} {r['req_per_s']:>8.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} "
            f"{r['non_200']:>8} {r['socket_errors']:>7}"
        )
    print(f"ratio verify / trivial: {ratio:.2f}")
    print("CPU per answered request, µs (user + kernel, each round):")
    print(f"{'endpoint':<22} " + " ".join(f"{group:>10}" for group in CPU_GROUPS))
    for name, key in (("GET /healthz/", "trivial"), ("POST /api/verify/", "verify")):
        for used in cpu[key]:
            print(f"{name:<22} " + " ".join(f"{used[g]:>10.0f}" for g in CPU_GROUPS))
    print(f"answers logged during the measured verify runs: {outcomes}")
    goals = {
        ">= 1000 req/s": verify["req_per_s"] >= 1000,
        "p99 <= 50 ms": verify["p99_ms"] <= 50,
        "ratio >= 0.6": ratio >= 0.6,
    }
    print("goals: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in goals.items()))
    print(
        "RESULT "
        + json.dumps(
            {
                "certificates": total,
                "trivial": trivial,
                "verify": verify,
                "ratio": ratio,
                "workers": args.workers,
                "connections": args.connections,
                "rounds": runs,
                "cpu_us_per_request": cpu,
            }
        )
    )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
