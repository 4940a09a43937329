"""Designated institutions (tendered every three years) and the training catalogs of each region."""

from __future__ import annotations

import datetime
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import authorize
from gongjiang.reference.models import Occupation
from gongjiang.reference.regions import scope_prefix
from gongjiang.reference.selectors import validate_region_code
from gongjiang.registry.models import Organisation
from gongjiang.training.forms import CATALOG_COLUMNS as CATALOG_SPEC
from gongjiang.training.models import (
    CatalogEntry,
    Designation,
    DesignationStatus,
    Tier,
)
from gongjiang.training.rules import INSTITUTION_KINDS
from gongjiang.training.services.common import TENDER_YEARS, add_years, check_year, row_errors


@transaction.atomic
def designation_create(
    *,
    actor: Any,
    organisation: Organisation,
    region_code: str,
    period_start: datetime.date,
    tender_reference: str,
    period_end: datetime.date | None = None,
    clause: str = "ZJG-opinion 二(六)",
) -> Designation:
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", Designation, region_code=region_code, field="region_code")
    if organisation.kind not in INSTITUTION_KINDS:
        raise ValidationError({"organisation": _("Only training institutions and schools can be designated.")})
    if not organisation.region_code.startswith(scope_prefix(region_code)):
        raise ValidationError({"organisation": _("The institution is not located in the designating region.")})
    longest = add_years(period_start, TENDER_YEARS) - datetime.timedelta(days=1)
    period_end = period_end or longest
    if period_end <= period_start:
        raise ValidationError({"period_end": _("The period must end after it starts.")})
    if period_end > longest:
        raise ValidationError(
            {"period_end": _("A tender period is at most three years (to %(d)s).") % {"d": longest.isoformat()}}
        )
    tender_reference = (tender_reference or "").strip()
    if not tender_reference:
        raise ValidationError({"tender_reference": _("The tender reference is required.")})
    overlapping = Designation.objects.filter(
        organisation=organisation,
        region_code=region_code,
        status=DesignationStatus.ACTIVE,
        period_start__lte=period_end,
        period_end__gte=period_start,
    )
    if overlapping.exists():
        raise ValidationError({"period_start": _("The institution already holds a designation in this period.")})
    designation = Designation(
        organisation=organisation,
        region_code=region_code,
        period_start=period_start,
        period_end=period_end,
        tender_reference=tender_reference,
        clause=clause,
    )
    designation.full_clean()
    designation.save()
    record_change(action="create", instance=designation)
    return designation


@transaction.atomic
def designation_revoke(*, actor: Any, designation: Designation, revoked_on: datetime.date, reason: str) -> Designation:
    authorize(actor, "revoke", designation)
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    if designation.status != DesignationStatus.ACTIVE:
        raise ValidationError({"status": _("The designation is already revoked.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"revoke_reason": _("A reason is required.")})
    before = snapshot(designation)
    designation.status = DesignationStatus.REVOKED
    designation.revoked_on = revoked_on
    designation.revoke_reason = reason
    designation.full_clean()
    designation.save()
    record_change(action="update", instance=designation, before=before)
    return designation


CATALOG_COLUMNS = ("occupation_code", "tier", "digital", "shortage", "clause")


_TRUE = {"1", "true", "yes", "y", "是"}


_FALSE = {"0", "false", "no", "n", "否", ""}


@transaction.atomic
def catalog_import(*, actor: Any, region_code: str, year: int, frame: pl.DataFrame, clause: str = "") -> int:
    """Set a region's catalog for a year from rows (occupation_code, tier[, digital, shortage, clause]).
    All or nothing: any bad row is reported by row number and column, and nothing is written. Rows of
    occupations already in the catalog replace them."""
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", CatalogEntry, region_code=region_code, field="region_code")
    year = check_year(year)
    missing = [c for c in ("occupation_code", "tier") if c not in frame.columns]
    if missing:
        raise ValidationError({"file": _("Missing columns: %(c)s.") % {"c": ", ".join(missing)}})
    if frame.height == 0:
        raise ValidationError({"file": _("The file has no rows.")})
    frame = frame.select([pl.col(c).cast(pl.Utf8) for c in frame.columns if c in CATALOG_COLUMNS])
    for c in ("digital", "shortage", "clause"):
        if c not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c))
    frame = frame.with_columns(
        pl.int_range(2, frame.height + 2).alias("row"),  # row 1 is the header
        pl.col("occupation_code").str.strip_chars(),
        pl.col("tier").str.strip_chars().str.to_uppercase(),
        pl.col("digital").str.strip_chars().str.to_lowercase(),
        pl.col("shortage").str.strip_chars().str.to_lowercase(),
        pl.col("clause").str.strip_chars(),
    )
    occupations = pl.DataFrame(
        list(Occupation.objects.filter(kind="occupation").values_list("code", "id", "digital")),
        schema={"occupation_code": pl.Utf8, "occupation_id": pl.Int64, "occupation_digital": pl.Boolean},
        orient="row",
    )
    frame = frame.join(occupations, on="occupation_code", how="left")
    flag_values = sorted(_TRUE | _FALSE)
    errors: list[tuple[int, str, str]] = []
    checks = [
        (pl.col("occupation_id").is_null(), "occupation_code", _("unknown occupation code")),
        (~pl.col("tier").is_in([t.value for t in Tier]), "tier", _("tier must be A, B or C")),
        (
            pl.col("digital").is_not_null() & ~pl.col("digital").is_in(flag_values),
            "digital",
            _("use 1 or 0"),
        ),
        (
            pl.col("shortage").is_not_null() & ~pl.col("shortage").is_in(flag_values),
            "shortage",
            _("use 1 or 0"),
        ),
        (pl.col("occupation_code").is_duplicated(), "occupation_code", _("occupation listed twice")),
    ]
    default_clause = (clause or "").strip()
    if not default_clause:
        checks.append((pl.col("clause").is_null() | (pl.col("clause") == ""), "clause", _("clause is required")))
    for condition, column, message in checks:
        for row in frame.filter(condition)["row"].to_list():
            errors.append((row, column, str(message)))
    if errors:
        raise ValidationError({"file": row_errors(errors, CATALOG_SPEC)})
    frame = frame.with_columns(
        pl.when(pl.col("digital").is_null())
        .then(pl.col("occupation_digital"))
        .otherwise(pl.col("digital").is_in(list(_TRUE)))
        .alias("digital"),
        pl.col("shortage").fill_null("0").is_in(list(_TRUE)).alias("shortage"),
        pl.when(pl.col("clause").is_null() | (pl.col("clause") == ""))
        .then(pl.lit(default_clause))
        .otherwise(pl.col("clause"))
        .alias("clause"),
    )
    now = timezone.now()
    entries = [
        CatalogEntry(
            region_code=region_code,
            year=year,
            occupation_id=r["occupation_id"],
            tier=r["tier"],
            digital=r["digital"],
            shortage=r["shortage"],
            clause=r["clause"][:100],
            created=now,
        )
        for r in frame.iter_rows(named=True)
    ]
    CatalogEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["region_code", "year", "occupation"],
        update_fields=["tier", "digital", "shortage", "clause"],
    )
    record_set(
        action=ChangeRecord.Action.BULK_CREATE,
        model=CatalogEntry,
        count=len(entries),
        detail={"region": region_code, "year": year, "shortage": int(frame["shortage"].sum())},
        region_code=region_code,
    )
    return len(entries)


@transaction.atomic
def catalog_shortage_adopt(
    *, actor: Any, region_code: str, year: int, occupation: Occupation, tier: str, clause: str
) -> CatalogEntry:
    """Make ``occupation`` a shortage occupation of the region's training catalog of ``year`` (a proposal of
    the need catalog accepted, 苏政办发〔2024〕37号 (三)): the entry is added with ``tier`` (and the occupation's
    digital flag), or an entry already there is marked a shortage occupation (its tier kept unless another
    is given), with the clause cited. Classes of the occupation then carry the shortage grant."""
    region_code = validate_region_code(region_code, field="region_code")
    year = check_year(year)
    clause = (clause or "").strip()
    if not clause:
        raise ValidationError({"clause": _("The source clause is required.")})
    if tier and tier not in Tier.values:
        raise ValidationError({"tier": _("tier must be A, B or C")})
    entry = (
        CatalogEntry.objects.select_for_update()
        .filter(region_code=region_code, year=year, occupation=occupation)
        .first()
    )
    if entry is None:
        if not tier:
            raise ValidationError({"tier": _("Choose the tier of a new catalog entry.")})
        entry = CatalogEntry(
            region_code=region_code,
            year=year,
            occupation=occupation,
            tier=tier,
            digital=occupation.digital,
            shortage=True,
            clause=clause[:100],
        )
        authorize(actor, "add", entry, field="region_code")
        entry.full_clean()
        entry.save()
        record_change(action="create", instance=entry)
        return entry
    authorize(actor, "change", entry)
    before = snapshot(entry)
    entry.shortage = True
    entry.tier = tier or entry.tier
    entry.clause = clause[:100]
    entry.full_clean()
    entry.save()
    record_change(action="update", instance=entry, before=before)
    return entry
