"""The rollup fact table: full rebuild and incremental update, reading the registry in bulk.

Full rebuild: read persons, certificates and employments (COPY on PostgreSQL, the raw cursor on
SQLite) in one consistent snapshot together with the registry's position (the last change record and
the highest certificate, person and employment ids), compute every person's contribution with
:mod:`gongjiang.monitoring.engine`, write the facts, remember the position.

Incremental update: everything written since that position is found through the change log (every
write records a change) and the id watermarks (bulk loads append rows above them). The affected
persons' contributions are computed twice — on the registry as it is now, and as it was at the
position, rebuilt from the rows at or below the watermarks and the ``before`` snapshots of their
change records — and the difference is applied to the stored facts. Any change the log cannot
reverse (a bulk update or a delete of a certificate, person or employment) makes the update a full
rebuild instead. Change records that were not yet visible when the position was taken (concurrent
transactions on PostgreSQL commit out of id order) are remembered as pending and picked up later.
"""

from __future__ import annotations

import datetime
import io
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from gongjiang.core.audit import record_set
from gongjiang.core.models import ChangeRecord
from gongjiang.credentials.models import Certificate
from gongjiang.monitoring import engine
from gongjiang.monitoring.crosswalk import crosswalk
from gongjiang.monitoring.models import RegionFact, RollupState
from gongjiang.monitoring.reading import (
    Query,
    Reader,
    ReadSnapshot,
    days_sql,
    fetch,
    is_pg,
    read_rows,
    shared_readers,
)
from gongjiang.reference.models import Industry, Occupation, SkillLevel
from gongjiang.registry.models import Employment, Organisation, Person

# Extra connections reading in parallel (sharing the rollup's snapshot, see reading.py): the full
# rebuild on PostgreSQL has the server render id ranges on every core (one more reader than cores keeps
# them busy while a range's data is handed over); an incremental update overlaps the scattered page
# reads of the affected persons' rows (rows not in memory: 10,000 persons read in 2.5 s on one
# connection, 1.0 s on eight), worth it from a few thousand persons on.
READ_THREADS = 3
UPDATE_READERS = 8
PARALLEL_FROM_PERSONS = 2_000
FIRST_YEAR = 2005  # the earliest year stored; older certificates count in the stocks from then on
PENDING_SECONDS = 24 * 3600  # how long a change-record id not yet visible is waited for
FACT_COLUMNS = ["region_code", "period", "period_end", "scope", "dim", "member", *engine.MEASURES]
CERT_MODEL = Certificate._meta.label
PERSON_MODEL = Person._meta.label
EMPLOYMENT_MODEL = Employment._meta.label
ORGANISATION_MODEL = Organisation._meta.label
TRACKED = (CERT_MODEL, PERSON_MODEL, EMPLOYMENT_MODEL, ORGANISATION_MODEL)

Progress = Callable[[str], None]


@dataclass
class RollupReport:
    mode: str
    seconds: float = 0.0
    persons: int = 0
    certificates: int = 0
    facts: int = 0
    affected_regions: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    reason: str = ""


# ---------------------------------------------------------------------------------------------
# Reading the registry in bulk
# ---------------------------------------------------------------------------------------------


def _in(ids: list[int]) -> str:
    return ",".join(str(int(i)) for i in ids) if ids else "NULL"


def _chunks(ids: list[int], size: int = 20_000) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _chunk_size(n: int, readers: int) -> int:
    """Persons per read of an incremental update: a few reads per reader, at most 20,000 ids each."""
    return max(1, min(20_000, -(-n // (4 * readers))))


@dataclass
class Lookups:
    level_rank: dict[int, int]
    occ_group: dict[int, int]
    occ_digital: dict[int, bool]
    org_section: dict[int, int]


def org_sections(organisations: Iterable[int] | None = None) -> dict[int, int]:
    """The industry section (1 = A … 20 = T) of every organisation with an industry, or of those named."""
    sections = {s: i + 1 for i, s in enumerate("ABCDEFGHIJKLMNOPQRST")}
    industry_section = {pk: sections.get(sec, 0) for pk, sec in Industry.objects.values_list("id", "section")}
    table = Organisation._meta.db_table
    sql = f"SELECT id, industry_id FROM {table} WHERE industry_id IS NOT NULL"  # noqa: S608
    schema = {"id": pl.Int64, "industry_id": pl.Int64}
    if organisations is None:
        frame = fetch(sql, schema)
    else:
        ids = sorted(set(organisations))
        frame = pl.concat(
            [fetch(f"{sql} AND id IN ({_in(chunk)})", schema) for chunk in _chunks(ids)]
            or [pl.DataFrame(schema=schema)]
        )
    return {pk: industry_section.get(ind, 0) for pk, ind in frame.iter_rows()}


def lookups(organisations: Iterable[int] | None = None) -> Lookups:
    """Skill-level ranks, occupation groups and digital flags, and the industry sections of every
    organisation (or of those named: an incremental update adds those of the jobs it reads)."""
    occ_group: dict[int, int] = {}
    occ_digital: dict[int, bool] = {}
    for pk, code, digital in Occupation.objects.values_list("id", "code", "digital"):
        head = code.split("-")[0]
        occ_group[pk] = int(head) if head.isdigit() else 0
        occ_digital[pk] = digital
    org_section = org_sections(organisations)
    return Lookups(
        level_rank=dict(SkillLevel.objects.values_list("id", "rank")),
        occ_group=occ_group,
        occ_digital=occ_digital,
        org_section=org_section,
    )


CERT_SCHEMA = {
    "cert_id": pl.Int64,
    "person_id": pl.Int64,
    "level_id": pl.Int64,
    "occupation_id": pl.Int64,
    "school": pl.Boolean,
    "start": pl.Int32,
    "end": pl.Int32,
}
PERSON_SCHEMA = {"person_id": pl.Int64, "region": pl.Int32, "sex": pl.Int8, "birth": pl.Int32}
EMPLOYMENT_SCHEMA = {
    "employment_id": pl.Int64,
    "person_id": pl.Int64,
    "organisation_id": pl.Int64,
    "start": pl.Int32,
    "current": pl.Boolean,
}


def _cert_query(where: str = "") -> Query:
    school = "(source = 'school_dual')" + ("::int" if is_pg() else "")
    exprs = ["id", "person_id", "level_id", "occupation_id", school, days_sql("issue_date"), days_sql("revoked_on")]
    return Query(Certificate._meta.db_table, exprs, where)


def _person_query(where: str = "") -> Query:
    female = "(sex = 'F')" + ("::int" if is_pg() else "")
    exprs = ["id", "CAST(residence_region_code AS INTEGER)", female, days_sql("birth_date")]
    return Query(Person._meta.db_table, exprs, where)


def _employment_query(where: str = "") -> Query:
    current = '("end" IS NULL)' + ("::int" if is_pg() else "")
    exprs = ["id", "person_id", "organisation_id", days_sql("start"), current]
    return Query(Employment._meta.db_table, exprs, where)


def prepare_certs(raw: pl.DataFrame, lk: Lookups) -> pl.DataFrame:
    return raw.select(
        "cert_id",
        "person_id",
        pl.col("level_id").replace_strict(lk.level_rank, default=0, return_dtype=pl.Int8).alias("rank"),
        pl.col("occupation_id").replace_strict(lk.occ_group, default=0, return_dtype=pl.Int8).alias("occ"),
        pl.col("occupation_id").replace_strict(lk.occ_digital, default=False, return_dtype=pl.Boolean).alias("digital"),
        "school",
        "start",
        "end",
    )


def prepare_persons(raw: pl.DataFrame) -> pl.DataFrame:
    cw = {int(k): int(v) for k, v in crosswalk().items()}
    return raw.with_columns(pl.col("region").replace(cw).cast(pl.Int32))


def prepare_industry(raw: pl.DataFrame, lk: Lookups) -> pl.DataFrame:
    """Each person's industry section: that of their current employer (the latest of their current jobs).
    ``raw`` holds current jobs only; a person without one has no industry (0)."""
    return (
        raw.sort(["person_id", "current", "start", "employment_id"], descending=[False, True, True, True])
        .unique("person_id", keep="first", maintain_order=True)
        .select(
            "person_id",
            pl.col("organisation_id").replace_strict(lk.org_section, default=0, return_dtype=pl.Int8).alias("industry"),
        )
    )


# ---------------------------------------------------------------------------------------------
# Writing facts
# ---------------------------------------------------------------------------------------------


def _fact_rows(facts: pl.DataFrame) -> pl.DataFrame:
    """Engine facts → RegionFact columns (codes and member labels as text)."""
    sections = "ABCDEFGHIJKLMNOPQRST"
    member = (
        pl.when(pl.col("dim") == 0)
        .then(pl.lit("total"))
        .when(pl.col("dim") == 1)
        .then(
            pl.when((pl.col("member") >= 1) & (pl.col("member") <= 20))
            .then(pl.col("member").replace_strict({i + 1: s for i, s in enumerate(sections)}, default="unknown"))
            .otherwise(pl.lit("unknown"))
        )
        .when(pl.col("dim") == 2)
        .then(pl.when(pl.col("member") > 0).then(pl.col("member").cast(pl.Utf8)).otherwise(pl.lit("unknown")))
        .when(pl.col("dim") == 3)
        .then(pl.col("member").cast(pl.Utf8))
        .when(pl.col("dim") == 4)
        .then(pl.col("member").replace_strict({0: "M", 1: "F"}, default="unknown"))
        .otherwise(pl.col("member").replace_strict(dict(enumerate(engine.AGE_BANDS)), default="unknown"))
    )
    return facts.select(
        pl.col("region").cast(pl.Utf8).str.zfill(6).alias("region_code"),
        "period",
        "period_end",
        pl.col("scope").replace_strict(engine.SCOPE_NAMES, return_dtype=pl.Utf8).alias("scope"),
        pl.col("dim").replace_strict(engine.DIM_NAMES, return_dtype=pl.Utf8).alias("dim"),
        member.cast(pl.Utf8).alias("member"),
        *engine.MEASURES,
    )


def _write_all(rows: pl.DataFrame) -> None:
    from gongjiang.core.bulk import copy_frame

    table = connection.ops.quote_name(RegionFact._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}" if is_pg() else f"DELETE FROM {table}")  # noqa: S608
    frame = rows.with_columns(pl.int_range(1, rows.height + 1, dtype=pl.Int64).alias("id")).select(
        ["id", *FACT_COLUMNS]
    )
    copy_frame(RegionFact, frame)


def _apply_deltas(rows: pl.DataFrame) -> int:
    """Add ``rows`` (changes of measures) to the stored facts, inserting keys not yet present and dropping
    rows that fall to zero. The changes go through a temporary table indexed on the fact key: one UPDATE
    … FROM, one INSERT … WHERE NOT EXISTS, one DELETE."""
    if rows.height == 0:
        return 0
    table = connection.ops.quote_name(RegionFact._meta.db_table)
    tmp = "monitoring_fact_delta"
    cols = FACT_COLUMNS
    keys = ["region_code", "scope", "dim", "member", "period"]
    collist = ", ".join(cols)
    data = rows.select(cols)
    with connection.cursor() as cursor:
        if is_pg():
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {tmp} (LIKE {table} INCLUDING DEFAULTS)")
            cursor.execute(f"TRUNCATE {tmp}")
            buf = io.BytesIO()
            data.with_columns(pl.lit(0).alias("id")).select(["id", *cols]).write_csv(buf, include_header=False)
            with cursor.cursor.copy(f"COPY {tmp} (id, {collist}) FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(buf.getvalue())
            cursor.execute(f"ANALYZE {tmp}")
        else:
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {tmp} AS SELECT * FROM {table} WHERE 0")  # noqa: S608
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {tmp}_key ON {tmp} ({', '.join(keys)})")
            cursor.execute(f"DELETE FROM {tmp}")  # noqa: S608
            data = data.with_columns(pl.col("period_end").dt.strftime("%Y-%m-%d"))
            placeholders = ", ".join(["%s"] * len(cols))
            insert = f"INSERT INTO {tmp} (id, {collist}) VALUES (0, {placeholders})"  # noqa: S608
            cursor.executemany(insert, list(data.iter_rows()))
        match = " AND ".join(f"f.{k} = d.{k}" for k in keys)
        sets = ", ".join(f"{m} = {table}.{m} + d.{m}" for m in engine.MEASURES)
        match_update = " AND ".join(f"{table}.{k} = d.{k}" for k in keys)
        cursor.execute(f"UPDATE {table} SET {sets} FROM {tmp} d WHERE {match_update}")  # noqa: S608
        next_id = f"(SELECT COALESCE(MAX(id), 0) FROM {table})"  # noqa: S608
        values = ", ".join(f"d.{c}" for c in cols)
        cursor.execute(
            f"INSERT INTO {table} (id, {collist}) SELECT {next_id} + ROW_NUMBER() OVER "  # noqa: S608
            f"(ORDER BY d.region_code, d.period), {values} FROM {tmp} d "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} f WHERE {match})"
        )
        zero = " AND ".join(f"{table}.{m} = 0" for m in engine.MEASURES)
        cursor.execute(
            f"DELETE FROM {table} WHERE {zero} AND EXISTS (SELECT 1 FROM {tmp} d WHERE {match_update})"  # noqa: S608
        )
        cursor.execute(f"DELETE FROM {tmp}")  # noqa: S608
    if is_pg():
        from gongjiang.core.bulk import _reset_sequence

        _reset_sequence(RegionFact)
    return rows.height


# ---------------------------------------------------------------------------------------------
# Full rebuild
# ---------------------------------------------------------------------------------------------


def _snapshot_position(reader: Reader | None = None) -> dict[str, int]:
    """The last change record and the highest certificate, person and employment ids, as ``reader`` (by
    default the main connection) sees them."""
    tables = {
        "change_id": ChangeRecord,
        "certificate_id": Certificate,
        "person_id": Person,
        "employment_id": Employment,
    }
    sql = "SELECT " + ", ".join(f"(SELECT MAX(id) FROM {m._meta.db_table})" for m in tables.values())  # noqa: S608
    values = (reader or Reader()).one(sql)
    return {k: int(v or 0) for k, v in zip(tables, values, strict=True)}


def data_as_of(certs: pl.DataFrame) -> datetime.date:
    """The last day the registry has data for: the latest issue or revocation, never after today."""
    today = timezone.localdate()
    if certs.height == 0:
        return today
    latest = max(certs["start"].max() or 0, certs["end"].max() or 0)  # type: ignore[type-var]
    return min(today, engine.EPOCH + datetime.timedelta(days=int(latest)))  # type: ignore[arg-type]


def rollup_rebuild(*, progress: Progress | None = None) -> RollupReport:
    """Recompute the whole fact table from the registry."""
    say = progress or (lambda s: None)
    started = time.perf_counter()
    report = RollupReport(mode="full")
    t = time.perf_counter()
    lk = lookups()
    with ReadSnapshot(readers=READ_THREADS) as snapshot:
        position = _snapshot_position(snapshot.readers[0])
        tables = snapshot.read_tables(
            {
                "certs": (_cert_query(), CERT_SCHEMA),
                "persons": (_person_query(), PERSON_SCHEMA),
                "jobs": (_employment_query('"end" IS NULL'), EMPLOYMENT_SCHEMA),
            }
        )
    certs, persons, jobs = tables["certs"], tables["persons"], tables["jobs"]
    report.timings["read"] = time.perf_counter() - t
    say(f"read {certs.height} certificates, {persons.height} persons, {jobs.height} current employments")
    t = time.perf_counter()
    certs = prepare_certs(certs, lk)
    as_of = data_as_of(certs)
    through = engine.stored_through(as_of)
    plist = engine.periods(FIRST_YEAR, through, quarter_from=as_of.year - 4)
    events = engine.contributions(certs, prepare_persons(persons), prepare_industry(jobs, lk), through=through)
    facts = engine.facts_from_events(events, plist)
    report.timings["compute"] = time.perf_counter() - t
    say(f"computed {facts.height} facts")
    t = time.perf_counter()
    with transaction.atomic():
        _write_all(_fact_rows(facts))
        RollupState.objects.update_or_create(
            pk=1,
            defaults={
                "built_at": timezone.now(),
                "mode": "full",
                **position,
                "pending_change_ids": [],
                "data_as_of": as_of,
                "stored_through": through,
                "quarter_from": as_of.year - 4,
                "first_year": FIRST_YEAR,
                "seconds": time.perf_counter() - started,
                "detail": {"persons": persons.height, "certificates": certs.height},
            },
        )
        record_set(model=RegionFact, count=facts.height, detail={"mode": "full", "data_as_of": as_of.isoformat()})
    report.timings["write"] = time.perf_counter() - t
    report.persons, report.certificates, report.facts = persons.height, certs.height, facts.height
    report.seconds = time.perf_counter() - started
    return report


# ---------------------------------------------------------------------------------------------
# Incremental update
# ---------------------------------------------------------------------------------------------


class NeedsRebuild(Exception):
    pass


@dataclass
class _Changes:
    new_change_id: int
    records: list[dict[str, Any]]
    pending: list[list[float]]


def _collect_changes(state: RollupState) -> _Changes:
    pending_ids = [int(p[0]) for p in state.pending_change_ids]
    qs = ChangeRecord.objects.filter(id__gt=state.change_id)
    if pending_ids:
        qs = ChangeRecord.objects.filter(id__gt=state.change_id) | ChangeRecord.objects.filter(id__in=pending_ids)
    records: list[dict[str, Any]] = [
        dict(r)
        for r in qs.filter(model__in=TRACKED).order_by("id").values("id", "model", "action", "object_id", "before")
    ]
    all_ids = set(ChangeRecord.objects.filter(id__gt=state.change_id).values_list("id", flat=True)) | set(
        ChangeRecord.objects.filter(id__in=pending_ids).values_list("id", flat=True)
    )
    new_max = max([state.change_id, *all_ids])
    now = time.time()
    still_pending = [p for p in state.pending_change_ids if int(p[0]) not in all_ids and now - p[1] < PENDING_SECONDS]
    gaps = set(range(state.change_id + 1, new_max + 1)) - all_ids
    still_pending += [[g, now] for g in sorted(gaps)]
    return _Changes(new_change_id=new_max, records=records, pending=still_pending[-10_000:])


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
    is no rollup yet or a change cannot be reversed from the change log."""
    say = progress or (lambda s: None)
    state = RollupState.objects.filter(pk=1).first()
    if state is None:
        return rollup_rebuild(progress=progress)
    try:
        return _update(state, say)
    except NeedsRebuild as exc:
        say(f"full rebuild: {exc}")
        report = rollup_rebuild(progress=progress)
        report.reason = str(exc)
        return report


def _update(state: RollupState, say: Progress) -> RollupReport:
    started = time.perf_counter()
    report = RollupReport(mode="incremental")
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if is_pg() and outermost:
            # One snapshot for the position and every row read, as in the full rebuild.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        state = RollupState.objects.select_for_update().get(pk=1)
        changes = _collect_changes(state)
        recs = changes.records
        for r in recs:
            if r["model"] in (CERT_MODEL, PERSON_MODEL, EMPLOYMENT_MODEL):
                if r["action"] == "delete" or (r["action"] not in ("create", "update", "bulk_create")):
                    raise NeedsRebuild(f"{r['action']} of {r['model']} cannot be applied incrementally")
                if r["action"] == "update" and not r["object_id"]:
                    raise NeedsRebuild(f"bulk update of {r['model']}")
                if r["action"] == "update" and r["before"] is None:
                    raise NeedsRebuild(f"update of {r['model']} {r['object_id']} without a before snapshot")
        position = _snapshot_position()
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
        for chunk in _chunks(sorted(touched_certs)):
            affected.update(Certificate.objects.filter(id__in=chunk).values_list("person_id", flat=True))
        affected.update(int(b["person_id"]) for b in cert_before.values() if b.get("person_id"))
        affected.update(person_before)
        touched_jobs = jobs_created | set(job_before)
        for chunk in _chunks(sorted(touched_jobs)):
            affected.update(Employment.objects.filter(id__in=chunk).values_list("person_id", flat=True))
        affected.update(int(b["person_id"]) for b in job_before.values() if b.get("person_id"))
        changed_orgs = [
            pk
            for pk, b in org_before.items()
            if b.get("industry_id") != Organisation.objects.filter(pk=pk).values_list("industry_id", flat=True).first()
        ]
        for chunk in _chunks(changed_orgs):
            affected.update(
                Employment.objects.filter(organisation_id__in=chunk, end__isnull=True).values_list(
                    "person_id", flat=True
                )
            )
        say(f"{len(recs)} change records, {len(affected)} affected persons")
        report.timings["collect"] = time.perf_counter() - started
        t = time.perf_counter()
        lk = lookups(organisations=())
        # Industry sections of organisations as they were at the watermark.
        lk_old = Lookups(lk.level_rank, lk.occ_group, lk.occ_digital, dict(lk.org_section))
        if org_before:
            sections = {s: i + 1 for i, s in enumerate("ABCDEFGHIJKLMNOPQRST")}
            ind = dict(Industry.objects.values_list("id", "section"))
            for pk, b in org_before.items():
                lk_old.org_section[pk] = sections.get(ind.get(int(b.get("industry_id") or 0), ""), 0)
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
        applied = _apply_deltas(_fact_rows(deltas))
        report.timings["apply"] = time.perf_counter() - t
        state.built_at = timezone.now()
        state.mode = "incremental"
        state.change_id = max(changes.new_change_id, state.change_id)
        state.certificate_id = max(position["certificate_id"], state.certificate_id)
        state.person_id = max(position["person_id"], state.person_id)
        state.employment_id = max(position["employment_id"], state.employment_id)
        state.pending_change_ids = changes.pending
        state.data_as_of = max(as_of, latest)
        state.seconds = time.perf_counter() - started
        state.detail = {"affected_persons": len(affected), "delta_rows": applied}
        state.save()
        if applied:
            record_set(model=RegionFact, count=applied, detail={"mode": "incremental", "persons": len(affected)})
    regions = sorted(set(deltas["region"].cast(pl.Utf8).str.zfill(6).to_list())) if deltas.height else []
    report.affected_regions = regions
    report.persons = len(affected)
    report.facts = applied
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
        empty = engine._empty_events()
        return empty, empty, pl.DataFrame(schema=CERT_SCHEMA)
    jobs: list[tuple[str, Any]] = []
    for chunk in _chunks(affected, _chunk_size(len(affected), len(readers))):
        ids = _in(chunk)
        jobs.append((_cert_query(f"person_id IN ({ids})").sql(), CERT_SCHEMA))
        jobs.append((_person_query(f"id IN ({ids})").sql(), PERSON_SCHEMA))
        jobs.append((_employment_query(f"person_id IN ({ids})").sql(), EMPLOYMENT_SCHEMA))
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
            read_rows([(_cert_query(f"id IN ({_in(c)})").sql(), CERT_SCHEMA) for c in _chunks(moved)])
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
