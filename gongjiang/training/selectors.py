"""Reads of the training workflow, always inside the caller's scope."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

import polars as pl
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from gongjiang.core.scope import can, restrict
from gongjiang.reference.models import SkillLevel
from gongjiang.reference.regions import lineage, scope_prefix
from gongjiang.registry.models import Organisation
from gongjiang.training import models as tm
from gongjiang.training import rules
from gongjiang.training.models import (
    BLOCKING_FINDING_STATUSES,
    MIN_HOURS_HIGHER,
    MIN_HOURS_JUNIOR,
    Application,
    ApplicationStatus,
    CatalogEntry,
    Claim,
    ClaimStatus,
    Designation,
    DesignationStatus,
    Finding,
    FindingStatus,
    NeedStatus,
    PaymentBatch,
    TrainingClass,
    TrainingNeed,
)


def needs_for(user: Any) -> QuerySet:
    """Officers see their region's needs in every state. Institutions see every published need: the list
    of needed occupations (列清单) is public (the need's scope says so)."""
    return restrict(TrainingNeed.objects.all(), user)


def awaiting_decision(user: Any) -> QuerySet:
    """Applications whose current stage this officer decides."""
    if not can(user, "decide", Application) or user.is_superuser:
        return Application.objects.none()
    qs = restrict(Application.objects.filter(status=ApplicationStatus.IN_REVIEW), user).select_related(
        "need__occupation", "need__level", "institution"
    )
    return qs.filter(
        pk__in=[a.pk for a in qs if rules.can_decide_stage(user, a.need.region_code, a.need.stages[a.stage])]
    )


def overview(user: Any) -> dict[str, Any]:
    """Counts for the training home page, in scope (None where the user may not see the model)."""
    out: dict[str, Any] = {}
    if can(user, "view", Claim):
        claims = restrict(Claim.objects.all(), user)
        out["claims"] = {
            row["status"]: row for row in claims.values("status").annotate(n=Count("id"), fen=Sum("amount_fen"))
        }
    if can(user, "view", TrainingClass):
        out["classes"] = dict(restrict(TrainingClass.objects.all(), user).values_list("status").annotate(Count("id")))
    if can(user, "view", Application):
        out["applications"] = dict(
            restrict(Application.objects.all(), user).values_list("status").annotate(Count("id"))
        )
    if can(user, "view", Finding):
        out["open_findings"] = restrict(Finding.objects.filter(status=FindingStatus.OPEN), user).count()
    if can(user, "view", PaymentBatch):
        out["batches"] = dict(restrict(PaymentBatch.objects.all(), user).values_list("status").annotate(Count("id")))
    if can(user, "add", PaymentBatch) and user.region_code:
        out["batchable"] = batchable_claims(user.region_code).count()
    out["needs"] = needs_for(user).filter(status=NeedStatus.PUBLISHED).count()
    return out


def claims_with_findings(claims: QuerySet) -> QuerySet:
    return claims.annotate(
        open_findings=Count("findings", filter=Q(findings__status__in=[FindingStatus.OPEN, FindingStatus.CONFIRMED]))
    )


def designated_on(organisation_id: int, region_code: str, on: datetime.date) -> bool:
    """Was the organisation designated by ``region_code`` (or a region above it) on ``on``: within a
    designation's period, and not yet revoked that day (a later revocation does not undo a training
    given while designated)."""
    return (
        Designation.objects.filter(
            organisation_id=organisation_id,
            region_code__in=set(lineage(region_code)),
            period_start__lte=on,
            period_end__gte=on,
        )
        .filter(Q(status=DesignationStatus.ACTIVE) | Q(revoked_on__gt=on))
        .exists()
    )


def designation_covering(organisation: Organisation, region_code: str, on: datetime.date) -> Designation | None:
    """An active designation of ``organisation`` on ``on`` by ``region_code`` or a region above it."""
    ancestors = set(lineage(region_code))
    return (
        Designation.objects.filter(
            organisation=organisation,
            region_code__in=ancestors,
            status=DesignationStatus.ACTIVE,
            period_start__lte=on,
            period_end__gte=on,
        )
        .order_by("-region_code")
        .first()
    )


def catalog_lookup(region_code: str, year: int, occupation_ids: Iterable[int]) -> pl.DataFrame:
    """Tier and flags per occupation from the most specific catalog (district → city → province) of ``year``."""
    ids = list(set(occupation_ids))
    chain = list(lineage(region_code))
    rows = list(
        CatalogEntry.objects.filter(year=year, region_code__in=chain, occupation_id__in=ids).values_list(
            "occupation_id", "region_code", "tier", "digital", "shortage", "clause"
        )
    )
    frame = pl.DataFrame(
        rows,
        schema={
            "occupation_id": pl.Int64,
            "catalog_region": pl.Utf8,
            "tier": pl.Utf8,
            "digital": pl.Boolean,
            "shortage": pl.Boolean,
            "catalog_clause": pl.Utf8,
        },
        orient="row",
    )
    rank = {code: i for i, code in enumerate(chain)}
    return (
        frame.with_columns(pl.col("catalog_region").replace_strict(rank, default=9).alias("_rank"))
        .sort("_rank")
        .unique("occupation_id", keep="first")
        .drop("_rank")
    )


def min_class_hours(level: SkillLevel) -> int:
    return MIN_HOURS_JUNIOR if level.code in ("apprentice", "level5") else MIN_HOURS_HIGHER


def blocked_claims_q() -> Exists:
    """Claims linked to an open or confirmed finding."""
    through = Finding.claims.through
    return Exists(through.objects.filter(claim_id=OuterRef("pk"), finding__status__in=list(BLOCKING_FINDING_STATUSES)))


def batchable_claims(region_code: str) -> models.QuerySet:
    """Approved claims of a region's subtree, in no batch, held by no open or confirmed finding."""
    prefix = scope_prefix(region_code)
    qs = Claim.objects.filter(status=ClaimStatus.APPROVED)
    qs = qs.filter(region_code=prefix) if len(prefix) == 6 else qs.filter(region_code__startswith=prefix)
    return qs.filter(payment_line__isnull=True).exclude(blocked_claims_q())


# Occupations counted as elderly care and childcare (康养, CZ-2025-14 二(一)2) whatever the class's programme.
CARE_OCCUPATIONS = ("4-10-01-05", "4-10-01-06", "4-10-01-03")


def trained() -> list[tuple[str, datetime.date, str, bool, bool, bool, bool, int]]:
    """The platform's real-name rosters, counted for the indicators: (class region, class end date,
    programme, digital, elderly care, youth, passed, trainees), one row per group, summed in the database.
    Digital: a digital-skills class or a digital occupation; elderly care: an elderly-care class or a care
    occupation; youth: a youth class or a trainee whose roster row names the youth group."""
    rows = (
        tm.Enrolment.objects.values(
            "training_class__region_code",
            "training_class__end_date",
            "training_class__programme",
            "training_class__occupation__digital",
            "training_class__occupation__code",
            "trainee_group",
            "outcome",
        )
        .annotate(n=Count("id"))
        .order_by()
    )
    out = []
    for r in rows:
        programme = r["training_class__programme"]
        out.append(
            (
                r["training_class__region_code"],
                r["training_class__end_date"],
                programme,
                programme == tm.Programme.DIGITAL or bool(r["training_class__occupation__digital"]),
                programme == tm.Programme.ELDERLY_CARE or r["training_class__occupation__code"] in CARE_OCCUPATIONS,
                programme == tm.Programme.YOUTH or r["trainee_group"] == tm.TraineeGroup.YOUTH,
                r["outcome"] == tm.Outcome.PASSED,
                int(r["n"]),
            )
        )
    return out
