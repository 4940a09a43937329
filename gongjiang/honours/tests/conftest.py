"""A small honours world in 张家港: officers of the district and the city, an enterprise with its user and
high-skilled workers (高级工 certificates, employed there), the policy sets adopted."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from gongjiang.core.audit import audit_context
from gongjiang.honours import services
from gongjiang.registry.services import employment_create

ZJG, SUZHOU = "320582", "320500"
ACCOUNT = "6222021001234567890"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Services called directly answer in English here; pages answer in the request's language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def policy_sets(reference):  # type: ignore[no-untyped-def]
    from gongjiang.policy.models import PolicySetVersion
    from gongjiang.policy.services import policy_set_load

    with audit_context(source="cli"):
        for name in ("zhangjiagang", "suzhou", "changzhou"):
            if not PolicySetVersion.objects.filter(policy_set__name=name, adopted_at__isnull=False).exists():
                policy_set_load(actor=None, name=name, adopt=True)


@dataclass
class HonoursWorld:
    zjg: Any
    zjg_2: Any
    suzhou: Any
    suzhou_2: Any
    enterprise: Any
    ent_user: Any
    workers: list[Any]

    def call(self, **overrides: Any) -> Any:
        data: dict[str, Any] = {
            "title": "2025年度张家港市优秀高技能人才评选",
            "kind": "outstanding",
            "level": "district",
            "region_code": ZJG,
            "year": 2025,
            "quota": 20,
            "closes": datetime.date.today() + datetime.timedelta(days=30),
            "min_level_code": "level3",
            "term_years": 3,
            "award_rule": "outstanding_talent",
            "clause": "ZJG-opinion 五(十四)",
        }
        data.update(overrides)
        with audit_context(source="web", actor=self.zjg):
            call = services.honour_call_create(actor=self.zjg, **data)
            return services.honour_call_open(actor=self.zjg, call=call)

    def nominate(self, call: Any, worker: Any) -> Any:
        with audit_context(source="web", actor=self.ent_user):
            return services.nomination_submit(
                actor=self.ent_user,
                call=call,
                person=worker,
                organisation=self.enterprise,
                statement="技术革新",
                bank_name="中国工商银行张家港支行",
                bank_account=ACCOUNT,
            )

    def to_publicity(self, call: Any, nominations: list[Any]) -> Any:
        with audit_context(source="web", actor=self.zjg):
            services.honour_call_close(actor=self.zjg, call=call)
            for n in nominations:
                services.nomination_shortlist(actor=self.zjg, nomination=n)
            return services.honour_call_publish(actor=self.zjg, call=call, until=datetime.date.today())


@pytest.fixture
def hw(reference, policy_sets, make_user, make_org, make_person, make_certificate) -> HonoursWorld:  # type: ignore[no-untyped-def]
    enterprise = make_org(region=ZJG, name="张家港精密机械有限公司")
    workers = []
    for i, name in enumerate(("陈一鸣", "林二强", "黄三杰", "吴四海")):
        person = make_person(region=ZJG, name=name)
        make_certificate(person, level="level3" if i < 3 else "level4", national_level=3 if i < 3 else 4)
        with audit_context(source="cli"):
            employment_create(actor=None, person=person, organisation=enterprise, start=datetime.date(2020, 1, 1))
        workers.append(person)
    return HonoursWorld(
        zjg=make_user("h_zjg", role="officer", region_code=ZJG),
        zjg_2=make_user("h_zjg_2", role="officer", region_code=ZJG),
        suzhou=make_user("h_suzhou", role="officer", region_code=SUZHOU),
        suzhou_2=make_user("h_suzhou_2", role="officer", region_code=SUZHOU),
        enterprise=enterprise,
        ent_user=make_user("h_ent", role="organisation", organisation=enterprise),
        workers=workers,
    )
