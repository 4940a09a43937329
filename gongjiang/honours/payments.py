"""Award instalments paid through the training payment batches (``training.payables``).

A batch drafted for a region takes its approved claims and its instalments due for payment (released by
``instalments_release``); drafting moves them to batched, marking the batch paid moves them to paid. The
payee and the account are copied onto the batch's line, so the bank workbook reads them as for claims.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from gongjiang.core.audit import record_set
from gongjiang.core.models import ChangeRecord
from gongjiang.honours.models import AwardInstalment, AwardStatus, InstalmentStatus
from gongjiang.reference.regions import scope_prefix
from gongjiang.training.payables import Payable, PayableRow, register_payable

KIND = "award"
NEXT = {
    "batched": (InstalmentStatus.DUE, InstalmentStatus.BATCHED),
    "paid": (InstalmentStatus.BATCHED, InstalmentStatus.PAID),
}


def _due(region_code: str) -> QuerySet[AwardInstalment]:
    return AwardInstalment.objects.filter(
        status=InstalmentStatus.DUE,
        application__status=AwardStatus.APPROVED,
        application__region_code__startswith=scope_prefix(region_code),
    )


def batchable(region_code: str) -> list[PayableRow]:
    """The region's instalments due for payment, of awards still approved, in no batch; locked."""
    rows = (
        _due(region_code)
        .select_for_update(of=("self",))
        .select_related("application__person", "application__organisation")
        .order_by("pk")
    )
    out = []
    for item in rows:
        award = item.application
        payee = award.organisation.name if award.payee == "organisation" and award.organisation else award.person.name
        out.append(PayableRow(item.pk, int(item.amount_fen), payee, award.bank_name, award.bank_account_enc))
    return out


def mark(ids: list[int], status: str) -> int:
    """Move the batch's instalments on (called inside the batch service's transaction, after its checks)."""
    before, after = NEXT[status]
    moved = AwardInstalment.objects.filter(pk__in=ids, status=before).update(status=after)
    if moved:
        record_set(
            action=ChangeRecord.Action.UPDATE,
            model=AwardInstalment,
            count=moved,
            detail={"status": str(after)},
            region_code=_region_of(ids),
        )
    return moved


def _region_of(ids: list[int]) -> str:
    codes = set(AwardInstalment.objects.filter(pk__in=ids).values_list("application__region_code", flat=True))
    return codes.pop() if len(codes) == 1 else ""


def register() -> None:
    register_payable(
        Payable(
            kind=KIND,
            label=_("Award instalment"),
            batchable=batchable,
            mark=mark,
            link=lambda pk: reverse("honours:instalment-detail", args=[pk]),
            count=lambda region_code: _due(region_code).count(),
        )
    )
