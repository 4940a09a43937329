"""Bulk loading of prepared rows: COPY on PostgreSQL, executemany on SQLite.

Callers hand over a Polars DataFrame whose columns are the table's column names, with primary keys
already assigned, inside a transaction. No ORM objects are built and no per-row saves happen.
"""

from __future__ import annotations

import contextlib
import io
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import polars as pl
from django.core.management.color import no_style
from django.db import connection, models, transaction
from psycopg.copy import QueuedLibpqWriter

SQLITE_BULK_CACHE_KIB = 1024 * 1024  # 1 GiB, the most a bulk load may hold of the database in memory
# A load of at least this many rows into an empty table builds its secondary indexes (and, on PostgreSQL,
# checks its foreign keys) once afterwards instead of row by row.
DEFER_FROM_ROWS = 50_000


def next_ids(model: type[models.Model], count: int) -> range:
    """Reserve ``count`` primary keys after the current maximum (callers hold the write lock)."""
    current = model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0
    return range(current + 1, current + 1 + count)


def copy_frame(
    model: type[models.Model],
    frame: pl.DataFrame,
    *,
    build: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
    chunk_rows: int = 100_000,
) -> int:
    """Insert every row of ``frame`` into ``model``'s table. Without a primary-key column the database
    assigns the keys (safe beside concurrent inserts); with one, the sequence is moved past them.

    ``build``, if given, turns each chunk of ``frame`` into the table's columns just before it is sent
    (an import encrypts there). On PostgreSQL a worker thread sends each chunk while the next one is
    built, so the server stores one chunk while Python prepares the next, on the other core."""
    if frame.height == 0:
        return 0
    table = model._meta.db_table
    parts = (frame.slice(start, chunk_rows) for start in range(0, frame.height, chunk_rows))
    chunks = (build(part) for part in parts) if build else parts
    first = next(chunks)
    columns = first.columns
    if connection.vendor == "postgresql":
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        sql = f"COPY {connection.ops.quote_name(table)} ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        with transaction.atomic(), connection.cursor() as cursor:
            deferred = _pg_defer(cursor, model, frame.height)
            raw_cursor = cursor.cursor  # psycopg 3
            with raw_cursor.copy(sql, writer=QueuedLibpqWriter(raw_cursor)) as copy:
                for part in itertools.chain([first], chunks):
                    buf = io.BytesIO()
                    part.write_csv(buf, include_header=False, null_value="\\N", quote_style="necessary")
                    copy.write(buf.getbuffer())
            for definition in deferred:
                cursor.execute(definition)
            if frame.height >= DEFER_FROM_ROWS:
                # Fresh statistics, so that the planner does not take a range over the new keys for a
                # large share of the table (PostgreSQL's advice after a bulk load).
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        if model._meta.pk.column in columns:  # keys given by the caller: move the sequence past them
            _reset_sequence(model)
    else:
        placeholders = ", ".join(["?"] * len(columns))
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        # Table and column names come from the model's metadata, quoted; values are bound parameters.
        sql = f"INSERT INTO {connection.ops.quote_name(table)} ({cols}) VALUES ({placeholders})"  # noqa: S608
        connection.ensure_connection()
        raw = connection.connection  # the sqlite3 connection, inside the caller's transaction
        # Unique indexes take random inserts: give SQLite a page cache large enough to keep them in memory.
        raw.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")
        # Into an empty table, secondary indexes are cheaper built once afterwards than row by row.
        rebuild: list[str] = []
        empty = raw.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1").fetchone() is None  # noqa: S608
        if frame.height >= DEFER_FROM_ROWS and empty:
            rebuild = _sqlite_drop_indexes(raw, table)
        for part in itertools.chain([first], chunks):
            # sqlite3 would adapt each date object in Python; ISO text is what Django stores anyway.
            rows: Iterable[tuple] = part.with_columns(pl.col(pl.Date).dt.strftime("%Y-%m-%d")).iter_rows()
            raw.executemany(sql, rows)
        for ddl in rebuild:
            raw.execute(ddl)
    return frame.height


def _sqlite_drop_indexes(raw: Any, table: str) -> list[str]:
    """Drop the indexes of ``table`` that have their own DDL (not those SQLite makes for a column's
    UNIQUE or the primary key); return that DDL, to build them again."""
    found = raw.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
    ).fetchall()
    for name, _ddl in found:
        raw.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [ddl for _name, ddl in found]


def _pg_defer(cursor: Any, model: type[models.Model], rows: int) -> list[str]:
    """For a large load into an empty PostgreSQL table: drop its non-unique indexes and its foreign keys,
    and return the statements that put them back after the load.

    Maintaining every index row by row dominates a large COPY (each indexed CharField has a
    ``varchar_pattern_ops`` twin, so persons carry nine indexes), and a deferred foreign key queues one
    trigger event per row, each a separate lookup at commit. Built once from the loaded rows, an index is
    about twice as fast, and a foreign key added back is checked by one join over the whole table: a
    dangling reference still fails the load. Unique indexes and the primary key stay, so duplicates are
    refused during the load. Altering a table locks it until the transaction ends; this is done only for
    an empty table (a first load), never beside daily work on a filled one (see :func:`checks_after_load`
    for a load that asks for it)."""
    table = connection.ops.quote_name(model._meta.db_table)
    if rows < DEFER_FROM_ROWS:
        return []
    cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608
    if cursor.fetchone() is not None:
        return []
    restore = _pg_drop_checks(cursor, [model])
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    return restore


def _pg_drop_checks(cursor: Any, tables: list[type[models.Model]]) -> list[str]:
    """Drop the non-unique indexes and foreign keys of ``tables``; return the statements that restore them."""
    indexes: list[str] = []
    foreign_keys: list[str] = []
    # A table with pending deferred checks (rows this transaction wrote) cannot be altered: run them now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for model in tables:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary",
            [table],
        )
        found_indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
            foreign_keys.append(f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
        for name, definition in found_indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
            indexes.append(definition)
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them: checked at the commit
    return [*indexes, "SET CONSTRAINTS ALL IMMEDIATE", *foreign_keys, "SET CONSTRAINTS ALL DEFERRED"]


@contextlib.contextmanager
def checks_after_load(*tables: type[models.Model]) -> Iterator[None]:
    """Load several large frames into ``tables``, filled or not, with their secondary indexes and foreign
    keys dropped for the block and put back once at its end (each index built once from all its rows,
    each foreign key checked by one join); must run inside a transaction.

    For a load that has the tables to itself, such as the generator loading a province city by city:
    there, every city after the first goes into filled tables, where :func:`copy_frame` keeps the checks,
    and PostgreSQL would maintain nine indexes of persons row by row and queue one foreign-key lookup per
    row for the commit (17–25 minutes of the commit for Jiangsu). Altering the tables locks them until the
    transaction ends. A dangling reference still fails the load at the end of the block, and unique
    indexes stay, so duplicates are refused as rows arrive. If the block raises, nothing is put back:
    the transaction is rolled back, and the dropped indexes with it."""
    if not connection.in_atomic_block:
        raise RuntimeError("checks_after_load must run inside a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            restore = _pg_drop_checks(cursor, list(tables))
        yield  # copy_frame refreshes each table's statistics after a large load
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for statement in restore:
                cursor.execute(statement)
        return
    connection.ensure_connection()
    raw = connection.connection
    rebuild = [ddl for model in tables for ddl in _sqlite_drop_indexes(raw, model._meta.db_table)]
    yield
    for ddl in rebuild:
        raw.execute(ddl)


def update_frame(model: type[models.Model], frame: pl.DataFrame, *, key: str = "id", chunk_rows: int = 200_000) -> int:
    """Set the other columns of ``frame`` on the rows whose ``key`` matches (inside the caller's transaction).

    PostgreSQL: COPY into a temporary table, then one ``UPDATE … FROM``; SQLite: ``executemany``.
    """
    if frame.height == 0:
        return 0
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = [c for c in frame.columns if c != key]
    if connection.vendor == "postgresql":
        tmp = qn(f"gj_update_{model._meta.db_table}")
        names = ", ".join(qn(c) for c in [key, *columns])
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {tmp}")
            cursor.execute(f"CREATE TEMPORARY TABLE {tmp} AS SELECT {names} FROM {table} WITH NO DATA")  # noqa: S608
            try:
                for start in range(0, frame.height, chunk_rows):
                    buf = io.BytesIO()
                    frame.select(key, *columns).slice(start, chunk_rows).write_csv(
                        buf, include_header=False, null_value="\\N", quote_style="necessary"
                    )
                    sql = f"COPY {tmp} ({names}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
                    with cursor.cursor.copy(sql) as copy:
                        copy.write(buf.getvalue())
                sets = ", ".join(f"{qn(c)} = s.{qn(c)}" for c in columns)
                cursor.execute(f"UPDATE {table} AS t SET {sets} FROM {tmp} AS s WHERE t.{qn(key)} = s.{qn(key)}")  # noqa: S608
            finally:
                cursor.execute(f"DROP TABLE IF EXISTS {tmp}")
        return frame.height
    frame = frame.with_columns(pl.col(pl.Date).dt.strftime("%Y-%m-%d"))
    sets = ", ".join(f"{qn(c)} = ?" for c in columns)
    sql = f"UPDATE {table} SET {sets} WHERE {qn(key)} = ?"  # noqa: S608
    connection.ensure_connection()
    raw = connection.connection
    for start in range(0, frame.height, chunk_rows):
        raw.executemany(sql, frame.select(*columns, key).slice(start, chunk_rows).iter_rows())
    return frame.height


def _reset_sequence(model: type[models.Model]) -> None:
    sql_list = connection.ops.sequence_reset_sql(no_style(), [model])
    with connection.cursor() as cursor:
        for sql in sql_list:
            cursor.execute(sql)
