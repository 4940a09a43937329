"""Rollups as background tasks (django-tasks) that keep themselves current.

Every write of a certificate, person, employment or employer's industry puts rows on the rollup's change
queue in its own transaction (:func:`changes_recorded`, subscribed in ``MonitoringConfig.ready()``) and
asks, once per transaction and only once it commits, for an update (:func:`request_update`). The
request is debounced on :class:`RollupRun`: a task is enqueued only when no update task is waiting for a
worker, so an import, an issuance batch or a stream of service writes makes one task, not one each.
The task clears that mark as it starts, so that what commits while it runs asks for the next one.

* :data:`rollup_update_task`: the incremental update (a full rebuild when it must), then one
  :data:`refresh_task` per city it touched;
* :data:`rollup_rebuild_task`: the full rebuild, then a refresh of every city;
* :data:`refresh_task`: the target evaluations, forecasts and warnings of one city's regions (or of the
  province's own): cities are independent, so a bureau's several workers refresh them side by side.

Rollups never run twice at once on the fact table (:func:`gongjiang.monitoring.rollup.rollup_lock`): a
second update task waits for the first and then applies what is left. Workers: ``gongjiang db_worker``
(the database backend), ``gongjiang rqworker default`` (RQ), or none with the immediate backend.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from gongjiang.core.audit import audit_context
from gongjiang.core.changefeed import Change
from gongjiang.monitoring.changequeue import queue_changes
from gongjiang.monitoring.evaluation import monitoring_refresh, prune_derived
from gongjiang.monitoring.incremental import rollup_update
from gongjiang.monitoring.measures import fact_regions
from gongjiang.monitoring.models import RollupRun, Target
from gongjiang.monitoring.reading import is_pg
from gongjiang.monitoring.rollup import RollupReport, rollup_rebuild
from gongjiang.reference.regions import city_of, province_of

logger = logging.getLogger(__name__)

# A request older than this whose task has not started is taken as lost (a worker stopped, a queue
# flushed): the next write enqueues a task again.
REQUEST_STALE = datetime.timedelta(minutes=15)
REFRESH_LOCK_CLASS = 0x676A  # PostgreSQL advisory locks of the refreshes, one per city group


def _run_row() -> None:
    try:
        RollupRun.objects.get_or_create(pk=1)
    except IntegrityError:  # created meanwhile by another process
        pass


def _run_update(**values: Any) -> None:
    RollupRun.objects.filter(pk=1).update(**values)


# ---------------------------------------------------------------------------------------------
# Requests: from the change feed, once per committed transaction, debounced
# ---------------------------------------------------------------------------------------------


def _on_commit_once(func: Callable[[], Any]) -> None:
    """Run ``func`` once when the current transaction commits, however many of its writes ask."""
    if connection.in_atomic_block and any(entry[1] is func for entry in connection.run_on_commit):
        return
    # robust: the writer's transaction has committed; a failed enqueue is logged, not raised to it.
    transaction.on_commit(func, robust=True)


def changes_recorded(changes: Sequence[Change]) -> None:
    """The change-feed subscriber: queue the changes in the writer's transaction, and ask for an update
    once it commits."""
    if queue_changes(changes):
        _on_commit_once(request_update)


def _request(field: str, enqueue: Callable[[], Any]) -> str | None:
    """Enqueue a task unless one is waiting already (``field`` of :class:`RollupRun` marks it); the id of
    the task enqueued, or None."""
    now = timezone.now()
    fresh = Q(**{f"{field}__gt": now - REQUEST_STALE})
    if RollupRun.objects.filter(fresh, pk=1).exists():
        return None
    _run_row()
    free = Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lte": now - REQUEST_STALE})
    if not RollupRun.objects.filter(free, pk=1).update(**{field: now}):
        return None  # another writer's request won
    try:
        result = enqueue()
    except Exception:
        RollupRun.objects.filter(pk=1, **{field: now}).update(**{field: None})
        raise
    _run_update(task_id=result.id)
    return str(result.id)


def request_update() -> str | None:
    """Enqueue the incremental update unless one is waiting for a worker (called after commit)."""
    return _request("update_requested_at", rollup_update_task.enqueue)


def request_rebuild() -> str | None:
    """Enqueue the full rebuild unless one is waiting for a worker."""
    return _request("rebuild_requested_at", rollup_rebuild_task.enqueue)


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------


@contextmanager
def _running(kind: str) -> Iterator[Callable[[str], None]]:
    """Mark ``kind`` as running on :class:`RollupRun`; yields a progress callback that records each step
    said outside a transaction (inside the rollup's own transaction a write to the row would hold its
    lock, and on SQLite the database's, until the rollup commits)."""
    _run_row()
    _run_update(running=kind, started_at=timezone.now(), step="", error="")

    def say(message: str) -> None:
        logger.info("rollup %s: %s", kind, message)
        if not connection.in_atomic_block:
            _run_update(step=message[:200])

    try:
        with audit_context(source="task"):
            yield say
    except BaseException as exc:
        _run_update(running="", step="", finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"[:2000])
        raise


def _finish(report: RollupReport, groups: list[list[str]]) -> dict[str, Any]:
    outcome = {
        "mode": report.mode,
        "seconds": round(report.seconds, 3),
        "facts": report.facts,
        "persons": report.persons,
        "changes": report.changes,
        "regions": len(report.affected_regions),
        "reason": report.reason,
    }
    _run_update(
        running="",
        step="",
        finished_at=timezone.now(),
        outcome=outcome,
        refresh_total=len(groups),
        refresh_done=0,
    )
    for group in groups:
        refresh_task.enqueue(group)
    return outcome


def refresh_groups(regions: Iterable[str] | None) -> list[list[str]]:
    """``regions`` (every region with facts or targets if None) in groups that refresh independently: a
    city with its districts; the province with the counties it runs directly."""
    if regions is None:
        regions = set(fact_regions()) | set(Target.objects.values_list("region_code", flat=True))
    groups: dict[str, list[str]] = {}
    for code in sorted(set(regions)):
        groups.setdefault(city_of(code) or province_of(code), []).append(code)
    return [groups[key] for key in sorted(groups)]


@contextmanager
def _group_lock(regions: Sequence[str]) -> Iterator[None]:
    """Two refreshes of the same city (after two updates) take turns: each deletes the city's evaluations
    and writes them again, and the second must see the first's. PostgreSQL: a transaction-level advisory
    lock keyed by the group's first region. SQLite's writers take turns already."""
    if not is_pg() or not regions:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REFRESH_LOCK_CLASS, int(min(regions))])
        yield


@task()
def rollup_update_task() -> dict[str, Any]:
    """The incremental update, then the refresh of the cities it touched (of every city after a rebuild)."""
    # Writes committed from now on ask for the next task; this one applies what it sees.
    _run_update(update_requested_at=None)
    with _running("update") as say:
        report = rollup_update(progress=say)
    if report.mode == "full":
        groups = refresh_groups(None)
        prune_derived(keep={code for group in groups for code in group})
    else:
        groups = refresh_groups(report.affected_regions) if report.affected_regions else []
    return _finish(report, groups)


@task()
def rollup_rebuild_task() -> dict[str, Any]:
    """The full rebuild, then the refresh of every city."""
    _run_update(rebuild_requested_at=None)
    with _running("rebuild") as say:
        report = rollup_rebuild(progress=say)
    groups = refresh_groups(None)
    prune_derived(keep={code for group in groups for code in group})
    return _finish(report, groups)


@task()
def refresh_task(regions: list[str]) -> dict[str, Any]:
    """Target evaluations, forecasts and warnings of ``regions`` (one city's, or the province's own)."""
    with audit_context(source="task"), _group_lock(regions):
        report = monitoring_refresh(regions=regions)
    RollupRun.objects.filter(pk=1).update(refresh_done=F("refresh_done") + 1)
    return {
        "regions": len(regions),
        "evaluations": report.evaluations,
        "forecasts": report.forecasts,
        "warnings": report.warnings,
        "seconds": round(report.seconds, 3),
    }
