"""The evaluation API: lists in scope; results uploaded, publicised and issued through the services."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gongjiang.core.tests.audit_guard import unaudited
from gongjiang.evaluation.models import Plan
from gongjiang.evaluation.services import plans
from gongjiang.evaluation.tests.conftest import OCCUPATION


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def test_lists_follow_scope_and_the_plan_path_works(filed, make_user) -> None:  # type: ignore[no-untyped-def]
    changzhou = make_user(role="officer", region_code="320400")
    assert _api(changzhou).get("/api/evaluation/institutions/").json()["count"] == 0
    body = _api(filed.officer).get("/api/evaluation/institutions/").json()
    assert body["count"] == 1 and body["results"][0]["station_code"] == filed.institution.station_code
    assert {(s["occupation"], s["level"]) for s in body["results"][0]["scope"]} == {
        (OCCUPATION, "level3"),
        (OCCUPATION, "level4"),
    }
    plan = plans.plan_file(
        actor=filed.user,
        institution=filed.institution,
        occupation_code=OCCUPATION,
        level_code="level3",
        source="self_evaluation",
        exam_date=datetime.date.today() - datetime.timedelta(days=2),
        site="车间",
        examiners=[filed.examiner],
    )
    enterprise = _api(filed.user)
    bad = "身份证号码,姓名,理论成绩,实操成绩\n320582199001011234,某人,80,80\n"
    response = enterprise.post(
        f"/api/evaluation/plans/{plan.pk}/results/",
        {"file": SimpleUploadedFile("r.csv", bad.encode(), content_type="text/csv")},
        format="multipart",
    )
    assert response.status_code == 400 and "file" in response.json()
    rows = ["身份证号码,姓名,理论成绩,实操成绩"] + [f"{p.id_number},{p.name},88,77" for p in filed.people[:2]]
    response = enterprise.post(
        f"/api/evaluation/plans/{plan.pk}/results/",
        {"file": SimpleUploadedFile("r.csv", "\n".join(rows).encode(), content_type="text/csv")},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "results"
    assert enterprise.post(f"/api/evaluation/plans/{plan.pk}/publicise/").json()["status"] == "publicised"
    # The enterprise cannot issue its own batch.
    assert enterprise.post(f"/api/evaluation/plans/{plan.pk}/issue/", {"review_note": "x"}).status_code == 403
    with unaudited():
        Plan.objects.filter(pk=plan.pk).update(publicity_until=datetime.date.today() - datetime.timedelta(days=1))
    response = _api(filed.officer).post(f"/api/evaluation/plans/{plan.pk}/issue/", {"review_note": "抽查无误"})
    assert response.status_code == 200 and response.json()["batch"].startswith("PC")
    certificates = _api(filed.officer).get(f"/api/evaluation/plans/{plan.pk}/candidates/").json()
    assert all(c["certificate"] for c in certificates)
