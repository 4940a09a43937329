"""The REST API: writes through services with clear 4xx answers, masked personal data, the blind-index
search, logged reveals, certificates, and the OpenAPI schema and its locally served docs."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gongjiang.core.models import ChangeRecord, PiiAccess
from gongjiang.core.validators import id_check_digit
from gongjiang.credentials.models import Certificate
from gongjiang.registry.models import EmploymentStat, Organisation, Person
from gongjiang.synth.ids import make_certificate_number, make_id_number, make_uscc

ZJG, WUJIN = "320582", "320412"
ID_NUMBER = make_id_number(ZJG, datetime.date(1988, 2, 29), 135)
PHONE = "13771234567"


def _with_check(first17: str) -> str:
    return first17 + id_check_digit(first17)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _api(user: Any) -> APIClient:
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


@pytest.fixture
def officer(make_user, reference):  # type: ignore[no-untyped-def]
    return make_user("api_suzhou", role="officer", region_code="320500")


@pytest.fixture
def auditor(make_user, reference):  # type: ignore[no-untyped-def]
    return make_user("api_auditor", role="auditor", region_code="320500")


def _counts() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Organisation.objects.count(),
        Certificate.objects.count(),
        ChangeRecord.objects.count(),
    )


# ---------------------------------------------------------------------------------------------
# Persons
# ---------------------------------------------------------------------------------------------


def _person_payload(**overrides: Any) -> dict[str, Any]:
    return {"name": "朱雨辰", "id_number": ID_NUMBER, "residence_region_code": ZJG, "phone": PHONE, **overrides}


def test_create_person(officer) -> None:  # type: ignore[no-untyped-def]
    response = _api(officer).post("/api/persons/", _person_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert "id_number" not in body and "phone" not in body
    assert body["id_number_masked"] == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    assert body["phone_masked"] == "137****4567"
    assert ID_NUMBER not in response.content.decode()
    assert PHONE not in response.content.decode()
    # Derived from the number: 1988-02-29, odd sequence digit → male, born in 张家港.
    assert (body["birth_date"], body["sex"], body["birth_region_code"]) == ("1988-02-29", "M", ZJG)
    assert body["household_region_code"] == ZJG
    person = Person.objects.get(pk=body["id"])
    assert person.id_number == ID_NUMBER
    assert ID_NUMBER not in person.id_number_enc
    # Reading it back shows the same masked form only.
    detail = _api(officer).get(f"/api/persons/{person.pk}/")
    assert detail.status_code == 200
    assert "id_number" not in detail.json()
    assert ID_NUMBER not in detail.content.decode()


@pytest.mark.parametrize(
    "bad",
    [
        ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1"),  # check digit
        ID_NUMBER[:16],  # length
        _with_check("32058219880230123"),  # 30 February, with a correct check digit
        _with_check("99058219880229123"),  # no such province, with a correct check digit
        "",
    ],
    ids=["checksum", "length", "impossible date", "area", "empty"],
)
def test_invalid_id_number_is_400_and_writes_nothing(officer, bad: str) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    response = _api(officer).post("/api/persons/", _person_payload(id_number=bad), format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert "id_number" in errors
    assert errors["id_number"] and all(isinstance(m, str) and m for m in errors["id_number"])
    assert _counts() == before


def test_duplicate_id_number_is_400(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    existing = make_person(region=ZJG)
    before = _counts()
    # The same number typed with a lower-case x or spaces is still the same person.
    typed = " ".join([existing.id_number[:6], existing.id_number[6:14], existing.id_number[14:].lower()])
    response = _api(officer).post("/api/persons/", _person_payload(id_number=typed), format="json")
    assert response.status_code == 400
    assert "id_number" in response.json()
    assert _counts() == before


def test_invalid_region_and_phone_are_400(officer) -> None:  # type: ignore[no-untyped-def]
    api = _api(officer)
    before = _counts()
    response = api.post("/api/persons/", _person_payload(residence_region_code="3205"), format="json")
    assert response.status_code == 400
    assert "residence_region_code" in response.json()
    # A malformed or unknown code is an input error (400), not a scope refusal (403).
    for code in ("abc", "329999"):
        response = api.post("/api/persons/", _person_payload(residence_region_code=code), format="json")
        assert response.status_code == 400, code
        assert "residence_region_code" in response.json()
    response = api.post("/api/persons/", _person_payload(phone="call me"), format="json")
    assert response.status_code == 400
    assert "phone" in response.json()
    assert _counts() == before


def test_create_person_outside_scope_is_403(officer) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    response = _api(officer).post("/api/persons/", _person_payload(residence_region_code=WUJIN), format="json")
    assert response.status_code == 403
    assert _counts() == before
    assert not Person.objects.filter(name="朱雨辰").exists()


def test_move_person_outside_scope_is_403(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG)
    response = _api(officer).patch(f"/api/persons/{person.pk}/", {"residence_region_code": WUJIN}, format="json")
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.residence_region_code == ZJG


def test_search_by_full_id_number(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    target = make_person(region=ZJG, name="目标")
    others = [make_person(region=ZJG, birth=target.birth_date) for _ in range(3)]
    api = _api(officer)
    response = api.post("/api/persons/search/", {"id_number": target.id_number}, format="json")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [target.pk]
    assert target.id_number not in response.content.decode()
    # The same number with a lower-case x or surrounding spaces; and a near miss finds nobody.
    response = api.post("/api/persons/search/", {"id_number": f"  {target.id_number.lower()} "}, format="json")
    assert [row["id"] for row in response.json()["results"]] == [target.pk]
    near = target.id_number[:-1] + ("0" if target.id_number[-1] != "0" else "1")
    assert api.post("/api/persons/search/", {"id_number": near}, format="json").json()["results"] == []
    assert len(api.get("/api/persons/").json()["results"]) == len(others) + 1


def test_reveal_for_officer_is_logged(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG, phone=PHONE)
    api = _api(officer)
    response = api.post(
        f"/api/persons/{person.pk}/reveal/", {"field": "id_number", "reason": "窗口核验"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"id": person.pk, "field": "id_number", "value": person.id_number}
    response = api.post(f"/api/persons/{person.pk}/reveal/", {"field": "phone"}, format="json")
    assert response.json()["value"] == PHONE
    accesses = list(PiiAccess.objects.order_by("pk"))
    assert [(a.user, a.object_id, a.field) for a in accesses] == [
        (officer, str(person.pk), "id_number"),
        (officer, str(person.pk), "phone"),
    ]
    assert accesses[0].reason == "窗口核验"
    assert accesses[1].request_id == response["X-Request-ID"]


def test_reveal_of_an_unknown_field_is_400(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG)
    response = _api(officer).post(f"/api/persons/{person.pk}/reveal/", {"field": "id_number_enc"}, format="json")
    assert response.status_code == 400
    assert "field" in response.json()
    assert not PiiAccess.objects.exists()


def test_reveal_refused_for_auditor(auditor, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG)
    response = _api(auditor).post(f"/api/persons/{person.pk}/reveal/", {"field": "id_number"}, format="json")
    assert response.status_code == 403
    assert person.id_number not in response.content.decode()
    assert not PiiAccess.objects.exists()


def test_reveal_refused_for_organisation_user(make_user, make_org, make_person) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.core.audit import audit_context
    from gongjiang.registry.services import employment_create

    org = make_org(region=ZJG)
    person = make_person(region=ZJG)
    with audit_context(source="cli"):
        employment_create(actor=None, person=person, organisation=org, start=datetime.date(2022, 1, 1))
    user = make_user(role="organisation", organisation=org)
    response = _api(user).post(f"/api/persons/{person.pk}/reveal/", {"field": "id_number"}, format="json")
    assert response.status_code == 403
    assert not PiiAccess.objects.exists()


def test_reveal_out_of_scope_is_404(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=WUJIN)
    response = _api(officer).post(f"/api/persons/{person.pk}/reveal/", {"field": "id_number"}, format="json")
    assert response.status_code == 404
    assert not PiiAccess.objects.exists()


# ---------------------------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------------------------


def _cert_payload(person: Person, **overrides: Any) -> dict[str, Any]:
    number = make_certificate_number(evaluator="S", station=903210, year=2024, national_level=3, serial=13579)
    return {
        "number": number,
        "person": person.pk,
        "occupation_code": "6-31-01-03",
        "level_code": "level3",
        "issue_date": "2024-04-18",
        "source": "third_party",
        **overrides,
    }


def test_create_certificate(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG, name="卢国栋")
    response = _api(officer).post("/api/certificates/", _cert_payload(person), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["level"], body["occupation"], body["status"], body["person"]) == (
        "level3",
        "6-31-01-03",
        "valid",
        person.pk,
    )
    assert body["holder_name_masked"] == "卢*栋"
    assert Certificate.objects.filter(number=body["number"]).count() == 1


def test_certificate_level_digit_disagreeing_is_400(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG)
    before = _counts()
    # The number encodes national level 3 (高级工); the certificate says level 2 (技师).
    response = _api(officer).post("/api/certificates/", _cert_payload(person, level_code="level2"), format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    field = {"level", "level_code"} & set(errors)
    assert field, errors
    assert "3" in " ".join(errors[field.pop()])
    assert _counts() == before


def test_certificate_bad_number_and_year_are_400(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG)
    api = _api(officer)
    before = _counts()
    response = api.post("/api/certificates/", _cert_payload(person, number="S123"), format="json")
    assert response.status_code == 400
    assert "number" in response.json()
    response = api.post("/api/certificates/", _cert_payload(person, issue_date="2023-04-18"), format="json")
    assert response.status_code == 400
    assert "issue_date" in response.json()
    assert _counts() == before


def test_certificate_for_person_out_of_scope_is_refused(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=WUJIN)
    before = _counts()
    response = _api(officer).post("/api/certificates/", _cert_payload(person), format="json")
    # A person outside the scope is, to this officer, a person that does not exist.
    assert response.status_code == 400
    assert "person" in response.json()
    assert _counts() == before


def test_duplicate_certificate_number_is_400(officer, make_person, make_certificate) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG)
    existing = make_certificate(person)
    before = _counts()
    payload = _cert_payload(person, number=existing.number, issue_date=existing.issue_date.isoformat())
    response = _api(officer).post("/api/certificates/", payload, format="json")
    assert response.status_code == 400
    assert "number" in response.json()
    assert _counts() == before


def test_revoke_certificate(officer, make_person, make_certificate) -> None:  # type: ignore[no-untyped-def]
    cert = make_certificate(make_person(region=ZJG))
    api = _api(officer)
    response = api.post(
        f"/api/certificates/{cert.pk}/revoke/", {"revoked_on": "2024-08-02", "reason": "材料造假"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["revoked_on"], body["revoke_reason"]) == ("revoked", "2024-08-02", "材料造假")
    cert.refresh_from_db()
    assert (cert.status, cert.revoked_on) == ("revoked", datetime.date(2024, 8, 2))
    # Revoking twice, or before the issue date, is a 400 that changes nothing.
    again = api.post(f"/api/certificates/{cert.pk}/revoke/", {"revoked_on": "2024-09-01", "reason": "x"}, format="json")
    assert again.status_code == 400
    assert "status" in again.json()
    cert.refresh_from_db()
    assert cert.revoked_on == datetime.date(2024, 8, 2)


def test_revoke_needs_date_and_reason(officer, make_person, make_certificate) -> None:  # type: ignore[no-untyped-def]
    cert = make_certificate(make_person(region=ZJG))
    api = _api(officer)
    response = api.post(f"/api/certificates/{cert.pk}/revoke/", {"reason": "x"}, format="json")
    assert response.status_code == 400
    assert "revoked_on" in response.json()
    response = api.post(
        f"/api/certificates/{cert.pk}/revoke/", {"revoked_on": "2020-01-01", "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "revoked_on" in response.json()
    future = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    response = api.post(f"/api/certificates/{cert.pk}/revoke/", {"revoked_on": future, "reason": "x"}, format="json")
    assert response.status_code == 400
    assert "revoked_on" in response.json()
    cert.refresh_from_db()
    assert cert.status == "valid"


# ---------------------------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------------------------


def test_create_organisation(officer) -> None:  # type: ignore[no-untyped-def]
    uscc = make_uscc(ZJG, 880001)
    response = _api(officer).post(
        "/api/organisations/",
        {"uscc": uscc.lower(), "name": "张家港智造", "kind": "enterprise", "region_code": ZJG, "industry_code": "C"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["uscc"] == uscc
    assert response.json()["industry"] == "C"


@pytest.mark.parametrize(
    "uscc",
    [
        make_uscc(ZJG, 880002)[:-1] + ("0" if make_uscc(ZJG, 880002)[-1] != "0" else "1"),
        "91320582MA1XXXXXXX",
        "91320582",
        "91320582MA1OOOOOOO",
    ],
    ids=["checksum", "bad letters", "length", "letter O"],
)
def test_organisation_bad_uscc_is_400(officer, uscc: str) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    response = _api(officer).post(
        "/api/organisations/", {"uscc": uscc, "name": "坏代码", "kind": "enterprise", "region_code": ZJG}, format="json"
    )
    assert response.status_code == 400, response.content
    messages = response.json()["uscc"]
    assert messages and all(isinstance(m, str) and len(m) > 5 for m in messages)
    assert _counts() == before


def test_organisation_outside_scope_is_403(officer) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    response = _api(officer).post(
        "/api/organisations/",
        {"uscc": make_uscc(WUJIN, 880003), "name": "武进", "kind": "enterprise", "region_code": WUJIN},
        format="json",
    )
    assert response.status_code == 403
    assert _counts() == before


def test_organisation_unknown_industry_is_400(officer) -> None:  # type: ignore[no-untyped-def]
    before = _counts()
    response = _api(officer).post(
        "/api/organisations/",
        {
            "uscc": make_uscc(ZJG, 880004),
            "name": "未知行业",
            "kind": "enterprise",
            "region_code": ZJG,
            "industry_code": "ZZ",
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"industry", "industry_code"} & set(response.json())
    assert _counts() == before


# ---------------------------------------------------------------------------------------------
# Employment statistics
# ---------------------------------------------------------------------------------------------


def test_employment_stat_create_and_update(officer) -> None:  # type: ignore[no-untyped-def]
    api = _api(officer)
    payload = {"region_code": ZJG, "year": 2023, "employed": 812000, "source": "统计年鉴"}
    response = api.post("/api/employment-stats/", payload, format="json")
    assert response.status_code == 201, response.content
    response = api.post("/api/employment-stats/", {**payload, "employed": 815000}, format="json")
    assert response.status_code == 201, response.content
    assert list(EmploymentStat.objects.values_list("region_code", "year", "employed")) == [(ZJG, 2023, 815000)]


@pytest.mark.parametrize("year", [0, 1800, 20000])
def test_employment_stat_impossible_year_is_400(officer, year: int) -> None:  # type: ignore[no-untyped-def]
    """Year 0 once crashed building a date (a 500); any year outside the statistics era is a 400."""
    before = _counts()
    response = _api(officer).post(
        "/api/employment-stats/", {"region_code": ZJG, "year": year, "employed": 5}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "year" in response.json()
    assert not EmploymentStat.objects.exists()
    assert _counts() == before


# ---------------------------------------------------------------------------------------------
# Schema and docs
# ---------------------------------------------------------------------------------------------


def test_schema_is_openapi_3(officer) -> None:  # type: ignore[no-untyped-def]
    response = _api(officer).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/persons/", "/api/persons/{id}/reveal/", "/api/certificates/{id}/revoke/", "/api/organisations/"):
        assert path in schema["paths"], path
    # The public verification endpoints are documented too, without authentication.
    for path in ("/api/verify/", "/api/verify/credential/"):
        operation = schema["paths"][path]["post"]
        assert operation["summary"] and not operation.get("security"), path
    # The person as read never carries the full ID number.
    person = schema["components"]["schemas"]["Person"]["properties"]
    assert "id_number_masked" in person and "id_number" not in person


def test_docs_use_only_local_assets(client, officer) -> None:  # type: ignore[no-untyped-def]
    client.force_login(officer)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    refs = re.findall(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["']""", html, flags=re.I)
    assert any(ref.endswith(".js") for ref in refs) and any(ref.endswith(".css") for ref in refs), refs
    for ref in refs:
        if ref.startswith(("http://", "https://", "//")):
            assert re.match(r"^(https?:)?//testserver(/|$)", ref), f"external asset {ref}"
    # No external URL anywhere a browser would fetch from (scripts, styles, the schema).
    for url in re.findall(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'<>]*""", html):
        raise AssertionError(f"external URL in the docs page: {url}")
    # And the local assets are actually served.
    for ref in refs:
        assert client.get(ref).status_code == 200, ref


def test_id_search_outside_scope_answers_as_nowhere_and_probes_are_logged_and_throttled(
    make_user, make_person, reference, caplog, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.LOOKUP_MISS_LIMIT = 5
    changzhou = make_user("api_changzhou", region_code="320400")
    suzhou_person = make_person(region=ZJG)
    api = _api(changzhou)
    nowhere = make_id_number(WUJIN, datetime.date(1991, 1, 1), 999)
    held = api.post("/api/persons/search/", {"id_number": suzhou_person.id_number}, format="json")
    unheld = api.post("/api/persons/search/", {"id_number": nowhere}, format="json")
    # The same answer for a number held in Suzhou as for one held nowhere: nothing says where.
    assert held.status_code == unheld.status_code == 200
    assert held.json() == unheld.json() == {"count": 0, "results": []}
    probes = [r.getMessage() for r in caplog.records if r.name == "gongjiang.security" and "probe" in r.getMessage()]
    assert len(probes) == 1 and str(changzhou.pk) in probes[0] and "320582" not in probes[0]
    for _ in range(3):
        api.post("/api/persons/search/", {"id_number": nowhere}, format="json")
    refused = api.post("/api/persons/search/", {"id_number": suzhou_person.id_number}, format="json")
    assert refused.status_code == 429
    assert "请稍候" in refused.json()["detail"] or "几分钟" in refused.json()["detail"]
    # Another officer is not held back by Changzhou's misses.
    suzhou = _api(make_user("api_suzhou2", region_code="320500"))
    found = suzhou.post("/api/persons/search/", {"id_number": suzhou_person.id_number}, format="json")
    assert [row["id"] for row in found.json()["results"]] == [suzhou_person.pk]


def test_an_auditor_may_search_by_id_number(auditor, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG)
    found = _api(auditor).post("/api/persons/search/", {"id_number": person.id_number}, format="json")
    assert found.status_code == 200 and found.json()["count"] == 1


def test_registering_a_number_held_elsewhere_says_not_where_and_counts_as_a_probe(
    make_user, make_person, reference, caplog, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.LOOKUP_MISS_LIMIT = 2
    held = make_person(region=ZJG)
    api = _api(make_user("api_changzhou3", region_code="320400"))
    payload = {"name": "试探", "id_number": held.id_number, "residence_region_code": WUJIN}
    first = api.post("/api/persons/", payload, format="json")
    assert first.status_code == 400
    assert first.json() == {"id_number": ["该身份证号码的人员已登记。"]}
    assert ZJG not in first.content.decode() and "张家港" not in first.content.decode()
    assert any("probe" in r.getMessage() for r in caplog.records if r.name == "gongjiang.security")
    api.post("/api/persons/", payload, format="json")
    assert api.post("/api/persons/", payload, format="json").status_code == 429
    assert Person.objects.count() == 1


def test_an_import_of_numbers_held_elsewhere_is_logged_and_counted(
    make_user, make_person, reference, caplog, settings
) -> None:  # type: ignore[no-untyped-def]
    """Rows of numbers held elsewhere are refused without saying where, logged as probes, and count against
    the importer's look-ups: past the limit, the importer's next look-up is refused."""
    from gongjiang.imports.processing import import_file
    from gongjiang.imports.tests.files import csv_file

    held = [make_person(region=ZJG) for _ in range(3)]
    changzhou = make_user("api_changzhou4", region_code="320400")
    data = csv_file([["姓名", "身份证号码", "居住地区划代码"], *[["试探", p.id_number, WUJIN] for p in held]])
    result = import_file(kind="persons", data=data, filename="p.csv", actor=changzhou)
    assert result.error_rows == 3 and Person.objects.count() == 3
    assert "320582" not in " ".join(result.errors["message"].to_list())
    probes = [r.getMessage() for r in caplog.records if r.name == "gongjiang.security"]
    assert any("imported 3 id_number" in line for line in probes)
    settings.LOOKUP_MISS_LIMIT = 3
    refused = _api(changzhou).post("/api/persons/search/", {"id_number": held[0].id_number}, format="json")
    assert refused.status_code == 429
