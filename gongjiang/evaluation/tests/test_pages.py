"""The evaluation pages as each role uses them (Django's test client); the browser test walks the same
path in Chromium."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongjiang.core import pii
from gongjiang.credentials import vc
from gongjiang.credentials.models import Certificate
from gongjiang.evaluation.models import FilingStatus, Institution, Plan, PlanStatus
from gongjiang.evaluation.tests.conftest import OCCUPATION, publicised_plan


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_an_enterprise_files_on_the_page_and_the_officer_approves(client, make_user, make_org, make_person) -> None:  # type: ignore[no-untyped-def]
    org = make_org(region="320582", name="张家港精工机械")
    user = make_user("ent", role="organisation", organisation=org)
    officer = make_user("zjg", role="officer", region_code="320582")
    client.force_login(user)
    assert client.get("/evaluation/").status_code == 200
    response = client.post(
        "/evaluation/institutions/new/",
        {
            "kind": "enterprise",
            "sites": "一号车间考场",
            "contact": "王工",
            "occupation": OCCUPATION,
            "more_occupations": "6-18-02-04，6-31-07-01",
            "levels": ["level3", "level4"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    inst = Institution.objects.get(organisation=org)
    assert inst.scope_items.count() == 6
    examiner, supervisor = make_person(name="王考评"), make_person(name="李督导")
    for person, role in ((examiner, "examiner"), (supervisor, "supervisor")):
        response = client.post(
            f"/evaluation/institutions/{inst.pk}/examiner/",
            {
                "id_number": pii.decrypt(person.id_number_enc),
                "name": person.name,
                "role": role,
                "qualification": "KP001",
                "valid_until": "2030-01-01",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
    page = client.get(f"/evaluation/institutions/{inst.pk}/").content.decode()
    assert "step-lodge" in page and "step-approve" not in page
    assert client.post(f"/evaluation/institutions/{inst.pk}/lodge/").status_code == 302
    client.force_login(officer)
    page = client.get(f"/evaluation/institutions/{inst.pk}/").content.decode()
    assert "step-approve" in page
    response = client.post(
        f"/evaluation/institutions/{inst.pk}/approve/", {"valid_from": datetime.date.today().isoformat()}
    )
    assert response.status_code == 302
    inst.refresh_from_db()
    assert inst.status == FilingStatus.APPROVED and inst.station_code
    # The public directory lists it, without signing in.
    client.logout()
    assert "张家港精工机械" in client.get("/evaluation/directory/").content.decode()
    assert "备案通过" in client.get(f"/evaluation/directory/{inst.pk}/").content.decode()


def test_plan_results_publicity_issue_and_the_credential_on_the_verify_page(client, filed) -> None:  # type: ignore[no-untyped-def]
    client.force_login(filed.user)
    exam = (datetime.date.today() - datetime.timedelta(days=3)).isoformat()
    response = client.post(
        "/evaluation/plans/new/",
        {
            "institution": filed.institution.pk,
            "occupation": OCCUPATION,
            "level": "level3",
            "source": "self_evaluation",
            "exam_date": exam,
            "site": "一号车间",
            "examiners": [filed.examiner.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    plan = Plan.objects.get()
    template = client.get("/evaluation/plans/results-template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    lines = ["身份证号码,姓名,理论成绩,实操成绩"]
    for person, (t, p) in zip(filed.people, [("85", "90"), ("72", "61"), ("50", "80")], strict=False):
        lines.append(f"{pii.decrypt(person.id_number_enc)},{person.name},{t},{p}")
    upload = SimpleUploadedFile("成绩.csv", "\n".join(lines).encode("utf-8"), content_type="text/csv")
    response = client.post(f"/evaluation/plans/{plan.pk}/results/", {"file": upload})
    assert response.status_code == 302, response.content.decode()[:3000]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RESULTS and plan.candidates.filter(passed=True).count() == 2
    assert client.post(f"/evaluation/plans/{plan.pk}/publicise/").status_code == 302
    client.logout()
    listing = client.get("/evaluation/publicity/").content.decode()
    assert plan.code in listing
    names = client.get(f"/evaluation/publicity/{plan.code}/").content.decode()
    assert "陈*" in names and filed.people[0].name not in names  # masked
    Plan.objects.filter(pk=plan.pk).update(publicity_until=datetime.date.today() - datetime.timedelta(days=1))
    client.force_login(filed.officer)
    response = client.post(f"/evaluation/plans/{plan.pk}/issue/", {"review_note": "抽查无误"})
    assert response.status_code == 302
    plan.refresh_from_db()
    cert = Certificate.objects.get(person=filed.people[0])
    document = vc.credential_issue(cert, base_url="http://testserver")
    client.logout()
    upload = SimpleUploadedFile("credential.json", json.dumps(document).encode(), content_type="application/json")
    page = client.post("/verify/credential/", {"credential": upload}).content.decode()
    assert 'data-result="valid"' in page and "credential-batch" in page and plan.batch.code in page
    document["batchProof"]["leafIndex"] = (document["batchProof"]["leafIndex"] + 1) % 2
    # The changed proof is under the credential's own signature: the signature check refuses it first.
    upload = SimpleUploadedFile("credential.json", json.dumps(document).encode(), content_type="application/json")
    page = client.post("/verify/credential/", {"credential": upload}).content.decode()
    assert 'data-result="bad_signature"' in page


def test_a_suspended_institution_s_plan_is_refused_on_the_page(client, filed) -> None:  # type: ignore[no-untyped-def]
    plan = publicised_plan(filed)
    client.force_login(filed.officer)
    response = client.post(
        f"/evaluation/institutions/{filed.institution.pk}/suspend/", {"reason": "考场管理混乱", "clause": ""}
    )
    assert response.status_code == 302
    response = client.post(f"/evaluation/plans/{plan.pk}/issue/", {"review_note": "抽查无误"})
    page = response.content.decode()
    assert response.status_code == 200 and "考场管理混乱" in page
    assert not Certificate.objects.exists()


def test_officer_pages_render(client, filed) -> None:  # type: ignore[no-untyped-def]
    client.force_login(filed.officer)
    for url in (
        "/evaluation/",
        "/evaluation/institutions/",
        "/evaluation/plans/",
        "/evaluation/resources/",
        "/evaluation/resources/new/",
        "/evaluation/draws/",
        "/evaluation/draws/new/",
        "/evaluation/inspectors/",
        "/evaluation/inspectors/new/",
        f"/evaluation/institutions/{filed.institution.pk}/",
        f"/evaluation/institutions/{filed.institution.pk}/edit/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url


def test_a_draw_on_the_page_and_an_inspection_recorded(client, filed) -> None:  # type: ignore[no-untyped-def]
    client.force_login(filed.officer)
    for name in ("甲", "乙", "丙"):
        assert (
            client.post("/evaluation/inspectors/new/", {"name": f"检查员{name}", "region_code": "320582"}).status_code
            == 302
        )
    response = client.post(
        "/evaluation/draws/new/",
        {"region_code": "320582", "count": "1", "uniform_share": "0.30", "inspectors_each": "2", "seed": "42"},
    )
    assert response.status_code == 302, response.content.decode()[-4000:]
    from gongjiang.evaluation.models import Inspection

    inspection = Inspection.objects.get()
    assert inspection.inspectors.count() == 2 and inspection.draw.seed == 42
    response = client.post(
        f"/evaluation/inspections/{inspection.pk}/record/",
        {
            "done_on": datetime.date.today().isoformat(),
            "severity": "minor",
            "findings": "考场监控缺失",
            "publish": "on",
        },
    )
    assert response.status_code == 302
    client.logout()
    assert "考场监控缺失" in client.get(f"/evaluation/directory/{filed.institution.pk}/").content.decode()


def test_the_home_page_lists_what_waits_with_links_to_the_filtered_lists(client, filed, sign_in) -> None:  # type: ignore[no-untyped-def]
    publicised_plan(filed)  # its objection period has ended
    sign_in(client, filed.officer)
    page = client.get("/").content.decode()
    assert "公示期满待发证的评价计划" in page and "/evaluation/plans/?status=publicised" in page
    listing = client.get("/evaluation/plans/?status=publicised").content.decode()
    assert Plan.objects.get().code in listing
    sign_in(client, filed.user)
    page = client.get("/").content.decode()
    assert "公示期满待发证" not in page  # the enterprise does not issue


def test_only_those_acting_for_an_approved_institution_are_offered_a_plan(client, filed, make_user, make_org) -> None:  # type: ignore[no-untyped-def]
    college = make_org(region="320582", kind="technician_college", name="张家港市技师学院", industry="P")
    for user, offered in ((make_user("college", role="organisation", organisation=college), False), (filed.user, True)):
        client.force_login(user)
        listing = client.get("/evaluation/plans/")
        assert listing.status_code == 200 and listing.context["can_add"] is offered
        assert ('href="/evaluation/plans/new/"' in listing.content.decode()) is offered
        assert client.get("/evaluation/plans/new/").status_code == (200 if offered else 403)
