"""The training demo: made through the services on synthetic 张家港 residents, it shows claims with their
traces, a paid and a drafted batch, and a finding of every kind; a second run changes nothing."""

from __future__ import annotations

import pytest

from gongjiang.core.audit import audit_context
from gongjiang.core.models import ChangeRecord
from gongjiang.training.models import (
    Application,
    ApplicationStatus,
    AuditSample,
    BatchStatus,
    Claim,
    ClaimStatus,
    Finding,
    FindingKind,
    PaymentBatch,
)


@pytest.fixture
def demo_world(reference, make_user):  # type: ignore[no-untyped-def]
    from gongjiang.synth.generator import synthesize

    with audit_context(source="cli"):
        synthesize(region="320582", scale=0.01, seed=1)
    make_user("zhangjiagang", region_code="320582")
    make_user("suzhou", region_code="320500")
    make_user("school", role="organisation")


def test_training_demo(demo_world) -> None:
    from gongjiang.synth.training_demo import training_demo

    said: list[str] = []
    counts = training_demo(said.append)
    assert counts["claims"] > 50 and counts["paid"] == 12
    claims = Claim.objects.exclude(status=ClaimStatus.INELIGIBLE)
    assert all(c.trace and c.clauses and c.amount_fen > 0 for c in claims)
    assert Claim.objects.filter(status=ClaimStatus.INELIGIBLE, amount_fen=0).exclude(reason="").exists()
    assert set(Finding.objects.values_list("kind", flat=True)) == set(FindingKind.values)
    assert Finding.objects.filter(status="open").count() >= 6
    assert set(PaymentBatch.objects.values_list("status", flat=True)) == {BatchStatus.PAID, BatchStatus.DRAFT}
    draft = PaymentBatch.objects.get(status=BatchStatus.DRAFT)
    # Claims held by open findings stayed out of the drafted batch.
    held = Claim.objects.filter(findings__status__in=["open", "confirmed"]).values_list("pk", flat=True)
    assert not draft.lines.filter(claim_id__in=list(held)).exists()
    assert AuditSample.objects.get().seed == 20250320
    assert Application.objects.filter(status=ApplicationStatus.IN_REVIEW, stage=1).exists()
    school = claims.first().institution
    from gongjiang.core.models import User

    assert User.objects.get(username="school").organisation.training_designations.exists()
    assert school.kind == "training"

    before = ChangeRecord.objects.count()
    assert training_demo(said.append) == {}
    assert ChangeRecord.objects.count() == before
    assert said[-1] == "training: already present"
