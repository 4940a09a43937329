"""Regions copied onto rows scoped through another table: the employer's region onto each employment
here, the holder's residence region onto each certificate (registered by the credentials app). The
services keep the copies: a row is written with its copy, and when a person or an organisation moves,
:func:`persons_moved` and :func:`organisations_moved` bring the copies of their rows along, one set-based
statement per table."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl
from django.db import connection, models

from gongjiang.core.audit import record_set
from gongjiang.core.models import ChangeRecord
from gongjiang.registry.models import Employment, Organisation, Person

CHUNK = 5000

# Apps above the registry whose rows carry a person's region: a callable given the moved persons' ids.
_person_followers: list[Callable[[list[int]], int]] = []


def follow_persons(update: Callable[[list[int]], int]) -> None:
    """Register ``update(person_ids)``, which sets the copied region of the rows of those persons."""
    if update not in _person_followers:
        _person_followers.append(update)


def copy_region(
    *,
    model: type[models.Model],
    column: str,
    key: str,
    source: type[models.Model],
    source_column: str,
    ids: Iterable[int],
) -> int:
    """Set ``column`` of ``model`` from ``source_column`` of the ``source`` row its ``key`` points to, for
    the rows whose ``key`` is one of ``ids`` and whose copy differs: set-based, in chunks of ids, with one
    change record for the set (naming the column and the table it follows). The number of rows set."""
    ids = sorted({int(i) for i in ids})
    qn = connection.ops.quote_name
    table, src = qn(model._meta.db_table), qn(source._meta.db_table)
    value = f"(SELECT s.{qn(source_column)} FROM {src} AS s WHERE s.id = {table}.{qn(key)})"  # noqa: S608
    changed = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            where = f"{qn(key)} IN ({', '.join(['%s'] * len(chunk))}) AND {qn(column)} <> {value}"
            cursor.execute(f"SELECT count(*) FROM {table} WHERE {where}", chunk)  # noqa: S608
            if not cursor.fetchone()[0]:
                continue
            cursor.execute(f"UPDATE {table} SET {qn(column)} = {value} WHERE {where}", chunk)  # noqa: S608
            changed += max(cursor.rowcount, 0)
    if changed:
        record_set(
            model=model,
            count=changed,
            detail={"copied": column, "from": source._meta.label},
            action=ChangeRecord.Action.UPDATE,
        )
    return changed


def organisations_moved(organisation_ids: Iterable[int]) -> int:
    """The employments of these organisations take their employer's current region."""
    return copy_region(
        model=Employment,
        column="region_code",
        key="organisation_id",
        source=Organisation,
        source_column="region_code",
        ids=organisation_ids,
    )


def persons_moved(person_ids: Iterable[int]) -> int:
    """The rows of other apps that carry these persons' residence region take its current value."""
    ids = list(person_ids)
    return sum(update(ids) for update in _person_followers)


def person_regions(person_ids: pl.Series) -> pl.DataFrame:
    """``person_id`` and ``region_code`` (residence) of the given persons, for rows written in bulk."""
    ids = sorted({int(i) for i in person_ids.drop_nulls().to_list()})
    rows: list[tuple[int, str]] = []
    for start in range(0, len(ids), CHUNK):
        rows += list(
            Person.objects.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", "residence_region_code")
        )
    return pl.DataFrame(rows, schema={"person_id": pl.Int64, "region_code": pl.String}, orient="row")


def organisation_regions(organisation_ids: pl.Series) -> pl.DataFrame:
    """``organisation_id`` and ``region_code`` of the given organisations, for rows written in bulk."""
    ids = sorted({int(i) for i in organisation_ids.drop_nulls().to_list()})
    rows: list[tuple[int, str]] = []
    for start in range(0, len(ids), CHUNK):
        rows += list(Organisation.objects.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", "region_code"))
    return pl.DataFrame(rows, schema={"organisation_id": pl.Int64, "region_code": pl.String}, orient="row")
