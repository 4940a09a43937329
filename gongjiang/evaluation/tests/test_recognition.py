"""Recognition without an examination: foreign qualifications recognised as equivalent, and the
特级技师 / 首席技师 appointment pilot."""

from __future__ import annotations

import datetime

import polars as pl
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from gongjiang.core.tests.audit_guard import unaudited
from gongjiang.credentials.models import Certificate
from gongjiang.evaluation.models import Plan
from gongjiang.evaluation.services import institutions, plans, recognition
from gongjiang.registry.services import employment_create


def _today() -> datetime.date:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate()


@pytest.fixture
def social(make_org, make_user, make_person):  # type: ignore[no-untyped-def]
    org = make_org(region="320505", kind="evaluation", name="苏州市职业技能等级认定服务中心")
    user = make_user(role="organisation", organisation=org)
    officer = make_user(role="officer", region_code="320500")
    inst = institutions.institution_file(
        actor=user, organisation=org, kind="social", sites="考核基地", occupations=["6-20-01-03"], levels=["level3"]
    )
    staff = [make_person(region="320505", name=n) for n in ("甲考评", "乙督导")]
    examiner = institutions.examiner_add(
        actor=user,
        institution=inst,
        person=staff[0],
        role="examiner",
        qualification="K",
        valid_until=_today().replace(year=_today().year + 2),
    )
    institutions.examiner_add(
        actor=user,
        institution=inst,
        person=staff[1],
        role="supervisor",
        qualification="K",
        valid_until=_today().replace(year=_today().year + 2),
    )
    institutions.institution_lodge(actor=user, institution=inst)
    inst = institutions.institution_approve(
        actor=officer, institution=inst, valid_from=_today() - datetime.timedelta(days=60)
    )
    return {"user": user, "officer": officer, "institution": inst, "examiner": examiner}


def test_holders_of_a_recognised_foreign_qualification_get_certificates(social, make_person) -> None:  # type: ignore[no-untyped-def]
    officer, user = social["officer"], social["user"]
    ahk = recognition.foreign_qualification_add(
        actor=officer,
        name="Industriemechaniker/-in (AHK)",
        country="德国",
        awarding_body="德国工商大会（AHK）",
        occupation_code="6-20-01-03",
        level_code="level3",
        region_code="320500",
        since=datetime.date(2023, 1, 1),
        clause="苏政办发〔2024〕37号 (十三)",
    )
    with pytest.raises(ValidationError):  # a foreign plan names its qualification
        plans.plan_file(
            actor=user,
            institution=social["institution"],
            occupation_code="6-20-01-03",
            level_code="level3",
            source="foreign",
            exam_date=_today() - datetime.timedelta(days=3),
            site="考核基地",
            examiners=[social["examiner"]],
        )
    plan = plans.plan_file(
        actor=user,
        institution=social["institution"],
        occupation_code="",
        level_code="",
        source="foreign",
        exam_date=_today() - datetime.timedelta(days=3),
        site="考核基地",
        examiners=[social["examiner"]],
        qualification=ahk,
    )
    assert (plan.occupation.code, plan.level.code) == ("6-20-01-03", "level3")
    holders = [make_person(region="320505", name=n) for n in ("施密特", "王海")]
    frame = pl.DataFrame(
        {
            "id_number": [p.id_number for p in holders],
            "name": [p.name for p in holders],
            "evidence": ["AHK-2019-4471", ""],
        }
    )
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        plans.results_upload(actor=user, plan=plan, frame=frame)
    # Only the second holder (row 3) lacks the evidence, and the message names that row and column (its header).
    messages = exc.value.message_dict["file"]
    assert len(messages) == 1 and messages[0].startswith("第3行突出业绩列：")
    frame = frame.with_columns(pl.Series("evidence", ["AHK-2019-4471", "AHK-2021-0093"]))
    plans.results_upload(actor=user, plan=plan, frame=frame)
    plan = plans.plan_publicise(actor=user, plan=plan)
    with unaudited():
        Plan.objects.filter(pk=plan.pk).update(publicity_until=_today() - datetime.timedelta(days=1))
    plan = plans.plan_issue(actor=social["officer"], plan=Plan.objects.get(pk=plan.pk), review_note="核对AHK证书原件")
    certs = Certificate.objects.filter(batch=plan.batch)
    assert certs.count() == 2
    assert {c.source for c in certs} == {"foreign"} and all(c.number.startswith("S") for c in certs)


@pytest.fixture
def pilot(make_org, make_user, make_person, make_certificate):  # type: ignore[no-untyped-def]
    org = make_org(region="320582", name="张家港沙钢集团")
    officer = make_user(role="officer", region_code="320582")
    user = make_user(role="organisation", organisation=org)
    workers = [make_person(region="320582", name=n) for n in ("赵大", "钱二", "孙三")]
    for w in workers:
        employment_create(actor=None, person=w, organisation=org, start=datetime.date(2015, 1, 1))
    make_certificate(workers[0], level="level1", national_level=1, occupation="6-18-02-04")
    make_certificate(workers[1], level="level1", national_level=1, occupation="6-18-02-04")
    p = recognition.pilot_add(
        actor=officer, organisation=org, quota_special=1, quota_chief=1, since=datetime.date(2024, 1, 1)
    )
    return {"pilot": p, "officer": officer, "user": user, "workers": workers}


def test_appointments_follow_the_rules_and_the_quota(pilot) -> None:  # type: ignore[no-untyped-def]
    p, user, workers = pilot["pilot"], pilot["user"], pilot["workers"]
    start = datetime.date(2025, 3, 1)
    with pytest.raises(ValidationError) as exc:  # no 高级技师 certificate
        recognition.appointment_make(
            actor=user, pilot=p, person=workers[2], title="special", occupation_code="6-18-02-04", start=start
        )
    assert "person" in exc.value.message_dict
    with pytest.raises(ValidationError):  # a 首席技师 must first be a 特级技师
        recognition.appointment_make(
            actor=user, pilot=p, person=workers[0], title="chief", occupation_code="6-18-02-04", start=start
        )
    first = recognition.appointment_make(
        actor=user, pilot=p, person=workers[0], title="special", occupation_code="6-18-02-04", start=start
    )
    assert first.end == datetime.date(2028, 3, 1)
    with pytest.raises(ValidationError) as exc:  # the quota of one is used
        recognition.appointment_make(
            actor=user, pilot=p, person=workers[1], title="special", occupation_code="6-18-02-04", start=start
        )
    assert "title" in exc.value.message_dict
    recognition.appointment_make(
        actor=user, pilot=p, person=workers[0], title="chief", occupation_code="6-18-02-04", start=start
    )
    recognition.appointment_end(actor=user, appointment=first, ended_on=datetime.date(2025, 9, 30))
    # The place is free again from the day after.
    recognition.appointment_make(
        actor=user,
        pilot=p,
        person=workers[1],
        title="special",
        occupation_code="6-18-02-04",
        start=datetime.date(2025, 10, 1),
    )
