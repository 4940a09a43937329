"""Set-wise lookups of many natural keys in one statement: a temporary table of the keys joined to the
registry table (COPY in and out on PostgreSQL, executemany on SQLite). No per-row queries."""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence

import polars as pl
from django.db import connection, models, transaction

# Keys per block of CSV lines that PostgreSQL returns (a text value must stay under 1 GB).
LOOKUP_BLOCK = 200_000


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
    qkey = connection.ops.quote_name(key)
    tmp = connection.ops.quote_name(f"gj_keys_{uuid.uuid4().hex[:12]}")
    if connection.vendor == "postgresql":
        names = [key, *columns]
        qn = connection.ops.quote_name
        # Each value as a quoted CSV field, a missing one as \N: PostgreSQL writes the lines itself.
        line = ", ".join(f"""coalesce('"' || replace(t.{qn(c)}::text, '"', '""') || '"', '\\N')""" for c in names)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            work_mem = cursor.fetchone()[0]
            # Enough memory for the join and the grouping to stay off disk, for this lookup only.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            # The key column's own type, so that the join can use the table's index.
            cursor.execute(
                f"CREATE TEMPORARY TABLE {tmp} AS SELECT {qkey} AS k, 0::bigint AS n FROM {table} WITH NO DATA"  # noqa: S608
            )
            try:
                numbered = pl.DataFrame({"k": wanted, "n": pl.int_range(wanted.len(), eager=True)})
                buf = io.BytesIO()
                numbered.write_csv(buf, include_header=False, quote_style="necessary")
                with cursor.cursor.copy(f"COPY {tmp} (k, n) FROM STDIN WITH (FORMAT csv)") as copy:
                    copy.write(buf.getbuffer())
                cursor.execute(f"ANALYZE {tmp}")
                # The rows come back as a few large texts of CSV lines, one per block of keys: a COPY out
                # would hand them over one row at a time, which costs more than the lookup itself.
                cursor.execute(
                    f"SELECT string_agg(concat_ws(',', {line}), E'\\n') "  # noqa: S608
                    f"FROM {table} t JOIN {tmp} k ON t.{qkey} = k.k GROUP BY k.n / %s",
                    [LOOKUP_BLOCK],
                )
                blocks = [row[0] for row in cursor.fetchall()]
            finally:
                cursor.execute(f"DROP TABLE IF EXISTS {tmp}")
                cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
        if not blocks:
            return pl.DataFrame(schema=schema)
        text_schema = dict.fromkeys(schema, pl.String)
        data = "\n".join(blocks).encode("utf-8")
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
