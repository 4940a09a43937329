"""Subsidy claims: computed by the policy engine for a matched class, approved or rejected by officers."""

from __future__ import annotations

from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, record_many, record_set, snapshot
from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import ScopeDenied, authorize, can
from gongjiang.training import pricing
from gongjiang.training.checks import checks_run
from gongjiang.training.models import (
    Claim,
    ClaimStatus,
    ClassKind,
    ClassStatus,
    TrainingClass,
)
from gongjiang.training.services.classes import class_for_update, results_match, set_class_status


@transaction.atomic
def claims_compute(*, actor: Any, training_class: TrainingClass, run_checks: bool = True) -> int:
    """Compute a claim for every passed trainee of a matched class with the policy engine, each with its
    amount in fen and its trace; then run the anomaly checks."""
    authorize(actor, "compute", training_class)
    training_class = class_for_update(training_class, ClassStatus.MATCHED)
    results = pricing.evaluate_class(training_class)
    now = timezone.now()
    claims = [
        Claim(
            enrolment_id=r["enrolment_id"],
            person_id=r["person_id"],
            training_class=training_class,
            institution_id=training_class.institution_id,
            occupation_id=training_class.occupation_id,
            level_id=training_class.level_id,
            certificate_id=r["certificate_id"],
            region_code=training_class.region_code,
            event_date=r["event_date"],
            policy_set=r["policy_set"],
            policy_version=r["policy_version"],
            eligible=bool(r["eligible"]),
            reason=(r["reason"] or "")[:100],
            amount_fen=int(r["amount_fen"]) if r["eligible"] else 0,
            trace=r["trace"] or "",
            clauses=list(r["clauses"] or []),
            status=ClaimStatus.COMPUTED if r["eligible"] else ClaimStatus.INELIGIBLE,
            computed_at=now,
        )
        for r in results.iter_rows(named=True)
    ]
    Claim.objects.bulk_create(claims)
    record_set(
        action=ChangeRecord.Action.BULK_CREATE,
        model=Claim,
        count=len(claims),
        detail={
            "class": training_class.code,
            "eligible": sum(c.eligible for c in claims),
            "total_fen": sum(c.amount_fen for c in claims),
            "policy_sets": sorted({c.policy_set for c in claims}),
        },
        region_code=training_class.region_code,
    )
    set_class_status(training_class, ClassStatus.CLAIMED)
    if run_checks:
        checks_run(actor=None, person_ids=sorted({c.person_id for c in claims}))
    return len(claims)


def _payable_conflicts(claim_ids: list[int]) -> set[int]:
    """Claims whose person already has this occupation and level approved, batched or paid elsewhere,
    or that repeat one another within the set (only the earliest of a repeat may go ahead)."""
    rows = list(Claim.objects.filter(pk__in=claim_ids).values_list("id", "person_id", "occupation_id", "level_id"))
    frame = pl.DataFrame(
        rows,
        schema={"id": pl.Int64, "person_id": pl.Int64, "occupation_id": pl.Int64, "level_id": pl.Int64},
        orient="row",
    )
    taken = pl.DataFrame(
        list(
            Claim.objects.filter(
                status__in=[ClaimStatus.APPROVED, ClaimStatus.BATCHED, ClaimStatus.PAID],
                person_id__in=frame["person_id"].to_list(),
            )
            .exclude(pk__in=claim_ids)
            .values_list("person_id", "occupation_id", "level_id")
        ),
        schema={"person_id": pl.Int64, "occupation_id": pl.Int64, "level_id": pl.Int64},
        orient="row",
    ).with_columns(pl.lit(True).alias("taken"))
    key = ["person_id", "occupation_id", "level_id"]
    frame = frame.sort("id").join(taken.unique(key), on=key, how="left")
    conflict = frame.filter(
        pl.col("taken").is_not_null() | pl.struct(key).is_duplicated() & ~pl.struct(key).is_first_distinct()
    )
    return set(conflict["id"].to_list())


@transaction.atomic
def claims_approve(*, actor: Any, claims: models.QuerySet) -> dict[str, Any]:
    """Approve computed claims (an officer's decision, one change record per claim). Claims that would pay
    a person's occupation and level twice are left as they are and reported."""
    if actor is not None and not can(actor, "approve", Claim):
        raise ScopeDenied(_("Your account may not do this."))
    locked = list(claims.select_for_update().filter(status=ClaimStatus.COMPUTED).order_by("pk"))
    for region in {c.region_code for c in locked}:
        authorize(actor, "approve", Claim, region_code=region)
    ids = [c.pk for c in locked]
    conflicts = _payable_conflicts(ids)
    go = [c for c in locked if c.pk not in conflicts]
    befores = [snapshot(c) for c in go]
    now = timezone.now()
    updated = Claim.objects.filter(pk__in=[c.pk for c in go], status=ClaimStatus.COMPUTED).update(
        status=ClaimStatus.APPROVED, decided_by=actor, decided_at=now
    )
    if updated != len(go):
        raise ValidationError({"status": _("Some claims changed while being approved; try again.")})
    for c in go:
        c.status, c.decided_by, c.decided_at = ClaimStatus.APPROVED, actor, now
    record_many(action=ChangeRecord.Action.UPDATE, instances=go, befores=befores)
    return {"approved": len(go), "conflicts": sorted(conflicts)}


@transaction.atomic
def claim_approve(*, actor: Any, claim: Claim) -> Claim:
    authorize(actor, "approve", claim)
    result = claims_approve(actor=actor, claims=Claim.objects.filter(pk=claim.pk))
    claim.refresh_from_db()
    if result["conflicts"]:
        raise ValidationError(
            {"status": _("This person's occupation and level is already approved or paid in another claim.")}
        )
    if not result["approved"]:
        raise ValidationError({"status": _("Only a computed claim can be approved.")})
    return claim


@transaction.atomic
def claim_reject(*, actor: Any, claim: Claim, reason: str) -> Claim:
    authorize(actor, "reject", claim)
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status not in (ClaimStatus.COMPUTED, ClaimStatus.APPROVED):
        raise ValidationError({"status": _("Only a computed or approved claim can be rejected.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("A reason is required.")})
    before = snapshot(claim)
    claim.status = ClaimStatus.REJECTED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.decision_note = reason[:500]
    claim.save()
    record_change(action="update", instance=claim, before=before)
    return claim


@transaction.atomic
def class_claim_submit(*, actor: Any, training_class: TrainingClass) -> int:
    """The institution or enterprise that ran an ended class claims its subsidies: each trainee is matched
    to a certificate and a claim is computed for every one who passed, by the policy engine with its
    trace (the officer then approves or rejects them)."""
    authorize(actor, "claim", training_class)
    if training_class.kind == ClassKind.PROJECT:
        raise ValidationError({"kind": _("Project-based classes are claimed by the bureau after review.")})
    results_match(actor=None, training_class=training_class)
    training_class.refresh_from_db()
    return claims_compute(actor=None, training_class=training_class)
