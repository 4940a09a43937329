"""The audit guard: no write to an audited table commits without a change record of that model.

Installed on the test connection for every database test (``conftest.py``), it watches the SQL a test
runs. Every service is ``transaction.atomic``. The outermost atomic block that is not the test case's own
is the unit of work: when it ends and its work is kept, every audited model it inserted, updated or
deleted must have a change record of the same model inserted inside the same block, else the test fails
and names the model and the statement. Blocks rolled back are ignored (they change nothing).

A model is audited when it lives in a ``gongjiang`` app and does not declare ``AUDITED = False`` (logs
and derived tables, each with its reason beside the flag). Writes outside any atomic block (a test's own
ORM set-up) are not services and are not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction

_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
CHANGE_TABLE = "core_changerecord"


def audited_tables() -> dict[str, str]:
    """Table name → model label of every audited model."""
    out: dict[str, str] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("gongjiang.") or not getattr(model, "AUDITED", True):
            continue
        out[model._meta.db_table] = model._meta.label
    return out


def _unit_depth(connection: Any) -> int | None:
    """Index of the outermost atomic block that is not the test case's own, or None outside one."""
    for i, block in enumerate(connection.atomic_blocks):
        if not getattr(block, "_from_testcase", False):
            return i
    return None


@dataclass
class Frame:
    depth: int
    written: dict[str, str] = field(default_factory=dict)  # model label → first statement
    recorded: set[str] = field(default_factory=set)


@dataclass
class AuditGuard:
    connection: Any
    tables: dict[str, str]
    frame: Frame | None = None
    violations: list[str] = field(default_factory=list)
    paused: int = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.observe(sql, params, many)
        return execute(sql, params, many, context)

    def observe(self, sql: str, params: Any, many: bool) -> None:
        m = _WRITE.match(sql)
        if not m or self.paused:
            return
        depth = _unit_depth(self.connection)
        if depth is None:
            return
        if self.frame is None or self.frame.depth != depth:
            self.frame = Frame(depth)
        table = m.group(1)
        if table == CHANGE_TABLE:
            self.frame.recorded.update(self._labels(params, many))
        elif table in self.tables:
            self.frame.written.setdefault(self.tables[table], " ".join(sql.split())[:160])

    def _labels(self, params: Any, many: bool) -> set[str]:
        labels = set(self.tables.values())
        rows = params if many else [params]
        found: set[str] = set()
        for row in rows or ():
            for value in row or ():
                # PostgreSQL's bulk insert passes one array per column (INSERT … SELECT * FROM UNNEST).
                for item in value if isinstance(value, list | tuple) else (value,):
                    if isinstance(item, str) and item in labels:
                        found.add(item)
        return found

    def block_exits(self, block: Any, kept: bool) -> None:
        """Called as an atomic block of the watched connection exits."""
        frame = self.frame
        if frame is None or not self.connection.atomic_blocks:
            return
        if len(self.connection.atomic_blocks) - 1 != frame.depth or self.connection.atomic_blocks[-1] is not block:
            return
        self.frame = None
        if not kept or self.paused:
            return
        for label, statement in frame.written.items():
            if label not in frame.recorded:
                self.violations.append(f"{label} written without a change record: {statement}")


@contextmanager
def guarded(alias: str = DEFAULT_DB_ALIAS) -> Iterator[AuditGuard]:
    """Watch the test thread's connection ``alias`` for the duration of the block."""
    connection = connections[alias]
    guard = AuditGuard(connection, audited_tables())
    original_exit = transaction.Atomic.__exit__

    def exit_and_check(block: Any, exc_type: Any, exc_value: Any, traceback: Any) -> Any:
        if transaction.get_connection(block.using) is connection:
            kept = exc_type is None and not connection.needs_rollback
            guard.block_exits(block, kept)
        return original_exit(block, exc_type, exc_value, traceback)

    global _active
    transaction.Atomic.__exit__ = exit_and_check  # type: ignore[method-assign]
    _active = guard
    try:
        with connection.execute_wrapper(guard):
            yield guard
    finally:
        _active = None
        transaction.Atomic.__exit__ = original_exit  # type: ignore[method-assign]


_active: AuditGuard | None = None


@contextmanager
def unaudited() -> Iterator[None]:
    """A test's own direct writes (simulated drift, wiping a table between two loads): not a service,
    so not checked."""
    guard = _active
    if guard is None:
        yield
        return
    guard.paused += 1
    try:
        yield
    finally:
        guard.paused -= 1
