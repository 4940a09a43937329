"""Every workflow step of the training pages, through the page kit: offered only when the record's state and
the user allow it; a confirmation page first; then run; refused with its reason to a user who may not
take it, and refused again once the state has moved on, with nothing written either time."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone, translation

from gongjiang.core.audit import audit_context
from gongjiang.core.models import ChangeRecord
from gongjiang.training import services
from gongjiang.training.models import Claim, Finding, TrainingNeed
from gongjiang.training.tests.conftest import OCCUPATION, ZJG, TrainingWorld, roster_frame

ANY_ACCOUNT = "Your account may not do this."


@dataclass
class Case:
    """One step: the record it is taken on (built in a state that allows it), who may and who may not
    take it (with the reason the page gives), what the step's form is sent, and what it changes."""

    make: Callable[[TrainingWorld, Any], Any]
    step: str
    may: str
    may_not: str
    reason: str | tuple[str, dict[str, str]]
    data: dict[str, Any] | Callable[[], dict[str, Any]] = field(default_factory=dict)
    changed: Callable[[Any], bool] = lambda obj: True
    once: bool = True  # the record's state no longer allows the step once taken


def _as(user: Any) -> Any:
    return audit_context(source="web", actor=user)


def _draft_need(tw: TrainingWorld, fixtures: Any) -> TrainingNeed:
    with _as(tw.zjg):
        return services.need_create(
            actor=tw.zjg, region_code=ZJG, year=2026, occupation_code=OCCUPATION, level_code="level3", places=10
        )


def _ended_class(tw: TrainingWorld, fixtures: Any) -> Any:
    tc = fixtures("open_class")
    with _as(tw.inst_user):
        services.roster_upload(actor=tw.inst_user, training_class=tc, frame=roster_frame(tw.persons[:2]))
        services.class_end(actor=tw.inst_user, training_class=tc, today=datetime.date(2025, 4, 30))
    tc.refresh_from_db()
    return tc


def _roster(tw: TrainingWorld, fixtures: Any) -> Any:
    tc = fixtures("open_class")
    with _as(tw.inst_user):
        services.roster_upload(actor=tw.inst_user, training_class=tc, frame=roster_frame(tw.persons[:2]))
    return tc


def _claim(tw: TrainingWorld, fixtures: Any) -> Claim:
    fixtures("claimed_class")
    return Claim.objects.order_by("pk").first()  # type: ignore[return-value]


def _data(case: Case) -> dict[str, Any]:
    """The step's form, built when the test runs (dates are today's then, not at collection)."""
    return case.data() if callable(case.data) else case.data


def _batch(tw: TrainingWorld, fixtures: Any, *, until: str = "draft") -> Any:
    fixtures("claimed_class")
    with _as(tw.zjg):
        services.claims_approve(actor=tw.zjg, claims=Claim.objects.all())
        batch = services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="2025年项目制培训补贴")
    if until in ("exported", "paid"):
        with _as(tw.suzhou):
            services.payment_batch_approve(actor=tw.suzhou, batch=batch)
            services.payment_batch_export(actor=tw.suzhou, batch=batch)
    if until == "paid":
        with _as(tw.zjg):
            services.payment_batch_mark_paid(
                actor=tw.zjg, batch=batch, voucher="ICBC-0042", paid_on=timezone.localdate()
            )
    batch.refresh_from_db()
    return batch


def _finding(tw: TrainingWorld, fixtures: Any) -> Finding:
    claim = _claim(tw, fixtures)
    with _as(None):
        finding = Finding.objects.create(
            kind="age",
            fingerprint="s" * 64,
            region_code=ZJG,
            explanation="x",
            details={"person": "陈*国", "class": claim.training_class.code, "age": 15, "min": 16, "max": 70},
        )
        finding.claims.add(claim)
    return finding


CASES = {
    "designation revoke": Case(
        lambda tw, f: tw.designation,
        "revoke",
        "zjg",
        "auditor",
        ANY_ACCOUNT,
        {"revoked_on": "2026-06-30", "reason": "年度考核不合格"},
        lambda d: d.status == "revoked" and d.revoke_reason == "年度考核不合格",
    ),
    "need publish": Case(_draft_need, "publish", "zjg", "auditor", ANY_ACCOUNT, {}, lambda n: n.status == "published"),
    "need close": Case(
        lambda tw, f: tw.need, "close", "zjg", "auditor", ANY_ACCOUNT, {}, lambda n: n.status == "closed"
    ),
    "application decide": Case(
        lambda tw, f: tw.apply(),
        "decide",
        "zjg",
        "suzhou",  # the city decides the second stage, not the first
        ("This stage is decided by an officer of region %(r)s.", {"r": ZJG}),
        {"decision": "approve", "comment": "材料齐全"},
        lambda a: a.stage == 1 and a.decisions.get().reviewer.username == "t_zjg",
        once=False,  # the next stage is the city's
    ),
    "application withdraw": Case(
        lambda tw, f: tw.apply(),
        "withdraw",
        "inst_user",
        "zjg",
        "Only the institution itself may withdraw its application.",
        {},
        lambda a: a.status == "withdrawn",
    ),
    "class end": Case(_roster, "end", "inst_user", "auditor", ANY_ACCOUNT, {}, lambda c: c.status == "ended"),
    "class match": Case(_ended_class, "match", "zjg", "inst_user", ANY_ACCOUNT, {}, lambda c: c.status == "matched"),
    "class compute": Case(
        lambda tw, f: f("policy_sets") or f("matched_class"),
        "compute",
        "zjg",
        "inst_user",
        ANY_ACCOUNT,
        {},
        lambda c: c.status == "claimed" and c.claims.count() == 3,
    ),
    "claim approve": Case(_claim, "approve", "zjg", "inst_user", ANY_ACCOUNT, {}, lambda c: c.status == "approved"),
    "claim reject": Case(
        _claim,
        "reject",
        "zjg",
        "inst_user",
        ANY_ACCOUNT,
        {"reason": "证书与培训工种不符"},
        lambda c: c.status == "rejected",
    ),
    "batch approve": Case(
        _batch,
        "approve",
        "suzhou",
        "zjg",  # who drafted it
        "A batch is approved by someone other than the officer who drafted it.",
        {},
        lambda b: b.status == "approved" and b.approved_by.username == "t_suzhou",
    ),
    "batch pay": Case(
        lambda tw, f: _batch(tw, f, until="exported"),
        "pay",
        "zjg",
        "auditor",
        ANY_ACCOUNT,
        lambda: {"voucher": "ICBC-0042", "paid_on": timezone.localdate().isoformat()},  # read when the test runs
        lambda b: b.status == "paid" and b.bank_voucher == "ICBC-0042",
    ),
    "batch sample": Case(
        lambda tw, f: _batch(tw, f, until="paid"),
        "sample",
        "zjg",
        "auditor",
        ANY_ACCOUNT,
        {"size": 2, "seed": 11},
        lambda b: b.samples.get().seed == 11,
        once=False,  # a paid batch may be sampled again
    ),
    "finding review": Case(
        _finding,
        "review",
        "zjg",
        "auditor",
        ANY_ACCOUNT,
        {"status": "confirmed", "note": "同一人同期参加两个班"},
        lambda f: f.status == "confirmed" and f.reviewer.username == "t_zjg",
        once=False,  # a review may be revised
    ),
}

PATHS = {
    "Designation": "institutions",
    "TrainingNeed": "needs",
    "Application": "applications",
    "TrainingClass": "classes",
    "Claim": "claims",
    "PaymentBatch": "batches",
    "Finding": "findings",
}


def _state(obj: Any) -> dict[str, Any]:
    return type(obj).objects.filter(pk=obj.pk).values().get()  # type: ignore[no-any-return]


def _zh(reason: str | tuple[str, dict[str, str]]) -> str:
    msgid, params = reason if isinstance(reason, tuple) else (reason, {})
    with translation.override("zh-hans"):
        return translation.gettext(msgid) % params if params else translation.gettext(msgid)


@pytest.mark.parametrize("name", list(CASES))
def test_step_through_the_pages(name: str, client, tw: TrainingWorld, make_user, request) -> None:  # type: ignore[no-untyped-def]
    case = CASES[name]
    users = {
        "zjg": tw.zjg,
        "suzhou": tw.suzhou,
        "inst_user": tw.inst_user,
        "auditor": make_user("t_auditor", role="auditor", region_code=ZJG),
    }
    obj = case.make(tw, request.getfixturevalue)
    detail = f"/training/{PATHS[type(obj).__name__]}/{obj.pk}/"
    url = f"{detail}{case.step}/"
    before, records = _state(obj), ChangeRecord.objects.count()

    # Refused: not offered, and asked anyway, the reason; nothing written.
    client.force_login(users[case.may_not])
    assert case.step not in [s.name for s in client.get(detail).context["steps"]]
    for response in (client.get(url), client.post(url, _data(case))):
        assert response.status_code == 403
        assert response.context["refusal"] == _zh(case.reason)
        assert 'id="step-refused"' in response.content.decode() and 'id="step-submit"' not in response.content.decode()
    assert (_state(obj), ChangeRecord.objects.count()) == (before, records)

    # Allowed: offered, confirmed in place (HTMX) or on a page of its own, then run.
    client.force_login(users[case.may])
    page = client.get(detail)
    (offered,) = [s for s in page.context["steps"] if s.name == case.step]
    assert f'id="step-{case.step}"' in page.content.decode()
    confirm = client.get(url)
    assert confirm.status_code == 200 and str(offered.confirm) and 'id="step-submit"' in confirm.content.decode()
    partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="step-form-card"' in partial and '<nav class="navbar' not in partial
    done = client.post(url, _data(case))
    assert done.status_code == 302 and done["Location"] == detail, done.context and done.context["form"].errors
    obj.refresh_from_db()
    assert case.changed(obj), name
    assert ChangeRecord.objects.count() > records
    if not case.once:
        return

    # Taken, the step is offered no more; asked again, it is refused and changes nothing.
    assert case.step not in [s.name for s in client.get(detail).context["steps"]]
    after, records = _state(obj), ChangeRecord.objects.count()
    again = client.post(url, _data(case))
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    assert (_state(obj), ChangeRecord.objects.count()) == (after, records)


def test_a_step_form_error_stays_on_its_field(client, tw: TrainingWorld) -> None:
    client.force_login(tw.zjg)
    url = f"/training/institutions/{tw.designation.pk}/revoke/"
    response = client.post(url, {"revoked_on": "2026-06-30", "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    tw.designation.refresh_from_db()
    assert tw.designation.status == "active"
