"""Benchmark: the full rebuild's read on PostgreSQL through asyncpg (what the rebuild uses) against
psycopg 3, the project's own driver.

Every variant reads the rebuild's three tables (certificates, persons, current employments) in id ranges
of `reading.PG_RANGE_IDS`, through three connections that import one exported snapshot, and parses each
range's CSV with Polars in two worker threads, as `reading.pg_read_tables` does:

* `asyncpg`: `reading.pg_read_tables` (asyncpg's COPY hands the data over in network-buffer batches);
* `psycopg-threads`: three threads, each streaming COPY through `cursor.copy()` (one Python object
  per row);
* `psycopg-libpq`: as above, the rows taken from psycopg's libpq wrapper (`psycopg.pq`) in a tight
  non-blocking loop;
* `psycopg-async`: `psycopg.AsyncConnection`, `async for` over each range's COPY;
* `psycopg-text`: three threads, the server rendering each range into one text value (`string_agg`), so
  that one Python object carries a whole range.

The variants run in turns, `--rounds` times. Use the PostgreSQL database `bench/rollup.py` prepared.

Usage: flock /tmp/gongjiang-bench.lock python bench/rollup_read.py [--rounds 5] [--variants a,b]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import queue
import select
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjiang.settings")
os.environ.setdefault(
    "DATABASE_URL", os.environ.get("GONGJIANG_BENCH_ROLLUP_PG", "postgres://postgres@127.0.0.1:5432/gj_bench_rollup")
)

import django

django.setup()

import psycopg  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from psycopg import sql as pgsql  # noqa: E402

from gongjiang.monitoring import reading  # noqa: E402
from gongjiang.monitoring.frames import (  # noqa: E402
    CERT_SCHEMA,
    EMPLOYMENT_SCHEMA,
    PERSON_SCHEMA,
    cert_query,
    employment_query,
    person_query,
)

READERS = 3
QUERIES = {
    "certs": (cert_query(), CERT_SCHEMA),
    "persons": (person_query(), PERSON_SCHEMA),
    "jobs": (employment_query('"end" IS NULL'), EMPLOYMENT_SCHEMA),
}
VARIANTS = ["asyncpg", "psycopg-threads", "psycopg-libpq", "psycopg-async", "psycopg-text"]
Range = tuple[str, int, int]


def conninfo() -> str:
    params = connection.get_connection_params()
    keys = ("host", "port", "user", "password", "dbname")
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if k in keys})


def open_reader(snapshot: str) -> psycopg.Connection:
    conn = psycopg.connect(conninfo())
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    conn.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(snapshot)))
    return conn


def copy_sql(r: Range) -> str:
    name, lo, hi = r
    return f"COPY ({QUERIES[name][0].sql(reading.id_range(lo, hi))}) TO STDOUT WITH (FORMAT csv)"


def read_copy(conn: psycopg.Connection, r: Range) -> bytes:
    buf = io.BytesIO()
    with conn.cursor() as cur, cur.copy(copy_sql(r)) as copy:
        for chunk in copy:
            buf.write(chunk)
    return buf.getvalue()


def _wait(pg: Any) -> None:
    while pg.is_busy():
        select.select([pg.socket], [], [])
        pg.consume_input()


def read_libpq(conn: psycopg.Connection, r: Range) -> bytes:
    pg = conn.pgconn
    pg.send_query(copy_sql(r).encode())
    pg.consume_input()
    _wait(pg)
    result = pg.get_result()
    assert result is not None and result.status == psycopg.pq.ExecStatus.COPY_OUT
    out: list[Any] = []
    get = pg.get_copy_data
    while True:
        n, data = get(1)
        if n > 0:
            out.append(data)
        elif n == 0:
            select.select([pg.socket], [], [])
            pg.consume_input()
        else:
            break
    while True:
        _wait(pg)
        if pg.get_result() is None:
            break
    return b"".join(out)


def read_text(conn: psycopg.Connection, r: Range) -> bytes:
    name, lo, hi = r
    query = QUERIES[name][0]
    line = "concat(" + ", ',', ".join(query.exprs) + ")"
    where = query.condition(reading.id_range(lo, hi))
    with conn.cursor() as cur:
        cur.execute(f"SELECT string_agg({line}, E'\\n') FROM {query.table} WHERE {where}")
        row = cur.fetchone()
    return ((row[0] if row else None) or "").encode()


def in_threads(snapshot: str, ranges: list[Range], read: Any) -> int:
    conns = [open_reader(snapshot) for _ in range(READERS)]
    free: queue.Queue[psycopg.Connection] = queue.Queue()
    for c in conns:
        free.put(c)

    def one(r: Range) -> bytes:
        c = free.get()
        try:
            return read(c, r)
        finally:
            free.put(c)

    try:
        with ThreadPoolExecutor(READERS) as io_pool, ThreadPoolExecutor(2) as parse_pool:
            raw = [io_pool.submit(one, r) for r in ranges]
            frames = [
                parse_pool.submit(lambda f, s: reading.parse_csv(f.result(), s), f, QUERIES[r[0]][1])
                for f, r in zip(raw, ranges, strict=True)
            ]
            return sum(f.result().height for f in frames)
    finally:
        for c in conns:
            c.close()


def in_async(snapshot: str, ranges: list[Range]) -> int:
    info = conninfo()

    async def run(parse_pool: ThreadPoolExecutor) -> int:
        async def open_one() -> psycopg.AsyncConnection:
            conn = await psycopg.AsyncConnection.connect(info)
            await conn.set_isolation_level(psycopg.IsolationLevel.REPEATABLE_READ)
            await conn.set_read_only(True)
            await conn.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(snapshot)))
            return conn

        conns = await asyncio.gather(*(open_one() for _ in range(READERS)))
        free: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()
        for c in conns:
            free.put_nowait(c)
        loop = asyncio.get_running_loop()

        async def one(r: Range) -> int:
            c = await free.get()
            try:
                chunks = []
                async with c.cursor() as cur, cur.copy(copy_sql(r)) as copy:
                    async for data in copy:
                        chunks.append(bytes(data))
            finally:
                free.put_nowait(c)
            frame = await loop.run_in_executor(parse_pool, reading.parse_csv, b"".join(chunks), QUERIES[r[0]][1])
            return frame.height

        try:
            return sum(await asyncio.gather(*(one(r) for r in ranges)))
        finally:
            for c in conns:
                await c.close()

    with ThreadPoolExecutor(2) as pool:
        return asyncio.run(run(pool))


def measure(variant: str) -> tuple[float, int]:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = reading.export_snapshot()
        started = time.perf_counter()
        if variant == "asyncpg":
            rows = sum(f.height for f in reading.pg_read_tables(QUERIES, snapshot, READERS).values())
        else:
            ranges = reading.id_ranges(QUERIES, reading.Reader(), reading.PG_RANGE_IDS)
            if variant == "psycopg-async":
                rows = in_async(snapshot, ranges)
            else:
                read = {"psycopg-threads": read_copy, "psycopg-libpq": read_libpq, "psycopg-text": read_text}
                rows = in_threads(snapshot, ranges, read[variant])
        return time.perf_counter() - started, rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    variants = args.variants.split(",")
    seconds: dict[str, list[float]] = {v: [] for v in variants}
    rows: dict[str, int] = {}
    for _ in range(args.rounds):
        for variant in variants:
            s, rows[variant] = measure(variant)
            seconds[variant].append(s)
            print(f"  {variant:<16} {s:6.2f} s  {rows[variant]:,} rows", flush=True)
    print()
    base = min(seconds.get("asyncpg") or [1.0])
    for variant in variants:
        best = min(seconds[variant])
        print(f"{variant:<16} best {best:6.2f} s  median {sorted(seconds[variant])[len(seconds[variant]) // 2]:6.2f} s"
              f"  {best / base:4.2f}x asyncpg")  # fmt: skip
    print(json.dumps({"seconds": seconds, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
