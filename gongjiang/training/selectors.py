"""Reads of the training workflow, always inside the caller's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from gongjiang.core.scope import can, restrict
from gongjiang.training import rules
from gongjiang.training.models import (
    Application,
    ApplicationStatus,
    Claim,
    Finding,
    FindingStatus,
    NeedStatus,
    PaymentBatch,
    TrainingClass,
    TrainingNeed,
)
from gongjiang.training.services import batchable_claims


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
