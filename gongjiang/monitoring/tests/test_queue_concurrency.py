"""The change queue with concurrent writers and rollups (committed data, so the tests are transactional):
a write still open while a rollup runs is applied by the next update (on PostgreSQL it commits after the
rollup's snapshot, out of id order; on SQLite the rollup waits for it), two updates at once apply each
change once, and the commits of several writers enqueue one update task."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from gongjiang.monitoring import changequeue, incremental
from gongjiang.monitoring.incremental import rollup_update
from gongjiang.monitoring.models import RollupChange
from gongjiang.monitoring.rollup import rollup_rebuild
from gongjiang.monitoring.tests.test_queue import equals_rebuild

pytestmark = pytest.mark.django_db(transaction=True)

D = datetime.date
HOLD_SECONDS = 1.5  # how long a writer keeps its transaction open at most (SQLite's rollups wait for it)


class Writer(threading.Thread):
    """Runs ``work`` on a connection of its own inside a transaction, which stays open (its changes and
    queue rows written, not committed) until :meth:`release` or :data:`HOLD_SECONDS`, then commits."""

    def __init__(self, work: Callable[[], Any]) -> None:
        super().__init__()
        self.work = work
        self.written = threading.Event()
        self.go = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic():
                self.work()
                self.written.set()
                self.go.wait(HOLD_SECONDS)
        except BaseException as exc:
            self.error = exc
        finally:
            self.written.set()
            connection.close()

    def open(self) -> Writer:
        self.start()
        self.written.wait()
        return self

    def release(self) -> None:
        self.go.set()
        self.join()
        if self.error:
            raise self.error


def _in_thread(work: Callable[[], Any]) -> Any:
    out: list[Any] = []
    writer = Writer(lambda: out.append(work()))
    writer.go.set()
    writer.open().release()
    return out[0] if out else None


def test_a_write_open_during_an_update_is_applied_by_the_next(world, make_cert) -> None:  # type: ignore[no-untyped-def]
    rollup_rebuild()
    # The open writer issues its certificate first (the lower id); another commits one after it.
    open_writer = Writer(lambda: make_cert(world["huqiu"], level="level3", national_level=3, issue_date=D(2024, 4, 4)))
    open_writer.open()
    if connection.vendor == "postgresql":
        _in_thread(lambda: make_cert(world["zjg_b"], level="level3", national_level=3, issue_date=D(2024, 5, 5)))
    first = rollup_update()  # on SQLite it waits for the open writer to commit
    open_writer.release()
    second = rollup_update()
    if connection.vendor == "postgresql":
        # The update's snapshot saw the later commit, not the open writer's lower id: that one waited.
        assert (first.changes, second.changes) == (1, 1)
    else:
        assert (first.changes, second.changes) == (1, 0)
    assert not RollupChange.objects.exists()
    equals_rebuild()


def test_a_write_open_during_a_rebuild_is_applied_by_the_next_update(world, make_cert) -> None:  # type: ignore[no-untyped-def]
    make_cert(world["zjg_b"], level="level3", national_level=3, issue_date=D(2024, 5, 5))
    queued_before = RollupChange.objects.count()  # the world's writes and this one
    open_writer = Writer(lambda: make_cert(world["wujin"], level="level2", national_level=2, issue_date=D(2024, 6, 6)))
    open_writer.open()
    rebuild = rollup_rebuild()  # its snapshot does not see the open writer (SQLite's write waits for it)
    open_writer.release()
    assert queued_before > 1 and rebuild.changes == queued_before
    assert RollupChange.objects.count() == 1  # the open writer's change, committed after the snapshot
    update = rollup_update()
    assert update.mode == "incremental" and update.changes == 1 and update.facts > 0
    equals_rebuild()


def test_two_updates_at_once_apply_each_change_once(world, make_cert, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rollup_rebuild()
    for person, day in (("zjg_b", D(2024, 5, 5)), ("huqiu", D(2024, 6, 6)), ("haimen", D(2024, 7, 7))):
        make_cert(world[person], level="level3", national_level=3, issue_date=day)
    read = changequeue.queued

    def slow_read() -> list[dict[str, Any]]:
        rows = read()
        time.sleep(0.3)  # the other update would read the same rows meanwhile, without the lock
        return rows

    monkeypatch.setattr(incremental, "queued", slow_read)
    reports: list[Any] = []
    threads = [threading.Thread(target=lambda: (reports.append(rollup_update()), connection.close())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.changes for r in reports) == [0, 3]
    assert not RollupChange.objects.exists()
    equals_rebuild()


def test_several_writers_enqueue_one_update_task(world, make_cert) -> None:  # type: ignore[no-untyped-def]
    rollup_rebuild()
    people = ["zjg_b", "huqiu", "wujin", "haimen"]
    threads = [
        threading.Thread(
            target=lambda p=p: (
                make_cert(world[p], level="level3", national_level=3, issue_date=D(2024, 5, 5)),
                connection.close(),
            )
        )
        for p in people
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert RollupChange.objects.count() == len(people)
    assert DBTaskResult.objects.filter(task_path__endswith="rollup_update_task").count() == 1
