"""Benchmark: every page a role opens, at province scale, under gunicorn on PostgreSQL.

Data: the PostgreSQL province of ``bench/rollup.py`` (``synth --region 320000 --scale 1.0788``, about 15
million persons, plus certificates up to 25 million), built once by its builder and reused; its indicator
rollup is built when missing, and the demo accounts are made in it (``synth.demo.demo_accounts``: the
province officer with an authenticator, the Suzhou, Changzhou and Zhangjiagang officers, the Suzhou
auditor and the organisation users).

The server is gunicorn (sync workers) with debug off, as in production. Each role signs in through the
login form (and the one-time code of its authenticator where the role needs one). The pages it opens are
found, not listed by hand: the home page and every link of its menus and of the pages they lead to
(one address per URL pattern: the first record's page of a list, a list's page 2, its last numbered page
and the page after it, which is reached by key), plus, for a list in its default order, a page by key in
the middle of the table (the rows after half the first row's id, as a deep page number would be); and
every list of the API (from its OpenAPI schema; the monitoring ones with the role's region). Forms (new,
edit, a workflow step's confirmation), downloads and sorted variants of a list are not timed. Each address
is requested once to warm up, then ``--rounds`` times in turn; p50 and p95 (nearest rank) per address,
beside ``/healthz/`` (no database) measured the same way in the same run.

Usage: flock /tmp/gongjiang-bench.lock python bench/pages.py [--rounds 7] [--roles province,suzhou]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.cookiejar
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rollup

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("GONGJIANG_BENCH_VENV", str(ROOT / ".venv")))  # another checkout's environment
PY = str(VENV / "bin" / "python")
VAR = Path(os.environ.get("GONGJIANG_BENCH_PAGES_DIR", "/tmp/gj-bench-pages"))
GOAL_MS = 300.0
ROLES = ("suzhou", "province", "zhangjiagang", "changzhou", "enterprise", "auditor", "school", "evaluator")
SKIP = re.compile(
    r"^/(static|media|admin|i18n|accounts|api/schema|api/docs|api/verify|verify)/|/reveal/|/logout|export=|"
    r"\.(csv|xlsx|pdf|zip|json|geojson|png|svg)$|/download|/otp|format=|sort=|/new/$|/edit/$|/\d+/[a-z_-]+/$"
)
MAX_PER_ROLE = 120

SETUP = r"""
import json, sys
import django
django.setup()
from django.db import connection
from gongjiang.core.audit import audit_context
from gongjiang.monitoring.models import RollupState
from gongjiang.synth.demo import credentials_path, demo_accounts

out = {}
with audit_context(source="cli"):
    if not RollupState.objects.exists():
        from gongjiang.monitoring.rollup import rollup_rebuild
        from gongjiang.monitoring.evaluation import monitoring_refresh
        rollup_rebuild()
        monitoring_refresh()
        out["rollup"] = "built"
    accounts = demo_accounts()
with connection.cursor() as cur:
    # Statistics of the city indexes' expressions (the planner's estimate of a city's share).
    cur.execute("ANALYZE registry_person, registry_organisation, core_changerecord")
with connection.cursor() as cur:
    cur.execute("SELECT count(*) FROM registry_person")
    out["persons"] = cur.fetchone()[0]
    cur.execute("SELECT count(*) FROM credentials_certificate")
    out["certificates"] = cur.fetchone()[0]
out["accounts"] = {a.username: {"region": a.region_code, "role": a.role} for a, _ in accounts}
out["credentials"] = str(credentials_path())
print(json.dumps(out))
"""


def totp(key_hex: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 with SHA-1, as django-otp's TOTP device computes it."""
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return str(code).zfill(digits)


class Links(HTMLParser):
    """The links (and the CSRF token, and the first record link inside a table body) of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.csrf = ""
        self.in_tbody = 0
        self.row_links: list[str] = []
        self.ids: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tbody":
            self.in_tbody += 1
        if tag == "input" and a.get("name") == "csrfmiddlewaretoken":
            self.csrf = a.get("value") or ""
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
            if self.in_tbody:
                self.row_links.append(a["href"] or "")
            if a.get("id"):
                self.ids[a["id"] or ""] = a["href"] or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody" and self.in_tbody:
            self.in_tbody -= 1


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        # The server runs as in production behind a TLS proxy (secure cookies): the bench plays the proxy,
        # saying each request came by HTTPS, and keeps the secure cookies on its plain connection.
        policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "http"))
        self.jar = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [
            ("Accept-Language", "zh-hans"),
            ("User-Agent", "gongjiang-bench-pages"),
            ("X-Forwarded-Proto", "https"),
        ]

    def get(self, path: str, accept: str = "text/html") -> tuple[int, str, str, float]:
        request = urllib.request.Request(self.base + path, headers={"Accept": accept})  # noqa: S310 (the bench's own http server)
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=120) as r:
                body = r.read()
                status, url, kind = r.status, r.geturl(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            body, status, url, kind = e.read(), e.code, e.geturl(), e.headers.get("Content-Type", "")
        elapsed = time.perf_counter() - start
        text = body.decode("utf-8", "replace") if ("html" in kind or "json" in kind) else ""
        return status, urllib.parse.urlsplit(url).path, text, elapsed

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str, str]:
        csrf = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(  # noqa: S310 (the bench's own http server)
            self.base + path,
            data=body,
            headers={"Referer": self.base.replace("http:", "https:") + path, "X-CSRFToken": csrf or ""},
        )
        with self.opener.open(request, timeout=120) as r:
            return r.status, urllib.parse.urlsplit(r.geturl()).path, r.read().decode("utf-8", "replace")

    def sign_in(self, username: str, password: str, totp_key: str | None) -> None:
        _, _, page, _ = self.get("/accounts/login/")
        p = Links()
        p.feed(page)
        _, where, page = self.post(
            "/accounts/login/", {"username": username, "password": password, "csrfmiddlewaretoken": p.csrf}
        )
        if where.startswith("/accounts/otp"):
            if not totp_key:
                raise SystemExit(f"{username}: the server asks for a one-time code and none is known")
            p = Links()
            p.feed(page)
            _, where, _ = self.post("/accounts/otp/", {"token": totp(totp_key), "csrfmiddlewaretoken": p.csrf})
        if where.startswith("/accounts/"):
            raise SystemExit(f"{username}: signing in failed (at {where})")


def pattern(path: str) -> str:
    """One address per URL pattern: ids become <pk>, and the query keeps only its parameter names (so a
    list's page 2 and its page 150 are one pattern, its filtered views another)."""
    parts = urllib.parse.urlsplit(path)
    shape = re.sub(r"/\d+(?=/)", "/<pk>", parts.path)
    keys = sorted({k for k, _ in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)})
    return shape + ("?" + "&".join(keys) if keys else "")


def normal(href: str, here: str) -> str | None:
    if not href or href.startswith(("#", "mailto:", "javascript:")):
        return None
    url = urllib.parse.urljoin("http://x" + here, href)
    parts = urllib.parse.urlsplit(url)
    if parts.netloc != "x":
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if SKIP.search(path) else path


def discover(browser: Browser, region: str) -> list[tuple[str, str]]:
    """(label, address) of every page the role reaches from its home page (two links deep), one per
    pattern, plus the deep pages of lists and the API's lists."""
    seen: dict[str, str] = {}
    out: list[tuple[str, str]] = []
    frontier = ["/"]
    for _depth in range(3):
        nxt: list[str] = []
        for here in frontier:
            status, _, page, _ = browser.get(here)
            if status != 200 or not page:
                continue
            p = Links()
            p.feed(page)
            candidates = list(p.links)
            if 'id="register-table"' in page:
                # A list's first record first (the menus' links would take the budget otherwise).
                rows = [h for h in p.row_links if re.search(r"/\d+/$", urllib.parse.urlsplit(h).path)]
                candidates = rows[:1] + candidates
            for href in candidates:
                u = normal(href, here)
                if u is None or pattern(u) in seen or len(seen) >= MAX_PER_ROLE:
                    continue
                seen[pattern(u)] = u
                out.append((pattern(u), u))
                nxt.append(u)
        frontier = nxt
    # Deep pages of the lists: the last numbered page, the page after it (by key), and the middle by key.
    extra: list[tuple[str, str]] = []
    for label, u in list(out):
        if "?" in label:
            continue
        status, _, page, _ = browser.get(u)
        if status != 200 or 'id="register-table"' not in page:
            continue
        p = Links()
        p.feed(page)
        numbered = [int(m) for m in re.findall(r"[?&]page=(\d+)", " ".join(p.links))]
        if numbered and max(numbered) > 2:
            last = f"{u}?page={max(numbered)}"
            extra.append((label + " (last numbered page)", last))
            _, _, lp, _ = browser.get(last)
            q = Links()
            q.feed(lp)
            nx = q.ids.get("pager-next", "")
            if "after=" in nx and (n := normal(nx, u)):
                extra.append((label + " (next page by key)", n))
                key = urllib.parse.parse_qs(urllib.parse.urlsplit(n).query).get("after", [""])[0]
                rows = [h for h in p.row_links if re.search(r"/\d+/$", h)]
                first = re.search(r"/(\d+)/$", rows[0]) if rows else None
                if key.isdigit() and first:
                    extra.append((label + " (middle by key)", f"{u}?page=201&after={int(first.group(1)) // 2}"))
    out += extra
    # The API's lists, from its schema.
    status, _, schema, _ = browser.get("/api/schema/?format=json", accept="application/json")
    if status == 200:
        paths = json.loads(schema).get("paths", {})
        for path, ops in sorted(paths.items()):
            if "get" not in ops or "{" in path or SKIP.search(path) or "/rollup/" in path:
                continue
            url = path + (f"?region={region}" if path.startswith("/api/monitoring/") and region else "")
            status, _, _, _ = browser.get(url, accept="application/json")
            if status == 200:
                out.append(("API " + pattern(url), url))
    return out


STATEMENT_TIMEOUT_MS = 20_000  # the server's queries are stopped here, so that no page holds the run up
SLOW_MS = 5000.0  # an address whose warm-up takes longer is timed once more only (it is far over the goal)


def timed(browser: Browser, url: str, rounds: int, accept: str) -> list[float]:
    _, _, _, warm = browser.get(url, accept=accept)  # warm-up
    times = []
    for _ in range(rounds if warm * 1000 < SLOW_MS else 1):
        status, _, _, elapsed = browser.get(url, accept=accept)
        if status >= 500:
            # The server's statement timeout ended it: counted as the timeout, far over the goal.
            elapsed = max(elapsed, STATEMENT_TIMEOUT_MS / 1000)
        times.append(elapsed * 1000)
    return sorted(times)


def pct(times: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    return times[min(len(times) - 1, max(0, int(round(q * len(times) + 0.5)) - 1))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    cmd = [str(VENV / "bin" / "gunicorn"), "gongjiang.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers)]
    cmd += ["--timeout", "300", "--log-level", "warning"]
    proc = subprocess.Popen(
        cmd, env=env, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit(f"gunicorn did not start; see {log}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--persons", type=int, default=rollup.PERSONS)
    parser.add_argument("--certificates", type=int, default=rollup.CERTIFICATES)
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument(
        "--as-built",
        action="store_true",
        help="use the province database as it stands, even where its build stopped short (its counts are printed)",
    )
    args = parser.parse_args()

    env = rollup.environment("postgres")
    if args.as_built:
        info: dict = {"scale": "as built"}
    else:
        info = rollup.prepare("postgres", env, False, args.persons, args.certificates)
        print(
            f"province database {rollup.PG_URL.rsplit('/', 1)[1]}: {info['persons']:,} persons, "
            f"{info['certificates']:,} certificates (scale {info['scale']})",
            flush=True,
        )
    VAR.mkdir(parents=True, exist_ok=True)
    env = dict(
        env,
        GONGJIANG_VAR_DIR=str(VAR),
        GONGJIANG_DEBUG="0",
        GONGJIANG_ALLOWED_HOSTS="127.0.0.1,localhost",
        GONGJIANG_SECRET_KEY="bench-" + hashlib.sha256(b"gongjiang bench pages secret").hexdigest(),
        GONGJIANG_LOG_LEVEL="WARNING",
        GONGJIANG_TRUSTED_PROXY_HEADER="X-Forwarded-For",
    )
    server_env = dict(env, PGOPTIONS=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")
    started = time.perf_counter()
    rollup.run([PY, "-m", "gongjiang", "migrate", "-v0"], env)
    print(f"migrated in {time.perf_counter() - started:.0f} s", flush=True)
    _, out = rollup.run([PY, "-c", SETUP], env)
    setup = json.loads(out.strip().splitlines()[-1])
    info.update(persons=setup["persons"], certificates=setup["certificates"])
    print(f"counted: {info['persons']:,} persons, {info['certificates']:,} certificates", flush=True)
    secrets = {}
    for line in Path(setup["credentials"]).read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(":")
        secrets[name.strip()] = value.strip()

    port = free_port()
    server = start_server(server_env, port, args.workers, VAR / "gunicorn.log")
    results = []
    loads: list[float] = []  # the machine's 1-minute load average as each role starts, and at the end
    try:
        base = f"http://127.0.0.1:{port}"
        health = Browser(base)
        for role in args.roles.split(","):
            account = setup["accounts"][role]
            browser = Browser(base)
            try:
                browser.sign_in(role, secrets[role], secrets.get(f"{role}-totp"))
            except urllib.error.HTTPError as exc:
                # The page after signing in (the home page) failed, e.g. stopped by the statement timeout.
                print(f"{role}: signing in ended in HTTP {exc.code}; not measured", flush=True)
                results.append(
                    {
                        "role": role,
                        "page": f"sign-in and home: HTTP {exc.code}",
                        "url": "/",
                        "p50": float(STATEMENT_TIMEOUT_MS),
                        "p95": float(STATEMENT_TIMEOUT_MS),
                        "healthz_p50": 0.0,
                        "healthz_p95": 0.0,
                    }
                )
                continue
            pages = [("home", "/"), *discover(browser, account["region"])]
            load = os.getloadavg()[0]
            loads.append(load)
            print(f"{role}: {len(pages)} addresses (load average {load:.1f})", flush=True)
            trivial = timed(health, "/healthz/", args.rounds, "text/plain")
            for label, url in pages:
                accept = "application/json" if label.startswith("API ") else "text/html"
                times = timed(browser, url, args.rounds, accept)
                results.append(
                    {
                        "role": role,
                        "page": label,
                        "url": url,
                        "p50": pct(times, 0.5),
                        "p95": pct(times, 0.95),
                        "healthz_p50": pct(trivial, 0.5),
                        "healthz_p95": pct(trivial, 0.95),
                    }
                )
                print(f"  {label:<70} p50 {pct(times, 0.5):7.1f} ms  p95 {pct(times, 0.95):7.1f} ms", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    loads.append(os.getloadavg()[0])
    print()
    print(f"{'role':<13} {'page':<70} {'p50 ms':>8} {'p95 ms':>8} {'/healthz/ p50':>13} {'p95':>6}")
    for r in results:
        flag = "" if r["p95"] <= GOAL_MS else "  over goal"
        print(
            f"{r['role']:<13} {r['page'][:70]:<70} {r['p50']:>8.1f} {r['p95']:>8.1f} {r['healthz_p50']:>13.1f} "
            f"{r['healthz_p95']:>6.1f}{flag}"
        )
    worst = max(results, key=lambda r: r["p95"])
    over = [r for r in results if r["p95"] > GOAL_MS]
    print()
    print(
        f"RESULT persons={info['persons']} certificates={info['certificates']} roles={len(args.roles.split(','))} "
        f"addresses={len(results)} rounds={args.rounds} worst_p95_ms={worst['p95']:.1f} ({worst['role']} "
        f"{worst['page']}) over_{GOAL_MS:.0f}ms={len(over)} healthz_p95_ms={max(r['healthz_p95'] for r in results):.1f} "
        f"load_average={min(loads):.1f}-{max(loads):.1f}"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"info": info, "load_averages": loads, "results": results}, ensure_ascii=False, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
