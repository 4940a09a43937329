"""Audit: every service leaves exactly one change record, with personal data redacted; records are
append-only in the ORM and in the database; reveals are logged as personal-data accesses instead."""

from __future__ import annotations

import datetime
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gongjiang.core.audit import audit_context
from gongjiang.core.models import ChangeRecord, PiiAccess
from gongjiang.credentials import services as credential_services
from gongjiang.registry import services as registry_services
from gongjiang.registry.models import Person
from gongjiang.synth.ids import make_certificate_number, make_id_number, make_uscc

ZJG, WUJIN = "320582", "320412"
ID_NUMBER = make_id_number(ZJG, datetime.date(1987, 11, 3), 457)
PHONE = "13962212345"
NEW_PHONE = "15850011223"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer(make_user):  # type: ignore[no-untyped-def]
    return make_user("audit_officer", role="officer", region_code="320500")


@pytest.fixture
def base(make_person, make_org, make_certificate) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Objects the update-type services act on, made before the service under test runs."""
    person = make_person(region=ZJG, name="顾文博", phone=PHONE)
    org = make_org(region=ZJG)
    with audit_context(source="cli"):
        job = registry_services.employment_create(
            actor=None, person=person, organisation=org, start=datetime.date(2020, 1, 1)
        )
        stat = registry_services.employment_stat_set(actor=None, region_code=ZJG, year=2023, employed=500000)
    cert = make_certificate(person)
    return {"person": person, "org": org, "job": job, "stat": stat, "cert": cert}


def _new_cert_number(year: int = 2024, level: int = 3) -> str:
    return make_certificate_number(evaluator="S", station=912345, year=year, national_level=level, serial=424242)


# (service, label of the case) → what to call, and which action and model its record must carry.
SERVICE_CASES: list[tuple[str, str, Callable[[dict[str, Any]], Any], str, str]] = [
    (
        "person_create",
        "person_create",
        lambda b: registry_services.person_create(
            actor=None, name="沈一鸣", id_number=ID_NUMBER, residence_region_code=ZJG, phone=PHONE
        ),
        "create",
        "registry.Person",
    ),
    (
        "person_update",
        "person_update",
        lambda b: registry_services.person_update(actor=None, person=b["person"], name="顾文涛", phone=NEW_PHONE),
        "update",
        "registry.Person",
    ),
    (
        "organisation_create",
        "organisation_create",
        lambda b: registry_services.organisation_create(
            actor=None,
            uscc=make_uscc(ZJG, 777001),
            name="张家港审计测试厂",
            kind="enterprise",
            region_code=ZJG,
            industry_code="C",
        ),
        "create",
        "registry.Organisation",
    ),
    (
        "organisation_update",
        "organisation_update",
        lambda b: registry_services.organisation_update(
            actor=None, organisation=b["org"], name="新名称", self_evaluation=True
        ),
        "update",
        "registry.Organisation",
    ),
    (
        "employment_create",
        "employment_create",
        lambda b: registry_services.employment_create(
            actor=None, person=b["person"], organisation=b["org"], start=datetime.date(2023, 5, 1)
        ),
        "create",
        "registry.Employment",
    ),
    (
        "employment_end",
        "employment_end",
        lambda b: registry_services.employment_end(actor=None, employment=b["job"], end=datetime.date(2024, 3, 31)),
        "update",
        "registry.Employment",
    ),
    (
        "employment_stat_set",
        "employment_stat_set (new)",
        lambda b: registry_services.employment_stat_set(actor=None, region_code=WUJIN, year=2023, employed=800000),
        "create",
        "registry.EmploymentStat",
    ),
    (
        "employment_stat_set",
        "employment_stat_set (existing)",
        lambda b: registry_services.employment_stat_set(
            actor=None, region_code=ZJG, year=2023, employed=510000, source="统计公报"
        ),
        "update",
        "registry.EmploymentStat",
    ),
    (
        "certificate_issue",
        "certificate_issue",
        lambda b: credential_services.certificate_issue(
            actor=None,
            number=_new_cert_number(),
            person=b["person"],
            occupation_code="6-31-01-03",
            level_code="level3",
            issue_date=datetime.date(2024, 5, 20),
            source="third_party",
        ),
        "create",
        "credentials.Certificate",
    ),
    (
        "certificate_revoke",
        "certificate_revoke",
        lambda b: credential_services.certificate_revoke(
            actor=None, certificate=b["cert"], revoked_on=datetime.date(2024, 7, 1), reason="舞弊"
        ),
        "update",
        "credentials.Certificate",
    ),
]

# Public functions of the service modules that do not write.
NOT_WRITERS: set[str] = set()


def _service_functions() -> set[str]:
    names = set()
    for module in (registry_services, credential_services):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                names.add(name)
    return names


def test_every_service_has_an_audit_case() -> None:
    """A new service without a case here fails."""
    assert _service_functions() - NOT_WRITERS == {case[0] for case in SERVICE_CASES}


def _pii_values(*persons: Person) -> list[str]:
    values = []
    for p in persons:
        values += [p.id_number, p.id_number_enc, p.id_index]
        if p.phone_enc:
            values += [p.phone, p.phone_enc, p.phone_index]
    return [v for v in values if v]


def _assert_no_pii(record: ChangeRecord, values: list[str]) -> None:
    text = json.dumps([record.before, record.after, record.object_repr], ensure_ascii=False)
    for value in values:
        assert value not in text, f"personal data in change record {record.pk}"


@pytest.mark.parametrize(
    ("label", "call", "action", "model"), [case[1:] for case in SERVICE_CASES], ids=[c[1] for c in SERVICE_CASES]
)
def test_service_writes_exactly_one_record(base, officer, label, call, action, model) -> None:  # type: ignore[no-untyped-def]
    last = ChangeRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    person_before = Person.objects.get(pk=base["person"].pk)
    with audit_context(source="task", actor=officer, request_id="batch-audit-0001"):
        obj = call(base)
    records = list(ChangeRecord.objects.filter(pk__gt=last))
    assert len(records) == 1, [(r.model, r.action) for r in records]
    record = records[0]
    assert record.action == action
    assert record.model == model == obj._meta.label
    assert record.object_id == str(obj.pk)
    assert record.source == "task"
    assert record.request_id == "batch-audit-0001"
    assert record.actor == officer
    assert record.actor_label == "audit_officer"
    assert record.region_code == obj.audit_region_code
    assert record.after is not None
    if action == "update":
        assert record.before is not None
        assert record.changed_fields(), "an update record shows what changed"
    else:
        assert record.before is None
    persons = [person_before, Person.objects.get(pk=base["person"].pk), *Person.objects.filter(name="沈一鸣")]
    _assert_no_pii(record, _pii_values(*persons))
    if model == "registry.Person":
        assert set(record.after) >= {"id_number_enc", "id_index", "phone_enc", "phone_index"}
        assert record.after["id_index"] == "[redacted]"
        assert record.after["id_number_enc"] in ("[redacted]", "[redacted, changed]")


def test_service_cases_change_what_they_say(base, officer) -> None:  # type: ignore[no-untyped-def]
    """The update records carry the real before and after of the fields that changed."""
    with audit_context(source="task", actor=officer):
        registry_services.organisation_update(actor=None, organisation=base["org"], name="新名称")
        credential_services.certificate_revoke(
            actor=None, certificate=base["cert"], revoked_on=datetime.date(2024, 7, 1), reason="x"
        )
    org_record = ChangeRecord.objects.filter(model="registry.Organisation", action="update").get()
    assert org_record.before["name"] != "新名称"
    assert org_record.after["name"] == "新名称"
    assert org_record.changed_fields() == ["name", "updated"]
    cert_record = ChangeRecord.objects.filter(model="credentials.Certificate", action="update").get()
    assert (cert_record.before["status"], cert_record.after["status"]) == ("valid", "revoked")
    assert cert_record.after["revoked_on"] == "2024-07-01"


def test_record_contains_no_personal_data(reference, officer) -> None:  # type: ignore[no-untyped-def]
    with audit_context(source="web", actor=officer):
        person = registry_services.person_create(
            actor=None, name="沈一鸣", id_number=ID_NUMBER, residence_region_code=ZJG, phone=PHONE
        )
    person.refresh_from_db()
    record = ChangeRecord.objects.get(model="registry.Person", object_id=str(person.pk))
    _assert_no_pii(
        record, [ID_NUMBER, PHONE, person.id_number_enc, person.id_index, person.phone_enc, person.phone_index]
    )
    # Nor the first-generation 15-digit form of the same number.
    text = json.dumps(record.after, ensure_ascii=False)
    assert ID_NUMBER[:6] + ID_NUMBER[8:17] not in text
    assert record.after["phone_enc"] == "[redacted]"


def test_person_update_marks_changed_phone(make_person, officer) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG, phone=PHONE)
    old = Person.objects.get(pk=person.pk)
    with audit_context(source="web", actor=officer):
        registry_services.person_update(actor=None, person=person, phone=NEW_PHONE)
    new = Person.objects.get(pk=person.pk)
    record = ChangeRecord.objects.get(model="registry.Person", object_id=str(person.pk), action="update")
    assert record.before["phone_enc"] == "[redacted]"
    assert record.after["phone_enc"] == "[redacted, changed]"
    assert record.after["id_number_enc"] == "[redacted]"  # the ID number did not change
    assert "phone_enc" in record.changed_fields()
    assert "id_number_enc" not in record.changed_fields()
    _assert_no_pii(record, [PHONE, NEW_PHONE, *_pii_values(old, new)])


def test_person_update_same_phone_is_not_a_change(make_person, officer) -> None:  # type: ignore[no-untyped-def]
    """Re-encrypting the same phone gives a new ciphertext; the record must not call that a change."""
    person = make_person(region=ZJG, phone=PHONE)
    with audit_context(source="web", actor=officer):
        registry_services.person_update(actor=None, person=person, phone=PHONE, name="换名字")
    record = ChangeRecord.objects.get(model="registry.Person", object_id=str(person.pk), action="update")
    assert record.after["phone_enc"] == "[redacted]"
    assert "phone_enc" not in record.changed_fields()
    assert "name" in record.changed_fields()


def test_person_update_id_number_marks_change_without_leaking(make_person, officer) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG)
    old = Person.objects.get(pk=person.pk)
    with audit_context(source="web", actor=officer):
        registry_services.person_update(actor=None, person=person, id_number=ID_NUMBER)
    new = Person.objects.get(pk=person.pk)
    record = ChangeRecord.objects.get(model="registry.Person", object_id=str(person.pk), action="update")
    assert record.after["id_number_enc"] == "[redacted, changed]"
    _assert_no_pii(record, [ID_NUMBER, *_pii_values(old, new)])


@pytest.mark.parametrize(
    "call",
    [
        lambda b: registry_services.person_create(
            actor=None, name="重复", id_number=b["person"].id_number, residence_region_code=ZJG
        ),
        lambda b: registry_services.organisation_update(
            actor=None, organisation=b["org"], name="x", industry_code="ZZ"
        ),
        lambda b: registry_services.employment_end(actor=None, employment=b["job"], end=datetime.date(2000, 1, 1)),
        lambda b: credential_services.certificate_revoke(
            actor=None, certificate=b["cert"], revoked_on=datetime.date(2024, 7, 1), reason=" "
        ),
    ],
    ids=["duplicate person", "unknown industry", "end before start", "revoke without reason"],
)
def test_failed_service_writes_no_record(base, call) -> None:  # type: ignore[no-untyped-def]
    count = ChangeRecord.objects.count()
    org_name = base["org"].name
    with pytest.raises(ValidationError):
        call(base)
    assert ChangeRecord.objects.count() == count
    base["org"].refresh_from_db()
    assert base["org"].name == org_name


# ---------------------------------------------------------------------------------------------
# Through the API and the pages
# ---------------------------------------------------------------------------------------------


def _api(user: Any) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_api_write_records_source_request_and_actor(officer, reference) -> None:  # type: ignore[no-untyped-def]
    api = _api(officer)
    response = api.post(
        "/api/persons/",
        {"name": "沈一鸣", "id_number": ID_NUMBER, "residence_region_code": ZJG, "phone": PHONE},
        format="json",
        HTTP_X_REQUEST_ID="req-api-audit-0001",
    )
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == "req-api-audit-0001"
    record = ChangeRecord.objects.get(model="registry.Person", object_id=str(response.json()["id"]))
    assert (record.source, record.request_id, record.actor, record.action) == (
        "api",
        "req-api-audit-0001",
        officer,
        "create",
    )
    assert record.actor_label == officer.username
    _assert_no_pii(record, [ID_NUMBER, PHONE])


def test_api_update_records_phone_change(officer, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG, phone=PHONE)
    response = _api(officer).patch(
        f"/api/persons/{person.pk}/", {"phone": NEW_PHONE}, format="json", HTTP_X_REQUEST_ID="req-api-audit-0002"
    )
    assert response.status_code == 200, response.content
    record = ChangeRecord.objects.get(model="registry.Person", object_id=str(person.pk), action="update")
    assert (record.source, record.request_id, record.actor) == ("api", "req-api-audit-0002", officer)
    assert record.after["phone_enc"] == "[redacted, changed]"
    _assert_no_pii(record, [PHONE, NEW_PHONE])


def test_api_revoke_records_one_update(officer, make_person, make_certificate) -> None:  # type: ignore[no-untyped-def]
    cert = make_certificate(make_person(region=ZJG))
    count = ChangeRecord.objects.count()
    response = _api(officer).post(
        f"/api/certificates/{cert.pk}/revoke/",
        {"revoked_on": "2024-07-01", "reason": "冒名顶替"},
        format="json",
        HTTP_X_REQUEST_ID="req-api-audit-0003",
    )
    assert response.status_code == 200, response.content
    assert ChangeRecord.objects.count() == count + 1
    record = ChangeRecord.objects.order_by("-pk").first()
    assert (record.model, record.object_id, record.action) == ("credentials.Certificate", str(cert.pk), "update")
    assert (record.source, record.request_id, record.actor) == ("api", "req-api-audit-0003", officer)


def test_api_ignores_a_malformed_request_id(officer, reference) -> None:  # type: ignore[no-untyped-def]
    response = _api(officer).post(
        "/api/persons/",
        {"name": "沈一鸣", "id_number": ID_NUMBER, "residence_region_code": ZJG},
        format="json",
        HTTP_X_REQUEST_ID="<script>",
    )
    assert response.status_code == 201
    record = ChangeRecord.objects.get(model="registry.Person", object_id=str(response.json()["id"]))
    assert record.request_id == response["X-Request-ID"] != "<script>"


def test_page_reveal_logs_access_not_change(client, officer, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG, phone=PHONE)
    client.force_login(officer)
    changes = ChangeRecord.objects.count()
    response = client.post(f"/registry/persons/{person.pk}/reveal/", {"field": "id_number", "reason": "核对"})
    assert response.status_code == 200
    assert person.id_number in response.content.decode()
    assert ChangeRecord.objects.count() == changes
    access = PiiAccess.objects.get()
    assert (access.user, access.model, access.object_id, access.field, access.reason) == (
        officer,
        "registry.Person",
        str(person.pk),
        "id_number",
        "核对",
    )
    assert access.request_id == response["X-Request-ID"]


def test_page_reveal_refused_for_auditor(client, make_user, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG)
    client.force_login(make_user(role="auditor", region_code="320500"))
    response = client.post(f"/registry/persons/{person.pk}/reveal/", {"field": "id_number"})
    assert response.status_code == 403
    assert person.id_number not in response.content.decode()
    assert not PiiAccess.objects.exists()


# ---------------------------------------------------------------------------------------------
# Append-only
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def record(make_person) -> ChangeRecord:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG)
    return ChangeRecord.objects.get(model="registry.Person", object_id=str(person.pk))


def test_orm_cannot_update_or_delete(record) -> None:  # type: ignore[no-untyped-def]
    record.actor_label = "tampered"
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        ChangeRecord.objects.filter(pk=record.pk).update(actor_label="tampered")
    with pytest.raises(PermissionError):
        ChangeRecord.objects.filter(pk=record.pk).delete()
    with pytest.raises(PermissionError):
        ChangeRecord.objects.all().delete()
    # bulk_update opens its own atomic block without a savepoint: give it one to fail in.
    with pytest.raises(PermissionError), transaction.atomic():
        ChangeRecord.objects.bulk_update([record], ["actor_label"])
    fresh = ChangeRecord.objects.get(pk=record.pk)
    assert fresh.actor_label == "system"


def test_database_refuses_raw_update(record) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_changerecord SET actor_label = %s, after = NULL WHERE id = %s", ["tampered", record.pk]
        )
    fresh = ChangeRecord.objects.get(pk=record.pk)
    assert fresh.actor_label == "system"
    assert fresh.after == record.after


def test_database_refuses_raw_delete_on_postgresql(record) -> None:  # type: ignore[no-untyped-def]
    """On PostgreSQL a row trigger refuses DELETE; on SQLite a trigger would block the test flush, so
    only the ORM guards it there (tested above). Either way the record survives every ORM path."""
    if connection.vendor == "postgresql":
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_changerecord WHERE id = %s", [record.pk])
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_changerecord")
    assert ChangeRecord.objects.filter(pk=record.pk).exists()


# ---------------------------------------------------------------------------------------------
# The change-log page
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def logged(make_person, make_org) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with audit_context(source="cli", request_id="batch-zjg-00000001"):
        zjg = registry_services.person_create(
            actor=None, name="张家港人", id_number=ID_NUMBER, residence_region_code=ZJG
        )
    wujin = make_person(region=WUJIN, name="武进人")
    org = make_org(region=ZJG)
    records = {
        "zjg": ChangeRecord.objects.get(model="registry.Person", object_id=str(zjg.pk)),
        "wujin": ChangeRecord.objects.get(model="registry.Person", object_id=str(wujin.pk)),
        "org": ChangeRecord.objects.get(model="registry.Organisation", object_id=str(org.pk)),
    }
    return records


def _log_pks(response: Any) -> set[int]:
    assert response.status_code == 200
    return {r.pk for r in response.context["records"]}


def test_change_log_lists_records_in_scope(client, officer, logged) -> None:  # type: ignore[no-untyped-def]
    client.force_login(officer)
    shown = _log_pks(client.get("/audit/"))
    assert {logged["zjg"].pk, logged["org"].pk} <= shown
    assert logged["wujin"].pk not in shown
    # Reference loads are province-wide system records with no region: not a city officer's.
    assert all(r.region_code.startswith("3205") for r in ChangeRecord.objects.filter(pk__in=shown))


def test_change_log_search(client, officer, logged) -> None:  # type: ignore[no-untyped-def]
    client.force_login(officer)
    assert _log_pks(client.get("/audit/", {"q": "batch-zjg-00000001"})) == {logged["zjg"].pk}
    assert _log_pks(client.get("/audit/", {"q": logged["org"].object_id, "model": "registry.Organisation"})) == {
        logged["org"].pk
    }
    # Searching cannot reach outside the scope.
    assert _log_pks(client.get("/audit/", {"q": logged["wujin"].request_id})) == set()
    assert _log_pks(client.get("/audit/", {"action": "delete"})) == set()


def test_change_log_shows_no_personal_data(client, officer, logged) -> None:  # type: ignore[no-untyped-def]
    client.force_login(officer)
    html = client.get("/audit/").content.decode()
    assert ID_NUMBER not in html
    assert "张家港人" not in html  # names appear masked in the object column


def test_change_log_forbidden_for_organisation_user(client, make_user, make_org, logged) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user(role="organisation", organisation=make_org(region=ZJG)))
    assert client.get("/audit/").status_code == 403


def test_change_log_for_auditor_and_anonymous(client, make_user, logged) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(make_user(role="auditor", region_code="320400"))
    assert _log_pks(client.get("/audit/")) == {logged["wujin"].pk}


# ---------------------------------------------------------------------------------------------
# Logs
# ---------------------------------------------------------------------------------------------


def test_logs_during_person_create_hold_no_id_number(caplog, reference, officer) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    with CaptureQueriesContext(connection), audit_context(source="web", actor=officer):
        registry_services.person_create(
            actor=None, name="沈一鸣", id_number=ID_NUMBER, residence_region_code=ZJG, phone=PHONE
        )
    # The SQL was logged (so the check below looked at something), and it holds neither value.
    assert any(r.name == "django.db.backends" for r in caplog.records)
    assert ID_NUMBER not in caplog.text
    assert ID_NUMBER[:17] not in caplog.text
    assert PHONE not in caplog.text


def test_logs_of_a_rejected_api_write_hold_no_id_number(caplog, officer, make_person) -> None:  # type: ignore[no-untyped-def]
    """A 400 for a duplicate is logged by Django (django.request); the number must not be in it."""
    person = make_person(region=ZJG)
    caplog.set_level(logging.DEBUG)
    response = _api(officer).post(
        "/api/persons/", {"name": "重复", "id_number": person.id_number, "residence_region_code": ZJG}, format="json"
    )
    assert response.status_code == 400
    assert caplog.records
    assert person.id_number not in caplog.text
