"""Background tasks: one way to start them, to show their progress, and to clean up after a worker died.

Tasks are django-tasks tasks (``@task()`` on a module-level function); ``TASKS`` in the settings
chooses where they wait and run (``GONGJIANG_TASKS``): in the database until ``gongjiang worker`` runs
them (the default, no other server), in Redis queues for as many workers as needed (``rq``), or at
once in the process that starts them (``immediate``: the tests).

* A service starts a task with :func:`enqueue_on_commit`: the task is queued once the service's
  transaction commits, so a worker never sees a row that is not there yet, and a rolled-back write
  starts nothing.
* A long task reports its stage and percentage through :class:`ProgressFile`, a small JSON file any
  process of the server can read; the database is no place for it, since the task's own transaction
  (on SQLite the write lock) may be open while it runs.
* An app registers what to repair when a worker starts with :func:`on_worker_start` (e.g. marking
  jobs whose worker died as failed); ``gongjiang worker`` runs those, then the backend's worker.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from django.db import transaction
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.base import Task

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


def enqueue_on_commit(task: Task[P, T], /, *args: P.args, **kwargs: P.kwargs) -> None:
    """Queue ``task`` with its arguments once the current transaction commits (at once outside one).

    A task that cannot be queued (the queue's server is down) is logged, not raised: the write that
    asked for it is committed and stands."""

    def enqueue() -> None:
        task.enqueue(*args, **kwargs)

    transaction.on_commit(enqueue, robust=True)


def backend() -> BaseTaskBackend:
    """The backend tasks go to (the ``default`` of ``TASKS``)."""
    return task_backends[DEFAULT_TASK_BACKEND_ALIAS]


def needs_worker() -> bool:
    """Whether tasks wait for a worker process (they do unless they run at once where started)."""
    return not isinstance(backend(), ImmediateBackend)


# ------------------------------------------------------------------------------------------------
# progress
# ------------------------------------------------------------------------------------------------


class ProgressFile:
    """A running task's stage and percentage, written at most every ``interval`` seconds (atomically, by
    rename) to a small JSON file: ``{"stage": ..., "percent": ..., "time": <unix time of the write>}``."""

    def __init__(self, path: Path, *, interval: float = 0.3) -> None:
        self.path = path
        self.interval = interval
        self._last = 0.0
        self._stage = ""

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if stage == self._stage and now - self._last < self.interval and fraction < 1.0:
            return
        self._stage, self._last = stage, now
        tmp = self.path.with_suffix(".tmp")
        payload = {"stage": stage, "percent": round(max(0.0, min(1.0, fraction)) * 100), "time": time.time()}
        tmp.write_text(json.dumps(payload), encoding="utf-8")
        os.replace(tmp, self.path)


def read_progress(path: Path) -> dict[str, Any] | None:
    """What a :class:`ProgressFile` wrote last, or None."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def clear_progress(path: Path) -> None:
    path.unlink(missing_ok=True)


def stalled(path: Path, *, started: datetime.datetime | None, after: datetime.timedelta) -> bool:
    """Whether a task that started at ``started`` has reported no progress to ``path`` for ``after``:
    its worker died (or was killed for running too long)."""
    beat = read_progress(path)
    last = float(beat["time"]) if beat and "time" in beat else (started.timestamp() if started else 0.0)
    return last < time.time() - after.total_seconds()


# ------------------------------------------------------------------------------------------------
# worker start
# ------------------------------------------------------------------------------------------------

_ON_WORKER_START: list[Callable[[], str]] = []


def on_worker_start(hook: Callable[[], str]) -> None:
    """Run ``hook`` when ``gongjiang worker`` starts, before any task; it returns a line for the log
    (empty: nothing to say). Registered from an app's ``AppConfig.ready()``."""
    if hook not in _ON_WORKER_START:
        _ON_WORKER_START.append(hook)


def run_worker_start() -> list[str]:
    """Run every registered start hook; their lines."""
    return [line for line in (hook() for hook in _ON_WORKER_START) if line]
