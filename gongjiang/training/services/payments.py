"""Payment batches: draft → approved (four eyes) → exported for the bank → paid."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.models import ChangeRecord
from gongjiang.core.scope import authorize
from gongjiang.core.services import pii_access_log
from gongjiang.reference.selectors import validate_region_code
from gongjiang.training.exports import batch_workbook
from gongjiang.training.models import (
    BatchStatus,
    Claim,
    ClaimStatus,
    PaymentBatch,
    PaymentLine,
)
from gongjiang.training.payables import CLAIM, PayableRow, payable, payables
from gongjiang.training.selectors import batchable_claims


@transaction.atomic
def payment_batch_create(
    *, actor: Any, region_code: str, purpose: str, claim_ids: list[int] | None = None
) -> PaymentBatch:
    """Draft a batch of the region's batchable claims (or of the listed ones, which must all be batchable)."""
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", PaymentBatch, region_code=region_code, field="region_code")
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("The purpose is required.")})
    candidates = batchable_claims(region_code)
    if claim_ids is not None:
        wanted = {int(i) for i in claim_ids}
        candidates = candidates.filter(pk__in=wanted)
    # Lock the claims themselves (of=self: the finding and line joins are not locked).
    locked = list(candidates.select_for_update(of=("self",)).order_by("pk").values_list("pk", "amount_fen"))
    if claim_ids is not None:
        missing = sorted(wanted - {pk for pk, _ in locked})
        if missing:
            raise ValidationError(
                {
                    "claims": _("Not approved, already in a batch, or held by a finding: %(ids)s.")
                    % {"ids": ", ".join(map(str, missing))}
                }
            )
    # The other payable kinds (award instalments, …) join a batch drafted over the whole region.
    items: list[tuple[str, PayableRow]] = []
    if claim_ids is None:
        for kind in payables():
            items += [(kind.kind, row) for row in kind.batchable(region_code)]
    if not locked and not items:
        raise ValidationError({"claims": _("There are no approved claims free of open findings to pay.")})
    batch = PaymentBatch(
        reference=f"tmp-{secrets.token_hex(8)}",
        region_code=region_code,
        purpose=purpose,
        created_by=actor,
        line_count=len(locked) + len(items),
        total_fen=sum(a for _, a in locked) + sum(row.amount_fen for _, row in items),
    )
    batch.full_clean()
    batch.save()
    batch.reference = f"PB{region_code}-{timezone.localdate():%Y%m%d}-{batch.pk:05d}"
    batch.save(update_fields=["reference"])
    lines = [
        PaymentLine(batch=batch, claim_id=pk, line_no=i, amount_fen=a) for i, (pk, a) in enumerate(locked, start=1)
    ]
    lines += [
        PaymentLine(
            batch=batch,
            kind=kind,
            source_id=row.source_id,
            payee_name=row.payee_name,
            bank_name=row.bank_name,
            bank_account_enc=row.bank_account_enc,
            line_no=i,
            amount_fen=row.amount_fen,
        )
        for i, (kind, row) in enumerate(items, start=len(locked) + 1)
    ]
    PaymentLine.objects.bulk_create(lines)
    ids = [pk for pk, _ in locked]
    moved = Claim.objects.filter(pk__in=ids, status=ClaimStatus.APPROVED).update(status=ClaimStatus.BATCHED)
    if moved != len(ids):
        raise ValidationError({"claims": _("Some claims changed while the batch was drafted; try again.")})
    _mark_items(items, "batched")
    record_change(action="create", instance=batch)
    record_set(
        action=ChangeRecord.Action.BULK_CREATE,
        model=PaymentLine,
        count=len(lines),
        detail={"batch": batch.reference, "total_fen": batch.total_fen},
        region_code=region_code,
    )
    if ids:
        record_set(
            action=ChangeRecord.Action.UPDATE,
            model=Claim,
            count=moved,
            detail={"batch": batch.reference, "status": ClaimStatus.BATCHED.value},
            region_code=region_code,
        )
    return batch


def _mark_items(items: list[tuple[str, PayableRow]], status: str) -> None:
    """Move each payable kind's items of a batch to ``status``; refuse when any was not free to move."""
    by_kind: dict[str, list[int]] = {}
    for kind, row in items:
        by_kind.setdefault(kind, []).append(row.source_id)
    for kind, source_ids in by_kind.items():
        handler = payable(kind)
        if handler is None or handler.mark(source_ids, status) != len(source_ids):
            raise ValidationError({"status": _("Some payments of the batch changed meanwhile; try again.")})


def _batch_step(
    *, actor: Any, batch: PaymentBatch, step: str, allowed_from: tuple[str, ...]
) -> tuple[PaymentBatch, dict]:
    authorize(actor, step, batch)
    locked = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status not in allowed_from:
        raise ValidationError(
            {"status": _("The batch is %(s)s; this step is not possible now.") % {"s": locked.get_status_display()}}
        )
    return locked, snapshot(locked)


@transaction.atomic
def payment_batch_approve(*, actor: Any, batch: PaymentBatch) -> PaymentBatch:
    batch, before = _batch_step(actor=actor, batch=batch, step="approve", allowed_from=(BatchStatus.DRAFT,))
    batch.status = BatchStatus.APPROVED
    batch.approved_by = actor
    batch.approved_at = timezone.now()
    batch.save()
    record_change(action="update", instance=batch, before=before)
    return batch


@transaction.atomic
def payment_batch_export(*, actor: Any, batch: PaymentBatch, reason: str = "") -> bytes:
    """The bank-transfer workbook. Full account numbers leave the platform here, so each export is logged
    as a personal-data access. The first export moves the batch to exported."""

    batch, before = _batch_step(
        actor=actor, batch=batch, step="export", allowed_from=(BatchStatus.APPROVED, BatchStatus.EXPORTED)
    )
    content = batch_workbook(batch)
    pii_access_log(actor=actor, obj=batch, field="bank_account", reason=reason or _("bank-transfer export"))
    if batch.status == BatchStatus.APPROVED:
        batch.status = BatchStatus.EXPORTED
        batch.exported_at = timezone.now()
        batch.save()
        record_change(action="update", instance=batch, before=before)
    return content


@transaction.atomic
def payment_batch_mark_paid(*, actor: Any, batch: PaymentBatch, voucher: str, paid_on: datetime.date) -> PaymentBatch:
    """The bank has made the transfers: the batch and its claims become paid, with the bank's voucher number
    and the date of the transfer as evidence."""
    batch, before = _batch_step(actor=actor, batch=batch, step="pay", allowed_from=(BatchStatus.EXPORTED,))
    voucher = (voucher or "").strip()
    if not voucher:
        raise ValidationError({"voucher": _("Give the bank voucher number of the transfer.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("The transfer date is in the future.")})
    if batch.exported_at is not None and paid_on < timezone.localdate(batch.exported_at):
        raise ValidationError({"paid_on": _("The transfer date is before the bank-transfer file was exported.")})
    ids = list(batch.lines.filter(kind=CLAIM).values_list("claim_id", flat=True))
    moved = Claim.objects.filter(pk__in=ids, status=ClaimStatus.BATCHED).update(status=ClaimStatus.PAID)
    if moved != len(ids):
        raise ValidationError({"status": _("Some claims of the batch are not awaiting payment.")})
    others = batch.lines.exclude(kind=CLAIM).values_list("kind", "source_id", "amount_fen")
    _mark_items([(kind, PayableRow(int(source or 0), amount, "", "", "")) for kind, source, amount in others], "paid")
    batch.status = BatchStatus.PAID
    batch.paid_at = timezone.now()
    batch.paid_on = paid_on
    batch.bank_voucher = voucher
    batch.save()
    record_change(action="update", instance=batch, before=before)
    record_set(
        action=ChangeRecord.Action.UPDATE,
        model=Claim,
        count=moved,
        detail={"batch": batch.reference, "status": ClaimStatus.PAID.value},
        region_code=batch.region_code,
    )
    return batch
