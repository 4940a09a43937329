"""Post-audit samples draw paid award instalments as well as paid claims (through their lines in paid
batches), and a drawn instalment is reviewed like a claim."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from gongjiang.core.audit import audit_context
from gongjiang.honours import services
from gongjiang.honours.models import AwardInstalment
from gongjiang.honours.tests.conftest import ZJG
from gongjiang.training import services as training
from gongjiang.training.models import PaymentLine, SampleItem

pytestmark = pytest.mark.django_db


def test_a_paid_instalment_is_drawn_and_reviewed(hw, client) -> None:
    call = hw.call()
    hw.to_publicity(call, [hw.nominate(call, w) for w in hw.workers[:2]])
    with audit_context(source="web", actor=hw.zjg):
        services.honour_call_decide(actor=hw.zjg, call=call)
        services.instalments_release(actor=hw.zjg, region_code=ZJG, as_of=datetime.date(2025, 6, 30))
        batch = training.payment_batch_create(actor=hw.zjg, region_code=ZJG, purpose="优秀高技能人才奖励")
        # Nothing is paid yet: nothing to sample.
        with pytest.raises(ValidationError):
            training.audit_sample_draw(actor=hw.zjg, region_code=ZJG, size=2)
    with audit_context(source="web", actor=hw.zjg_2):
        training.payment_batch_approve(actor=hw.zjg_2, batch=batch)
        training.payment_batch_export(actor=hw.zjg_2, batch=batch)
        training.payment_batch_mark_paid(actor=hw.zjg_2, batch=batch, voucher="ICBC-9", paid_on=datetime.date.today())
    paid = set(AwardInstalment.objects.filter(status="paid").values_list("pk", flat=True))
    assert len(paid) == 2

    with audit_context(source="web", actor=hw.zjg):
        sample = training.audit_sample_draw(actor=hw.zjg, region_code=ZJG, size=1, seed=7)
        again = training.audit_sample_draw(actor=hw.zjg, region_code=ZJG, size=1, seed=7, batch=batch)
    assert sample.population == 2 and again.population == 2
    item = SampleItem.objects.select_related("line").get(sample=sample)
    assert item.claim_id is None and item.line.kind == "award" and item.line.source_id in paid
    # The same seed over the same population draws the same instalment.
    assert SampleItem.objects.get(sample=again).line_id == item.line_id

    with audit_context(source="web", actor=hw.zjg):
        training.sample_item_record(actor=hw.zjg, item=item, result="problem", note="银行回单金额不符")
    item.refresh_from_db()
    assert (item.result, item.checked_by) == ("problem", hw.zjg)

    client.force_login(hw.zjg)
    page = client.get(f"/training/samples/{sample.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    line = PaymentLine.objects.get(pk=item.line_id)
    assert f"/honours/instalments/{line.source_id}/" in page and "Award instalment" in page
    assert "银行回单金额不符" in page

    # An officer of another region draws nothing of it.
    with audit_context(source="web", actor=hw.suzhou), pytest.raises(ValidationError):
        training.audit_sample_draw(actor=hw.suzhou, region_code="320505", size=1)
