"""The pages and the API: reading documents and sets, evaluating uploads and samples, the diff page,
and clear 4xx answers for bad events."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

GOOD = (
    b"event_id,event_type,event_date,region_code,person_id,occupation_code,level,tier,shortage\n"
    b"a1,training_certificate,2025-03-01,320505,1,6-31-07-02,level2,A,1\n"
)


@pytest.fixture
def client(client):  # type: ignore[no-untyped-def]
    """Pages in English (the assertions read English messages)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def officer(make_user, settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return make_user("policy_officer", role="officer", region_code="320500")


@pytest.fixture
def api(officer) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    token, _ = Token.objects.get_or_create(user=officer)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_pages_show_sets_documents_clauses_and_tables(client, officer, load_sets) -> None:  # type: ignore[no-untyped-def]
    load_sets("zhangjiagang")
    client.force_login(officer)
    html = client.get("/policy/", headers={"accept-language": "en"}).content.decode()
    assert (
        'href="/policy/sets/zhangjiagang/"' in html
        and "常政办发〔2025〕14号" in html
        and "苏人社函〔2025〕32号" in html
    )
    # The pages name rules, parameters and tables as people do (here in English), not by their codes.
    assert "Zhangjiagang skilled-talent subsidies and awards" in html
    doc = client.get("/policy/documents/ZJG-opinion/", headers={"accept-language": "en"}).content.decode()
    assert "二(八)" in doc and "Matching funds for order classes: cap per person" in doc
    page = client.get("/policy/sets/zhangjiagang/", headers={"accept-language": "en"}).content.decode()
    assert "Reward for partner units" in page and "Gusu housing subsidy: cap per person" in page
    assert "partner_unit_reward" not in page and "gusu_housing" not in page
    with translation.override("zh-hans"):
        page = client.get("/policy/sets/zhangjiagang/", headers={"accept-language": "zh-hans"}).content.decode()
    assert "合作单位输送奖励" in page and "姑苏高技能人才安家补贴：每人上限" in page and "四舍五入到分" in page
    assert page.count('class="table table-sm table-bordered mb-0 decision-table"') == 10
    assert client.get("/policy/documents/NOPE/").status_code == 404


def test_pages_need_a_login(client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/policy/", "/policy/evaluate/", "/policy/diff/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_evaluate_a_sample_and_an_upload_on_the_page(client, officer, load_sets) -> None:  # type: ignore[no-untyped-def]
    load_sets("zhangjiagang", "suzhou")
    client.force_login(officer)
    response = client.post("/policy/evaluate/", {"policy_set": "zhangjiagang", "sample_size": 60})
    assert response.status_code == 200
    assert response.context["summary"]["events"] == 60
    assert len(response.context["results"]) == 60
    assert all(r["trace_text"] for r in response.context["results"])
    upload = SimpleUploadedFile("events.csv", GOOD, content_type="text/csv")
    response = client.post("/policy/evaluate/", {"policy_set": "suzhou", "events": upload})
    (row,) = response.context["results"]
    assert row["amount_yuan"] == "4550.00"
    assert "数字紧缺 (苏州数字技能十条 一) = 4550元" in response.content.decode()
    upload = SimpleUploadedFile("events.csv", GOOD, content_type="text/csv")
    download = client.post("/policy/evaluate/", {"policy_set": "suzhou", "events": upload, "download": "1"})
    assert download["Content-Type"].startswith("text/csv")
    assert b"4550.00" in download.content


def test_bad_upload_lists_row_and_column(client, officer, load_sets) -> None:  # type: ignore[no-untyped-def]
    load_sets("suzhou")
    client.force_login(officer)
    bad = GOOD + b"a2,training_certificate,2025-03-01,320505,1,6-31-07-02,level9,A,1\n"
    response = client.post("/policy/evaluate/", {"policy_set": "suzhou", "events": SimpleUploadedFile("e.csv", bad)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "row 2, column level" in html and "&#x27;level9&#x27; is not a skill level" in html
    assert "results" not in response.context


def test_diff_page_with_a_sample(client, officer, load_sets) -> None:  # type: ignore[no-untyped-def]
    load_sets("changzhou")
    client.force_login(officer)
    response = client.post(
        "/policy/diff/", {"policy_set": "changzhou", "from_version": 1, "to_version": 1, "sample_size": 80}
    )
    report = response.context["report"]
    assert report.events == 80 and report.changed == 0
    response = client.post(
        "/policy/diff/", {"policy_set": "changzhou", "from_version": 1, "to_version": 5, "sample_size": 10}
    )
    assert response.context["form"].errors["to_version"] == [
        "This policy set has only one version so far; draft a new version on the drafts' pages to see what it would "
        "change."
    ]


def test_api_reads_documents_sets_and_parameters(api, load_sets) -> None:  # type: ignore[no-untyped-def]
    load_sets("suzhou")
    docs = api.get("/api/policy/documents/").json()
    codes = [d["code"] for d in docs["results"]]
    assert "SZ-digital-10" in codes
    one = api.get("/api/policy/documents/JS-2025-32/").json()
    assert one["clauses"][0] == {
        "path": "要点1",
        "summary": "每人享受补贴性职业技能培训最多3次。",
        "citation": "苏人社函〔2025〕32号 要点1",
        "key": "JS-2025-32 要点1",
    }
    sets = api.get("/api/policy/sets/").json()["results"]
    assert sets[0]["name"] == "suzhou" and sets[0]["current_version"] == 1
    params = api.get("/api/policy/sets/suzhou/parameters/", {"name": "gusu_housing.cap_per_person"}).json()
    assert params == [
        {
            "name": "gusu_housing.cap_per_person",
            "value": "1000000.0000",
            "unit": "yuan",
            "region_code": "320500",
            "effective_from": "2023-01-01",
            "effective_to": None,
            "recorded_at": "2026-11-20",
            "clause": "苏州高技能人才报告 四(一)",
            "origin": "suzhou",
            "note": "起始日期为推定（报告未注明日期）；上限按每人累计发放金额计算。",
            "note_en": "Date assumed (the report is undated); the cap is per person over all payments.",
        }
    ]
    assert len(api.get("/api/policy/sets/suzhou/tables/").json()) == 6
    assert api.get("/api/policy/sets/suzhou/parameters/", {"version": "x"}).status_code == 400
    assert api.post("/api/policy/documents/", {}, format="json").status_code == 403


def test_api_evaluates_json_and_csv_and_explains_errors(api, load_sets) -> None:  # type: ignore[no-untyped-def]
    load_sets("zhangjiagang")
    event = {
        "event_id": "o1",
        "event_type": "outstanding_talent",
        "event_date": "2025-05-01",
        "region_code": "320582",
        "person_id": 31,
        "level": "level2",
    }
    body = api.post("/api/policy/evaluate/", {"policy_set": "zhangjiagang", "events": [event]}, format="json").json()
    (row,) = body["results"]
    assert (row["amount_fen"], row["instalments"], row["instalment_fen"], row["person_id"]) == (900000, 3, 300000, 31)
    assert row["clauses"] == ["张家港技能人才意见 五(十四)"]
    assert (
        row["trace_text"]
        == "优秀高技能人才 3000元/年 (张家港技能人才意见 五(十四)) × 3年 (张家港技能人才意见 五(十四)) = 9000元"
    )
    history = [{**event, "event_id": "h1", "event_date": "2024-05-01", "amount_fen": 900000}]
    again = api.post(
        "/api/policy/evaluate/", {"policy_set": "zhangjiagang", "events": [event], "history": history}, format="json"
    ).json()
    assert again["results"][0]["reason"] == "max_per_person"
    csv = SimpleUploadedFile("events.csv", GOOD.replace(b"320505", b"320582"), content_type="text/csv")
    body = api.post("/api/policy/evaluate/", {"policy_set": "zhangjiagang", "file": csv}, format="multipart").json()
    assert body["results"][0]["amount_fen"] == 455000
    bad = api.post(
        "/api/policy/evaluate/", {"policy_set": "zhangjiagang", "events": [{**event, "level": "guru"}]}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "errors": [
            {
                "row": 1,
                "column": "level",
                "message": "'guru' is not a skill level "
                "(apprentice, level5, level4, level3, level2, level1, special, chief)",
            }
        ]
    }
    assert (
        api.post("/api/policy/evaluate/", {"policy_set": "wuxi", "events": [event]}, format="json").status_code == 400
    )
    assert api.post("/api/policy/evaluate/", {"policy_set": "zhangjiagang"}, format="json").status_code == 400
    assert APIClient().post(
        "/api/policy/evaluate/", {"policy_set": "zhangjiagang", "events": [event]}, format="json"
    ).status_code in (401, 403)


def test_api_diff(api, load_sets) -> None:  # type: ignore[no-untyped-def]
    load_sets("jiangsu")
    event = {
        "event_id": "a",
        "event_type": "project_training",
        "event_date": "2025-05-01",
        "region_code": "320102",
        "person_id": 1,
        "occupation_code": "6-31-07-02",
        "level": "level4",
        "project_price_fen": 80000,
    }
    body = api.post(
        "/api/policy/diff/",
        {"policy_set": "jiangsu", "from_version": 1, "to_version": 1, "events": [event]},
        format="json",
    ).json()
    assert (body["events"], body["changed"], body["by_clause"], body["rows"]) == (1, 0, [], [])
