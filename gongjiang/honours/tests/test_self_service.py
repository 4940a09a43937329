"""The worker's own page (/me/) shows their honours with the services that come with them, and their awards
with each instalment: paid, scheduled, stopped and why; nothing of another person's."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.core.audit import audit_context
from gongjiang.core.models import User
from gongjiang.honours import services
from gongjiang.honours.models import AwardInstalment, Honour
from gongjiang.honours.tests.conftest import ZJG
from gongjiang.training import services as payments

pytestmark = pytest.mark.django_db


def _worker_client(client, person):  # type: ignore[no-untyped-def]
    account = User.objects.create_user(username=f"w{person.pk}", role="worker", person=person)
    client.force_login(account)
    return client


def test_the_worker_sees_their_own_honours_and_instalments_and_nobody_elses(hw, client) -> None:
    call = hw.call()
    nominations = [hw.nominate(call, w) for w in hw.workers[:2]]
    hw.to_publicity(call, nominations)
    with audit_context(source="web", actor=hw.zjg):
        mine, theirs = services.honour_call_decide(actor=hw.zjg, call=call)
        # The first year released and paid; the other person's honour revoked (its instalments stop).
        services.instalments_release(actor=hw.zjg, region_code=ZJG, as_of=datetime.date(2025, 6, 30))
        services.honour_revoke(actor=hw.zjg, honour=theirs, reason="弄虚作假")
        batch = payments.payment_batch_create(actor=hw.zjg, region_code=ZJG, purpose="优秀高技能人才奖励")
    with audit_context(source="web", actor=hw.zjg_2):
        payments.payment_batch_approve(actor=hw.zjg_2, batch=batch)
        payments.payment_batch_export(actor=hw.zjg_2, batch=batch)
        payments.payment_batch_mark_paid(actor=hw.zjg_2, batch=batch, voucher="ICBC-1", paid_on=datetime.date.today())
    # The second year of mine stops at the (shortened) term end.
    Honour.objects.filter(pk=mine.pk).update(term_end=datetime.date(2025, 12, 31))
    with audit_context(source="web", actor=hw.zjg):
        services.instalments_release(actor=hw.zjg, region_code=ZJG)
    assert list(
        AwardInstalment.objects.filter(application__honour=mine).order_by("year_no").values_list("status", flat=True)
    ) == ["paid", "stopped", "scheduled"]

    page = _worker_client(client, hw.workers[0]).get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    honours_card = page[page.index('id="me-honours"') : page.index('id="me-awards"')]
    awards_card = page[page.index('id="me-awards"') :]
    assert mine.title in honours_card and "Term ended" in honours_card and "Health check" in honours_card
    assert "Expired" in honours_card  # the service ends with the term
    assert "Outstanding-talent award" in awards_card
    statuses = [s.split('"')[0] for s in awards_card.split('class="me-instalment" data-status="')[1:]]
    assert statuses == ["paid", "stopped", "scheduled"]
    assert "The term ended." in awards_card and "3000.00" in awards_card
    # Nothing of the other person: not their name, not their revoked honour's reason.
    assert hw.workers[1].name not in page and "弄虚作假" not in page

    # The other person sees their revoked honour and stopped instalments, and nothing of the first.
    client.logout()
    other = _worker_client(client, hw.workers[1]).get("/me/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "弄虚作假" in other and hw.workers[0].name not in other
    other_awards = other[other.index('id="me-awards"') :]
    assert other_awards.count('data-status="stopped"') == 3
    assert "我的荣誉" in other and "已撤销" in other


def test_a_worker_without_honours_sees_none(hw, client) -> None:
    page = _worker_client(client, hw.workers[3]).get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    honours_card = page[page.index('id="me-honours"') : page.index('id="me-awards"')]
    assert "None." in honours_card
