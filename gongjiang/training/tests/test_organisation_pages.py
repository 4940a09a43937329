"""Organisations do their part on the pages: an institution applies for designation and reads the
decision and its reason; an institution opens a designated class and an enterprise its own training, each
uploads the roster (with the trainee group), closes it and claims the subsidies, priced by the policy
engine with its trace; a rejection's reason is shown to the claimant and to the trainee."""

from __future__ import annotations

import datetime
import io

import polars as pl
import pytest
from django.utils import translation

from gongjiang.core.audit import audit_context
from gongjiang.training import services
from gongjiang.training.models import (
    Claim,
    ClaimStatus,
    Designation,
    DesignationRequest,
    Enrolment,
    TrainingClass,
)
from gongjiang.training.tests.conftest import ZJG, TrainingWorld


@pytest.fixture(autouse=True)
def _chinese():  # type: ignore[no-untyped-def]
    with translation.override("zh-hans"):
        yield


def _roster(persons: list, groups: list[str]) -> bytes:  # type: ignore[type-arg]
    buf = io.BytesIO()
    pl.DataFrame(
        {
            "身份证号码": [p.id_number for p in persons],
            "姓名": [p.name for p in persons],
            "银行账号": [f"62220215{i:011d}" for i in range(1, len(persons) + 1)],
            "学员群体": groups,
        }
    ).write_csv(buf)
    return buf.getvalue()


def test_an_institution_applies_for_designation_and_reads_the_reason_of_a_refusal(
    client, sign_in, make_org, make_user, tw: TrainingWorld
) -> None:
    school = make_org(region=ZJG, kind="training", name="张家港市新华职业培训学校", industry="P")
    user = make_user("t_newschool", role="organisation", organisation=school)
    sign_in(client, user)
    form = {
        "region_code": ZJG,
        "period_start": "2026-01-01",
        "tender_reference": "ZJGCG-2025-201",
        "occupations": "电工、焊工",
        "statement": "实训工位 40 个",
    }
    # A missing field is named, and nothing is written.
    refused = client.post("/training/designation-applications/new/", {**form, "occupations": ""})
    assert refused.status_code == 200 and not DesignationRequest.objects.exists()
    response = client.post("/training/designation-applications/new/", form)
    request = DesignationRequest.objects.get(institution=school)
    assert response["Location"] == f"/training/designation-applications/{request.pk}/"
    # The institution cannot decide its own application.
    assert (
        client.post(f"/training/designation-applications/{request.pk}/decide/", {"decision": "approve"}).status_code
        == 403
    )

    sign_in(client, tw.zjg)
    assert (
        client.post(
            f"/training/designation-applications/{request.pk}/decide/", {"decision": "reject", "comment": ""}
        ).status_code
        == 200
    )  # a rejection without its reason is refused
    client.post(
        f"/training/designation-applications/{request.pk}/decide/",
        {"decision": "reject", "comment": "实训场地面积不足招标要求"},
    )
    request.refresh_from_db()
    assert request.status == "rejected"

    sign_in(client, user)
    page = client.get(f"/training/designation-applications/{request.pk}/").content.decode()
    assert "实训场地面积不足招标要求" in page and "未通过" in page
    # Applied again and approved: the institution is designated for the tender period.
    client.post("/training/designation-applications/new/", {**form, "tender_reference": "ZJGCG-2025-202"})
    again = DesignationRequest.objects.filter(institution=school, status="in_review").get()
    sign_in(client, tw.zjg)
    client.post(f"/training/designation-applications/{again.pk}/decide/", {"decision": "approve", "comment": "同意"})
    again.refresh_from_db()
    designation = Designation.objects.get(organisation=school)
    assert again.status == "approved" and again.designation == designation
    assert designation.period_end == datetime.date(2028, 12, 31)


def test_another_organisation_sees_no_application_of_others(
    client, sign_in, make_org, make_user, tw: TrainingWorld
) -> None:
    with audit_context(source="web", actor=tw.inst_user):
        request = services.designation_request_submit(
            actor=tw.inst_user,
            institution=tw.institution,
            region_code=ZJG,
            period_start=datetime.date(2027, 1, 1),
            tender_reference="T-1",
            occupations="电工",
        )
    other = make_user("t_other", role="organisation", organisation=make_org(region=ZJG, kind="training"))
    sign_in(client, other)
    assert client.get(f"/training/designation-applications/{request.pk}/").status_code == 404


def _open_class(client, kind: str, name: str, start: str, end: str, programme: str) -> TrainingClass:  # type: ignore[no-untyped-def]
    response = client.post(
        "/training/classes/open/",
        {
            "kind": kind,
            "name": name,
            "programme": programme,
            "occupation_code": "6-31-01-03",
            "level": "level4",
            "start_date": start,
            "end_date": end,
            "class_hours": "80",
            "practical_hours": "50",
            "fee": "1500",
        },
    )
    tc = TrainingClass.objects.get(name=name)
    assert response["Location"] == f"/training/classes/{tc.pk}/"
    return tc


def test_an_enterprise_claims_its_training_subsidy_and_sees_the_state_and_reason(
    client, sign_in, make_org, make_user, make_person, make_certificate, policy_sets, tw: TrainingWorld
) -> None:
    enterprise = make_org(region=ZJG, kind="enterprise", name="张家港华达机械有限公司")
    user = make_user("t_enterprise", role="organisation", organisation=enterprise)
    workers = [make_person(region=ZJG, name=n, phone=f"1395123{i:04d}") for i, n in enumerate(["孙立新", "郑美玲"])]
    sign_in(client, user)
    tc = _open_class(client, "enterprise", "电工中级岗位提升培训", "2025-03-03", "2025-04-25", "general")
    assert tc.kind == "enterprise" and tc.institution == enterprise and tc.region_code == ZJG
    # A bad trainee group names its row and column, and nothing is written.
    bad = client.post(
        f"/training/classes/{tc.pk}/roster/",
        {"file": io.BytesIO(_roster(workers, ["青年", "老年"]))},
    )
    assert bad.status_code == 200 and "学员群体" in bad.content.decode() and not Enrolment.objects.exists()
    roster = io.BytesIO(_roster(workers, ["企业职工", "青年"]))
    roster.name = "roster.csv"
    client.post(f"/training/classes/{tc.pk}/roster/", {"file": roster})
    assert sorted(Enrolment.objects.values_list("trainee_group", flat=True)) == ["employee", "youth"]
    client.post(f"/training/classes/{tc.pk}/end/")
    tc.refresh_from_db()
    assert tc.status == "ended"
    for p in workers:
        make_certificate(p, level="level4", national_level=4, issue_date=datetime.date(2025, 5, 20))
    page = client.get(f"/training/classes/{tc.pk}/").content.decode()
    assert "申领补贴" in page
    client.post(f"/training/classes/{tc.pk}/claim/")
    claims = list(Claim.objects.filter(training_class=tc).order_by("pk"))
    assert len(claims) == 2 and all(c.status == ClaimStatus.COMPUTED for c in claims)
    # 50% of the Jiangsu standard for 中级工 tier A, 1500 yuan (ZJG-opinion 二(四)).
    assert all(c.amount_fen == 75000 for c in claims) and all("二(四)" in c.trace or c.clauses for c in claims)

    sign_in(client, tw.zjg)
    client.post(f"/training/claims/{claims[1].pk}/reject/", {"reason": "该职工劳动合同未满一年"})
    sign_in(client, user)
    mine = client.get(f"/training/claims/{claims[1].pk}/").content.decode()
    assert "已驳回" in mine and "该职工劳动合同未满一年" in mine
    listing = client.get("/training/claims/").content.decode()
    assert str(claims[0].pk) in listing


def test_an_institution_opens_a_designated_class_only_under_its_designation(client, sign_in, tw: TrainingWorld) -> None:
    sign_in(client, tw.inst_user)
    tc = _open_class(client, "designated", "电工中级定点培训", "2025-03-03", "2025-04-25", "digital")
    assert tc.kind == "designated" and tc.programme == "digital"
    with audit_context(source="cli"):
        services.designation_revoke(
            actor=tw.zjg, designation=tw.designation, reason="招标期满", revoked_on=datetime.date(2024, 12, 31)
        )
    refused = client.post(
        "/training/classes/open/",
        {
            "kind": "designated",
            "name": "未获定点",
            "programme": "general",
            "occupation_code": "6-31-01-03",
            "level": "level4",
            "start_date": "2025-06-02",
            "end_date": "2025-07-25",
            "class_hours": "80",
            "practical_hours": "50",
        },
    )
    assert refused.status_code == 200 and not TrainingClass.objects.filter(name="未获定点").exists()


def _designated_class_claims(tw: TrainingWorld, make_certificate, revoked_on: datetime.date) -> list[Claim]:  # type: ignore[no-untyped-def]
    """A designated 电工 初级 class from 2025-03-03, its designation revoked on ``revoked_on``; the claims."""
    from gongjiang.training.tests.conftest import roster_frame

    with audit_context(source="web", actor=tw.inst_user):
        tc = services.class_create(
            actor=tw.inst_user,
            kind="designated",
            institution=tw.institution,
            region_code=ZJG,
            name="电工初级定点培训",
            occupation_code="6-31-01-03",
            level_code="level5",
            start_date=datetime.date(2025, 3, 3),
            end_date=datetime.date(2025, 4, 25),
            class_hours=60,
            practical_hours=40,
            fee_fen=90000,
        )
        services.roster_upload(actor=tw.inst_user, training_class=tc, frame=roster_frame(tw.persons[:2]))
        services.class_end(actor=tw.inst_user, training_class=tc, today=datetime.date(2025, 4, 30))
    with audit_context(source="web", actor=tw.zjg):
        services.designation_revoke(
            actor=tw.zjg, designation=tw.designation, reason="质量督导不合格", revoked_on=revoked_on
        )
    for p in tw.persons[:2]:
        make_certificate(p, level="level5", national_level=5, issue_date=datetime.date(2025, 5, 20))
    with audit_context(source="web", actor=tw.inst_user):
        services.class_claim_submit(actor=tw.inst_user, training_class=tc)
    return list(Claim.objects.filter(training_class=tc))


def test_the_designated_rule_pays_only_where_the_institution_was_designated_on_the_training_date(
    tw: TrainingWorld, make_certificate, policy_sets
) -> None:
    # Revoked the day before the class began: not designated on the training date, nothing is paid.
    claims = _designated_class_claims(tw, make_certificate, datetime.date(2025, 3, 2))
    assert len(claims) == 2
    assert all(not c.eligible and c.reason == "not_designated" and c.amount_fen == 0 for c in claims)
    assert all("定点" in c.trace for c in claims)


def test_a_revocation_after_the_training_date_does_not_undo_the_designated_rule(
    tw: TrainingWorld, make_certificate, policy_sets
) -> None:
    claims = _designated_class_claims(tw, make_certificate, datetime.date(2025, 6, 1))
    # Locals (the registry persons live in 张家港) train free at 初级 (ZJG-opinion 二(六)): the whole fee.
    assert all(c.eligible and c.amount_fen == 90000 for c in claims)


def test_a_trainee_sees_their_subsidised_trainings_left_by_the_policy_limit(
    tw: TrainingWorld, make_certificate, policy_sets
) -> None:
    from gongjiang.portal.selectors import own_claims, subsidised_allowance

    person = tw.persons[0]
    before = subsidised_allowance(person, on=datetime.date(2025, 6, 1))
    assert (before.limit, before.used, before.left) == (3, 0, 3)  # max_subsidised_trainings (JS-2025-32 要点1)
    assert "JS-2025-32" in before.clause
    _designated_class_claims(tw, make_certificate, datetime.date(2025, 6, 1))
    after = subsidised_allowance(person, on=datetime.date(2025, 6, 1))
    assert (after.used, after.left) == (1, 2)
    assert [c.person_id for c in own_claims(person)] == [person.pk]
