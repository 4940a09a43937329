"""Claims, payment batches, the bank-transfer workbook and post-audit samples; the database constraints
that keep a claim from being paid twice."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from openpyxl import load_workbook

from gongjiang.core.audit import audit_context
from gongjiang.core.models import ChangeRecord, PiiAccess
from gongjiang.training import services
from gongjiang.training.exports import SUMMARY_SHEET, TRANSFER_COLUMNS, TRANSFER_SHEET
from gongjiang.training.models import (
    BatchStatus,
    Claim,
    ClaimStatus,
    ClassStatus,
    Finding,
    PaymentBatch,
    PaymentLine,
    SampleItem,
)
from gongjiang.training.tests.conftest import ZJG


def _approve(tw, claims=None):  # type: ignore[no-untyped-def]
    with audit_context(source="web", actor=tw.zjg):
        return services.claims_approve(actor=tw.zjg, claims=claims if claims is not None else Claim.objects.all())


def test_claims_are_computed_for_passed_trainees_with_traces(tw, claimed_class) -> None:
    claims = list(Claim.objects.order_by("person_id"))
    assert [c.person for c in claims] == tw.persons[:3]
    for c in claims:
        assert c.status == ClaimStatus.COMPUTED and c.eligible
        assert c.amount_fen > 0 and c.trace and c.clauses
        assert c.policy_set == "zhangjiagang" and c.region_code == ZJG
        assert c.certificate is not None and c.certificate.issue_date >= claimed_class.end_date
    assert claimed_class.status == ClassStatus.CLAIMED
    record = ChangeRecord.objects.filter(model="training.Claim").latest("pk")
    assert record.after["rows"] == 3 and record.after["total_fen"] == sum(c.amount_fen for c in claims)
    with pytest.raises(ValidationError):  # computed once
        services.claims_compute(actor=tw.zjg, training_class=claimed_class)


def test_payment_from_approval_to_paid(tw, claimed_class) -> None:
    with pytest.raises(PermissionDenied):
        services.claims_approve(actor=tw.inst_user, claims=Claim.objects.all())
    assert _approve(tw) == {"approved": 3, "conflicts": []}
    assert ChangeRecord.objects.filter(model="training.Claim", action="update").count() == 3
    total = sum(Claim.objects.values_list("amount_fen", flat=True))
    with audit_context(source="web", actor=tw.zjg):
        batch = services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="2025年项目制培训补贴")
    assert (batch.line_count, batch.total_fen, batch.status) == (3, total, BatchStatus.DRAFT)
    assert batch.reference.startswith(f"PB{ZJG}-")
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.BATCHED}
    with pytest.raises(ValidationError):  # nothing left to pay
        services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="again")
    with pytest.raises(ValidationError):  # not approved yet
        services.payment_batch_export(actor=tw.zjg, batch=batch)
    with pytest.raises(PermissionDenied):  # four eyes
        services.payment_batch_approve(actor=tw.zjg, batch=batch)
    with pytest.raises(PermissionDenied):  # out of scope
        services.payment_batch_approve(actor=tw.huqiu, batch=batch)
    with audit_context(source="web", actor=tw.suzhou):
        batch = services.payment_batch_approve(actor=tw.suzhou, batch=batch)
    assert batch.status == BatchStatus.APPROVED and batch.approved_by == tw.suzhou
    with pytest.raises(ValidationError):
        services.payment_batch_mark_paid(
            actor=tw.zjg, batch=batch, voucher="ICBC-0042", paid_on=datetime.date.today()
        )  # export first
    with audit_context(source="web", actor=tw.zjg):
        content = services.payment_batch_export(actor=tw.zjg, batch=batch)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXPORTED
    assert PiiAccess.objects.filter(model="training.PaymentBatch", object_id=str(batch.pk), user=tw.zjg).count() == 1

    wb = load_workbook(io.BytesIO(content))
    rows = list(wb[TRANSFER_SHEET].iter_rows(values_only=True))
    assert rows[0] == TRANSFER_COLUMNS
    assert [r[0] for r in rows[1:]] == [1, 2, 3]
    lines = list(PaymentLine.objects.filter(batch=batch).select_related("claim__person").order_by("line_no"))
    for row, line in zip(rows[1:], lines, strict=True):
        assert row[1] == line.claim.person.name
        assert row[2] == f"62220215{tw.persons.index(line.claim.person) + 1:011d}"  # full account, as text
        assert float(row[4]) == line.amount_fen / 100
        assert row[5] == "2025年项目制培训补贴" and row[6] == f"{batch.reference}-{line.line_no:05d}"
    amount_cell = wb[TRANSFER_SHEET].cell(row=2, column=5)
    assert amount_cell.number_format == "0.00"
    summary = dict(wb[SUMMARY_SHEET].iter_rows(values_only=True))
    assert float(summary["合计金额（元）"]) == total / 100 and summary["笔数"] == 3

    with audit_context(source="web", actor=tw.zjg):
        services.payment_batch_mark_paid(actor=tw.zjg, batch=batch, voucher="ICBC-0042", paid_on=datetime.date.today())
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.PAID}
    with pytest.raises(ValidationError):
        services.payment_batch_mark_paid(actor=tw.zjg, batch=batch, voucher="ICBC-0042", paid_on=datetime.date.today())

    # Account numbers never reach the change log, in any form.
    log = json.dumps(list(ChangeRecord.objects.values("before", "after", "object_repr")), ensure_ascii=False)
    assert "62220215" not in log and "v1:" not in log


def test_post_audit_sample_is_reproducible_from_its_seed(tw, claimed_class) -> None:
    _approve(tw)
    batch = services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="p")
    services.payment_batch_approve(actor=tw.suzhou, batch=batch)
    services.payment_batch_export(actor=tw.zjg, batch=batch)
    with pytest.raises(ValidationError):  # nothing paid yet
        services.audit_sample_draw(actor=tw.zjg, region_code=ZJG, size=2)
    services.payment_batch_mark_paid(actor=tw.zjg, batch=batch, voucher="ICBC-0042", paid_on=datetime.date.today())
    first = services.audit_sample_draw(actor=tw.suzhou, region_code="320500", size=2, seed=20250601)
    second = services.audit_sample_draw(actor=tw.zjg, region_code=ZJG, size=2, batch=batch, seed=20250601)
    picked = [list(SampleItem.objects.filter(sample=s).values_list("claim_id", flat=True)) for s in (first, second)]
    assert picked[0] == picked[1] and len(picked[0]) == 2 and first.population == 3
    unseeded = services.audit_sample_draw(actor=tw.zjg, region_code=ZJG, size=5)
    assert unseeded.size == 3 and unseeded.seed > 0  # capped at the population; the seed is recorded
    item = SampleItem.objects.filter(sample=first).first()
    with pytest.raises(ValidationError):
        services.sample_item_record(actor=tw.suzhou, item=item, result="problem", note="")
    with pytest.raises(PermissionDenied):  # the city's sample is the city's to record
        services.sample_item_record(actor=tw.zjg, item=item, result="confirmed")
    services.sample_item_record(actor=tw.suzhou, item=item, result="problem", note="学员称未参加实操")
    item.refresh_from_db()
    assert item.result == "problem" and item.checked_by == tw.suzhou


def test_claims_with_open_findings_stay_out_of_batches(tw, claimed_class) -> None:
    _approve(tw)
    held = Claim.objects.order_by("pk").first()
    finding = Finding.objects.create(kind="age", fingerprint="x" * 64, region_code=ZJG, explanation="test", details={})
    finding.claims.add(held)
    batch = services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="p")
    assert set(batch.lines.values_list("claim_id", flat=True)) == set(
        Claim.objects.exclude(pk=held.pk).values_list("pk", flat=True)
    )
    with pytest.raises(ValidationError) as exc:  # naming the claim
        services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="p", claim_ids=[held.pk])
    assert str(held.pk) in str(exc.value)
    with pytest.raises(ValidationError):  # a note is required
        services.finding_review(actor=tw.zjg, finding=finding, status="dismissed", note=" ")
    with pytest.raises(PermissionDenied):
        services.finding_review(actor=tw.inst_user, finding=finding, status="dismissed", note="ok")
    services.finding_review(actor=tw.zjg, finding=finding, status="confirmed", note="核实")
    with pytest.raises(ValidationError):  # a confirmed finding still holds the claim
        services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="p", claim_ids=[held.pk])
    services.finding_review(actor=tw.zjg, finding=finding, status="dismissed", note="复核后排除")
    second = services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="p", claim_ids=[held.pk])
    assert list(second.lines.values_list("claim_id", flat=True)) == [held.pk]


def test_database_refuses_double_payment(tw, claimed_class) -> None:
    _approve(tw)
    claim = Claim.objects.order_by("pk").first()
    # The same person, class, occupation and level cannot be claimed twice.
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            enrolment=claim.enrolment.__class__.objects.exclude(pk=claim.enrolment_id)
            .filter(training_class=claimed_class)
            .first(),
            person=claim.person,
            training_class=claimed_class,
            institution=claim.institution,
            occupation=claim.occupation,
            level=claim.level,
            region_code=ZJG,
            event_date=claim.event_date,
            policy_set="x",
            eligible=True,
            amount_fen=1,
            status="computed",
        )
    batch = services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="p")
    other = PaymentBatch.objects.create(reference="OTHER", region_code=ZJG, purpose="p", created_by=tw.zjg)
    # A claim is in at most one batch.
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(batch=other, claim=claim, line_no=1, amount_fen=claim.amount_fen)
    # Whoever drafted a batch cannot approve it, even bypassing the service.
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentBatch.objects.filter(pk=batch.pk).update(approved_by=tw.zjg)
    assert batch.lines.count() == 3


def test_same_occupation_and_level_is_approved_once(tw, claimed_class, make_certificate) -> None:
    """A second class of the same occupation and level for the same trainee: its claim cannot be approved
    while the first is approved, batched or paid (a partial unique index backs the service)."""
    from gongjiang.training.tests.conftest import roster_frame

    _approve(tw)
    need = services.need_create(
        actor=tw.zjg,
        region_code=ZJG,
        year=2025,
        occupation_code=claimed_class.occupation.code,
        level_code="level4",
        places=10,
    )
    services.need_publish(actor=tw.zjg, need=need)
    tw.need = need
    second = tw.approve_all(
        tw.apply(start_date=datetime.date(2025, 6, 2), end_date=datetime.date(2025, 7, 18), places=10)
    )
    services.roster_upload(actor=tw.inst_user, training_class=second, frame=roster_frame(tw.persons[:1]))
    services.class_end(actor=tw.inst_user, training_class=second, today=datetime.date(2025, 7, 18))
    make_certificate(
        tw.persons[0],
        level="level4",
        national_level=4,
        issue_date=datetime.date(2025, 8, 1),
        occupation=claimed_class.occupation.code,
    )
    services.results_match(actor=tw.zjg, training_class=second)
    services.claims_compute(actor=tw.zjg, training_class=second)
    repeat = Claim.objects.get(training_class=second)
    if repeat.status == ClaimStatus.COMPUTED:  # the engine may already refuse it; either way it is not paid twice
        result = _approve(tw, Claim.objects.filter(pk=repeat.pk))
        assert result == {"approved": 0, "conflicts": [repeat.pk]}
        with pytest.raises(ValidationError):
            services.claim_approve(actor=tw.zjg, claim=repeat)
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.filter(pk=repeat.pk).update(status=ClaimStatus.APPROVED)
    else:
        assert repeat.status == ClaimStatus.INELIGIBLE and repeat.amount_fen == 0
    assert Finding.objects.filter(kind="repeat_level", person=tw.persons[0]).exists()


def test_a_missing_policy_set_is_a_clear_refusal(tw, matched_class, monkeypatch) -> None:
    from gongjiang.training import pricing

    monkeypatch.setattr(pricing, "policy_set_for", lambda region: "no-such-set")
    with pytest.raises(ValidationError) as exc:
        services.claims_compute(actor=tw.zjg, training_class=matched_class)
    assert "no-such-set" in str(exc.value)
    matched_class.refresh_from_db()
    assert matched_class.status == ClassStatus.MATCHED and not Claim.objects.exists()
