"""Benchmark: issuing an evaluation plan's certificates as one batch, against the per-certificate service path.

On a fresh database (PostgreSQL by default) with a synthetic 苏州 (about 120,000 persons), one filed
institution and a publicised plan of N candidates who passed (default 100,000):

* **batch**: ``gongjiang.evaluation.services.plans.plan_issue``, the page's 发证 step: national numbers
  from the locked serial counter, the certificate rows (COPY), the Merkle tree and its Ed25519-signed
  root, the change records, the candidates linked to their certificates; then the indicators' incremental
  rollup update that the commit asks for (``rollup_update``), timed apart and added;
* **per certificate** (the baseline): on a sample of B candidates of a second plan (default 2,000), the
  path one certificate at a time: ``credentials.services.certificate_issue`` (validation, the number
  checked against the certificate, ``full_clean``, insert, change record) and the candidate linked with its
  own change record, each in its own transaction; then the same rollup update;
* **inclusion proofs**: ``credentials.batches.batch_proof_verify`` on P certificates of the batch (default
  1,000): the leaf up the audit path to the root and the root's signature checked with the public key.

Printed: seconds and certificates per second of both paths, their ratio (goal ≥ 50×), the batch's total
(goal ≤ 20 s), the proof check's mean and 99th percentile (goal ≤ 1 ms) and peak memory, then one JSON line.

Usage: python bench/evaluation.py [--candidates 100000] [--baseline 2000] [--proofs 1000]
       [--db postgres|sqlite] [--scale 0.045]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
PG_URL = os.environ.get("GONGJIANG_BENCH_PG", "postgres://postgres@127.0.0.1:5432/gongjiang_bench_evaluation")
OCCUPATION, LEVEL = "6-31-07-02", "level3"  # 工业视觉系统运维员, 高级工: a new occupation nobody holds yet


def prepare(db: str) -> Path:
    """A fresh database: schema and reference data, in child processes (as `gongjiang` would)."""
    workdir = Path(tempfile.mkdtemp(prefix="gj-bench-evaluation-"))
    os.environ["GONGJIANG_VAR_DIR"] = str(workdir)
    os.environ["GONGJIANG_LOG_LEVEL"] = "WARNING"
    os.environ["GONGJIANG_TASKS"] = "immediate"
    if db == "postgres":
        os.environ["DATABASE_URL"] = PG_URL
        subprocess.run([PY, "scripts/pgdb.py", "create", PG_URL], cwd=ROOT, check=True)
    else:
        os.environ.pop("DATABASE_URL", None)
    for cmd in (["migrate", "-v0"], ["load_reference"]):
        subprocess.run([PY, "-m", "gongjiang", *cmd], cwd=ROOT, check=True, capture_output=True)
    return workdir


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=2_000)
    parser.add_argument("--proofs", type=int, default=1_000)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--scale", type=float, default=0.045)
    args = parser.parse_args()
    prepare(args.db)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjiang.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from gongjiang.core.audit import audit_context
    from gongjiang.credentials import batches
    from gongjiang.credentials.models import Certificate
    from gongjiang.credentials.services import certificate_issue
    from gongjiang.evaluation.models import Candidate, Plan, PlanStatus
    from gongjiang.evaluation.services import institutions, plans
    from gongjiang.monitoring.incremental import rollup_update
    from gongjiang.monitoring.rollup import rollup_rebuild
    from gongjiang.registry.models import Organisation, Person
    from gongjiang.synth.generator import synthesize

    say = print
    today = datetime.date.today()
    with audit_context(source="cli"):
        started = time.perf_counter()
        report = synthesize(region="320500", scale=args.scale, seed=11)
        say(
            f"setup: {report.counts['persons']:,} persons in {time.perf_counter() - started:.1f} s ({connection.vendor})"
        )
        org = Organisation.objects.filter(kind="enterprise", region_code__startswith="3205").order_by("pk").first()
        assert org is not None
        inst = institutions.institution_file(
            actor=None, organisation=org, kind="enterprise", sites="车间", occupations=[OCCUPATION], levels=[LEVEL]
        )
        staff = list(Person.objects.order_by("pk")[:2])
        examiner = institutions.examiner_add(
            actor=None,
            institution=inst,
            person=staff[0],
            role="examiner",
            qualification="K1",
            valid_until=today.replace(year=today.year + 2),
        )
        institutions.examiner_add(
            actor=None,
            institution=inst,
            person=staff[1],
            role="supervisor",
            qualification="K2",
            valid_until=today.replace(year=today.year + 2),
        )
        institutions.institution_lodge(actor=None, institution=inst)
        inst = institutions.institution_approve(
            actor=None, institution=inst, valid_from=today - datetime.timedelta(days=400)
        )
        persons = list(
            Person.objects.filter(birth_date__lte=today - datetime.timedelta(days=18 * 366))
            .exclude(pk__in=staff)
            .order_by("pk")
            .values_list("pk", flat=True)[: args.candidates + args.baseline]
        )
        if len(persons) < args.candidates + args.baseline:
            raise SystemExit(f"only {len(persons)} adults: raise --scale")

        def publicised_plan(ids: list[int]) -> Plan:
            plan = plans.plan_file(
                actor=None,
                institution=inst,
                occupation_code=OCCUPATION,
                level_code=LEVEL,
                source="self_evaluation",
                exam_date=today - datetime.timedelta(days=20),
                site="车间",
                examiners=[examiner],
            )
            Candidate.objects.bulk_create(
                [Candidate(plan=plan, person_id=p, theory=80, practical=75, passed=True) for p in ids], batch_size=5000
            )
            Plan.objects.filter(pk=plan.pk).update(
                status=PlanStatus.PUBLICISED,
                results_on=today - datetime.timedelta(days=18),
                publicity_from=today - datetime.timedelta(days=15),
                publicity_until=today - datetime.timedelta(days=8),
            )
            return Plan.objects.get(pk=plan.pk)

        big = publicised_plan(persons[: args.candidates])
        small = publicised_plan(persons[args.candidates :])
        rollup_rebuild()
        say(f"setup: plans of {args.candidates:,} and {args.baseline:,} candidates, rollup built")

        # --- the batch ---------------------------------------------------------------------------
        start = time.perf_counter()
        big = plans.plan_issue(actor=None, plan=big, review_note="抽查无误")
        t_issue = time.perf_counter() - start
        start = time.perf_counter()
        rollup = rollup_update()
        t_rollup = time.perf_counter() - start
        issued = Certificate.objects.filter(batch=big.batch).count()
        assert issued == args.candidates, issued
        batch_total = t_issue + t_rollup

        # --- one certificate at a time -------------------------------------------------------------
        prefix = batches.number_prefix(
            evaluator="Y", body_code="0000", station_code=str(inst.station_code), year=today.year, national_level=3
        )
        first = batches.serials_take(prefix, 1) + 10  # clear of the batch's serials
        start = time.perf_counter()
        for i, cand in enumerate(small.candidates.select_related("person").order_by("pk")):
            with transaction.atomic():
                cert = certificate_issue(
                    actor=None,
                    number=f"{prefix}{first + i:06d}",
                    person=cand.person,
                    occupation_code=OCCUPATION,
                    level_code=LEVEL,
                    issue_date=today,
                    source="self_evaluation",
                    issuer=org,
                )
                plans.candidate_link(actor=None, candidate=cand, certificate=cert)
        t_single = time.perf_counter() - start
        start = time.perf_counter()
        rollup_update()
        t_single_rollup = time.perf_counter() - start
        single_total = t_single + t_single_rollup

        # --- inclusion proofs ----------------------------------------------------------------------
        sample = list(
            Certificate.objects.filter(batch=big.batch)
            .select_related("batch", "occupation", "level")
            .order_by("?")[: args.proofs]
        )
        proofs = [(batches.batch_proof(c), c) for c in sample]
        times = []
        for proof, cert in proofs:
            assert proof is not None
            payload = proof.as_json()
            t0 = time.perf_counter()
            result = batches.batch_proof_verify(
                payload,
                number=cert.number,
                occupation=cert.occupation.code,
                level=cert.level.code,
                issue_date=cert.issue_date.isoformat(),
            )
            times.append(time.perf_counter() - t0)
            assert result.valid, result
        times.sort()
        mean_ms = 1000 * sum(times) / len(times)
        p99_ms = 1000 * times[int(0.99 * (len(times) - 1))]

    batch_rate = args.candidates / batch_total
    single_rate = args.baseline / single_total
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    say("")
    say(
        f"batch:          {args.candidates:>9,} certificates  issue {t_issue:6.2f} s + rollup {t_rollup:5.2f} s "
        f"= {batch_total:6.2f} s  {batch_rate:>9,.0f}/s  (goal ≤ 20 s)"
    )
    say(
        f"per certificate:{args.baseline:>9,} certificates  issue {t_single:6.2f} s + rollup {t_single_rollup:5.2f} s "
        f"= {single_total:6.2f} s  {single_rate:>9,.0f}/s"
    )
    say(f"ratio batch / per certificate: {batch_rate / single_rate:.1f}×  (goal ≥ 50×)")
    say(
        f"inclusion proof check: mean {mean_ms:.3f} ms, p99 {p99_ms:.3f} ms over {len(times)} proofs "
        f"(tree of {args.candidates:,}, path of {len(proofs[0][0].path) if proofs and proofs[0][0] else 0})  (goal ≤ 1 ms)"
    )
    say(f"rollup: {rollup.mode}; peak memory {peak:,.0f} MiB")
    print(
        "RESULT "
        + json.dumps(
            {
                "db": connection.vendor,
                "candidates": args.candidates,
                "issue_s": round(t_issue, 3),
                "rollup_s": round(t_rollup, 3),
                "batch_total_s": round(batch_total, 3),
                "batch_per_s": round(batch_rate),
                "baseline": args.baseline,
                "single_s": round(single_total, 3),
                "single_per_s": round(single_rate, 1),
                "ratio": round(batch_rate / single_rate, 1),
                "proof_mean_ms": round(mean_ms, 4),
                "proof_p99_ms": round(p99_ms, 4),
                "peak_mib": round(peak),
            }
        )
    )
    if args.db == "postgres":
        connection.close()
        subprocess.run([PY, "scripts/pgdb.py", "drop", PG_URL], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
