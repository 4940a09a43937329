"""Reading the registry in bulk for the rollups: whole tables or sets of rows as Polars frames, on one
consistent snapshot, optionally through several connections at once.

PostgreSQL streams ``COPY (…) TO STDOUT`` as CSV into Polars' CSV reader. SQLite has no COPY and a
Python tuple per row costs microseconds, so SQLite itself renders each range of ids as one CSV text
(``group_concat`` of one ``printf`` per row) and Polars parses it, while the next range is rendered:
one Python object per range.

Extra connections that see exactly the rows of the caller's snapshot:

* the full rebuild on PostgreSQL (:class:`ReadSnapshot`): asyncpg connections import the rebuild
  transaction's exported snapshot (``pg_export_snapshot`` / ``SET TRANSACTION SNAPSHOT``, as
  ``pg_dump --jobs`` does) and stream id ranges, so the server renders several ranges at once;
* an incremental update (:func:`shared_readers`), whose rows are scattered, so that their page reads
  overlap: on PostgreSQL the same snapshot import; SQLite cannot share a snapshot between connections,
  so the readers start their read transactions while the update holds the write lock: nothing can
  commit in between, every reader sees the same last commit, and in WAL mode their snapshots last as
  long as they read.
"""

from __future__ import annotations

import asyncio
import functools
import io
import queue
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import polars as pl
import psycopg
from django.db import connection, transaction
from psycopg import sql as pgsql

# Columns holding days since 1970 (Int32): read as text from SQLite.
DAY_COLUMNS = {"start", "end", "birth"}
PG_RANGE_IDS = 2_000_000  # ids per COPY range on PostgreSQL
SQLITE_RANGE_IDS = 1_000_000  # ids per group_concat range on SQLite
SQLITE_MMAP_BYTES = 16 * 1024**3
PG_PREFETCH_PAGES = 64  # effective_io_concurrency of the readers of scattered rows


def is_pg() -> bool:
    return connection.vendor == "postgresql"


def days_sql(column: str) -> str:
    """A date column as days since 1970-01-01: computed by PostgreSQL; on SQLite the ISO text is read
    and Polars converts it (much faster than SQLite's julianday per row)."""
    if is_pg():
        return f"({column} - DATE '1970-01-01')"
    return f'"{column}"'


@dataclass
class Query:
    """SELECT ``exprs`` FROM ``table`` [WHERE ``where``], the columns in the order of a schema."""

    table: str
    exprs: list[str]
    where: str = ""

    def condition(self, extra: str = "") -> str:
        """The WHERE condition with ``extra`` added (empty if none)."""
        return " AND ".join(f"({c})" for c in (self.where, extra) if c)

    def sql(self, extra: str = "") -> str:
        conditions = self.condition(extra)
        return f"SELECT {', '.join(self.exprs)} FROM {self.table}" + (f" WHERE {conditions}" if conditions else "")  # noqa: S608


def id_range(lo: int, hi: int) -> str:
    return f"id > {int(lo)} AND id <= {int(hi)}"


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


def _raw_schema(schema: Any, *, text_dates: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in schema.items():
        if v == pl.Boolean:
            out[k] = pl.Int8
        elif not is_pg() and k in DAY_COLUMNS:
            out[k] = pl.Utf8 if text_dates else pl.Date
        else:
            out[k] = v
    return out


def _as_days(frame: pl.DataFrame, schema: Any) -> pl.DataFrame:
    """Turn dates read from SQLite (ISO text, or date objects) into days since 1970 where the schema wants
    Int32 days."""
    out = []
    for k, v in schema.items():
        if v != pl.Int32:
            continue
        if frame.schema[k] == pl.Utf8:
            out.append(pl.col(k).str.to_date("%Y-%m-%d").cast(pl.Int32))
        elif frame.schema[k] == pl.Date:
            out.append(pl.col(k).cast(pl.Int32))
    return frame.with_columns(out)


def _finish(frames: list[pl.DataFrame], schema: Any) -> pl.DataFrame:
    frames = [f for f in frames if f.height]
    if not frames:
        return pl.DataFrame(schema=schema)
    frame = _as_days(pl.concat(frames), schema)
    return frame.with_columns(*(pl.col(k).cast(pl.Boolean) for k, v in schema.items() if v == pl.Boolean)).cast(schema)


def parse_csv(data: bytes | str | None, schema: Any) -> pl.DataFrame:
    if not data:
        return pl.DataFrame(schema=_raw_schema(schema))
    source = io.BytesIO(data) if isinstance(data, bytes) else io.StringIO(data)
    return pl.read_csv(source, has_header=False, new_columns=list(schema), schema=_raw_schema(schema))


# ---------------------------------------------------------------------------------------------
# Connections
# ---------------------------------------------------------------------------------------------


class Reader:
    """One connection to read through: the driver connection under Django's (``raw`` None), usable from
    the worker threads, or an extra snapshot reader of its own."""

    def __init__(self, raw: Any = None) -> None:
        self.owned = raw is not None
        if raw is None:
            connection.ensure_connection()
            raw = connection.connection
        self.raw = raw

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        """The driver's cursor (psycopg or sqlite3); statements carry no parameters."""
        cursor = self.raw.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def copy_csv(self, sql: str) -> bytes:
        """PostgreSQL: the rows of ``sql`` as CSV."""
        buf = io.BytesIO()
        with self.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
            for chunk in copy:
                buf.write(chunk)
        return buf.getvalue()

    def execute(self, sql: str) -> None:
        with self.cursor() as cursor:
            cursor.execute(sql)

    def one(self, sql: str) -> tuple[Any, ...]:
        with self.cursor() as cursor:
            cursor.execute(sql)
            return tuple(cursor.fetchone())

    def frame(self, sql: str, schema: Any) -> pl.DataFrame:
        """The rows of ``sql`` with ``schema`` (before day and boolean conversion)."""
        if is_pg():
            return parse_csv(self.copy_csv(sql), schema)
        raw_schema = _raw_schema(schema, text_dates=False)  # the cursor converts DATE columns to dates
        frames = []
        with self.cursor() as cursor:
            cursor.execute(sql)
            while rows := cursor.fetchmany(500_000):
                frames.append(pl.DataFrame(rows, schema=raw_schema, orient="row"))
        return pl.concat(frames) if frames else pl.DataFrame(schema=raw_schema)

    def range_csv(self, query: Query, lo: int, hi: int) -> bytes | str | None:
        """The rows of ``query`` with lo < id <= hi as one CSV text."""
        if is_pg():
            return self.copy_csv(query.sql(id_range(lo, hi)))
        # One printf per row (NULL prints as empty): half the time of concatenating the columns with ||.
        line = "printf('" + ",".join(["%s"] * len(query.exprs)) + "', " + ", ".join(query.exprs) + ")"
        where = query.condition(id_range(lo, hi))
        sql = f"SELECT group_concat({line}, char(10)) FROM {query.table} WHERE {where}"  # noqa: S608
        return self.one(sql)[0]

    def close(self) -> None:
        if self.owned:
            self.raw.close()


def export_snapshot() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        return str(cursor.fetchone()[0])


def _pg_readers(n: int) -> list[Reader]:
    snapshot = export_snapshot()
    params = connection.get_connection_params()

    def open_one() -> Reader:
        raw = connection.get_new_connection(params)
        try:
            raw.autocommit = False
            raw.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            raw.read_only = True
            raw.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(snapshot)))
            # These readers fetch the rows of scattered ids: as bitmap heap scans, which ask the kernel
            # for many heap pages ahead (a plain index scan reads one page at a time), 1.7 times faster
            # for 10,000 persons' rows not in memory.
            raw.execute("SET LOCAL enable_indexscan = off")
            raw.execute(f"SET LOCAL effective_io_concurrency = {PG_PREFETCH_PAGES}")
        except BaseException:
            raw.close()
            raise
        return Reader(raw)

    # Connected at once: each connection waits for a server process to start.
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(open_one) for _ in range(n)]
    readers = [f.result() for f in futures if f.exception() is None]
    failed = [f.exception() for f in futures if f.exception() is not None]
    if failed:
        for r in readers:
            r.close()
        raise failed[0]  # type: ignore[misc]
    return readers


def _sqlite_readers(n: int) -> list[Reader]:
    """Called while this connection holds the write lock."""
    params = connection.get_connection_params()
    readers = []
    try:
        for _ in range(n):
            raw = connection.get_new_connection(params)
            raw.isolation_level = None  # explicit transactions
            readers.append(Reader(raw))
            raw.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
            raw.execute("BEGIN DEFERRED")
            raw.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the read snapshot starts here
    except Exception:
        for r in readers:
            r.close()
        raise
    return readers


def _shareable() -> bool:
    return is_pg() or not connection.is_in_memory_db()  # type: ignore[attr-defined]


class ReadSnapshot:
    """A read-only, repeatable-read transaction on PostgreSQL; a read transaction on SQLite (WAL readers
    see one snapshot and do not block writers). Inside an enclosing atomic block, that block's snapshot
    is used.

    PostgreSQL, with ``readers`` > 0 and a snapshot of its own: :meth:`read_tables` streams the tables
    through that many extra connections importing the snapshot. SQLite reads on its one connection:
    threads rendering ranges on several connections of one process contend inside SQLite (its memory
    allocator's lock) and were slower than one connection. :attr:`readers` is the main connection."""

    def __init__(self, readers: int = 0) -> None:
        self.wanted = readers
        self.readers: list[Reader] = []
        self.pg_snapshot = ""

    def __enter__(self) -> ReadSnapshot:
        self.own = not connection.in_atomic_block
        if self.own:
            if is_pg():
                self.atomic = transaction.atomic()
                self.atomic.__enter__()
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                if self.wanted > 0:
                    self.pg_snapshot = export_snapshot()
            else:
                connection.ensure_connection()
                connection.connection.execute("BEGIN DEFERRED")
        self.readers = [Reader()]
        return self

    def read_tables(self, queries: dict[str, tuple[Query, Any]]) -> dict[str, pl.DataFrame]:
        """Whole tables (each optionally filtered) as frames, read in this snapshot."""
        if self.pg_snapshot:
            return pg_read_tables(queries, self.pg_snapshot, self.wanted)
        return read_tables(queries, self.readers)

    def __exit__(self, *exc: Any) -> None:
        if not self.own:
            return
        if is_pg():
            self.atomic.__exit__(*exc)
        else:
            connection.connection.execute("COMMIT")


@contextmanager
def shared_readers(n: int) -> Iterator[list[Reader]]:
    """Inside the caller's own transaction (which has written nothing yet): ``n`` extra readers sharing
    its snapshot, or only the main connection where that is not possible (an in-memory database). On
    SQLite the transaction must hold the write lock (``transaction_mode`` IMMEDIATE), so that nothing
    commits while they start; for scattered rows (an incremental update) their page reads overlap."""
    readers: list[Reader] = []
    if n > 0 and _shareable():
        readers = _pg_readers(n) if is_pg() else _sqlite_readers(n)
    try:
        yield readers or [Reader()]
    finally:
        for r in readers:
            r.close()


# ---------------------------------------------------------------------------------------------
# Running reads on several readers
# ---------------------------------------------------------------------------------------------


def _run(tasks: Sequence[Callable[[Reader], Any]], readers: Sequence[Reader]) -> Iterator[Any]:
    """Run each task on a reader (one task per reader at a time, one thread per reader), yielding the
    results in the order of the tasks; at most two tasks per reader are ahead of the consumer."""
    free: queue.Queue[Reader] = queue.Queue()
    for r in readers:
        free.put(r)

    def call(task: Callable[[Reader], Any]) -> Any:
        reader = free.get()
        try:
            return task(reader)
        finally:
            free.put(reader)

    window = 2 * len(readers)
    with ThreadPoolExecutor(max_workers=len(readers), thread_name_prefix="rollup-read") as pool:
        pending: list[Future[Any]] = []
        it = iter(tasks)
        for task in it:
            pending.append(pool.submit(call, task))
            if len(pending) >= window:
                break
        while pending:
            result = pending.pop(0).result()
            for task in it:
                pending.append(pool.submit(call, task))
                break
            yield result


def _range_task(query: Query, lo: int, hi: int, reader: Reader) -> bytes | str | None:
    return reader.range_csv(query, lo, hi)


def _frame_task(sql: str, schema: Any, reader: Reader) -> pl.DataFrame:
    return reader.frame(sql, schema)


def id_ranges(queries: dict[str, tuple[Query, Any]], reader: Reader, step: int) -> list[tuple[str, int, int]]:
    """(name, lo, hi) of every range of ``step`` ids (lo < id <= hi) spanning each query's table."""
    out = []
    for name, (query, _schema) in queries.items():
        first, last = reader.one(f"SELECT MIN(id), MAX(id) FROM {query.table}")  # noqa: S608
        if first is not None:
            out += [(name, a, a + step) for a in range(first - 1, last, step)]
    return out


def read_tables(queries: dict[str, tuple[Query, Any]], readers: Sequence[Reader]) -> dict[str, pl.DataFrame]:
    """Whole tables (each optionally filtered) as frames, their id ranges read on ``readers``."""
    pg = is_pg()
    step = PG_RANGE_IDS if pg else SQLITE_RANGE_IDS
    tasks: list[Callable[[Reader], Any]] = []
    owners: list[str] = []
    if not pg:
        for r in readers:
            # Read through a memory map rather than read() calls (a connection setting, not stored).
            r.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
    for name, lo, hi in id_ranges(queries, readers[0], step):
        tasks.append(functools.partial(_range_task, queries[name][0], lo, hi))
        owners.append(name)
    frames: dict[str, list[pl.DataFrame]] = {name: [] for name in queries}
    for name, text in zip(owners, _run(tasks, readers), strict=True):
        frames[name].append(parse_csv(text, queries[name][1]))
    return {name: _finish(frames[name], schema) for name, (_q, schema) in queries.items()}


def _asyncpg_params() -> dict[str, Any]:
    settings = connection.settings_dict
    params: dict[str, Any] = {
        "host": settings.get("HOST") or None,
        "port": int(settings["PORT"]) if settings.get("PORT") else None,
        "user": settings.get("USER") or None,
        "password": settings.get("PASSWORD") or None,
        "database": settings.get("NAME") or None,
    }
    if settings.get("OPTIONS", {}).get("sslmode"):
        params["ssl"] = settings["OPTIONS"]["sslmode"]
    return {k: v for k, v in params.items() if v is not None}


async def _pg_reader(params: dict[str, Any], snapshot: str) -> Any:
    """One asyncpg connection in a read-only transaction on ``snapshot``."""
    conn = await asyncpg.connect(**params)
    try:
        await conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        await conn.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")  # an id PostgreSQL made: hex and dashes
    except BaseException:
        await conn.close()
        raise
    return conn


def pg_read_tables(queries: dict[str, tuple[Query, Any]], snapshot: str, n: int) -> dict[str, pl.DataFrame]:
    """PostgreSQL: the tables' id ranges streamed with COPY … TO STDOUT by ``n`` asyncpg connections on
    ``snapshot``; each range's CSV is parsed by Polars in a worker thread while the next ones stream.
    asyncpg hands the received data over in network-buffer batches, where psycopg hands over one Python
    object per row: a table of 25 million rows streams in about half the time."""
    if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
        raise ValueError(f"unexpected snapshot id {snapshot!r}")
    tasks = [
        (name, queries[name][0].sql(id_range(lo, hi)), queries[name][1])
        for name, lo, hi in id_ranges(queries, Reader(), PG_RANGE_IDS)
    ]
    params = _asyncpg_params()

    async def run(parse_pool: ThreadPoolExecutor) -> list[pl.DataFrame]:
        conns = await asyncio.gather(*(_pg_reader(params, snapshot) for _ in range(min(n, len(tasks)) or 1)))
        free: asyncio.Queue[Any] = asyncio.Queue()
        for c in conns:
            free.put_nowait(c)
        loop = asyncio.get_running_loop()

        async def one(sql: str, schema: Any) -> pl.DataFrame:
            conn = await free.get()
            try:
                chunks: list[bytes] = []

                async def sink(chunk: bytes) -> None:
                    chunks.append(bytes(chunk))

                await conn.copy_from_query(sql, output=sink, format="csv")
            finally:
                free.put_nowait(conn)
            return await loop.run_in_executor(parse_pool, parse_csv, b"".join(chunks), schema)

        try:
            return list(await asyncio.gather(*(one(sql, schema) for _name, sql, schema in tasks)))
        finally:
            await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)

    # The event loop runs in a thread of its own: the caller's thread may be running a loop already
    # (an async context, a browser-driving test).
    with (
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="rollup-parse") as pool,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="rollup-copy") as loop_thread,
    ):
        frames = loop_thread.submit(asyncio.run, run(pool)).result() if tasks else []
    collected: dict[str, list[pl.DataFrame]] = {name: [] for name in queries}
    for (name, _sql, _schema), frame in zip(tasks, frames, strict=True):
        collected[name].append(frame)
    return {name: _finish(collected[name], schema) for name, (_q, schema) in queries.items()}


def read_rows(jobs: Sequence[tuple[str, Any]], readers: Sequence[Reader] | None = None) -> list[pl.DataFrame]:
    """The rows of each (sql, schema) job as a frame, the jobs spread over ``readers``."""
    tasks = [functools.partial(_frame_task, sql, schema) for sql, schema in jobs]
    raw = list(_run(tasks, readers or [Reader()]))
    return [_finish([frame], schema) for frame, (_sql, schema) in zip(raw, jobs, strict=True)]


def fetch(sql: str, schema: Any) -> pl.DataFrame:
    """The rows of ``sql`` on the main connection as a frame with ``schema`` (column names in order)."""
    return read_rows([(sql, schema)])[0]
