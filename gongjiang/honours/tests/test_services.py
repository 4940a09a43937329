"""The honours workflow through its services: call → nominations → review → 公示 → decision → honour,
entitlements, award priced by the engine, yearly instalments released, batched and paid through the
training payment batches; limits, term end, stops and refusals."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from openpyxl import load_workbook

from gongjiang.core.audit import audit_context
from gongjiang.honours import selectors, services
from gongjiang.honours.models import (
    AwardApplication,
    AwardInstalment,
    AwardStatus,
    Entitlement,
    Honour,
    InstalmentStatus,
    NominationStatus,
)
from gongjiang.honours.tests.conftest import ZJG
from gongjiang.training import exports
from gongjiang.training import services as payments
from gongjiang.training.models import PaymentLine

pytestmark = pytest.mark.django_db


def decided(hw, n: int = 1, **call):  # type: ignore[no-untyped-def]
    c = hw.call(**call)
    nominations = [hw.nominate(c, w) for w in hw.workers[:n]]
    hw.to_publicity(c, nominations)
    with audit_context(source="web", actor=hw.zjg):
        honours = services.honour_call_decide(actor=hw.zjg, call=c)
    return c, honours


def test_outstanding_talent_three_instalments_paid_through_a_batch(hw) -> None:
    _call, honours = decided(hw)
    honour = honours[0]
    assert honour.person == hw.workers[0] and honour.term_end == datetime.date(2027, 12, 31)
    assert set(Entitlement.objects.filter(honour=honour).values_list("service", flat=True)) == {"health_check"}
    award = AwardApplication.objects.get(honour=honour)
    # Priced by the engine, with its trace (ZJG-opinion 五(十四)): 3 × 3,000 yuan.
    assert (award.status, award.amount_fen, award.instalments, award.instalment_fen) == ("approved", 900000, 3, 300000)
    assert "3000元/年" in award.trace and award.policy_set == "zhangjiagang"
    items = list(award.instalment_set.order_by("year_no"))
    assert [(i.year_no, i.due_on, i.amount_fen) for i in items] == [
        (1, datetime.date(2025, 1, 1), 300000),
        (2, datetime.date(2026, 1, 1), 300000),
        (3, datetime.date(2027, 1, 1), 300000),
    ]
    # The first year is released and paid in a batch of its own (as of 2025-06-30).
    with audit_context(source="web", actor=hw.zjg):
        assert services.instalments_release(actor=hw.zjg, region_code=ZJG, as_of=datetime.date(2025, 6, 30)) == (1, 0)
        first = payments.payment_batch_create(actor=hw.zjg, region_code=ZJG, purpose="优秀高技能人才奖励")
    assert first.line_count == 1 and first.total_fen == 300000
    # Four eyes: the drafter cannot approve.
    with pytest.raises(PermissionDenied):
        payments.payment_batch_approve(actor=hw.zjg, batch=first)
    with audit_context(source="web", actor=hw.zjg_2):
        payments.payment_batch_approve(actor=hw.zjg_2, batch=first)
        content = payments.payment_batch_export(actor=hw.zjg_2, batch=first)
        payments.payment_batch_mark_paid(
            actor=hw.zjg_2, batch=first, voucher="ICBC-2025-0001", paid_on=datetime.date.today()
        )
    assert b"PK" == content[:2]
    # The second year: released today, paid in a second batch; the third is not yet due.
    with audit_context(source="web", actor=hw.zjg):
        assert services.instalments_release(actor=hw.zjg, region_code=ZJG) == (1, 0)
        second = payments.payment_batch_create(actor=hw.zjg, region_code=ZJG, purpose="优秀高技能人才奖励")
    with audit_context(source="web", actor=hw.zjg_2):
        payments.payment_batch_approve(actor=hw.zjg_2, batch=second)
        workbook = payments.payment_batch_export(actor=hw.zjg_2, batch=second)
        payments.payment_batch_mark_paid(
            actor=hw.zjg_2, batch=second, voucher="ICBC-2026-0002", paid_on=datetime.date.today()
        )
    statuses = list(award.instalment_set.order_by("year_no").values_list("status", flat=True))
    assert statuses == ["paid", "paid", "scheduled"]
    line = PaymentLine.objects.get(batch=second)
    assert (line.kind, line.source_id, line.payee) == ("award", items[1].pk, hw.workers[0].name)
    # The bank workbook carries the award's payee and full account, like a claim's.
    sheet = load_workbook(io.BytesIO(workbook))[exports.TRANSFER_SHEET]
    assert [c.value for c in sheet[2]][1:5] == [
        hw.workers[0].name,
        "6222021001234567890",
        "中国工商银行张家港支行",
        3000,
    ]
    # The person's selectors show the honour and the award.
    assert list(selectors.person_honours(hw.workers[0])) == [honour]
    assert list(selectors.person_awards(hw.workers[0])) == [award]


def test_no_instalment_twice_in_batches(hw) -> None:
    decided(hw)
    with audit_context(source="web", actor=hw.zjg):
        services.instalments_release(actor=hw.zjg, region_code=ZJG)
        payments.payment_batch_create(actor=hw.zjg, region_code=ZJG, purpose="甲")
        with pytest.raises(ValidationError):
            payments.payment_batch_create(actor=hw.zjg, region_code=ZJG, purpose="乙")
    line = PaymentLine.objects.filter(kind="award").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(batch=line.batch, kind="award", source_id=line.source_id, line_no=99, amount_fen=1)


def test_awards_stop_at_term_end(hw) -> None:
    """A 2023 call's term ends 2025-12-31: its three instalments (2023, 2024, 2025) are all there is, and an
    honour ending early stops the rest."""
    _call, honours = decided(hw, n=2, year=2025)
    honour, other = honours
    with audit_context(source="web", actor=hw.zjg):
        services.instalments_release(actor=hw.zjg, region_code=ZJG, as_of=datetime.date(2025, 2, 1))
        services.honour_revoke(actor=hw.zjg, honour=other, reason="弄虚作假")
    # Revoked: what was due but not yet in a batch stops too.
    assert list(AwardInstalment.objects.filter(application__honour=other).values_list("status", flat=True)) == [
        "stopped",
        "stopped",
        "stopped",
    ]
    # Term end: shorten the honour's term (a decision that ends it after the first year); the later
    # instalments stop when they fall due, never paid.
    Honour.objects.filter(pk=honour.pk).update(term_end=datetime.date(2025, 12, 31))
    with audit_context(source="web", actor=hw.zjg):
        released, stopped = services.instalments_release(actor=hw.zjg, region_code=ZJG)
    assert (released, stopped) == (0, 1)
    mine = AwardInstalment.objects.filter(application__honour=honour).order_by("year_no")
    assert list(mine.values_list("status", "stop_reason")) == [
        ("due", ""),
        ("stopped", "The term ended."),
        ("scheduled", ""),
    ]
    assert AwardInstalment.objects.filter(application__honour=honour).count() == 3
    # The honour itself has ended with its term, and its services expired with it.
    honour.refresh_from_db()
    assert honour.status == "ended"
    assert set(honour.entitlements.values_list("state", flat=True)) == {"expired"}


def test_an_award_stops_when_the_person_leaves(hw) -> None:
    decided(hw)
    from gongjiang.registry.models import Employment

    Employment.objects.filter(person=hw.workers[0]).update(end=datetime.date(2025, 6, 30))
    with audit_context(source="web", actor=hw.zjg):
        assert services.instalments_release(actor=hw.zjg, region_code=ZJG) == (1, 1)
    assert list(AwardInstalment.objects.order_by("year_no").values_list("status", flat=True)) == [
        "due",
        "stopped",
        "scheduled",
    ]


def test_criteria_quota_and_refusals(hw) -> None:
    call = hw.call(quota=1)
    with translation.override("zh-hans"), pytest.raises(ValidationError, match="高级工"):
        hw.nominate(call, hw.workers[3])  # 中级工 only
    with translation.override("en"), pytest.raises(ValidationError, match=r"Senior worker \(level 3\)"):
        hw.nominate(call, hw.workers[3])
    a, b = hw.nominate(call, hw.workers[0]), hw.nominate(call, hw.workers[1])
    with pytest.raises(ValidationError):
        hw.nominate(call, hw.workers[0])
    with audit_context(source="web", actor=hw.zjg):
        services.honour_call_close(actor=hw.zjg, call=call)
        services.nomination_shortlist(actor=hw.zjg, nomination=a)
        with pytest.raises(ValidationError, match="1"):
            services.nomination_shortlist(actor=hw.zjg, nomination=b)
        with pytest.raises(ValidationError):
            services.honour_call_publish(actor=hw.zjg, call=call, until=datetime.date.today())
        services.nomination_reject(actor=hw.zjg, nomination=b, comment="名额已满")
    # An enterprise cannot review; a Suzhou officer of another district's call can (the city is above).
    with pytest.raises(PermissionDenied):
        services.nomination_reject(actor=hw.ent_user, nomination=a, comment="x")
    b.refresh_from_db()
    assert b.status == NominationStatus.REJECTED


def test_per_person_limit_across_applications_and_years(hw) -> None:
    """The first-year award is once per person (ZJG-opinion 四(十一)): the engine refuses a second one,
    whatever the year, and the database refuses a second approved one."""
    person = hw.workers[0]

    def apply(day: datetime.date) -> AwardApplication:
        with audit_context(source="web", actor=hw.ent_user):
            return services.award_apply(
                actor=hw.ent_user,
                rule="first_year_award",
                person=person,
                organisation=hw.enterprise,
                event_date=day,
                work_start=datetime.date(2024, 3, 1),
                bank_account="6222021001234567890",
            )

    first = apply(datetime.date(2025, 3, 1))
    assert (first.status, first.amount_fen, first.stages) == ("submitted", 200000, ["county", "city"])
    second = apply(datetime.date(2026, 3, 1))
    with audit_context(source="web", actor=hw.zjg):
        services.award_decide(actor=hw.zjg, application=first, decision="approve")
        services.award_decide(actor=hw.zjg, application=second, decision="approve")
    with audit_context(source="web", actor=hw.suzhou):
        first = services.award_decide(actor=hw.suzhou, application=first, decision="approve")
        second = services.award_decide(actor=hw.suzhou, application=second, decision="approve")
    assert first.status == AwardStatus.APPROVED and first.instalment_set.count() == 1
    assert (second.status, second.reason, second.amount_fen) == ("ineligible", "max_per_person", 0)
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardApplication.objects.filter(pk=second.pk).update(status="approved", eligible=True)


def test_review_stages_are_decided_by_their_regions(hw) -> None:
    with audit_context(source="web", actor=hw.ent_user):
        application = services.award_apply(
            actor=hw.ent_user,
            rule="talent_introduction",
            person=hw.workers[0],
            organisation=hw.enterprise,
            event_date=datetime.date(2025, 5, 1),
            talent_title="provincial_expert",
            bank_account="6222021001234567890",
        )
    assert (application.amount_fen, application.payee) == (5_000_000, "organisation")
    with pytest.raises(PermissionDenied):
        services.award_decide(actor=hw.suzhou, application=application, decision="approve")  # the district first
    with audit_context(source="web", actor=hw.zjg):
        services.award_decide(actor=hw.zjg, application=application, decision="approve")
    with pytest.raises(PermissionDenied):
        services.award_decide(actor=hw.zjg_2, application=application, decision="approve")  # the city's stage
    with audit_context(source="web", actor=hw.suzhou):
        done = services.award_decide(actor=hw.suzhou, application=application, decision="approve")
    assert done.status == "approved" and done.reviews.count() == 2


def test_enterprise_recognition_share_from_the_registry(hw) -> None:
    with audit_context(source="web", actor=hw.zjg):
        recognition = services.recognition_create(
            actor=hw.zjg,
            organisation=hw.enterprise,
            kind="skill_enterprise",
            year=2025,
            as_of=datetime.date(2025, 1, 1),
        )
    # Four employees; three hold 高级工 certificates (issued 2024-06-01).
    assert (recognition.employees, recognition.high_skilled, recognition.share_percent) == (4, 3, "75.0%")
    with audit_context(source="web", actor=hw.zjg):
        early = services.recognition_create(
            actor=hw.zjg, organisation=hw.enterprise, kind="challenge", year=2024, as_of=datetime.date(2024, 1, 1)
        )
    assert (early.employees, early.high_skilled) == (4, 0)


def test_entitlement_use(hw) -> None:
    _call, honours = decided(hw)
    entitlement = honours[0].entitlements.get()
    with audit_context(source="web", actor=hw.zjg):
        with pytest.raises(ValidationError):
            services.entitlement_use(actor=hw.zjg, entitlement=entitlement, used_on=datetime.date(2020, 1, 1))
        used = services.entitlement_use(actor=hw.zjg, entitlement=entitlement, used_on=datetime.date.today())
    assert used.state == "used"


def test_public_list_masks_names(hw, client) -> None:
    call = hw.call()
    n = hw.nominate(call, hw.workers[0])
    hw.to_publicity(call, [n])
    page = client.get(f"/honours/public/{call.pk}/").content.decode()
    name = hw.workers[0].name
    assert f"{name[0]}*{name[-1]}" in page and name not in page
    index = client.get("/honours/public/").content.decode()
    assert name not in index
    decided(hw, n=1, title="2025年度张家港市优秀高技能人才（第二批）", year=2025)
    index = client.get("/honours/public/").content.decode()
    shown = hw.workers[0].name
    assert (
        "2025年度张家港市优秀高技能人才（第二批）" in index
        and f"{shown[0]}*{shown[-1]}" in index
        and shown not in index
    )
    assert InstalmentStatus.SCHEDULED == "scheduled"
