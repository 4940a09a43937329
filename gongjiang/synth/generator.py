"""Deterministic, vectorised synthetic registry data for a Jiangsu city, district or the province.

Every identifier is valid (ID numbers with check digits, USCCs with both check characters,
certificate numbers in the national format); distributions follow :mod:`gongjiang.synth.profiles`.
The same ``--region --scale --seed`` always produces the same people, organisations and certificates.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator

import numpy as np
import polars as pl
from django.db import connection, transaction

from gongjiang.core import pii
from gongjiang.core.audit import record_set
from gongjiang.core.bulk import checks_after_load, copy_frame, next_ids
from gongjiang.credentials.models import Certificate
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, Person
from gongjiang.synth.frames import Context, SynthReport, city_frames, reference_context, rng_for, targets
from gongjiang.synth.profiles import (
    CityProfile,
)


def _sealed_persons(persons: pl.DataFrame, sealing: pii.ProtectInBackground) -> pl.DataFrame:
    """The persons frame with its encrypted ID numbers and phones (waiting for them if need be)."""
    protected = sealing.result()
    pos = persons["_pos"]
    return persons.drop("_pos").with_columns(
        id_number_enc=pl.Series(protected["id"][0]).gather(pos),
        phone_enc=pl.Series(protected["phone"][0]).gather(pos),
        phone_index=pl.Series(protected["phone"][1]).gather(pos),
    )


def synthesize(
    *, region: str, scale: float, seed: int, progress: Callable[[str], None] = lambda s: None
) -> SynthReport:
    """Generate and load synthetic data for ``region``; all of it or (on any error) none of it."""
    if not 0 < scale <= 2:
        raise ValueError("scale must be in (0, 2]")
    started = time.perf_counter()
    say = progress

    def timed(message: str) -> None:
        say(f"[{time.perf_counter() - started:6.1f} s] {message}")

    plan = targets(region)
    ctx = reference_context()
    report = SynthReport(region=region, scale=scale, seed=seed)
    rng = rng_for(seed, region)
    with _sqlite_rollback_journal(), _foreign_keys_checked_in_frames(), transaction.atomic():
        prefixes = [c.code[:4] if len(d) > 1 else d[0] for c, d, _ in plan]
        for prefix in prefixes:
            if Person.objects.filter(residence_region_code__startswith=prefix).exists():
                raise ValueError(f"region {prefix} already has persons; synthetic data is loaded only once")
        ids_at = _next_ids()
        totals = dict.fromkeys(["organisations", "persons", "employments", "certificates", "stats"], 0)
        # Several cities: every one after the first loads into filled tables, so the tables' indexes and
        # foreign keys are built and checked once at the end (core.bulk.checks_after_load).
        loading = (
            checks_after_load(Organisation, Person, Employment, Certificate)
            if len(plan) > 1
            else contextlib.nullcontext()
        )
        with loading:
            _load_cities(plan, rng, ctx, scale, ids_at, totals, seed, timed)
        detail = {"region": region, "scale": scale, "seed": seed}
        for model, key in [
            (Organisation, "organisations"),
            (Person, "persons"),
            (Employment, "employments"),
            (Certificate, "certificates"),
            (EmploymentStat, "stats"),
        ]:
            record_set(model=model, count=totals[key], detail=detail, region_code=region)
    report.counts = totals
    report.seconds = time.perf_counter() - started
    return report


def _load_cities(
    plan: list[tuple[CityProfile, list[str], np.ndarray]],
    rng: np.random.Generator,
    ctx: Context,
    scale: float,
    ids_at: dict[str, int],
    totals: dict[str, int],
    seed: int,
    timed: Callable[[str], None],
) -> None:
    """Generate and load each city of the plan in turn (inside the caller's transaction)."""
    for city, districts, weights in plan:
        frames, sealing = city_frames(rng, ctx, city, districts, weights, scale, ids_at, timed)
        try:
            clash = _existing_indexes(frames["persons"]["id_index"].to_list()) if Person.objects.exists() else set()
            if clash:  # a person already registered from another city's run keeps their record
                drop = frames["persons"].filter(pl.col("id_index").is_in(list(clash)))["id"]
                frames["persons"] = frames["persons"].filter(~pl.col("id").is_in(drop))
                frames["employments"] = frames["employments"].filter(~pl.col("person_id").is_in(drop))
                frames["certificates"] = frames["certificates"].filter(~pl.col("person_id").is_in(drop))
            _check_references(frames, ctx)
            _copy_regions(frames)
            timed(f"{city.code}: loading")
            # References are checked in the frames. On SQLite persons go last: their ciphertexts are
            # computed while the other tables load. PostgreSQL checks a first load's foreign keys
            # right after it (core.bulk), so there the persons must be in first.
            order = ["organisations", "employments", "certificates", "persons"]
            if connection.vendor == "postgresql":
                order = ["organisations", "persons", "employments", "certificates"]
            tables = {"organisations": Organisation, "persons": Person, "employments": Employment}
            tables["certificates"] = Certificate
            for model, key in [(tables[k], k) for k in order]:
                if key == "persons":
                    frames[key] = _sealed_persons(frames[key], sealing)
                    timed(f"{city.code}: personal data encrypted")
                copy_frame(model, frames[key])
                timed(f"{city.code}: {frames[key].height} {key} loaded")
        finally:
            sealing.discard()
        for code, year, employed in frames["stats"].iter_rows():
            EmploymentStat.objects.update_or_create(
                region_code=code, year=year, defaults={"employed": employed, "source": f"模拟数据（随机种子{seed}）"}
            )
        for key in totals:
            totals[key] += frames[key].height
        ids_at = _next_ids()
        timed(f"{city.code}: {frames['persons'].height} persons, {frames['certificates'].height} certificates")


def _copy_regions(frames: dict[str, pl.DataFrame]) -> None:
    """The regions the scopes read from the row itself: the holder's residence on each certificate, the
    employer's region on each employment (as the services write them)."""
    holders = frames["persons"].select(
        pl.col("id").alias("person_id"), pl.col("residence_region_code").alias("region_code")
    )
    frames["certificates"] = frames["certificates"].join(holders, on="person_id", how="left", maintain_order="left")
    employers = frames["organisations"].select(pl.col("id").alias("organisation_id"), "region_code")
    frames["employments"] = frames["employments"].join(
        employers, on="organisation_id", how="left", maintain_order="left"
    )


@contextlib.contextmanager
def _foreign_keys_checked_in_frames() -> Iterator[None]:
    """On SQLite, row-by-row foreign-key lookups dominate a multi-million-row load. The generated frames'
    references are checked vectorised instead (:func:`_check_references`, before anything is written),
    and enforcement is switched off for the load only. PostgreSQL keeps its checks (COPY is fast)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()
    connection.connection.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        connection.connection.execute("PRAGMA foreign_keys = ON")


@contextlib.contextmanager
def _sqlite_rollback_journal() -> Iterator[None]:
    """On SQLite, a load of millions of new rows goes through the rollback journal instead of the
    write-ahead log: new pages are written once, into the database file, rather than into the log and
    then again by the checkpoint after the commit (about 3 GB twice for Suzhou)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    connection.ensure_connection()
    with rollback_journal(connection.connection):
        yield


@contextlib.contextmanager
def rollback_journal(raw: sqlite3.Connection) -> Iterator[str]:
    """Switch a database in WAL mode to the rollback journal for the block, then back; yields the mode
    in force. Leaving WAL mode needs the database to itself: when another connection has it open, the
    block runs in WAL mode."""
    before = str(raw.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    if before != "wal":
        yield before
        return
    try:
        mode = str(raw.execute("PRAGMA journal_mode = DELETE").fetchone()[0]).lower()
    except sqlite3.OperationalError:  # locked by another connection
        mode = before
    try:
        yield mode
    finally:
        if mode != before:
            raw.execute("PRAGMA journal_mode = WAL")


def _check_references(frames: dict[str, pl.DataFrame], ctx: Context) -> None:
    """Every reference in the frames points at a row being loaded or at reference data."""
    persons = frames["persons"]["id"]
    orgs = frames["organisations"]["id"]
    occupations = pl.Series(ctx.occupations)
    levels = pl.Series(list(ctx.levels.values()))
    industries = pl.Series([i for ids_ in ctx.industries.values() for i in ids_])
    checks = [
        ("employments.person_id", frames["employments"]["person_id"], persons),
        ("employments.organisation_id", frames["employments"]["organisation_id"], orgs),
        ("employments.occupation_id", frames["employments"]["occupation_id"].drop_nulls(), occupations),
        ("certificates.person_id", frames["certificates"]["person_id"], persons),
        ("certificates.issuer_id", frames["certificates"]["issuer_id"].drop_nulls(), orgs),
        ("certificates.occupation_id", frames["certificates"]["occupation_id"], occupations),
        ("certificates.level_id", frames["certificates"]["level_id"], levels),
        ("organisations.industry_id", frames["organisations"]["industry_id"].drop_nulls(), industries),
    ]
    for name, refs, known in checks:
        missing = int((~refs.is_in(known.implode())).sum())
        if missing:
            raise RuntimeError(f"synthetic data is inconsistent: {missing} rows of {name} point nowhere")


def _next_ids() -> dict[str, int]:
    return {
        "org": next_ids(Organisation, 1).start,
        "person": next_ids(Person, 1).start,
        "employment": next_ids(Employment, 1).start,
        "certificate": next_ids(Certificate, 1).start,
    }


def _existing_indexes(values: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), 5000):
        chunk = values[start : start + 5000]
        found.update(Person.objects.filter(id_index__in=chunk).values_list("id_index", flat=True))
    return found
