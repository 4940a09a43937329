"""The registry as the rollups read it: lookups (skill-level ranks, occupation groups, industry sections),
the queries and schemas of certificates, persons and employments, and the frames the engine takes.

Read in bulk by :mod:`gongjiang.monitoring.reading`: the full rebuild reads whole tables, an incremental
update the rows of the persons it affects.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from gongjiang.credentials.models import Certificate
from gongjiang.monitoring.crosswalk import crosswalk
from gongjiang.monitoring.reading import Query, days_sql, fetch, is_pg
from gongjiang.reference.models import Industry, Occupation, SkillLevel
from gongjiang.registry.models import Employment, Organisation, Person

SECTIONS = "ABCDEFGHIJKLMNOPQRST"  # the industry sections of GB/T 4754, numbered 1 … 20


def in_list(ids: list[int]) -> str:
    """``ids`` as the text of an SQL IN list (NULL when empty)."""
    return ",".join(str(int(i)) for i in ids) if ids else "NULL"


def chunks(ids: list[int], size: int = 20_000) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def chunk_size(n: int, readers: int) -> int:
    """Persons per read of an incremental update: a few reads per reader, at most 20,000 ids each."""
    return max(1, min(20_000, -(-n // (4 * readers))))


def section_number(section: str) -> int:
    """1 for section A … 20 for T; 0 for none."""
    return SECTIONS.index(section) + 1 if len(section) == 1 and section in SECTIONS else 0


@dataclass
class Lookups:
    level_rank: dict[int, int]
    occ_group: dict[int, int]
    occ_digital: dict[int, bool]
    org_section: dict[int, int]


def org_sections(organisations: Iterable[int] | None = None) -> dict[int, int]:
    """The industry section (1 = A … 20 = T) of every organisation with an industry, or of those named."""
    industry_section = {pk: section_number(sec) for pk, sec in Industry.objects.values_list("id", "section")}
    table = Organisation._meta.db_table
    sql = f"SELECT id, industry_id FROM {table} WHERE industry_id IS NOT NULL"  # noqa: S608
    schema = {"id": pl.Int64, "industry_id": pl.Int64}
    if organisations is None:
        frame = fetch(sql, schema)
    else:
        ids = sorted(set(organisations))
        frame = pl.concat(
            [fetch(f"{sql} AND id IN ({in_list(chunk)})", schema) for chunk in chunks(ids)]
            or [pl.DataFrame(schema=schema)]
        )
    return {pk: industry_section.get(ind, 0) for pk, ind in frame.iter_rows()}


def lookups(organisations: Iterable[int] | None = None) -> Lookups:
    """Skill-level ranks, occupation groups and digital flags, and the industry sections of every
    organisation (or of those named: an incremental update adds those of the jobs it reads)."""
    occ_group: dict[int, int] = {}
    occ_digital: dict[int, bool] = {}
    for pk, code, digital in Occupation.objects.values_list("id", "code", "digital"):
        head = code.split("-")[0]
        occ_group[pk] = int(head) if head.isdigit() else 0
        occ_digital[pk] = digital
    org_section = org_sections(organisations)
    return Lookups(
        level_rank=dict(SkillLevel.objects.values_list("id", "rank")),
        occ_group=occ_group,
        occ_digital=occ_digital,
        org_section=org_section,
    )


CERT_SCHEMA = {
    "cert_id": pl.Int64,
    "person_id": pl.Int64,
    "level_id": pl.Int64,
    "occupation_id": pl.Int64,
    "school": pl.Boolean,
    "start": pl.Int32,
    "end": pl.Int32,
}
PERSON_SCHEMA = {"person_id": pl.Int64, "region": pl.Int32, "sex": pl.Int8, "birth": pl.Int32}
EMPLOYMENT_SCHEMA = {
    "employment_id": pl.Int64,
    "person_id": pl.Int64,
    "organisation_id": pl.Int64,
    "start": pl.Int32,
    "current": pl.Boolean,
}


def cert_query(where: str = "") -> Query:
    school = "(source = 'school_dual')" + ("::int" if is_pg() else "")
    exprs = ["id", "person_id", "level_id", "occupation_id", school, days_sql("issue_date"), days_sql("revoked_on")]
    return Query(Certificate._meta.db_table, exprs, where)


def person_query(where: str = "") -> Query:
    female = "(sex = 'F')" + ("::int" if is_pg() else "")
    exprs = ["id", "CAST(residence_region_code AS INTEGER)", female, days_sql("birth_date")]
    return Query(Person._meta.db_table, exprs, where)


def employment_query(where: str = "") -> Query:
    current = '("end" IS NULL)' + ("::int" if is_pg() else "")
    exprs = ["id", "person_id", "organisation_id", days_sql("start"), current]
    return Query(Employment._meta.db_table, exprs, where)


def prepare_certs(raw: pl.DataFrame, lk: Lookups) -> pl.DataFrame:
    return raw.select(
        "cert_id",
        "person_id",
        pl.col("level_id").replace_strict(lk.level_rank, default=0, return_dtype=pl.Int8).alias("rank"),
        pl.col("occupation_id").replace_strict(lk.occ_group, default=0, return_dtype=pl.Int8).alias("occ"),
        pl.col("occupation_id").replace_strict(lk.occ_digital, default=False, return_dtype=pl.Boolean).alias("digital"),
        "school",
        "start",
        "end",
    )


def prepare_persons(raw: pl.DataFrame) -> pl.DataFrame:
    cw = {int(k): int(v) for k, v in crosswalk().items()}
    return raw.with_columns(pl.col("region").replace(cw).cast(pl.Int32))


def prepare_industry(raw: pl.DataFrame, lk: Lookups) -> pl.DataFrame:
    """Each person's industry section: that of their current employer (the latest of their current jobs).
    ``raw`` holds current jobs only; a person without one has no industry (0)."""
    return (
        raw.sort(["person_id", "current", "start", "employment_id"], descending=[False, True, True, True])
        .unique("person_id", keep="first", maintain_order=True)
        .select(
            "person_id",
            pl.col("organisation_id").replace_strict(lk.org_section, default=0, return_dtype=pl.Int8).alias("industry"),
        )
    )
