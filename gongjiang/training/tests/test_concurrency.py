"""Concurrent approvals, on real threads with their own database connections.

On PostgreSQL the services' ``select_for_update`` makes the second writer wait for the first and then
see its result, so the loser gets the service's own refusal. On SQLite writers are serialised by the
IMMEDIATE transaction (or, on the shared-cache in-memory test database, refused with "database table is
locked"); either way exactly one wins, which is what is asserted, together with the database state.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, connections

from gongjiang.core.audit import audit_context
from gongjiang.training import services
from gongjiang.training.models import (
    ApplicationStatus,
    BatchStatus,
    Claim,
    ClaimStatus,
    PaymentBatch,
    PaymentLine,
    ReviewDecision,
    TrainingClass,
)
from gongjiang.training.tests.conftest import ZJG

pytestmark = pytest.mark.django_db(transaction=True)

# What a loser may see: the service's refusal, or (SQLite shared cache only) the lock itself.
REFUSALS: tuple[type[BaseException], ...] = (ValidationError, PermissionDenied)
if connection.vendor == "sqlite":
    REFUSALS = (*REFUSALS, OperationalError)


def race(*calls: tuple[Any, Callable[[], Any]]) -> list[tuple[str, Any]]:
    """Run each (actor, call) in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("", None)] * len(calls)

    def run(i: int, actor: Any, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            with audit_context(source="api", actor=actor):
                results[i] = ("ok", call())
        except BaseException as exc:
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, a, c)) for i, (a, c) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _one_winner(results: list[tuple[str, Any]]) -> Any:
    wins = [value for outcome, value in results if outcome == "ok"]
    losses = [value for outcome, value in results if outcome == "error"]
    assert len(wins) == 1, results
    for exc in losses:
        assert isinstance(exc, REFUSALS), repr(exc)
        if connection.vendor == "postgresql":
            assert not isinstance(exc, OperationalError), repr(exc)
    return wins[0]


def test_concurrent_review_decisions(tw, make_user, make_org) -> None:
    """Two officers of the district decide the same stage; then two officers of the city give the final
    approval of another application. One decision per stage, one class per application."""
    application = tw.apply()
    second = make_user("t_zjg_2", role="officer", region_code=ZJG)
    results = race(
        (tw.zjg, lambda: services.application_decide(actor=tw.zjg, application=application, decision="approve")),
        (
            second,
            lambda: services.application_decide(actor=second, application=application, decision="reject", comment="否"),
        ),
    )
    _one_winner(results)
    assert ReviewDecision.objects.filter(application=application).count() == 1
    application.refresh_from_db()
    assert application.stage + (application.status == ApplicationStatus.REJECTED) == 1

    other = make_org(region=ZJG, kind="training", name="张家港第二培训学校", industry="P")
    other_user = make_user("t_school_2", role="organisation", organisation=other)
    services.designation_create(
        actor=tw.zjg,
        organisation=other,
        region_code=ZJG,
        period_start=tw.designation.period_start,
        tender_reference="T-2",
    )
    tw.institution, tw.inst_user = other, other_user
    final = tw.apply()
    services.application_decide(actor=tw.zjg, application=final, decision="approve")
    other_city = make_user("t_suzhou_2", role="officer", region_code="320500")
    results = race(
        (tw.suzhou, lambda: services.application_decide(actor=tw.suzhou, application=final, decision="approve")),
        (other_city, lambda: services.application_decide(actor=other_city, application=final, decision="approve")),
    )
    _one_winner(results)
    assert TrainingClass.objects.filter(application=final).count() == 1
    assert ReviewDecision.objects.filter(application=final).count() == 2


def test_concurrent_approvals_and_payments(tw, claimed_class, make_user) -> None:
    """Racing officers at every money step: approving a claim, drafting batches over the same claims,
    approving the batch, marking it paid. Each claim is approved once, batched once and paid once."""
    claim = Claim.objects.order_by("pk").first()
    other = make_user("t_zjg_5", role="officer", region_code=ZJG)
    results = race(
        (tw.zjg, lambda: services.claim_approve(actor=tw.zjg, claim=claim)),
        (other, lambda: services.claim_approve(actor=other, claim=claim)),
    )
    _one_winner(results)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED

    services.claims_approve(actor=tw.zjg, claims=Claim.objects.all())
    ids = sorted(Claim.objects.values_list("pk", flat=True))
    results = race(
        (tw.zjg, lambda: services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="甲")),
        (other, lambda: services.payment_batch_create(actor=other, region_code=ZJG, purpose="乙")),
        (tw.suzhou, lambda: services.payment_batch_create(actor=tw.suzhou, region_code="320500", purpose="丙")),
    )
    batch = _one_winner(results)
    assert PaymentBatch.objects.count() == 1
    assert sorted(PaymentLine.objects.values_list("claim_id", flat=True)) == ids
    assert sorted(batch.lines.values_list("claim_id", flat=True)) == ids
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.BATCHED}

    # Two city officers who did not draft it (the city covers whichever batch won).
    suzhou_2 = make_user("t_suzhou_4", role="officer", region_code="320500")
    suzhou_3 = make_user("t_suzhou_5", role="officer", region_code="320500")
    approvers = [u for u in (tw.suzhou, suzhou_2, suzhou_3) if u.pk != batch.created_by_id][:2]
    results = race(*[(u, lambda u=u: services.payment_batch_approve(actor=u, batch=batch)) for u in approvers])
    winner = _one_winner(results)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED and batch.approved_by_id == winner.approved_by_id
    services.payment_batch_export(actor=tw.suzhou, batch=batch)
    results = race(
        (
            tw.suzhou,
            lambda: services.payment_batch_mark_paid(
                actor=tw.suzhou, batch=batch, voucher="ICBC-0042", paid_on=datetime.date.today()
            ),
        ),
        (
            suzhou_2,
            lambda: services.payment_batch_mark_paid(
                actor=suzhou_2, batch=batch, voucher="ICBC-0042", paid_on=datetime.date.today()
            ),
        ),
    )
    _one_winner(results)
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.PAID}
