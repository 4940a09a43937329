"""Set-wise lookups of many natural keys in one statement: a temporary table of the keys joined to the
registry table (COPY in and out on PostgreSQL, executemany on SQLite). No per-row queries."""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence

import polars as pl
from django.db import connection, models, transaction


def fetch_by_keys(
    model: type[models.Model], key: str, keys: pl.Series, columns: dict[str, pl.DataType | type[pl.DataType]]
) -> pl.DataFrame:
    """Rows of ``model`` whose column ``key`` is one of ``keys``, with ``columns`` (name → Polars type).

    ``key`` is a column name of the table; the result has ``key`` (as text) and the columns.
    """
    schema: dict[str, pl.DataType | type[pl.DataType]] = {key: pl.String, **columns}
    wanted = keys.drop_nulls().cast(pl.String).unique()
    wanted = wanted.filter(wanted != "")
    if wanted.len() == 0 or not model._default_manager.exists():
        return pl.DataFrame(schema=schema)
    table = connection.ops.quote_name(model._meta.db_table)
    select = ", ".join(f"t.{connection.ops.quote_name(c)}" for c in columns)
    qkey = connection.ops.quote_name(key)
    tmp = connection.ops.quote_name(f"gj_keys_{uuid.uuid4().hex[:12]}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The key column's own type, so that the join can use the table's index.
            cursor.execute(f"CREATE TEMPORARY TABLE {tmp} AS SELECT {qkey} AS k FROM {table} WITH NO DATA")  # noqa: S608
            try:
                with cursor.cursor.copy(f"COPY {tmp} (k) FROM STDIN") as copy:
                    copy.write(("\n".join(wanted.to_list()) + "\n").encode())
                cursor.execute(f"ANALYZE {tmp}")
                out = io.BytesIO()
                sql = (
                    f"COPY (SELECT t.{qkey}::text, {select} FROM {table} t JOIN {tmp} k ON t.{qkey} = k.k) "  # noqa: S608
                    "TO STDOUT WITH (FORMAT csv, NULL '\\N')"
                )
                with cursor.cursor.copy(sql) as copy:
                    for block in copy:
                        out.write(block)
            finally:
                cursor.execute(f"DROP TABLE IF EXISTS {tmp}")
        data = out.getvalue()
        if not data:
            return pl.DataFrame(schema=schema)
        text_schema = dict.fromkeys(schema, pl.String)
        frame = pl.read_csv(data, has_header=False, schema=text_schema, null_values="\\N", empty_string_is_null=False)
        return _cast(frame, schema)
    with transaction.atomic():  # one transaction for the key inserts (not one commit per key)
        connection.ensure_connection()
        raw = connection.connection
        raw.execute(f"CREATE TEMP TABLE {tmp} (k TEXT)")
        try:
            raw.executemany(f"INSERT INTO {tmp} (k) VALUES (?)", ((k,) for k in wanted.to_list()))  # noqa: S608
            # Everything as text: the columns' declared types would make sqlite3 build date objects.
            texts = ", ".join(f"CAST(t.{connection.ops.quote_name(c)} AS TEXT)" for c in columns)
            rows = raw.execute(
                f"SELECT CAST(t.{qkey} AS TEXT), {texts} FROM {tmp} k JOIN {table} t ON t.{qkey} = k.k"  # noqa: S608
            ).fetchall()
        finally:
            raw.execute(f"DROP TABLE IF EXISTS {tmp}")
    if not rows:
        return pl.DataFrame(schema=schema)
    return _cast(pl.DataFrame(rows, schema=dict.fromkeys(schema, pl.String), orient="row"), schema)


def _cast(frame: pl.DataFrame, schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    exprs = []
    for name, dtype in schema.items():
        col = pl.col(name)
        if dtype == pl.Date:
            exprs.append(col.str.slice(0, 10).str.to_date("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            exprs.append(col.str.to_lowercase().is_in(["t", "true", "1"]))
        else:
            exprs.append(col.cast(dtype))
    return frame.select(exprs)


def fetch_all(model: type[models.Model], columns: Sequence[str], **filters: object) -> pl.DataFrame:
    """A small reference table (occupations, levels, industries) as a frame."""
    rows = list(model._default_manager.filter(**filters).values_list(*columns))
    return pl.DataFrame(rows, schema=list(columns), orient="row") if rows else pl.DataFrame(schema=list(columns))
