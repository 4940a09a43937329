"""The training API: the same workflow and the same refusals as the pages, with 4xx answers naming the
field, and masked personal data."""

from __future__ import annotations

import datetime
import io
from datetime import date
from typing import Any

from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gongjiang.core.models import ChangeRecord
from gongjiang.training.models import Claim, Enrolment, TrainingClass
from gongjiang.training.tests.conftest import OCCUPATION, ZJG, roster_csv

BASE = "/api/training"


def _api(user: Any) -> APIClient:
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def test_workflow_through_the_api(tw, make_certificate, policy_sets) -> None:
    officer, city, school = _api(tw.zjg), _api(tw.suzhou), _api(tw.inst_user)
    r = officer.post(
        f"{BASE}/needs/",
        {
            "region_code": ZJG,
            "year": 2025,
            "occupation_code": OCCUPATION,
            "level_code": "level3",
            "places": 10,
            "stages": ["city", "county"],
        },
        format="json",
    )
    assert r.status_code == 400 and "stages" in r.json()  # stages go upwards
    r = officer.post(
        f"{BASE}/needs/",
        {"region_code": ZJG, "year": 2025, "occupation_code": OCCUPATION, "level_code": "level3", "places": 10},
        format="json",
    )
    assert r.status_code == 201, r.content
    need = r.json()
    assert need["stages"] == ["county", "city"] and need["status"] == "draft"
    assert school.post(f"{BASE}/needs/{need['id']}/publish/").status_code == 404  # drafts are not public
    assert officer.post(f"{BASE}/needs/{need['id']}/publish/").json()["status"] == "published"
    assert need["id"] in [n["id"] for n in school.get(f"{BASE}/needs/").json()["results"]]

    body = {
        "need": need["id"],
        "start_date": "2025-03-03",
        "end_date": "2025-04-25",
        "class_hours": 100,
        "practical_hours": 50,
        "places": 10,
        "price_fen": 210000,
    }
    r = school.post(f"{BASE}/applications/", body, format="json")
    assert r.status_code == 400 and "practical_hours" in r.json()
    assert officer.post(f"{BASE}/applications/", {**body, "practical_hours": 60}, format="json").status_code == 403
    r = school.post(f"{BASE}/applications/", {**body, "practical_hours": 60}, format="json")
    assert r.status_code == 201, r.content
    app_id = r.json()["id"]
    assert city.post(f"{BASE}/applications/{app_id}/decide/", {"decision": "approve"}, format="json").status_code == 403
    r = officer.post(f"{BASE}/applications/{app_id}/decide/", {"decision": "approve", "comment": "ok"}, format="json")
    assert r.json()["stage"] == 1 and r.json()["current_stage_level"] == "city"
    r = city.post(f"{BASE}/applications/{app_id}/decide/", {"decision": "approve"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert [d["reviewer"] for d in r.json()["decisions"]] == ["t_zjg", "t_suzhou"]
    class_id = r.json()["training_class"]

    upload = io.BytesIO(roster_csv(tw.persons[:2]))
    upload.name = "roster.csv"
    r = school.post(f"{BASE}/classes/{class_id}/roster/", {"file": upload}, format="multipart")
    assert r.status_code == 201 and r.json() == {"rows": 2}
    roster = school.get(f"{BASE}/classes/{class_id}/roster/").json()["results"]
    assert roster[0]["bank_account_masked"] == "6222 **** 0001" and "*" in roster[0]["name_masked"]
    assert tw.persons[0].id_number not in str(roster)
    assert school.post(f"{BASE}/classes/{class_id}/end/").json()["status"] == "ended"
    for p in tw.persons[:2]:
        make_certificate(
            p, level="level3", national_level=3, issue_date=datetime.date(2025, 5, 6), occupation=OCCUPATION
        )
    assert school.post(f"{BASE}/classes/{class_id}/match/").status_code == 403
    assert officer.post(f"{BASE}/classes/{class_id}/match/").json() == {"passed": 2, "not_passed": 0}
    assert officer.post(f"{BASE}/classes/{class_id}/compute-claims/").json() == {"claims": 2}
    claims = school.get(f"{BASE}/claims/").json()["results"]
    assert len(claims) == 2 and all(c["trace"] and c["clauses"] and c["amount_fen"] == 210000 for c in claims)
    assert all(c["findings"] == [] for c in claims)
    assert officer.post(f"{BASE}/classes/{class_id}/approve-claims/").json() == {"approved": 2, "conflicts": []}

    r = officer.post(f"{BASE}/batches/", {"region_code": ZJG, "purpose": "项目制培训补贴"}, format="json")
    assert r.status_code == 201
    batch = r.json()
    assert batch["total_fen"] == 420000 and sorted(batch["claims"]) == sorted(c["id"] for c in claims)
    assert officer.post(f"{BASE}/batches/{batch['id']}/approve/").status_code == 403  # four eyes
    assert school.get(f"{BASE}/batches/").status_code == 403
    assert city.post(f"{BASE}/batches/{batch['id']}/approve/").json()["status"] == "approved"
    r = city.post(f"{BASE}/batches/{batch['id']}/export/", {"reason": "代发"}, format="json")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    assert [row[2] for row in wb.active.iter_rows(min_row=2, values_only=True)] == [
        "6222021500000000001",
        "6222021500000000002",
    ]
    assert city.post(f"{BASE}/batches/{batch['id']}/paid/").status_code == 400  # no voucher: refused
    paid = city.post(f"{BASE}/batches/{batch['id']}/paid/", {"voucher": "ICBC-0042", "paid_on": str(date.today())})
    assert paid.json()["status"] == "paid" and paid.json()["bank_voucher"] == "ICBC-0042"
    r = officer.post(
        f"{BASE}/samples/", {"region_code": ZJG, "size": 1, "batch": batch["id"], "seed": 11}, format="json"
    )
    assert r.status_code == 201 and r.json()["seed"] == 11 and len(r.json()["items"]) == 1
    item = r.json()["items"][0]["id"]
    r = officer.post(f"{BASE}/samples/{r.json()['id']}/record/", {"item": item, "result": "confirmed"}, format="json")
    assert r.json()["items"][0]["result"] == "confirmed"
    assert officer.post(f"{BASE}/findings/run/").json()["findings"] == 0
    assert school.post(f"{BASE}/findings/run/").status_code == 403


def test_api_refusals_change_nothing(tw, open_class, make_user) -> None:
    officer, school, huqiu = _api(tw.zjg), _api(tw.inst_user), _api(tw.huqiu)
    auditor = _api(make_user("t_auditor", role="auditor", region_code="320500"))
    before = ChangeRecord.objects.count()
    upload = io.BytesIO(b"id_number,name,bank_account\n320582199001011234,x,1\n")
    upload.name = "r.csv"
    r = school.post(f"{BASE}/classes/{open_class.pk}/roster/", {"file": upload}, format="multipart")
    assert r.status_code == 400 and any("2" in m and "身份证号码" in m for m in r.json()["file"])
    assert huqiu.get(f"{BASE}/classes/{open_class.pk}/").status_code == 404
    assert auditor.get(f"{BASE}/classes/{open_class.pk}/").status_code == 200
    assert auditor.post(f"{BASE}/classes/{open_class.pk}/end/").status_code == 403
    assert officer.post(f"{BASE}/batches/", {"region_code": "320412", "purpose": "x"}, format="json").status_code == 403
    r = officer.post(f"{BASE}/batches/", {"region_code": ZJG, "purpose": "x"}, format="json")
    assert r.status_code == 400 and "claims" in r.json()
    assert APIClient().get(f"{BASE}/claims/").status_code in (401, 403)
    assert ChangeRecord.objects.count() == before
    assert not Enrolment.objects.exists() and TrainingClass.objects.get().status == "open"
    assert not Claim.objects.exists()
