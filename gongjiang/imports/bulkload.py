"""Loading new rows: ``core.bulk.copy_frame``, with secondary indexes built once afterwards when a large
load goes into an empty PostgreSQL table (the SQLite path of copy_frame already does this).

Maintaining every index row by row is what dominates a large COPY: each indexed CharField has a
``varchar_pattern_ops`` twin on PostgreSQL, so persons carry nine indexes. Building the non-unique ones
after the load, from sorted input, is about twice as fast. Unique indexes stay, so duplicates are still
refused during the load. Dropping an index locks the table until the load commits; this is done only
for an empty table (a first load), never beside daily work on a filled one.
"""

from __future__ import annotations

import polars as pl
from django.db import connection, models, transaction

from gongjiang.core.bulk import copy_frame

DEFER_INDEXES_FROM_ROWS = 100_000


def load_frame(model: type[models.Model], frame: pl.DataFrame) -> int:
    """Insert ``frame`` into ``model``'s table inside the caller's transaction."""
    if connection.vendor != "postgresql" or frame.height < DEFER_INDEXES_FROM_ROWS or model._default_manager.exists():
        return copy_frame(model, frame)
    table = model._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary",
            [connection.ops.quote_name(table)],
        )
        definitions = cursor.fetchall()
        for name, _definition in definitions:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        count = copy_frame(model, frame)
        for _name, definition in definitions:
            cursor.execute(definition)
    return count
