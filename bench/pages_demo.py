"""Benchmark: the time to render every page an officer opens in the officer's browser test
(tests/browser/test_officer.py), on the demo database, beside a trivial page.

What it does:

1. Uses the demo database of ``GONGJIANG_VAR_DIR`` (default ``var/``), building it first with
   ``gongjiang demo --no-serve`` when it holds no demo accounts.
2. Signs in (in process, Django's test client: the whole middleware stack and the templates, no network) as
   the 张家港 officers ``zhangjiagang`` and ``zhangjiagang2`` and finds the demo's records the pages show: a
   certificate, an employment and a designated class of 张家港, the draft policy version.
3. Asks each page ``--repeat`` times after ``--warm`` unmeasured requests, in turns (one request of each page
   per round, so that no page is measured only while caches are cold or warm), and the trivial view
   ``GET /healthz/`` in the same rounds.
4. Prints each page's p50 and p95 in milliseconds and its p95 over the trivial view's, and whether every page
   meets the goal: p95 <= 300 ms.

Nothing is written: every request is a GET. Run with ``make bench-pages-demo``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjiang.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

GOAL_MS = 300.0


def _demo_ready() -> bool:
    from django.db import DatabaseError

    from gongjiang.core.models import User
    from gongjiang.policy.models import PolicyDraft

    try:
        return User.objects.filter(username="zhangjiagang2").exists() and PolicyDraft.objects.exists()
    except DatabaseError:  # a new var directory: no tables yet
        return False


def _pages() -> dict[str, list[tuple[str, str]]]:
    """(name, address) by user: the pages of the browser test, on the demo's records."""
    from gongjiang.credentials.models import Certificate
    from gongjiang.policy.models import PolicyDraft
    from gongjiang.registry.models import Employment
    from gongjiang.training.models import TrainingClass

    zjg = "320582"
    cert = Certificate.objects.filter(person__residence_region_code=zjg, status="valid").order_by("pk").first()
    job = Employment.objects.filter(person__residence_region_code=zjg).order_by("pk").first()
    tc = TrainingClass.objects.filter(region_code=zjg, kind="designated").order_by("pk").first()
    draft = PolicyDraft.objects.filter(region_code=zjg).order_by("pk").first()
    assert cert and job and tc and draft, "the demo database lacks the records the pages show"
    officer = [
        ("首页 home", "/"),
        ("证书列表 certificate list", "/credentials/certificates/"),
        ("发证表单 issue form", "/credentials/certificates/new/"),
        ("证书 certificate", f"/credentials/certificates/{cert.pk}/"),
        ("撤销确认 revoke step", f"/credentials/certificates/{cert.pk}/revoke/"),
        ("从业记录列表 employment list", "/registry/employments/"),
        ("就业登记表单 employment form", "/registry/employments/new/"),
        ("从业记录 employment", f"/registry/employments/{job.pk}/"),
        ("培训首页 training home", "/training/"),
        ("培训班列表 class list", "/training/classes/"),
        ("开班表单 class form", "/training/classes/new/"),
        ("培训班 class", f"/training/classes/{tc.pk}/"),
        ("政策首页 policy", "/policy/"),
        ("草案列表 drafts", "/policy/drafts/"),
        ("起草表单 draft form", "/policy/drafts/new/"),
        ("草案 draft", f"/policy/drafts/{draft.pk}/"),
        ("草案差异 draft diff", f"/policy/drafts/{draft.pk}/diff/"),
    ]
    second = [
        ("草案（复核人）draft, second officer", f"/policy/drafts/{draft.pk}/"),
        ("通过确认 adopt step", f"/policy/drafts/{draft.pk}/adopt/"),
    ]
    # The organisations' and the worker's browser tests (gongjiang/portal/tests/test_browser.py): the enterprise
    # claims its class's subsidies, the training institution applies to be designated and the officer decides,
    # the worker reads their own page.
    from django.urls import reverse

    from gongjiang.core.models import User
    from gongjiang.training.models import Claim, DesignationRequest

    enterprise = User.objects.get(username="enterprise")
    own_class = TrainingClass.objects.filter(institution=enterprise.organisation).order_by("pk").first()
    claim = Claim.objects.filter(region_code=zjg).order_by("pk").first()
    request = DesignationRequest.objects.filter(region_code=zjg).order_by("pk").first()
    assert own_class and claim and request, "the demo database lacks the organisations' records"
    officer += [
        ("定点申请列表 designation requests", reverse("training:designation-request-list")),
        ("定点申请 designation request", reverse("training:designation-request-detail", args=[request.pk])),
        ("补贴申领列表 claims", reverse("training:claim-list")),
        ("补贴申领 claim", reverse("training:claim-detail", args=[claim.pk])),
    ]
    organisation = [
        ("首页 home", "/"),
        ("培训首页 training home", "/training/"),
        ("培训班列表 class list", reverse("training:class-list")),
        ("本单位培训班 own class", reverse("training:class-detail", args=[own_class.pk])),
        ("补贴申领列表 claims", reverse("training:claim-list")),
    ]
    school = [
        ("首页 home", "/"),
        ("定点申请列表 designation requests", reverse("training:designation-request-list")),
        ("定点申请表单 designation request form", reverse("training:designation-request-create")),
    ]
    worker = [("个人服务 self-service", reverse("self-service"))]
    return {
        "zhangjiagang": officer,
        "zhangjiagang2": second,
        "enterprise": organisation,
        "school": school,
        "worker": worker,
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--warm", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    from gongjiang.core.models import User

    if not _demo_ready():
        print("building the demo database (gongjiang demo --no-serve) ...", flush=True)
        subprocess.run([sys.executable, "-m", "gongjiang", "demo", "--no-serve"], check=True, cwd=ROOT)
    clients = {}
    for username in ("zhangjiagang", "zhangjiagang2", "enterprise", "school", "worker"):
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(User.objects.get(username=username))
        clients[username] = client
    pages = _pages()
    trivial = Client()
    plan = [(f"{user}: {name}", url, clients[user]) for user, entries in pages.items() for name, url in entries]
    plan.append(("trivial /healthz/", "/healthz/", trivial))
    for _ in range(args.warm):
        for name, url, client in plan:
            response = client.get(url)
            assert response.status_code == 200, f"{name} {url}: {response.status_code}"
    times: dict[str, list[float]] = {name: [] for name, _url, _client in plan}
    for _ in range(args.repeat):
        for name, url, client in plan:
            start = time.perf_counter()
            response = client.get(url)
            times[name].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
    base = _percentile(times["trivial /healthz/"], 0.95)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"pages of the officer's, organisations' and worker's browser tests on the demo database ({engine}, DEBUG={settings.DEBUG}), "
    )
    print(f"{args.repeat} requests each after {args.warm} to warm up, in process (no network)")
    print(f"{'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'p95/trivial':>12}")
    worst = 0.0
    for name, values in times.items():
        p50, p95 = statistics.median(values), _percentile(values, 0.95)
        if name != "trivial /healthz/":
            worst = max(worst, p95)
        print(f"{name:<40} {p50:8.1f} {p95:8.1f} {p95 / base:12.1f}")
    verdict = "meets" if worst <= GOAL_MS else "misses"
    print(f"slowest page p95 {worst:.1f} ms: {verdict} the goal p95 <= {GOAL_MS:.0f} ms")
    return 0 if worst <= GOAL_MS else 1


if __name__ == "__main__":
    sys.exit(main())
