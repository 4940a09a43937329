"""Quotas and per-person limits under concurrent decisions, on real threads with their own connections.

As for training claims (``training/tests/test_concurrency.py``): on PostgreSQL the services' row locks
make the second decision wait for the first and then see it; on SQLite writers are serialised (or, on the
shared-cache in-memory test database, refused with "database table is locked"). Either way the limits
hold, which is asserted on the database state."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from gongjiang.core.audit import audit_context
from gongjiang.honours import services
from gongjiang.honours.models import AwardApplication, AwardInstalment, Honour, NominationStatus
from gongjiang.honours.tests.conftest import ZJG
from gongjiang.registry.services import employment_create
from gongjiang.training import services as payments
from gongjiang.training.models import PaymentBatch, PaymentLine
from gongjiang.training.tests.test_concurrency import REFUSALS, race

pytestmark = pytest.mark.django_db(transaction=True)


def _outcomes(results: list) -> tuple[list, list]:  # type: ignore[type-arg]
    wins = [value for outcome, value in results if outcome == "ok"]
    losses = [value for outcome, value in results if outcome == "error"]
    for exc in losses:
        assert isinstance(exc, REFUSALS), repr(exc)
        if connection.vendor == "postgresql":
            assert "locked" not in str(exc), repr(exc)
    return wins, losses


def test_quota_holds_under_concurrent_reviews(hw) -> None:
    """Two officers pass two different nominations of a call with one place: one passes."""
    call = hw.call(quota=1)
    a, b = hw.nominate(call, hw.workers[0]), hw.nominate(call, hw.workers[1])
    with audit_context(source="web", actor=hw.zjg):
        services.honour_call_close(actor=hw.zjg, call=call)
    results = race(
        (hw.zjg, lambda: services.nomination_shortlist(actor=hw.zjg, nomination=a)),
        (hw.zjg_2, lambda: services.nomination_shortlist(actor=hw.zjg_2, nomination=b)),
    )
    wins, _losses = _outcomes(results)
    assert len(wins) == 1, results
    assert call.nominations.filter(status=NominationStatus.SHORTLISTED).count() == 1


def test_per_person_limit_holds_under_concurrent_approvals(hw) -> None:
    """Two applications for the once-only first-year award of one person, approved at their last stage by
    two city officers at once: one award is given."""
    person = hw.workers[0]
    applications = []
    for day in (datetime.date(2025, 3, 1), datetime.date(2025, 9, 1)):
        with audit_context(source="web", actor=hw.ent_user):
            applications.append(
                services.award_apply(
                    actor=hw.ent_user,
                    rule="first_year_award",
                    person=person,
                    organisation=hw.enterprise,
                    event_date=day,
                    work_start=datetime.date(2024, 3, 1),
                    bank_account="6222021001234567890",
                )
            )
    with audit_context(source="web", actor=hw.zjg):
        for application in applications:
            services.award_decide(actor=hw.zjg, application=application, decision="approve")
    first, second = applications
    results = race(
        (hw.suzhou, lambda: services.award_decide(actor=hw.suzhou, application=first, decision="approve")),
        (hw.suzhou_2, lambda: services.award_decide(actor=hw.suzhou_2, application=second, decision="approve")),
    )
    _outcomes(results)
    assert AwardApplication.objects.filter(person=person, status="approved").count() == 1
    assert AwardInstalment.objects.filter(application__person=person).count() == 1


def test_yearly_quota_holds_under_concurrent_call_decisions(hw, make_person, make_certificate) -> None:
    """Zhangjiagang pays at most 20 outstanding talents a year (ZJG-opinion 五(十四)). Two calls of 2025 with
    12 and 10 nominees passed are decided at once: the engine, given the first decision as history,
    refuses the second whole."""
    workers = []
    for i in range(22):
        person = make_person(region=ZJG, name=f"许{'甲乙丙丁戊己庚辛壬癸'[i % 10]}{'一二三'[i % 3]}")
        make_certificate(person)
        with audit_context(source="cli"):
            employment_create(actor=None, person=person, organisation=hw.enterprise, start=datetime.date(2020, 1, 1))
        workers.append(person)
    calls = []
    for size, title in ((12, "第一批"), (10, "第二批")):
        call = hw.call(title=f"2025年度优秀高技能人才{title}")
        chosen, workers = workers[:size], workers[size:]
        hw.to_publicity(call, [hw.nominate(call, w) for w in chosen])
        calls.append(call)
    results = race(
        (hw.zjg, lambda: services.honour_call_decide(actor=hw.zjg, call=calls[0])),
        (hw.zjg_2, lambda: services.honour_call_decide(actor=hw.zjg_2, call=calls[1])),
    )
    wins, losses = _outcomes(results)
    assert len(wins) == 1 and len(losses) == 1, results
    approved = AwardApplication.objects.filter(rule="outstanding_talent", status="approved")
    assert approved.count() in (12, 10) and approved.count() <= 20
    assert Honour.objects.count() == approved.count()


def test_instalments_are_batched_once_under_concurrent_drafts(hw) -> None:
    call = hw.call()
    hw.to_publicity(call, [hw.nominate(call, w) for w in hw.workers[:3]])
    with audit_context(source="web", actor=hw.zjg):
        services.honour_call_decide(actor=hw.zjg, call=call)
        assert services.instalments_release(actor=hw.zjg, region_code=ZJG) == (6, 0)
    results = race(
        (hw.zjg, lambda: payments.payment_batch_create(actor=hw.zjg, region_code=ZJG, purpose="甲")),
        (hw.zjg_2, lambda: payments.payment_batch_create(actor=hw.zjg_2, region_code=ZJG, purpose="乙")),
        (hw.suzhou, lambda: payments.payment_batch_create(actor=hw.suzhou, region_code="320500", purpose="丙")),
    )
    wins, _losses = _outcomes(results)
    assert len(wins) == 1 and PaymentBatch.objects.count() == 1
    due = sorted(AwardInstalment.objects.filter(status="batched").values_list("pk", flat=True))
    assert len(due) == 6
    assert sorted(PaymentLine.objects.filter(kind="award").values_list("source_id", flat=True)) == due
