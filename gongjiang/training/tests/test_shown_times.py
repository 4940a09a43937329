"""Who decided and when, on the claim and batch pages: by the officer's name and in local time (the
change history's clock), not by login name in UTC."""

from __future__ import annotations

import datetime

from django.utils import translation

from gongjiang.core.audit import audit_context
from gongjiang.training import services
from gongjiang.training.models import Claim, PaymentBatch
from gongjiang.training.tests.conftest import ZJG

UTC_EVENING = datetime.datetime(2026, 12, 7, 18, 50, tzinfo=datetime.UTC)  # 2026-12-08 02:50 in 张家港


def test_claim_and_batch_show_the_officer_by_name_in_local_time(client, tw, claimed_class) -> None:
    tw.zjg.first_name = "张家港市人社局 县级经办人员"
    tw.zjg.save(update_fields=["first_name"])
    with audit_context(source="web", actor=tw.zjg):
        services.claims_approve(actor=tw.zjg, claims=Claim.objects.all())
        batch = services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="2025年项目制培训补贴")
    claim = Claim.objects.order_by("pk").first()
    assert claim is not None and claim.decided_by == tw.zjg
    Claim.objects.filter(pk=claim.pk).update(decided_at=UTC_EVENING)
    PaymentBatch.objects.filter(pk=batch.pk).update(created=UTC_EVENING)
    client.force_login(tw.zjg)
    with translation.override("zh-hans"):
        for url in (f"/training/claims/{claim.pk}/", f"/training/batches/{batch.pk}/"):
            page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
            assert "张家港市人社局 县级经办人员 · 2026-12-08 02:50" in page, url
            assert "2026-12-07 18:50" not in page and "t_zjg · 2026" not in page, url
