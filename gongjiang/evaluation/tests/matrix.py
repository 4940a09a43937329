"""The evaluation models' part of the permission matrix (gongjiang/core/tests/test_permission_matrix.py).

``add_evaluation_world`` files the three enterprises of the world (张家港's ``org_own``, 虎丘 and 武进) as
institutions and gives each one object of every evaluation model, with its change record, directly
through the ORM: the matrix tests scope, not the workflow rules. Region-bound records (inspectors, draws,
resources, issuance batches) are also placed at city and province level.
"""

from __future__ import annotations

import datetime
from typing import Any

from gongjiang.core.audit import audit_context, record_change
from gongjiang.credentials.models import CertificateBatch
from gongjiang.evaluation.models import (
    Appointment,
    Candidate,
    Decision,
    Draw,
    Examiner,
    FiledScope,
    ForeignQualification,
    Inspection,
    Inspector,
    Institution,
    Pilot,
    Plan,
    Resource,
    YearGrade,
)
from gongjiang.reference.models import Occupation, SkillLevel

ZJG, HUQIU, WUJIN, SUZHOU, JIANGSU = "320582", "320505", "320412", "320500", "320000"

EVALUATION_MODELS: dict[str, type] = {
    "evaluation.Institution": Institution,
    "evaluation.FiledScope": FiledScope,
    "evaluation.Examiner": Examiner,
    "evaluation.Decision": Decision,
    "evaluation.Plan": Plan,
    "evaluation.Candidate": Candidate,
    "evaluation.Inspector": Inspector,
    "evaluation.Draw": Draw,
    "evaluation.Inspection": Inspection,
    "evaluation.YearGrade": YearGrade,
    "evaluation.Resource": Resource,
    "credentials.CertificateBatch": CertificateBatch,
    "evaluation.ForeignQualification": ForeignQualification,
    "evaluation.Pilot": Pilot,
    "evaluation.Appointment": Appointment,
}

EVALUATION_ORG_VIEW: dict[str, set[str]] = {
    "evaluation.Institution": {"i_own"},
    "evaluation.FiledScope": {"fs_own"},
    "evaluation.Examiner": {"ex_own"},
    "evaluation.Decision": {"de_own"},
    "evaluation.Plan": {"pl_own"},
    "evaluation.Candidate": {"ca_own"},
    "evaluation.Inspector": set(),
    "evaluation.Draw": set(),
    "evaluation.Inspection": {"in_own"},
    "evaluation.YearGrade": {"yg_own"},
    "evaluation.Resource": set(),
    "credentials.CertificateBatch": set(),
    # The catalog of recognised foreign qualifications is public to every organisation while in force.
    "evaluation.ForeignQualification": {"fq_zjg", "fq_hq", "fq_cz", "fq_sz", "fq_js"},
    "evaluation.Pilot": {"pi_own"},
    "evaluation.Appointment": {"ap_own"},
}

EVALUATION_ORG_ACTS: dict[str, dict[str, set[str]]] = {
    "evaluation.Institution": {a: {"i_own"} for a in ("add", "change", "lodge")},
    "evaluation.FiledScope": {a: {"fs_own"} for a in ("add", "delete")},
    "evaluation.Examiner": {a: {"ex_own"} for a in ("add", "change", "delete")},
    "evaluation.Plan": {a: {"pl_own"} for a in ("add", "change", "results", "publicise")},
    "evaluation.Appointment": {a: {"ap_own"} for a in ("add", "end")},
}

EVALUATION_READ_ONLY = {"evaluation.Decision", "credentials.CertificateBatch"}


def add_evaluation_world(w: Any) -> None:
    occupation = Occupation.objects.get(code="6-31-01-03")
    level = SkillLevel.objects.get(code="level4")
    day = datetime.date(2025, 5, 10)
    places = {"own": (ZJG, "org_own", "p_own"), "hq": (HUQIU, "org_hq", "p_hq"), "cz": (WUJIN, "org_cz", "p_cz")}
    with audit_context(source="cli"):

        def add(key: str, obj: Any, region: str) -> Any:
            obj.save()
            record_change(action="create", instance=obj)
            return w.add(key, obj, region)

        for suffix, (region, org_key, person_key) in places.items():
            org, person = w.get(org_key), w.get(person_key)
            inst = add(
                f"i_{suffix}",
                Institution(
                    organisation=org,
                    kind="enterprise",
                    status="approved",
                    sites="车间考场",
                    station_code={"own": "900001", "hq": "900002", "cz": "900003"}[suffix],
                    valid_from=datetime.date(2024, 1, 1),
                    valid_until=datetime.date(2027, 1, 1),
                ),
                region,
            )
            add(f"fs_{suffix}", FiledScope(institution=inst, occupation=occupation, level=level), region)
            examiner = add(
                f"ex_{suffix}",
                Examiner(
                    institution=inst,
                    person=person,
                    role="examiner",
                    qualification="KP2024001",
                    valid_until=datetime.date(2028, 1, 1),
                ),
                region,
            )
            add(f"de_{suffix}", Decision(institution=inst, kind="approve", date=day, reason="符合条件"), region)
            plan = add(
                f"pl_{suffix}",
                Plan(
                    code=f"PJ-{suffix}",
                    institution=inst,
                    occupation=occupation,
                    level=level,
                    source="self_evaluation",
                    exam_date=day,
                    site="一号车间",
                ),
                region,
            )
            plan.examiners.set([examiner])
            add(f"ca_{suffix}", Candidate(plan=plan, person=person, theory=80, practical=75, passed=True), region)
            add(f"yg_{suffix}", YearGrade(institution=inst, year=2024, grade="good"), region)
            pilot = add(f"pi_{suffix}", Pilot(organisation=org, quota_special=3, quota_chief=1, since=day), region)
            add(
                f"ap_{suffix}",
                Appointment(
                    pilot=pilot,
                    person=person,
                    title="special",
                    occupation=occupation,
                    start=day,
                    end=datetime.date(2028, 5, 10),
                ),
                region,
            )
        for key, region in (("zjg", ZJG), ("hq", HUQIU), ("cz", WUJIN), ("sz", SUZHOU), ("js", JIANGSU)):
            add(f"ip_{key}", Inspector(name=f"督查员{key}", region_code=region), region)
            add(
                f"dr_{key}",
                Draw(region_code=region, date=day, seed=7, count=1, uniform_share=0.3, eligible=1),
                region,
            )
            add(
                f"rs_{key}",
                Resource(
                    kind="question_bank",
                    title=f"电工题库{key}",
                    occupation=occupation,
                    level=level,
                    region_code=region,
                    owner="省职业技能鉴定中心",
                    version="2024",
                    since=datetime.date(2024, 1, 1),
                ),
                region,
            )
            add(
                f"fq_{key}",
                ForeignQualification(
                    name=f"AHK Industriemechaniker {key}",
                    country="德国",
                    awarding_body="德国工商大会（AHK）",
                    occupation=occupation,
                    level=level,
                    region_code=region,
                    since=datetime.date(2024, 1, 1),
                ),
                region,
            )
            add(
                f"cb_{key}",
                CertificateBatch(
                    code=f"PC-{key}",
                    region_code=region,
                    source="self_evaluation",
                    issue_date=day,
                    size=0,
                    root="0" * 64,
                    key_id="k",
                    signature="z",
                    tree=b"",
                ),
                region,
            )
        for suffix, (region, _org, _person) in places.items():
            draw = w.get({"own": "dr_zjg", "hq": "dr_hq", "cz": "dr_cz"}[suffix])
            add(
                f"in_{suffix}",
                Inspection(draw=draw, institution=w.get(f"i_{suffix}"), stratum="uniform", risk=0.1),
                region,
            )
