"""The indicators count the evaluation system's own records: filed institutions while filed and not
suspended, and digital occupations with a resource in use."""

from __future__ import annotations

import datetime

from gongjiang.core.tests.audit_guard import unaudited
from gongjiang.evaluation import selectors
from gongjiang.evaluation.models import Decision
from gongjiang.evaluation.services import institutions, supervision
from gongjiang.monitoring.measures import Store

D = datetime.date


def _store() -> Store:
    store = Store(as_of=D.today(), periods=[])
    store.filings = selectors.filing_spans()
    store.digital_resources = selectors.digital_resource_spans()
    return store


def test_a_filed_institution_counts_until_suspended_and_again_once_reinstated(filed) -> None:  # type: ignore[no-untyped-def]
    today = D.today()
    start = filed.institution.valid_from
    store = _store()
    for region in ("320582", "320500", "320000"):
        assert store.evaluation_count(region, "filed_institutions", today) == 1
        assert store.evaluation_count(region, "self_evaluating_enterprises", today) == 1
    assert store.evaluation_count("320400", "filed_institutions", today) == 0
    assert store.evaluation_count("320582", "filed_institutions", start - datetime.timedelta(days=1)) == 0
    institutions.institution_suspend(actor=filed.officer, institution=filed.institution, reason="整改")
    institutions.institution_reinstate(actor=filed.officer, institution=filed.institution, reason="整改完成")
    with unaudited():  # the decisions as if taken ten and five days ago
        Decision.objects.filter(kind="suspend").update(date=today - datetime.timedelta(days=10))
        Decision.objects.filter(kind="reinstate").update(date=today - datetime.timedelta(days=5))
    store = _store()
    assert store.evaluation_count("320582", "filed_institutions", today - datetime.timedelta(days=11)) == 1
    assert store.evaluation_count("320582", "filed_institutions", today - datetime.timedelta(days=7)) == 0
    assert store.evaluation_count("320582", "filed_institutions", today) == 1
    institutions.institution_withdraw(actor=filed.officer, institution=filed.institution, reason="自愿退出")
    assert _store().evaluation_count("320582", "filed_institutions", today) == 0


def test_digital_occupations_with_a_resource_in_use(make_user) -> None:  # type: ignore[no-untyped-def]
    province = make_user(role="officer", region_code="320000")
    for occupation, region in (("6-31-07-02", "320000"), ("4-04-05-05", "320500"), ("4-04-05-05", "320582")):
        supervision.resource_add(
            actor=province,
            kind="question_bank",
            title=f"{occupation}题库",
            occupation_code=occupation,
            level_code="",
            region_code=region,
            owner="江苏省职业技能鉴定中心",
            version="2025",
            since=D(2025, 1, 1),
            digital=True,
        )
    store = _store()
    assert store.evaluation_count("320582", "digital_occupations", D.today()) == 2  # the province's serves it
    assert store.evaluation_count("320400", "digital_occupations", D.today()) == 1
    assert store.evaluation_count("320000", "digital_occupations", D.today()) == 2
    assert store.evaluation_count("320000", "digital_occupations", D(2024, 12, 31)) == 0
