"""Reading the registry through several connections that share one snapshot (committed data, so the
tests are transactional): the readers see exactly the rows of the snapshot and nothing committed after
it, and a rebuild or an incremental update read in parallel gives what one connection gives."""

from __future__ import annotations

import datetime
import threading

import polars as pl
import pytest
from django.db import connection, transaction

from gongjiang.monitoring import incremental, reading, rollup
from gongjiang.monitoring.frames import PERSON_SCHEMA, person_query
from gongjiang.monitoring.models import RegionFact
from gongjiang.monitoring.rollup import rollup_rebuild, snapshot_position
from gongjiang.monitoring.tests.test_rollup import _facts, incremental_update_equals_rebuild
from gongjiang.registry.models import Person

pytestmark = pytest.mark.django_db(transaction=True)

D = datetime.date


@pytest.fixture
def opened(monkeypatch):  # type: ignore[no-untyped-def]
    """Counts the extra connections opened, and makes every table read split into ranges of two ids."""
    count = {"readers": 0}
    for name in ("_pg_readers", "_sqlite_readers"):
        original = getattr(reading, name)

        def spy(n, original=original):  # type: ignore[no-untyped-def]
            count["readers"] += n
            return original(n)

        monkeypatch.setattr(reading, name, spy)
    pg_reader = reading._pg_reader

    async def pg_spy(params, snapshot):  # type: ignore[no-untyped-def]
        count["readers"] += 1
        return await pg_reader(params, snapshot)

    monkeypatch.setattr(reading, "_pg_reader", pg_spy)
    monkeypatch.setattr(reading, "PG_RANGE_IDS", 2)
    monkeypatch.setattr(reading, "SQLITE_RANGE_IDS", 2)
    return count


def _in_another_connection(work) -> None:  # type: ignore[no-untyped-def]
    """Run ``work`` in a thread of its own, i.e. on a connection of its own, committing."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _committed_meanwhile(world, make_person) -> None:  # type: ignore[no-untyped-def]
    """A person registered and committed by someone else while a snapshot is read, visible outside it."""
    _in_another_connection(lambda: make_person(region="320582", birth=D(1999, 9, 9)))
    outside: list[int] = []
    _in_another_connection(lambda: outside.append(Person.objects.count()))
    assert outside == [len(world) + 1]


def test_rebuild_readers_see_the_snapshot_and_not_later_commits(world, make_person, opened) -> None:  # type: ignore[no-untyped-def]
    persons = {"persons": (person_query(), PERSON_SCHEMA)}
    with reading.ReadSnapshot(readers=2) as snapshot:
        position = snapshot_position(snapshot.readers[0])
        _committed_meanwhile(world, make_person)
        assert snapshot_position(snapshot.readers[0]) == position
        seen = snapshot.read_tables(persons)["persons"]
        # Extra connections on PostgreSQL; SQLite reads on its one connection.
        assert opened["readers"] == (2 if connection.vendor == "postgresql" else 0)
    assert sorted(seen["person_id"].to_list()) == sorted(p.pk for p in world.values())
    assert position["person_id"] == max(p.pk for p in world.values())
    after = reading.read_tables(persons, [reading.Reader()])["persons"]
    assert after.height == len(world) + 1
    # Nothing is left open: a writer can take the lock again at once.
    _in_another_connection(lambda: make_person(region="320582", birth=D(1999, 9, 10)))


def test_shared_readers_see_the_snapshot_and_not_later_commits(world, make_person, opened) -> None:  # type: ignore[no-untyped-def]
    # The readers start inside a transaction (on SQLite holding the write lock, as an update does);
    # here the transaction ends before the concurrent write, and the readers keep their snapshot.
    ids = sorted(p.pk for p in world.values())
    jobs = [(person_query(f"id = {pk}").sql(), PERSON_SCHEMA) for pk in [*ids, ids[-1] + 1, ids[-1] + 2]]
    with transaction.atomic():
        shared = reading.shared_readers(3)
        readers = shared.__enter__()
    try:
        assert opened["readers"] == 3 and len(readers) == 3
        position = snapshot_position(readers[0])
        _committed_meanwhile(world, make_person)
        assert all(snapshot_position(r) == position for r in readers)
        frames = reading.read_rows(jobs, readers)
    finally:
        shared.__exit__(None, None, None)
    # In the order of the jobs, each of its own schema; the person registered meanwhile is not seen.
    assert [f["person_id"].to_list() for f in frames] == [[pk] for pk in ids] + [[], []]
    assert all(f.schema == pl.Schema(PERSON_SCHEMA) for f in frames)
    assert position["person_id"] == ids[-1]
    _in_another_connection(lambda: make_person(region="320582", birth=D(1999, 9, 10)))


def test_parallel_rebuild_equals_a_rebuild_on_one_connection(world, opened, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(rollup, "READ_THREADS", 0)
    serial = rollup_rebuild()
    assert opened["readers"] == 0
    expected = _facts()
    RegionFact.objects.all().delete()
    monkeypatch.setattr(rollup, "READ_THREADS", 3)
    parallel = rollup_rebuild()
    assert opened["readers"] == (3 if connection.vendor == "postgresql" else 0)
    assert (parallel.persons, parallel.certificates, parallel.facts) == (
        serial.persons,
        serial.certificates,
        serial.facts,
    )
    assert expected and _facts() == expected


def test_parallel_incremental_update_equals_rebuild(
    world, make_cert, make_person, make_org, opened, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(incremental, "PARALLEL_FROM_PERSONS", 1)
    monkeypatch.setattr(incremental, "UPDATE_READERS", 3)
    incremental_update_equals_rebuild(world, make_cert, make_person, make_org)
    # The update reads on UPDATE_READERS; each of the two rebuilds on READ_THREADS on PostgreSQL.
    rebuilds = 2 * rollup.READ_THREADS if connection.vendor == "postgresql" else 0
    assert opened["readers"] == rebuilds + 3
