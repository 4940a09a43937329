"""The rollup fact table: the full rebuild, the report of a rollup and the lock every rollup holds.

Full rebuild: read persons, certificates and current employments (COPY on PostgreSQL, the raw cursor on
SQLite) in one consistent snapshot together with the registry's position (the highest certificate,
person and employment ids) and the change-queue rows that snapshot sees, compute every person's
contribution with :mod:`gongjiang.monitoring.engine`, write the facts, remember the position and delete
those queue rows. The incremental update (:mod:`gongjiang.monitoring.incremental`) applies what was
written since.

Only one rollup runs on the fact table at a time (:func:`rollup_lock`).
"""

from __future__ import annotations

import datetime
import fcntl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from gongjiang.core.audit import record_set
from gongjiang.credentials.models import Certificate
from gongjiang.monitoring import engine
from gongjiang.monitoring.changequeue import consume, queued_ids
from gongjiang.monitoring.facts import fact_rows, write_all
from gongjiang.monitoring.frames import (
    CERT_SCHEMA,
    EMPLOYMENT_SCHEMA,
    PERSON_SCHEMA,
    cert_query,
    employment_query,
    lookups,
    person_query,
    prepare_certs,
    prepare_industry,
    prepare_persons,
)
from gongjiang.monitoring.models import RegionFact, RollupState
from gongjiang.monitoring.reading import Reader, ReadSnapshot, is_pg
from gongjiang.registry.models import Employment, Person

# Extra connections reading in parallel (sharing the rollup's snapshot, see reading.py): the full
# rebuild on PostgreSQL has the server render id ranges on every core (one more reader than cores keeps
# them busy while a range's data is handed over).
READ_THREADS = 3
FIRST_YEAR = 2005  # the earliest year stored; older certificates count in the stocks from then on
LOCK_KEY = 0x676A_726F_6C6C_7570  # PostgreSQL advisory lock of the fact table ("gjrollup")

Progress = Callable[[str], None]


@dataclass
class RollupReport:
    mode: str
    seconds: float = 0.0
    persons: int = 0
    certificates: int = 0
    facts: int = 0
    changes: int = 0  # queue rows applied
    affected_regions: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    reason: str = ""


# ---------------------------------------------------------------------------------------------
# One rollup at a time
# ---------------------------------------------------------------------------------------------

_held = threading.local()
_memory_lock = threading.Lock()  # an in-memory SQLite database lives in one process


@contextmanager
def rollup_lock() -> Iterator[None]:
    """Hold the fact table for one rollup (re-entrant in a thread: an update may turn into a rebuild).

    PostgreSQL: a session advisory lock, taken before the rollup's transaction begins, so that its
    snapshot is taken after the previous rollup committed (a lock taken inside a repeatable-read
    transaction would come after its snapshot). SQLite: a file lock beside the database; an update
    also holds SQLite's write lock, but a rebuild reads before it writes, and in between an update
    must not apply changes the rebuild's facts would then overwrite."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    release: Callable[[], None]
    if is_pg():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])

        def release() -> None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])

    elif connection.is_in_memory_db():  # type: ignore[attr-defined]
        _memory_lock.acquire()
        release = _memory_lock.release
    else:
        handle = open(f"{connection.settings_dict['NAME']}.rollup-lock", "a+b")
        fcntl.flock(handle, fcntl.LOCK_EX)

        def release() -> None:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()

    _held.depth = 1
    try:
        yield
    finally:
        _held.depth = 0
        release()


# ---------------------------------------------------------------------------------------------
# Full rebuild
# ---------------------------------------------------------------------------------------------


def snapshot_position(reader: Reader | None = None) -> dict[str, int]:
    """The highest certificate, person and employment ids, as ``reader`` (by default the main
    connection) sees them."""
    tables = {"certificate_id": Certificate, "person_id": Person, "employment_id": Employment}
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
    with rollup_lock():
        return _rebuild(progress or (lambda s: None))


def _rebuild(say: Progress) -> RollupReport:
    started = time.perf_counter()
    report = RollupReport(mode="full")
    t = time.perf_counter()
    say("reading the registry")
    lk = lookups()
    with ReadSnapshot(readers=READ_THREADS) as snapshot:
        position = snapshot_position(snapshot.readers[0])
        seen = queued_ids(snapshot.readers[0])
        tables = snapshot.read_tables(
            {
                "certs": (cert_query(), CERT_SCHEMA),
                "persons": (person_query(), PERSON_SCHEMA),
                "jobs": (employment_query('"end" IS NULL'), EMPLOYMENT_SCHEMA),
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
    say(f"computed {facts.height} facts; writing them")
    t = time.perf_counter()
    with transaction.atomic():
        write_all(fact_rows(facts))
        # The changes the snapshot saw are in these facts; those committed since wait for an update.
        consume(seen, own_snapshot=False)
        RollupState.objects.update_or_create(
            pk=1,
            defaults={
                "built_at": timezone.now(),
                "mode": "full",
                **position,
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
    report.changes = len(seen)
    report.seconds = time.perf_counter() - started
    return report
