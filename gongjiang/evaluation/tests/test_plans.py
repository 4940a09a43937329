"""From filing to issued certificates: the filed scope decides what may be issued; numbers are national;
each certificate's credential proves its place in the signed batch."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from gongjiang.credentials import vc
from gongjiang.credentials.models import Certificate
from gongjiang.evaluation.models import Candidate, FilingStatus, PlanStatus
from gongjiang.evaluation.services import institutions, plans
from gongjiang.evaluation.tests.conftest import OCCUPATION, publicised_plan, results_frame

JIANGSU = re.compile(r"^[YS]\d{4}32\d{6}\d{2}[1-5]\d{6}$")


def test_filing_gives_a_station_code_and_marks_the_enterprise(filed) -> None:  # type: ignore[no-untyped-def]
    inst = filed.institution
    assert inst.status == FilingStatus.APPROVED
    assert re.fullmatch(r"\d{6}", inst.station_code)
    assert inst.valid_until == inst.valid_from.replace(year=inst.valid_from.year + 3)
    filed.organisation.refresh_from_db()
    assert filed.organisation.self_evaluation
    assert [d.kind for d in inst.decisions.all()] == ["approve"]


def test_the_organisation_cannot_approve_itself(filed, make_org, make_user) -> None:  # type: ignore[no-untyped-def]
    org = make_org(region="320582", kind="enterprise")
    user = make_user(role="organisation", organisation=org)
    inst = institutions.institution_file(
        actor=user, organisation=org, kind="enterprise", sites="车间", occupations=[OCCUPATION], levels=["level4"]
    )
    with pytest.raises(PermissionDenied):
        institutions.institution_approve(actor=user, institution=inst, valid_from=datetime.date.today())


def test_a_plan_outside_the_filed_scope_is_refused(filed) -> None:  # type: ignore[no-untyped-def]
    for occupation, level in (("6-18-02-04", "level3"), (OCCUPATION, "level2")):
        with pytest.raises(ValidationError) as exc:
            plans.plan_file(
                actor=filed.user,
                institution=filed.institution,
                occupation_code=occupation,
                level_code=level,
                source="self_evaluation",
                exam_date=datetime.date.today(),
                site="一号车间",
                examiners=[filed.examiner],
            )
        assert "备案范围" in str(exc.value) or "filed scope" in str(exc.value)


def test_an_enterprise_runs_no_third_party_evaluation(filed) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as exc:
        plans.plan_file(
            actor=filed.user,
            institution=filed.institution,
            occupation_code=OCCUPATION,
            level_code="level3",
            source="third_party",
            exam_date=datetime.date.today(),
            site="一号车间",
            examiners=[filed.examiner],
        )
    assert "source" in exc.value.message_dict


def test_results_with_errors_name_row_and_column_and_write_nothing(filed) -> None:  # type: ignore[no-untyped-def]
    plan = plans.plan_file(
        actor=filed.user,
        institution=filed.institution,
        occupation_code=OCCUPATION,
        level_code="level3",
        source="self_evaluation",
        exam_date=datetime.date.today() - datetime.timedelta(days=1),
        site="一号车间",
        examiners=[filed.examiner],
    )
    frame = results_frame(filed.people[:3], [("85", "90"), ("101", "60"), ("70", "6x")])
    frame = frame.with_columns(frame["name"].scatter(0, "别人"))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        plans.results_upload(actor=filed.user, plan=plan, frame=frame)
    text = " ".join(exc.value.message_dict["file"])
    # each column named by its header, as the results template names it
    assert "第2行姓名列" in text and "第3行理论成绩列" in text and "第4行实操成绩列" in text
    assert "name" not in text and "theory" not in text and "practical" not in text
    assert not Candidate.objects.filter(plan=plan).exists()


def test_the_whole_path_issues_numbered_certificates_with_batch_proofs(filed) -> None:  # type: ignore[no-untyped-def]
    plan = publicised_plan(filed)
    assert plan.candidates.filter(passed=True).count() == 4  # 59.5 theory fails
    assert plan.candidates.filter(sampled=True).count() == 3
    plan = plans.plan_issue(actor=filed.officer, plan=plan, review_note="抽查3人档案，与现场记录一致")
    assert plan.status == PlanStatus.ISSUED
    certs = list(Certificate.objects.filter(batch=plan.batch).select_related("person", "occupation", "level", "issuer"))
    assert len(certs) == 4 and plan.batch.size == 4
    station = filed.institution.station_code
    for cert in certs:
        assert JIANGSU.match(cert.number), cert.number
        assert cert.number.startswith(f"Y0000{32}{station}{datetime.date.today():%y}3")
        assert cert.source == "self_evaluation" and cert.issuer == filed.organisation
        document = vc.credential_issue(cert, base_url="https://gj.example")
        assert vc.proof_verify(document).valid
        check = vc.batch_proof_check(document)
        assert check is not None and check.valid, check
        # A credential for another certificate of the batch cannot borrow this proof.
        forged = {**document, "credentialSubject": {**document["credentialSubject"], "licenseNumber": "Y" + "0" * 21}}
        bad = vc.batch_proof_check(forged)
        assert bad is not None and not bad.valid
    assert set(Candidate.objects.filter(plan=plan, passed=True).values_list("certificate__number", flat=True)) == {
        c.number for c in certs
    }


def test_issuing_before_the_publicity_ends_is_refused(filed) -> None:  # type: ignore[no-untyped-def]
    plan = plans.plan_file(
        actor=filed.user,
        institution=filed.institution,
        occupation_code=OCCUPATION,
        level_code="level3",
        source="self_evaluation",
        exam_date=datetime.date.today() - datetime.timedelta(days=1),
        site="一号车间",
        examiners=[filed.examiner],
    )
    plans.results_upload(actor=filed.user, plan=plan, frame=results_frame(filed.people[:2], [("80", "80")] * 2))
    plan = plans.plan_publicise(actor=filed.user, plan=plan)
    with pytest.raises(ValidationError):
        plans.plan_issue(actor=filed.officer, plan=plan, review_note="抽查无误")


def test_a_suspended_institution_s_batch_is_refused_with_the_reason(filed) -> None:  # type: ignore[no-untyped-def]
    plan = publicised_plan(filed)
    institutions.institution_suspend(
        actor=filed.officer, institution=filed.institution, reason="质量督导发现考场管理混乱"
    )
    with pytest.raises(ValidationError) as exc:
        plans.plan_issue(actor=filed.officer, plan=plan, review_note="抽查无误")
    assert "考场管理混乱" in str(exc.value)
    assert not Certificate.objects.filter(issuer=filed.organisation).exists()
    institutions.institution_reinstate(actor=filed.officer, institution=filed.institution, reason="整改到位")
    plans.plan_issue(actor=filed.officer, plan=plan, review_note="抽查无误")
    assert Certificate.objects.filter(issuer=filed.organisation).count() == 4


def test_an_upheld_objection_takes_the_candidate_off_the_list(filed) -> None:  # type: ignore[no-untyped-def]
    plan = publicised_plan(filed)
    candidate = plan.candidates.filter(passed=True).first()
    plans.objection_record(actor=filed.officer, candidate=candidate, objection="实名举报：代考", upheld=True)
    plan = plans.plan_issue(actor=filed.officer, plan=plan, review_note="抽查无误")
    assert Certificate.objects.filter(batch=plan.batch).count() == 3
    assert not Certificate.objects.filter(person=candidate.person).exists()


def test_the_signed_revocation_list_names_a_revoked_batch_certificate(filed, client) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.credentials.services import certificate_revoke

    plan = plans.plan_issue(actor=filed.officer, plan=publicised_plan(filed), review_note="抽查无误")
    cert = Certificate.objects.filter(batch=plan.batch).order_by("number").last()
    certificate_revoke(actor=filed.officer, certificate=cert, revoked_on=datetime.date.today(), reason="代考")
    document = client.get("/verify/revocations/").json()
    assert vc.signature_verify(document).valid
    revoked = document["credentialSubject"]["revoked"]
    assert revoked == [
        {
            "number": cert.number,
            "batch": plan.batch.code,
            "leafIndex": cert.batch_index,
            "revokedOn": datetime.date.today().isoformat(),
        }
    ]
    document["credentialSubject"]["revoked"] = []
    assert not vc.signature_verify(document).valid


def test_a_quota_limits_the_certificates_of_a_year(filed) -> None:  # type: ignore[no-untyped-def]
    plan = publicised_plan(filed)  # four candidates passed
    institutions.institution_quota_set(
        actor=filed.officer, institution=filed.institution, quota=3, reason="年度评估不合格，压减发证数量"
    )
    with pytest.raises(ValidationError) as exc:
        plans.plan_issue(actor=filed.officer, plan=plan, review_note="抽查无误")
    assert "3" in str(exc.value) and "4" in str(exc.value)
    institutions.institution_quota_set(actor=filed.officer, institution=filed.institution, quota=4, reason="整改到位")
    plans.plan_issue(actor=filed.officer, plan=plan, review_note="抽查无误")
    assert [d.kind for d in filed.institution.decisions.order_by("pk")] == ["approve", "quota", "quota"]
    with pytest.raises(PermissionDenied):
        institutions.institution_quota_set(actor=filed.user, institution=filed.institution, quota=None, reason="x")
