"""Writing the rollup fact table: the engine's facts as :class:`RegionFact` rows, the whole table at
once (a full rebuild) or changes added to the stored rows (an incremental update)."""

from __future__ import annotations

import io

import polars as pl
from django.core.management.color import no_style
from django.db import connection

from gongjiang.core.bulk import copy_frame
from gongjiang.monitoring import engine
from gongjiang.monitoring.frames import SECTIONS
from gongjiang.monitoring.models import RegionFact
from gongjiang.monitoring.reading import is_pg

FACT_COLUMNS = ["region_code", "period", "period_end", "scope", "dim", "member", *engine.MEASURES]


def fact_rows(facts: pl.DataFrame) -> pl.DataFrame:
    """Engine facts → RegionFact columns (codes and member labels as text)."""
    member = (
        pl.when(pl.col("dim") == 0)
        .then(pl.lit("total"))
        .when(pl.col("dim") == 1)
        .then(
            pl.when((pl.col("member") >= 1) & (pl.col("member") <= 20))
            .then(pl.col("member").replace_strict({i + 1: s for i, s in enumerate(SECTIONS)}, default="unknown"))
            .otherwise(pl.lit("unknown"))
        )
        .when(pl.col("dim") == 2)
        .then(pl.when(pl.col("member") > 0).then(pl.col("member").cast(pl.Utf8)).otherwise(pl.lit("unknown")))
        .when(pl.col("dim") == 3)
        .then(pl.col("member").cast(pl.Utf8))
        .when(pl.col("dim") == 4)
        .then(pl.col("member").replace_strict({0: "M", 1: "F"}, default="unknown"))
        .otherwise(pl.col("member").replace_strict(dict(enumerate(engine.AGE_BANDS)), default="unknown"))
    )
    return facts.select(
        pl.col("region").cast(pl.Utf8).str.zfill(6).alias("region_code"),
        "period",
        "period_end",
        pl.col("scope").replace_strict(engine.SCOPE_NAMES, return_dtype=pl.Utf8).alias("scope"),
        pl.col("dim").replace_strict(engine.DIM_NAMES, return_dtype=pl.Utf8).alias("dim"),
        member.cast(pl.Utf8).alias("member"),
        *engine.MEASURES,
    )


def write_all(rows: pl.DataFrame) -> None:
    table = connection.ops.quote_name(RegionFact._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}" if is_pg() else f"DELETE FROM {table}")  # noqa: S608
    frame = rows.with_columns(pl.int_range(1, rows.height + 1, dtype=pl.Int64).alias("id")).select(
        ["id", *FACT_COLUMNS]
    )
    copy_frame(RegionFact, frame)


def apply_deltas(rows: pl.DataFrame) -> int:
    """Add ``rows`` (changes of measures) to the stored facts, inserting keys not yet present and dropping
    rows that fall to zero. The changes go through a temporary table indexed on the fact key: one UPDATE
    … FROM, one INSERT … WHERE NOT EXISTS, one DELETE."""
    if rows.height == 0:
        return 0
    table = connection.ops.quote_name(RegionFact._meta.db_table)
    tmp = "monitoring_fact_delta"
    cols = FACT_COLUMNS
    keys = ["region_code", "scope", "dim", "member", "period"]
    collist = ", ".join(cols)
    data = rows.select(cols)
    with connection.cursor() as cursor:
        if is_pg():
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {tmp} (LIKE {table} INCLUDING DEFAULTS)")
            cursor.execute(f"TRUNCATE {tmp}")
            buf = io.BytesIO()
            data.with_columns(pl.lit(0).alias("id")).select(["id", *cols]).write_csv(buf, include_header=False)
            with cursor.cursor.copy(f"COPY {tmp} (id, {collist}) FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(buf.getvalue())
            cursor.execute(f"ANALYZE {tmp}")
        else:
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {tmp} AS SELECT * FROM {table} WHERE 0")  # noqa: S608
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {tmp}_key ON {tmp} ({', '.join(keys)})")
            cursor.execute(f"DELETE FROM {tmp}")  # noqa: S608
            data = data.with_columns(pl.col("period_end").dt.strftime("%Y-%m-%d"))
            placeholders = ", ".join(["%s"] * len(cols))
            insert = f"INSERT INTO {tmp} (id, {collist}) VALUES (0, {placeholders})"  # noqa: S608
            cursor.executemany(insert, list(data.iter_rows()))
        match = " AND ".join(f"f.{k} = d.{k}" for k in keys)
        sets = ", ".join(f"{m} = {table}.{m} + d.{m}" for m in engine.MEASURES)
        match_update = " AND ".join(f"{table}.{k} = d.{k}" for k in keys)
        cursor.execute(f"UPDATE {table} SET {sets} FROM {tmp} d WHERE {match_update}")  # noqa: S608
        next_id = f"(SELECT COALESCE(MAX(id), 0) FROM {table})"  # noqa: S608
        values = ", ".join(f"d.{c}" for c in cols)
        cursor.execute(
            f"INSERT INTO {table} (id, {collist}) SELECT {next_id} + ROW_NUMBER() OVER "  # noqa: S608
            f"(ORDER BY d.region_code, d.period), {values} FROM {tmp} d "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} f WHERE {match})"
        )
        zero = " AND ".join(f"{table}.{m} = 0" for m in engine.MEASURES)
        cursor.execute(
            f"DELETE FROM {table} WHERE {zero} AND EXISTS (SELECT 1 FROM {tmp} d WHERE {match_update})"  # noqa: S608
        )
        cursor.execute(f"DELETE FROM {tmp}")  # noqa: S608
    if is_pg():
        # New rows were numbered above the highest id: move the table's sequence past them.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [RegionFact]):
                cursor.execute(sql)
    return rows.height
