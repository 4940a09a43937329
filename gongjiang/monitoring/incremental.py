"""The incremental update of the rollup fact table: everything written since the last rollup, applied as
changes to the stored facts.

What was written is found in the rollup's change queue (:mod:`gongjiang.monitoring.changequeue`: one
row per service write, in the writer's transaction, with the fields as they were before an update) and
through the id watermarks (bulk loads append rows above them). The affected persons' contributions are
computed twice — on the registry as it is now, and as it was at the position, rebuilt from the rows at
or below the watermarks and the earliest ``before`` of each changed row — and the difference is
applied to the stored facts. The queue rows read are deleted in the same transaction; rows of
transactions that commit later wait for the next update. Any change that cannot be reversed (a bulk
update or a delete of a certificate, person or employment) makes the update a full rebuild instead.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from gongjiang.core.audit import record_set
from gongjiang.credentials.models import Certificate
from gongjiang.monitoring import engine
from gongjiang.monitoring.changequeue import (
    CERT_MODEL,
    EMPLOYMENT_MODEL,
    ORGANISATION_MODEL,
    PERSON_MODEL,
    consume,
    queued,
)
from gongjiang.monitoring.crosswalk import crosswalk
from gongjiang.monitoring.facts import apply_deltas, fact_rows
from gongjiang.monitoring.frames import (
    CERT_SCHEMA,
    EMPLOYMENT_SCHEMA,
    PERSON_SCHEMA,
    Lookups,
    cert_query,
    chunk_size,
    chunks,
    employment_query,
    in_list,
    lookups,
    org_sections,
    person_query,
    prepare_certs,
    prepare_industry,
    prepare_persons,
    section_number,
)
from gongjiang.monitoring.models import RegionFact, RollupState
from gongjiang.monitoring.reading import Reader, is_pg, read_rows, shared_readers
from gongjiang.monitoring.rollup import (
    Progress,
    RollupReport,
    data_as_of,
    rollup_lock,
    rollup_rebuild,
    snapshot_position,
)
from gongjiang.reference.models import Industry
from gongjiang.registry.models import Employment, Organisation, Person

# Extra connections reading the affected persons' rows in parallel (sharing the update's snapshot, see
# reading.py): they overlap the scattered page reads of rows not in memory (10,000 persons read in
# 2.5 s on one connection, 1.0 s on eight), worth it from a few thousand persons on.
UPDATE_READERS = 8
PARALLEL_FROM_PERSONS = 2_000


class NeedsRebuild(Exception):
    pass


def _earliest_before(records: list[dict[str, Any]], model: str) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for r in records:
        if r["model"] == model and r["action"] == "update" and r["object_id"]:
            out.setdefault(int(r["object_id"]), r["before"])
    return out


def _created(records: list[dict[str, Any]], model: str) -> set[int]:
    return {int(r["object_id"]) for r in records if r["model"] == model and r["action"] == "create" and r["object_id"]}


def _parse_day(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return engine.days(datetime.date.fromisoformat(str(value)[:10]))


def rollup_update(*, progress: Progress | None = None) -> RollupReport:
    """Bring the facts up to date with everything written since the last rollup; a full rebuild if there
    is no rollup yet or a change cannot be applied incrementally."""
    say = progress or (lambda s: None)
    with rollup_lock():
        if not RollupState.objects.filter(pk=1).exists():
            return rollup_rebuild(progress=progress)
        try:
            return _update(say)
        except NeedsRebuild as exc:
            say(f"full rebuild: {exc}")
            report = rollup_rebuild(progress=progress)
            report.reason = str(exc)
            return report


def _update(say: Progress) -> RollupReport:
    started = time.perf_counter()
    report = RollupReport(mode="incremental")
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if is_pg() and outermost:
            # One snapshot for the position and every row read, as in the full rebuild.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        # The rollup lock is held: no other rollup changes the state or the queue meanwhile.
        state = RollupState.objects.get(pk=1)
        recs = queued()
        for r in recs:
            if r["model"] in (CERT_MODEL, PERSON_MODEL, EMPLOYMENT_MODEL):
                if r["action"] == "delete" or (r["action"] not in ("create", "update", "bulk_create")):
                    raise NeedsRebuild(f"{r['action']} of {r['model']} cannot be applied incrementally")
                if r["action"] == "update" and not r["object_id"]:
                    raise NeedsRebuild(f"bulk update of {r['model']}")
                if r["action"] == "update" and r["before"] is None:
                    raise NeedsRebuild(f"update of {r['model']} {r['object_id']} without a before snapshot")
        position = snapshot_position()
        cert_before = _earliest_before(recs, CERT_MODEL)
        person_before = _earliest_before(recs, PERSON_MODEL)
        job_before = _earliest_before(recs, EMPLOYMENT_MODEL)
        org_before = _earliest_before(recs, ORGANISATION_MODEL)
        certs_created = _created(recs, CERT_MODEL) | set(
            Certificate.objects.filter(id__gt=state.certificate_id).values_list("id", flat=True)
        )
        jobs_created = _created(recs, EMPLOYMENT_MODEL) | set(
            Employment.objects.filter(id__gt=state.employment_id).values_list("id", flat=True)
        )
        persons_created = _created(recs, PERSON_MODEL) | set(
            Person.objects.filter(id__gt=state.person_id).values_list("id", flat=True)
        )
        # Persons whose contribution may have changed.
        affected: set[int] = set()
        touched_certs = certs_created | set(cert_before)
        for chunk in chunks(sorted(touched_certs)):
            affected.update(Certificate.objects.filter(id__in=chunk).values_list("person_id", flat=True))
        affected.update(int(b["person_id"]) for b in cert_before.values() if b.get("person_id"))
        affected.update(person_before)
        touched_jobs = jobs_created | set(job_before)
        for chunk in chunks(sorted(touched_jobs)):
            affected.update(Employment.objects.filter(id__in=chunk).values_list("person_id", flat=True))
        affected.update(int(b["person_id"]) for b in job_before.values() if b.get("person_id"))
        changed_orgs = [
            pk
            for pk, b in org_before.items()
            if b.get("industry_id") != Organisation.objects.filter(pk=pk).values_list("industry_id", flat=True).first()
        ]
        for chunk in chunks(changed_orgs):
            affected.update(
                Employment.objects.filter(organisation_id__in=chunk, end__isnull=True).values_list(
                    "person_id", flat=True
                )
            )
        say(f"{len(recs)} queued changes, {len(affected)} affected persons")
        report.timings["collect"] = time.perf_counter() - started
        t = time.perf_counter()
        lk = lookups(organisations=())
        # Industry sections of organisations as they were at the watermark.
        lk_old = Lookups(lk.level_rank, lk.occ_group, lk.occ_digital, dict(lk.org_section))
        if org_before:
            ind = dict(Industry.objects.values_list("id", "section"))
            for pk, b in org_before.items():
                lk_old.org_section[pk] = section_number(ind.get(int(b.get("industry_id") or 0), ""))
        parallel = outermost and len(affected) >= PARALLEL_FROM_PERSONS
        with shared_readers(UPDATE_READERS if parallel else 0) as readers:
            new_events, old_events, new_certs = _affected_events(
                readers, sorted(affected), state, lk, lk_old, cert_before, person_before, job_before,
                certs_created, jobs_created, persons_created,
            )  # fmt: skip
        report.timings["compute"] = time.perf_counter() - t
        t = time.perf_counter()
        diff = engine.difference(new_events, old_events)
        as_of = state.data_as_of or timezone.localdate()
        latest = data_as_of(new_certs) if new_certs.height else as_of
        if state.stored_through is None or latest > state.stored_through:
            raise NeedsRebuild("new data beyond the stored periods")
        plist = engine.periods(state.first_year, state.stored_through, quarter_from=state.quarter_from)
        deltas = engine.delta_facts(diff, plist)
        applied = apply_deltas(fact_rows(deltas))
        consume([r["id"] for r in recs], own_snapshot=outermost)
        report.timings["apply"] = time.perf_counter() - t
        state.built_at = timezone.now()
        state.mode = "incremental"
        state.certificate_id = max(position["certificate_id"], state.certificate_id)
        state.person_id = max(position["person_id"], state.person_id)
        state.employment_id = max(position["employment_id"], state.employment_id)
        state.data_as_of = max(as_of, latest)
        state.seconds = time.perf_counter() - started
        state.detail = {"affected_persons": len(affected), "delta_rows": applied, "changes": len(recs)}
        state.save()
        if applied:
            record_set(model=RegionFact, count=applied, detail={"mode": "incremental", "persons": len(affected)})
    regions = sorted(set(deltas["region"].cast(pl.Utf8).str.zfill(6).to_list())) if deltas.height else []
    report.affected_regions = regions
    report.persons = len(affected)
    report.facts = applied
    report.changes = len(recs)
    report.seconds = time.perf_counter() - started
    return report


def _affected_events(
    readers: list[Reader],
    affected: list[int],
    state: RollupState,
    lk: Lookups,
    lk_old: Lookups,
    cert_before: dict[int, dict[str, Any]],
    person_before: dict[int, dict[str, Any]],
    job_before: dict[int, dict[str, Any]],
    certs_created: set[int],
    jobs_created: set[int],
    persons_created: set[int],
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Contributions of the affected persons now and at the watermark."""
    if not affected:
        empty = pl.DataFrame(schema=engine.EVENT_SCHEMA)
        return empty, empty, pl.DataFrame(schema=CERT_SCHEMA)
    jobs: list[tuple[str, Any]] = []
    for chunk in chunks(affected, chunk_size(len(affected), len(readers))):
        ids = in_list(chunk)
        jobs.append((cert_query(f"person_id IN ({ids})").sql(), CERT_SCHEMA))
        jobs.append((person_query(f"id IN ({ids})").sql(), PERSON_SCHEMA))
        jobs.append((employment_query(f"person_id IN ({ids})").sql(), EMPLOYMENT_SCHEMA))
    # The region crosswalk (computed once per process) is prepared while the rows are read.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(crosswalk)
        frames = read_rows(jobs, readers)
    certs_now = pl.concat(frames[0::3])
    persons_now = pl.concat(frames[1::3])
    jobs_now = pl.concat(frames[2::3])

    # Certificates that belonged to an affected person before being moved to someone else.
    moved = [pk for pk, b in cert_before.items() if pk not in set(certs_now["cert_id"].to_list())]
    if moved:
        certs_moved = pl.concat(
            read_rows([(cert_query(f"id IN ({in_list(c)})").sql(), CERT_SCHEMA) for c in chunks(moved)])
        )
    else:
        certs_moved = pl.DataFrame(schema=CERT_SCHEMA)

    # The registry at the watermark: rows that existed then, with the values their first later update
    # recorded as "before".
    old_certs = pl.concat([certs_now, certs_moved]).unique("cert_id")
    old_certs = old_certs.filter(
        (pl.col("cert_id") <= state.certificate_id) & ~pl.col("cert_id").is_in(list(certs_created))
    )
    old_certs = _override(
        old_certs,
        cert_before,
        "cert_id",
        {
            "person_id": lambda v: int(v),
            "level_id": lambda v: int(v),
            "occupation_id": lambda v: int(v),
            "school": lambda v: v == "school_dual",
            "start": _parse_day,
            "end": _parse_day,
        },
        {
            "person_id": "person_id",
            "level_id": "level_id",
            "occupation_id": "occupation_id",
            "school": "source",
            "start": "issue_date",
            "end": "revoked_on",
        },
    ).filter(pl.col("person_id").is_in(affected))
    old_persons = persons_now.filter(
        (pl.col("person_id") <= state.person_id) & ~pl.col("person_id").is_in(list(persons_created))
    )
    old_persons = _override(
        old_persons,
        person_before,
        "person_id",
        {
            "region": lambda v: int(v),
            "sex": lambda v: 1 if v == "F" else 0,
            "birth": _parse_day,
        },
        {"region": "residence_region_code", "sex": "sex", "birth": "birth_date"},
    )
    old_jobs = jobs_now.filter(
        (pl.col("employment_id") <= state.employment_id) & ~pl.col("employment_id").is_in(list(jobs_created))
    )
    old_jobs = _override(
        old_jobs,
        job_before,
        "employment_id",
        {
            "person_id": lambda v: int(v),
            "organisation_id": lambda v: int(v),
            "start": _parse_day,
            "current": lambda v: v is None,
        },
        {"person_id": "person_id", "organisation_id": "organisation_id", "start": "start", "current": "end"},
    )
    # The industry sections of the employers, now and at the watermark (those whose industry changed
    # since are in lk_old already).
    sections = org_sections(jobs_now["organisation_id"].to_list() + old_jobs["organisation_id"].to_list())
    lk.org_section.update(sections)
    for pk, section in sections.items():
        lk_old.org_section.setdefault(pk, section)
    new_certs = prepare_certs(certs_now, lk)
    now_and_then = [
        (new_certs, prepare_persons(persons_now), prepare_industry(jobs_now.filter(pl.col("current")), lk)),
        (
            prepare_certs(old_certs, lk),
            prepare_persons(old_persons),
            prepare_industry(old_jobs.filter(pl.col("current")), lk_old),
        ),
    ]
    with ThreadPoolExecutor(max_workers=2) as pool:
        new, old = pool.map(lambda frames: engine.contributions(*frames, through=state.stored_through), now_and_then)
    return new, old, new_certs.filter(pl.col("cert_id").is_in(list(certs_created)))


def _override(
    frame: pl.DataFrame,
    befores: dict[int, dict[str, Any]],
    key: str,
    parsers: dict[str, Callable[[Any], Any]],
    fields: dict[str, str],
) -> pl.DataFrame:
    """Replace columns of the rows named in ``befores`` with the values recorded there."""
    relevant = {k: v for k, v in befores.items() if k in set(frame[key].to_list())}
    if not relevant:
        return frame
    schema = frame.schema
    rows = []
    for pk, before in relevant.items():
        row: dict[str, Any] = {key: pk}
        for column, parse in parsers.items():
            source = fields[column]
            if source in before:
                row[column] = parse(before[source])
        rows.append(row)
    patch = pl.DataFrame(rows, schema={c: schema[c] for c in [key, *parsers]}, orient="row")
    present = [c for c in parsers if any(fields[c] in b for b in relevant.values())]
    merged = frame.join(patch.select([key, *present]), on=key, how="left", suffix="__old")
    return merged.with_columns(
        *(
            pl.when(pl.col(key).is_in(list(relevant))).then(pl.col(f"{c}__old")).otherwise(pl.col(c)).alias(c)
            for c in present
        )
    ).select(list(schema))
