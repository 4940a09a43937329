"""A small training world: officers of 张家港 and 苏州, a designated training institution in 张家港 with
its user, a published need, and helpers that walk a class through the workflow."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import Any

import polars as pl
import pytest

from gongjiang.core.audit import audit_context
from gongjiang.training import services

ZJG, SUZHOU, HUQIU = "320582", "320500", "320505"
OCCUPATION = "6-31-01-03"  # 电工
START, END = datetime.date(2025, 3, 3), datetime.date(2025, 4, 25)
CERT_DATE = datetime.date(2025, 5, 20)
POLICY_SETS = ("zhangjiagang",)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    """Services called directly answer in English here, so tests can read their messages; pages and the
    API answer in the request's language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@dataclass
class TrainingWorld:
    zjg: Any
    suzhou: Any
    huqiu: Any
    institution: Any
    inst_user: Any
    designation: Any
    need: Any
    persons: list[Any] = field(default_factory=list)

    def apply(self, **overrides: Any) -> Any:
        data = {
            "start_date": START,
            "end_date": END,
            "class_hours": 120,
            "practical_hours": 80,
            "places": 30,
            "price_fen": 180000,
            "plan": "理论 40 学时，实操 80 学时",
        }
        data.update(overrides)
        with audit_context(source="web", actor=self.inst_user):
            return services.application_submit(
                actor=self.inst_user, need=self.need, institution=self.institution, **data
            )

    def approve_all(self, application: Any) -> Any:
        with audit_context(source="web", actor=self.zjg):
            services.application_decide(actor=self.zjg, application=application, decision="approve", comment="材料齐全")
        with audit_context(source="web", actor=self.suzhou):
            services.application_decide(actor=self.suzhou, application=application, decision="approve", comment="同意")
        application.refresh_from_db()
        return application.training_class


def roster_frame(persons: list[Any], accounts: list[str] | None = None) -> pl.DataFrame:
    accounts = accounts or [f"62220215{i:011d}" for i in range(1, len(persons) + 1)]
    return pl.DataFrame(
        {
            "id_number": [p.id_number for p in persons],
            "name": [p.name for p in persons],
            "bank_account": accounts,
            "bank_name": ["中国工商银行张家港支行"] * len(persons),
        }
    )


def roster_csv(persons: list[Any], accounts: list[str] | None = None) -> bytes:
    buf = io.BytesIO()
    roster_frame(persons, accounts).write_csv(buf)
    return buf.getvalue()


@pytest.fixture
def tw(reference, make_user, make_org, make_person) -> TrainingWorld:  # type: ignore[no-untyped-def]
    zjg = make_user("t_zjg", role="officer", region_code=ZJG)
    suzhou = make_user("t_suzhou", role="officer", region_code=SUZHOU)
    huqiu = make_user("t_huqiu", role="officer", region_code=HUQIU)
    institution = make_org(region=ZJG, kind="training", name="张家港市技工职业培训学校", industry="P")
    inst_user = make_user("t_school", role="organisation", organisation=institution)
    with audit_context(source="cli"):
        designation = services.designation_create(
            actor=zjg,
            organisation=institution,
            region_code=ZJG,
            period_start=datetime.date(2024, 1, 1),
            tender_reference="ZJGCG-2023-118",
        )
        need = services.need_create(
            actor=zjg,
            region_code=ZJG,
            year=2025,
            occupation_code=OCCUPATION,
            level_code="level4",
            places=40,
            price_fen=200000,
        )
        services.need_publish(actor=zjg, need=need)
    need.refresh_from_db()
    names = ["陈建国", "周海燕", "吴晓明", "钱志强"]
    persons = [
        make_person(region=ZJG, name=n, birth=datetime.date(1985 + i, 3, 9), phone=f"1381234{i:04d}")
        for i, n in enumerate(names)
    ]
    return TrainingWorld(zjg, suzhou, huqiu, institution, inst_user, designation, need, persons)


@pytest.fixture
def open_class(tw: TrainingWorld) -> Any:
    return tw.approve_all(tw.apply())


@pytest.fixture
def matched_class(tw: TrainingWorld, open_class: Any, make_certificate) -> Any:  # type: ignore[no-untyped-def]
    """Four trainees; three hold an intermediate 电工 certificate issued after the class ended."""
    with audit_context(source="web", actor=tw.inst_user):
        services.roster_upload(actor=tw.inst_user, training_class=open_class, frame=roster_frame(tw.persons))
        services.class_end(actor=tw.inst_user, training_class=open_class, today=datetime.date(2025, 4, 30))
    for p in tw.persons[:3]:
        make_certificate(p, level="level4", national_level=4, issue_date=CERT_DATE, occupation=OCCUPATION)
    with audit_context(source="web", actor=tw.zjg):
        services.results_match(actor=tw.zjg, training_class=open_class)
    open_class.refresh_from_db()
    return open_class


@pytest.fixture
def claimed_class(tw: TrainingWorld, matched_class: Any, policy_sets: None) -> Any:
    with audit_context(source="web", actor=tw.zjg):
        services.claims_compute(actor=tw.zjg, training_class=matched_class)
    matched_class.refresh_from_db()
    return matched_class


@pytest.fixture
def policy_sets(reference):  # type: ignore[no-untyped-def]
    """The shipped policy sets the claims are priced by, loaded (with their golden cases) and adopted."""
    from gongjiang.policy.models import PolicySetVersion
    from gongjiang.policy.services import policy_set_load

    with audit_context(source="cli"):
        for name in POLICY_SETS:
            if not PolicySetVersion.objects.filter(policy_set__name=name, adopted_at__isnull=False).exists():
                policy_set_load(actor=None, name=name, adopt=True)
