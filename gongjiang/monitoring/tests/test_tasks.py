"""The rollup's background tasks (in the test's transaction): a committed transaction asks for one update
task however many writes it made, the tasks give the numbers a synchronous rollup gives and show their
state, and the evaluations refreshed one city at a time are those of a full refresh."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from gongjiang.core.audit import audit_context
from gongjiang.monitoring import tasks
from gongjiang.monitoring.evaluation import monitoring_refresh, prune_derived
from gongjiang.monitoring.models import (
    EarlyWarning,
    RollupChange,
    RollupRun,
    SeriesForecast,
    TargetEvaluation,
)
from gongjiang.monitoring.rollup import rollup_rebuild
from gongjiang.monitoring.selectors import rollup_status
from gongjiang.monitoring.services import targets_load
from gongjiang.monitoring.tests.test_queue import equals_rebuild
from gongjiang.registry.services import person_update

pytestmark = pytest.mark.django_db

D = datetime.date
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@contextmanager
def commits(capture: Callable[..., Any], *, execute: bool = True) -> Iterator[list[Callable[[], Any]]]:
    """A block whose writes count as committed for the on-commit callbacks (``capture`` is pytest-django's
    ``django_capture_on_commit_callbacks``). The test's own transaction never commits: the callbacks of
    earlier writes, which a real commit would have run already, are dropped first."""
    connection.run_on_commit.clear()
    with capture(execute=execute) as callbacks:
        yield callbacks


def _update_tasks() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="rollup_update_task").count()


def test_a_transaction_asks_for_one_update_task(world, make_cert, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    rollup_rebuild()
    with commits(django_capture_on_commit_callbacks, execute=False) as callbacks, transaction.atomic():
        make_cert(world["zjg_b"], level="level3", national_level=3, issue_date=D(2024, 5, 5))
        make_cert(world["huqiu"], level="level3", national_level=3, issue_date=D(2024, 6, 6))
        with audit_context(source="cli"):
            person_update(actor=None, person=world["wujin"], residence_region_code="320411")
    assert [c.__name__ for c in callbacks] == ["request_update"]
    callbacks[0]()
    assert _update_tasks() == 1
    assert rollup_status()["status"] == "queued"
    # Further commits while the task waits for a worker enqueue nothing more.
    with commits(django_capture_on_commit_callbacks):
        make_cert(world["haimen"], level="level3", national_level=3, issue_date=D(2024, 8, 8))
    assert _update_tasks() == 1
    assert RollupChange.objects.count() == 4
    # The worker runs it: everything queued is applied, and the cities it touched are refreshed.
    outcome = tasks.rollup_update_task.call()
    assert outcome["mode"] == "incremental" and outcome["changes"] == 4
    assert not RollupChange.objects.exists()
    run = RollupRun.objects.get()
    assert run.update_requested_at is None and run.running == "" and run.error == ""
    refreshes = DBTaskResult.objects.filter(task_path__endswith="refresh_task")
    # One task per city (and one for the province's own figures), for a bureau's workers to share.
    assert sorted(r.args_kwargs["args"][0][0][:4] for r in refreshes) == ["3200", "3204", "3205", "3206"]
    assert run.refresh_total == 4
    # The next commit asks again.
    with commits(django_capture_on_commit_callbacks):
        make_cert(world["haimen"], level="level2", national_level=2, issue_date=D(2024, 9, 9))
    assert _update_tasks() == 2
    tasks.rollup_update_task.call()
    equals_rebuild()


def test_tasks_refresh_themselves_with_the_immediate_backend(  # type: ignore[no-untyped-def]
    world, make_cert, settings, django_capture_on_commit_callbacks
) -> None:
    with audit_context(source="cli"):
        targets_load(actor=None)
    rollup_rebuild()
    settings.TASKS = IMMEDIATE
    with commits(django_capture_on_commit_callbacks):
        make_cert(world["huqiu"], level="level1", national_level=1, issue_date=D(2024, 10, 1))
    run = RollupRun.objects.get()
    assert run.outcome["mode"] == "incremental" and run.outcome["changes"] == 1, run.error
    assert run.refresh_total == 2 and run.refresh_done == 2  # 苏州's regions, and the province
    assert TargetEvaluation.objects.filter(region_code="320505").exists()
    assert not RollupChange.objects.exists()
    status = rollup_status()
    assert status["status"] == "current" and status["last"]["changes"] == 1
    equals_rebuild()


def test_a_failed_run_is_shown(world, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "rollup_update", broken)
    settings.TASKS = IMMEDIATE
    tasks.request_update()  # the immediate backend runs it at once, and records its failure
    status = rollup_status()
    assert status["status"] == "failed" and "disk full" in status["error"]
    assert RollupRun.objects.get().update_requested_at is None


def test_refresh_by_city_equals_a_full_refresh(world) -> None:  # type: ignore[no-untyped-def]
    with audit_context(source="cli"):
        targets_load(actor=None)
    rollup_rebuild()

    def derived() -> tuple[set, set, set]:
        return (
            set(TargetEvaluation.objects.values_list("target_id", "region_code", "status", "value", "forecast")),
            set(SeriesForecast.objects.values_list("indicator_id", "region_code", "model")),
            set(EarlyWarning.objects.values_list("kind", "severity", "region_code", "target_id", "inherited")),
        )

    monitoring_refresh()
    monitoring_refresh()  # the second keeps the stored fits (rounded as stored), as the refreshes below do
    full = derived()
    assert full[0] and full[2]
    # A stale evaluation of a region without facts or targets goes too.
    TargetEvaluation.objects.filter(region_code="320582").update(region_code="320583")
    groups = tasks.refresh_groups(None)
    assert ["320000"] in groups and any("320500" in g and "320582" in g for g in groups)
    for group in groups:
        tasks.refresh_task.call(group)
    prune_derived(keep={code for group in groups for code in group})
    now = derived()
    for a, b in zip(now, full, strict=True):
        assert a == b, (sorted(a - b)[:5], sorted(b - a)[:5])
