"""Demo data for the evaluation system in 苏州 and 常州, made through the services as the demo accounts
would make it:

* filed institutions of every kind: the demo enterprise in 张家港 (the ``enterprise`` account) and the other
  enterprises the registry marks as self-evaluating, a social training-evaluation organisation in each city
  (苏州's is the ``evaluator`` account's), a vocational school and a technician college;
* a self-evaluation plan of the demo enterprise from filing to issued certificates, whose credentials the
  verification page accepts with their batch proof; a third-party plan of 常州 under objection today (the
  公示 page shows it); a plan of a suspended 苏州 school whose batch the bureau was refused, with the reason;
* the catalog of evaluation resources (digital occupations among them), yearly grades, an inspector pool
  and a 双随机 draw in 苏州.

Idempotent: it does nothing when an institution is already filed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gongjiang.core.audit import audit_context, record_change, snapshot
from gongjiang.core.models import Role, User
from gongjiang.credentials.models import Certificate
from gongjiang.evaluation.models import Examiner, ExaminerRole, Institution, InstitutionKind, Plan
from gongjiang.evaluation.services import institutions, plans, recognition, supervision
from gongjiang.registry.models import Employment, Organisation, Person
from gongjiang.registry.services import organisation_create
from gongjiang.synth.ids import make_uscc

ZJG, SUZHOU, CHANGZHOU = "320582", "320500", "320400"
D = datetime.date
CLAUSE = "苏政办发〔2024〕37号 (十四)"
# Created when the registry has none of the kind in the city: (region, kind, name, serial).
ORGANISATIONS = [
    (SUZHOU, "evaluation", "苏州市职业技能等级认定服务中心", 7_200_001),
    (CHANGZHOU, "evaluation", "常州市技能人才评价服务中心", 7_200_002),
    ("320506", "vocational_school", "苏州市吴中中等专业学校", 7_200_003),
    ("320412", "technician_college", "常州市武进技师学院", 7_200_004),
]
# Occupations each kind of institution files for, with its levels.
SCOPES = {
    InstitutionKind.ENTERPRISE: (["6-31-01-03", "6-18-02-04"], ["level5", "level4", "level3", "level2"]),
    InstitutionKind.SOCIAL: (["6-31-07-01", "6-31-07-02", "4-04-05-05", "4-10-01-05"], ["level5", "level4", "level3"]),
    InstitutionKind.SCHOOL: (["6-31-01-03", "4-04-05-02"], ["level5", "level4"]),
    InstitutionKind.TECHNICIAN_COLLEGE: (["6-31-07-01", "6-18-02-04"], ["level4", "level3", "level2"]),
}
KIND_OF = {
    "enterprise": InstitutionKind.ENTERPRISE,
    "evaluation": InstitutionKind.SOCIAL,
    "vocational_school": InstitutionKind.SCHOOL,
    "technician_college": InstitutionKind.TECHNICIAN_COLLEGE,
}
RESOURCES = [
    # kind, title, occupation, region, owner, digital
    ("national_standard", "电工国家职业技能标准（2018年版）", "6-31-01-03", "320000", "人力资源社会保障部", False),
    ("national_standard", "焊工国家职业技能标准（2018年版）", "6-18-02-04", "320000", "人力资源社会保障部", False),
    ("question_bank", "工业视觉系统运维员省级题库", "6-31-07-02", "320000", "江苏省职业技能鉴定中心", True),
    ("question_bank", "工业机器人系统运维员省级题库", "6-31-07-01", "320000", "江苏省职业技能鉴定中心", True),
    ("industry_norm", "人工智能训练师评价规范（苏州）", "4-04-05-05", SUZHOU, "苏州市职业技能鉴定中心", True),
    ("question_bank", "计算机软件测试员题库", "4-04-05-02", SUZHOU, "苏州市职业技能鉴定中心", True),
    ("special_capability", "养老护理专项职业能力考核规范", "4-10-01-05", CHANGZHOU, "常州市职业技能鉴定中心", False),
]
# The seven German AHK trades recognised in 苏州 (SZ-report), mapped to the 2022 classification at 高级工.
AHK = [
    ("Industriemechaniker/-in", "6-31-01-02"),
    ("Mechatroniker/-in", "6-31-01-10"),
    ("Zerspanungsmechaniker/-in", "6-18-01-01"),
    ("Elektroniker/-in für Betriebstechnik", "6-31-01-03"),
    ("Werkzeugmechaniker/-in", "6-18-04-01"),
    ("Kfz-Mechatroniker/-in", "4-12-01-01"),
    ("Fachkraft für Lagerlogistik", "4-02-06-01"),
]
INSPECTORS = [
    ("周敏", SUZHOU, "苏州市人社局"),
    ("钱立新", SUZHOU, "苏州市职业技能鉴定中心"),
    ("孙海", SUZHOU, "苏州大学"),
    ("李婷", ZJG, "张家港市人社局"),
    ("吴建平", "320506", "吴中区人社局"),
    ("郑晓东", SUZHOU, "苏州市质量技术监督研究所"),
]


def _officer(username: str) -> User:
    return User.objects.get(username=username)


def _organisations() -> list[Organisation]:
    """The organisations to file: the demo enterprise first, the self-evaluating enterprises of the demo
    cities, and one of each other kind per city (created when missing)."""
    orgs: list[Organisation] = []
    account = User.objects.filter(username="enterprise").select_related("organisation").first()
    if account is not None and account.organisation is not None:
        orgs.append(account.organisation)
    for region, kind, name, serial in ORGANISATIONS:
        prefix = region[:4]
        found = (
            Organisation.objects.filter(kind=kind, region_code__startswith=prefix).order_by("pk").first()
            if kind != "evaluation"
            else None
        )
        if found is None:
            uscc = make_uscc(region, serial, kind="2")
            found = Organisation.objects.filter(uscc=uscc).first() or organisation_create(
                actor=None, uscc=uscc, name=name, kind=kind, region_code=region, industry_code="P"
            )
        orgs.append(found)
    seen = {o.pk for o in orgs}
    for region in (SUZHOU, CHANGZHOU):
        more = Organisation.objects.filter(
            kind="enterprise", self_evaluation=True, region_code__startswith=region[:4]
        ).order_by("pk")[:12]
        orgs += [o for o in more if o.pk not in seen]
    return orgs


def _staff(org: Organisation, n: int, skip: set[int]) -> list[Person]:
    """Persons to list as the institution's examiners: its employees, else residents of its district."""
    staff = list(Person.objects.filter(employments__organisation=org).exclude(pk__in=skip).order_by("pk")[:n])
    if len(staff) < n:
        more = Person.objects.filter(residence_region_code__startswith=org.region_code[:4]).exclude(pk__in=skip)
        more = more.order_by("pk")
        staff += list(more.exclude(pk__in=[p.pk for p in staff])[: n - len(staff)])
    return staff


def _file(org: Organisation, officer: User, applicant: Any, valid_from: datetime.date, used: set[int]) -> Institution:
    kind = KIND_OF[org.kind]
    occupations, levels = SCOPES[kind]
    inst = institutions.institution_file(
        actor=applicant,
        organisation=org,
        kind=kind,
        sites=f"{org.name}考核场地",
        occupations=occupations,
        levels=levels,
    )
    staff = _staff(org, 3, used)
    used.update(p.pk for p in staff)
    for person, role in zip(
        staff, (ExaminerRole.EXAMINER, ExaminerRole.EXAMINER, ExaminerRole.SUPERVISOR), strict=False
    ):
        institutions.examiner_add(
            actor=applicant,
            institution=inst,
            person=person,
            role=role,
            qualification=f"KP{person.pk:08d}",
            valid_until=D(timezone.localdate().year + 3, 12, 31),
        )
    institutions.institution_lodge(actor=applicant, institution=inst)
    return institutions.institution_approve(
        actor=officer, institution=inst, valid_from=valid_from, reason="材料齐全，场地和考评人员符合条件", clause=CLAUSE
    )


def _results(persons: list[Person], scores: list[tuple[int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id_number": [p.id_number for p in persons],
            "name": [p.name for p in persons],
            "theory": [str(t) for t, _p in scores],
            "practical": [str(p) for _t, p in scores],
        }
    )


def _plan(
    inst: Institution,
    actor: Any,
    *,
    occupation: str,
    level: str,
    source: str,
    exam: datetime.date,
    candidates: list[Person],
) -> Plan:
    examiners = list(inst.examiners.filter(role=ExaminerRole.EXAMINER))
    plan = plans.plan_file(
        actor=actor,
        institution=inst,
        occupation_code=occupation,
        level_code=level,
        source=source,
        exam_date=exam,
        site=f"{inst.organisation.name}考核场地",
        examiners=examiners,
    )
    scores = [(60 + (i * 7) % 38, 55 + (i * 11) % 44) for i in range(len(candidates))]
    plans.results_upload(
        actor=actor, plan=plan, frame=_results(candidates, scores), today=exam + datetime.timedelta(days=3)
    )
    return plan


def _candidates(org: Organisation, n: int, occupation: str, level: str) -> list[Person]:
    holders = Certificate.objects.filter(occupation__code=occupation, level__code=level).values("person_id")
    employees = Person.objects.filter(employments__organisation=org).exclude(pk__in=holders).distinct()
    found = list(employees.order_by("pk")[:n])
    if len(found) < n:
        region = Person.objects.filter(residence_region_code__startswith=org.region_code[:4]).exclude(pk__in=holders)
        found += list(region.exclude(pk__in=[p.pk for p in found]).order_by("-pk")[: n - len(found)])
    adults = timezone.localdate() - datetime.timedelta(days=365 * 18)
    return [p for p in found if p.birth_date <= adults]


def _bind(username: str, org: Organisation) -> None:
    user = User.objects.filter(username=username).first()
    if user is None or user.organisation_id == org.pk:
        return
    before = snapshot(user)
    user.role, user.organisation = Role.ORGANISATION, org
    user.save()
    record_change(action="update", instance=user, before=before)


@transaction.atomic
def evaluation_demo(say: Callable[[str], None]) -> None:
    if Institution.objects.exists():
        say("evaluation: already present")
        return
    today = timezone.localdate()
    officers = {"320582": _officer("zhangjiagang"), SUZHOU: _officer("suzhou"), CHANGZHOU: _officer("changzhou")}
    province = _officer("province")
    with audit_context(source="cli", actor=province):
        for kind, title, occupation, region, owner, digital in RESOURCES:
            supervision.resource_add(
                actor=province,
                kind=kind,
                title=title,
                occupation_code=occupation,
                level_code="",
                region_code=region,
                owner=owner,
                version="2024",
                since=D(2024, 3, 1),
                digital=digital,
            )
    used: set[int] = set()
    filed: list[Institution] = []
    for i, org in enumerate(_organisations()):
        officer = (
            officers["320582"]
            if org.region_code == ZJG
            else officers[SUZHOU if org.region_code.startswith("3205") else CHANGZHOU]
        )
        applicant = User.objects.filter(role=Role.ORGANISATION, organisation=org).first() or None
        with audit_context(source="cli", actor=officer):
            filed.append(_file(org, officer, applicant, today - datetime.timedelta(days=400 + 250 * (i % 3)), used))
    say(f"evaluation: {len(filed)} institutions filed")
    enterprise, social_sz, social_cz, school = filed[:4]
    _bind("evaluator", social_sz.organisation)

    # The demo enterprise's self-evaluation, from plan to issued certificates.
    ent_user = User.objects.filter(username="enterprise").first()
    with audit_context(source="cli", actor=ent_user):
        exam = today - datetime.timedelta(days=30)
        plan = _plan(
            enterprise,
            ent_user,
            occupation="6-31-01-03",
            level="level3",
            source="self_evaluation",
            exam=exam,
            candidates=_candidates(enterprise.organisation, 12, "6-31-01-03", "level3"),
        )
        plans.plan_publicise(actor=ent_user, plan=plan, today=exam + datetime.timedelta(days=5))
    with audit_context(source="cli", actor=officers["320582"]):
        plan = plans.plan_issue(
            actor=officers["320582"],
            plan=plan,
            review_note="抽查3名考生的考核记录和视频，与成绩一致",
            today=exam + datetime.timedelta(days=14),
        )
    say(
        f"evaluation: plan {plan.code} issued {plan.batch.size if plan.batch else 0} certificates in batch {plan.batch}"
    )

    # 常州: a third-party plan under objection today.
    with audit_context(source="cli", actor=officers[CHANGZHOU]):
        exam = today - datetime.timedelta(days=6)
        plan = _plan(
            social_cz,
            None,
            occupation="4-10-01-05",
            level="level4",
            source="third_party",
            exam=exam,
            candidates=_candidates(social_cz.organisation, 15, "4-10-01-05", "level4"),
        )
        plan = plans.plan_publicise(actor=None, plan=plan, today=today - datetime.timedelta(days=1))
    say(f"evaluation: plan {plan.code} under objection until {plan.publicity_until}")

    # 苏州: a school's plan, publicised, then the school suspended: the batch is refused with the reason.
    with audit_context(source="cli", actor=officers[SUZHOU]):
        exam = today - datetime.timedelta(days=25)
        plan = _plan(
            school,
            None,
            occupation="6-31-01-03",
            level="level4",
            source="school_dual",
            exam=exam,
            candidates=_candidates(school.organisation, 10, "6-31-01-03", "level4"),
        )
        plans.plan_publicise(actor=None, plan=plan, today=exam + datetime.timedelta(days=5))
        institutions.institution_suspend(
            actor=officers[SUZHOU],
            institution=school,
            reason="质量督导发现考评人员与考生存在利害关系未回避",
            clause=CLAUSE,
        )
        try:
            plans.plan_issue(actor=officers[SUZHOU], plan=plan, review_note="抽查无误")
        except ValidationError as exc:
            say(f"evaluation: plan {plan.code} refused: {'; '.join(exc.messages)}")

        for name, region, affiliation in INSPECTORS:
            supervision.inspector_add(actor=officers[SUZHOU], name=name, region_code=region, affiliation=affiliation)
        for inst in filed:
            if (
                inst.organisation.region_code.startswith("3205")
                and inst.valid_from
                and inst.valid_from.year < today.year - 1
            ):
                for year in range(inst.valid_from.year, today.year):
                    institutions.grade_set(
                        actor=officers[SUZHOU], institution=inst, year=year, grade="good" if year % 3 else "fair"
                    )
        draw = supervision.draw_run(
            actor=officers[SUZHOU], region_code=SUZHOU, count=4, uniform_share=0.5, inspectors_each=2, seed=2026
        )
        say(f"evaluation: draw of {draw.count} institutions in 苏州 (seed {draw.seed})")
        for inspection in draw.inspections.order_by("pk")[:2]:
            supervision.inspection_record(
                actor=officers[SUZHOU],
                inspection=inspection,
                done_on=today,
                severity="minor" if inspection.stratum == "risk" else "none",
                findings="考场视频监控存档不全" if inspection.stratum == "risk" else "",
                publish=True,
            )
        for name, occupation in AHK:
            recognition.foreign_qualification_add(
                actor=officers[SUZHOU],
                name=name,
                country="德国",
                awarding_body="德国工商大会（AHK）",
                occupation_code=occupation,
                level_code="level3",
                region_code=SUZHOU,
                since=D(2020, 1, 1),
                clause="苏政办发〔2024〕37号 (十三)",
            )
        say(f"evaluation: {len(AHK)} German AHK qualifications recognised in 苏州")
    _pilot(enterprise.organisation, officers["320582"], say)
    assert Examiner.objects.exists()


def _pilot(org: Organisation, officer: User, say: Callable[[str], None]) -> None:
    """The demo enterprise in the 特级技师 pilot, with its 高级技师 appointed where it has one."""
    with audit_context(source="cli", actor=officer):
        pilot = recognition.pilot_add(
            actor=officer, organisation=org, quota_special=3, quota_chief=1, since=D(2024, 1, 1)
        )
        employees = Employment.objects.filter(organisation=org, end__isnull=True).values("person_id")
        holders = (
            Certificate.objects.filter(person__in=employees, level__code="level1", status="valid")
            .select_related("person", "occupation")
            .order_by("pk")[:2]
        )
        made = 0
        for cert in holders:
            try:
                recognition.appointment_make(
                    actor=officer,
                    pilot=pilot,
                    person=cert.person,
                    title="special",
                    occupation_code=cert.occupation.code,
                    start=max(D(2025, 1, 1), cert.issue_date),
                )
                made += 1
            except ValidationError as exc:
                say(f"evaluation: appointment refused: {'; '.join(exc.messages)}")
    say(f"evaluation: {org.name} in the 特级技师 pilot, {made} appointed")
