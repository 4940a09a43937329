"""An enterprise filed as a self-evaluation institution, with its examiners, and the officers who decide."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import polars as pl
import pytest

from gongjiang.core.tests.audit_guard import unaudited
from gongjiang.evaluation.models import Institution, Plan
from gongjiang.evaluation.services import institutions, plans

OCCUPATION, LEVEL = "6-31-01-03", "level3"


@dataclass
class Filed:
    officer: Any
    user: Any
    organisation: Any
    institution: Institution
    examiner: Any
    people: list[Any]


@pytest.fixture
def filed(make_user, make_org, make_person) -> Filed:  # type: ignore[no-untyped-def]
    org = make_org(region="320582", name="张家港精工机械")
    user = make_user("ent", role="organisation", organisation=org)
    officer = make_user("zjg", role="officer", region_code="320582")
    inst = institutions.institution_file(
        actor=user,
        organisation=org,
        kind="enterprise",
        sites="一号车间考场（张家港市杨舍镇）",
        occupations=[OCCUPATION],
        levels=[LEVEL, "level4"],
    )
    staff = [make_person(name=n) for n in ("王考评", "李督导")]
    examiner = institutions.examiner_add(
        actor=user,
        institution=inst,
        person=staff[0],
        role="examiner",
        qualification="KPY2023001",
        valid_until=datetime.date.today() + datetime.timedelta(days=700),
    )
    institutions.examiner_add(
        actor=user,
        institution=inst,
        person=staff[1],
        role="supervisor",
        qualification="DDY2023002",
        valid_until=datetime.date.today() + datetime.timedelta(days=700),
    )
    institutions.institution_lodge(actor=user, institution=inst)
    inst = institutions.institution_approve(
        actor=officer, institution=inst, valid_from=datetime.date.today() - datetime.timedelta(days=30)
    )
    people = [make_person(name=n) for n in ("陈一", "陈二", "陈三", "陈四", "陈五")]
    return Filed(officer, user, org, inst, examiner, people)


def results_frame(people: list[Any], scores: list[tuple[str, str]]) -> pl.DataFrame:
    from gongjiang.core import pii

    return pl.DataFrame(
        {
            "id_number": [pii.decrypt(p.id_number_enc) for p in people],
            "name": [p.name for p in people],
            "theory": [s[0] for s in scores],
            "practical": [s[1] for s in scores],
        }
    )


def publicised_plan(f: Filed, scores: list[tuple[str, str]] | None = None, level: str = LEVEL) -> Plan:
    plan = plans.plan_file(
        actor=f.user,
        institution=f.institution,
        occupation_code=OCCUPATION,
        level_code=level,
        source="self_evaluation",
        exam_date=datetime.date.today() - datetime.timedelta(days=10),
        site="一号车间",
        examiners=[f.examiner],
    )
    scores = scores or [("85", "90"), ("72.5", "61"), ("59.5", "80"), ("90", "88"), ("66", "70")]
    plans.results_upload(actor=f.user, plan=plan, frame=results_frame(f.people, scores))
    plan = plans.plan_publicise(actor=f.user, plan=plan)
    with unaudited():
        Plan.objects.filter(pk=plan.pk).update(
            publicity_from=datetime.date.today() - datetime.timedelta(days=8),
            publicity_until=datetime.date.today() - datetime.timedelta(days=1),
        )
    plan.refresh_from_db()
    return plan
