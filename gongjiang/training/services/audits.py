"""Post-audit (做检验): random samples of paid claims and of paid items of other payable kinds (award
instalments, through ``training.payables``: their lines in paid batches), and the review of what the fraud
checks find."""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core.audit import record_change, record_set, snapshot
from gongjiang.core.scope import authorize
from gongjiang.reference.regions import scope_prefix
from gongjiang.reference.selectors import validate_region_code
from gongjiang.training.models import (
    AuditSample,
    BatchStatus,
    Claim,
    ClaimStatus,
    Finding,
    FindingStatus,
    PaymentBatch,
    PaymentLine,
    SampleItem,
    SampleResult,
)
from gongjiang.training.payables import CLAIM


@transaction.atomic
def audit_sample_draw(
    *, actor: Any, region_code: str, size: int, batch: PaymentBatch | None = None, seed: int | None = None
) -> AuditSample:
    """Draw ``size`` paid items at random (of one batch, or of the region) for post-audit: paid claims and
    the lines of other payable kinds (award instalments) in paid batches. The seed is recorded: the same
    seed over the same population draws the same items."""
    region_code = validate_region_code(region_code, field="region_code")
    authorize(actor, "add", AuditSample, region_code=region_code, field="region_code")
    if size < 1:
        raise ValidationError({"size": _("The sample needs at least one claim.")})
    population = Claim.objects.filter(status=ClaimStatus.PAID)
    lines = PaymentLine.objects.exclude(kind=CLAIM).filter(batch__status=BatchStatus.PAID)
    if batch is not None:
        authorize(actor, "sample", batch)
        population = population.filter(payment_line__batch=batch)
        lines = lines.filter(batch=batch)
    prefix = scope_prefix(region_code)
    if len(prefix) == 6:
        population, lines = population.filter(region_code=prefix), lines.filter(batch__region_code=prefix)
    else:
        population = population.filter(region_code__startswith=prefix)
        lines = lines.filter(batch__region_code__startswith=prefix)
    # The population in a fixed order: the claims by ascending id, then the other lines by ascending id.
    claim_ids = sorted(population.values_list("pk", flat=True))
    line_ids = sorted(lines.values_list("pk", flat=True))
    ids = np.arange(len(claim_ids) + len(line_ids), dtype=np.int64)
    if ids.size == 0:
        raise ValidationError({"population": _("There are no paid claims to sample.")})
    seed = secrets.randbits(62) if seed is None else int(seed)
    chosen = sample_ids(ids, size=size, seed=seed)
    sample = AuditSample(
        region_code=region_code, batch=batch, seed=seed, size=len(chosen), population=int(ids.size), created_by=actor
    )
    sample.full_clean()
    sample.save()
    SampleItem.objects.bulk_create(
        [
            SampleItem(sample=sample, claim_id=int(claim_ids[i]))
            if i < len(claim_ids)
            else SampleItem(sample=sample, line_id=int(line_ids[i - len(claim_ids)]))
            for i in chosen
        ]
    )
    record_change(action="create", instance=sample)
    record_set(model=SampleItem, count=len(chosen), detail={"sample": sample.pk, "seed": seed}, region_code=region_code)
    return sample


def sample_ids(population_ids: np.ndarray, *, size: int, seed: int) -> list[int]:
    """The draw itself: numpy's PCG64 seeded with ``seed`` over the population (claim ids ascending, or the
    positions of the population's items)."""
    rng = np.random.default_rng(seed)
    picked = rng.choice(population_ids.size, size=min(size, population_ids.size), replace=False)
    return sorted(int(population_ids[i]) for i in picked)


@transaction.atomic
def sample_item_record(*, actor: Any, item: SampleItem, result: str, note: str = "") -> SampleItem:
    authorize(actor, "change", item)
    item = SampleItem.objects.select_for_update().get(pk=item.pk)
    if result not in (SampleResult.CONFIRMED, SampleResult.PROBLEM):
        raise ValidationError({"result": _("Record confirmed or problem found.")})
    note = (note or "").strip()
    if result == SampleResult.PROBLEM and not note:
        raise ValidationError({"note": _("Describe the problem found.")})
    before = snapshot(item)
    item.result, item.note, item.checked_by, item.checked_at = result, note, actor, timezone.now()
    item.save()
    record_change(action="update", instance=item, before=before)
    return item


@transaction.atomic
def finding_review(*, actor: Any, finding: Finding, status: str, note: str) -> Finding:
    """Confirm or dismiss a finding, with a note. A dismissed finding releases its claims for payment;
    a confirmed one keeps holding them (reject the claims to close them)."""
    authorize(actor, "review", finding)
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if status not in (FindingStatus.CONFIRMED, FindingStatus.DISMISSED):
        raise ValidationError({"status": _("Confirm or dismiss the finding.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("A review note is required.")})
    before = snapshot(finding)
    finding.status, finding.note, finding.reviewer, finding.reviewed_at = status, note, actor, timezone.now()
    finding.full_clean()
    finding.save()
    record_change(action="update", instance=finding, before=before)
    return finding
