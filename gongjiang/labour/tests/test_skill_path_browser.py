"""A worker signs in (ID number and a code sent to the phone on file) in a real browser in zh-hans and sees
their skill path, whose subsidy figure is the policy engine's answer for the same event computed here."""

from __future__ import annotations

import datetime
import re

import polars as pl
import pytest
from django.utils import timezone

from gongjiang.core.audit import audit_context
from gongjiang.portal import sms
from gongjiang.portal.tests.test_browser import _policy_sets, page  # noqa: F401 (the browser page fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ZJG = "320582"
ELECTRICIAN = "6-31-01-03"


def test_a_worker_signs_in_and_sees_a_skill_path_priced_by_the_engine(  # type: ignore[no-untyped-def]
    page,  # noqa: F811
    reference,
    make_org,
    make_user,
    make_person,
    make_certificate,
) -> None:
    from gongjiang.policy.engine import evaluate
    from gongjiang.policy.templatetags.policy_tags import yuan
    from gongjiang.training import services
    from gongjiang.training.pricing import EVENT_SCHEMA

    _policy_sets()
    enterprise = make_org(region=ZJG, kind="enterprise", name="张家港华达机械有限公司")
    boss = make_user("huada3", role="organisation", organisation=enterprise)
    me = make_person(region=ZJG, name="王小明", phone="13900001111")
    other = make_person(region=ZJG, name="李大海", phone="13900002222")
    make_certificate(
        me, level="level4", national_level=4, occupation=ELECTRICIAN, issue_date=datetime.date(2020, 5, 20)
    )
    make_certificate(other, level="level2", national_level=2, occupation=ELECTRICIAN)
    with audit_context(source="web", actor=boss):
        tc = services.class_create(
            actor=boss,
            kind="enterprise",
            institution=enterprise,
            region_code=ZJG,
            name="电工高级工岗位提升培训",
            occupation_code=ELECTRICIAN,
            level_code="level3",
            start_date=datetime.date(2026, 9, 1),
            end_date=datetime.date(2026, 10, 30),
            class_hours=80,
            practical_hours=50,
        )
    on = max(timezone.localdate(), tc.end_date)
    event = pl.DataFrame(
        [
            {
                "event_id": "x",
                "event_type": "enterprise_training",
                "event_date": on,
                "region_code": ZJG,
                "person_id": me.pk,
                "org_id": enterprise.pk,
                "occupation_code": ELECTRICIAN,
                "level": "level3",
                "tier": None,
                "shortage": False,
                "digital": tc.occupation.digital,
                "class_hours": 80,
                "hukou_local": True,
                "designated": False,
                "insured_months": 0,
                "fee_fen": 0,
                "project_price_fen": 0,
            }
        ],
        schema=EVENT_SCHEMA,
    )
    answer = evaluate(event, policy_set="zhangjiagang").row(0, named=True)
    assert answer["eligible"] and answer["amount_fen"] > 0

    page.goto("/me/sign-in/")
    page.fill("input[name=id_number]", me.id_number)
    page.click("#send-code")
    page.wait_for_url(re.compile(r"/me/sign-in/code/$"))
    code = re.search(r"\b(\d{6})\b", sms.outbox[-1].text).group(1)  # type: ignore[union-attr]
    page.fill("input[name=code]", code)
    page.click("#check-code")
    page.wait_for_url(re.compile(r"/me/$"))

    path = page.inner_text("#skill-path")
    assert "技能成长路径" in path and "中级工" in path and "高级工" in path
    assert "电工高级工岗位提升培训" in path
    assert page.inner_text("#skill-path-trainings .skill-path-subsidy").strip() == yuan(answer["amount_fen"])
    assert "国家职业技能标准" in path  # the source of the requirements
    assert "李大海" not in page.content()
