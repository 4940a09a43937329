"""Registry writes through the pages: services, scope, clear form errors, change records from the web."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.core.models import ChangeRecord
from gongjiang.registry.models import Organisation, Person
from gongjiang.synth.ids import make_id_number, make_uscc

pytestmark = pytest.mark.django_db

ID = make_id_number("320582", datetime.date(1991, 4, 12), 37)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer_client(client, make_user, reference):  # type: ignore[no-untyped-def]
    client.force_login(make_user("page_suzhou", region_code="320500"))
    return client


def _person_post(**overrides: str) -> dict[str, str]:
    return {
        "name": "沈一鸣",
        "id_number": ID,
        "phone": "13912345678",
        "residence_region_code": "320582",
        "household_region_code": "",
        **overrides,
    }


def test_register_person_on_the_page(officer_client) -> None:  # type: ignore[no-untyped-def]
    response = officer_client.post("/registry/persons/new/", _person_post())
    person = Person.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/registry/persons/{person.pk}/"
    assert person.id_number == ID and person.household_region_code == "320582"
    record = ChangeRecord.objects.get(model="registry.Person", object_id=str(person.pk))
    assert (record.source, record.action, record.actor_label) == ("web", "create", "page_suzhou")
    assert ID not in str(record.after) and "13912345678" not in str(record.after)
    assert record.after["name"] == "沈*鸣" and "沈一鸣" not in str(record.after)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", ID[:-1] + ("0" if ID[-1] != "0" else "1")),
        ("residence_region_code", "3205"),
        ("residence_region_code", "320412"),
        ("phone", "call me"),
    ],
)
def test_bad_input_is_shown_on_the_field_and_nothing_is_written(officer_client, field, value) -> None:  # type: ignore[no-untyped-def]
    before = (Person.objects.count(), ChangeRecord.objects.count())
    response = officer_client.post("/registry/persons/new/", _person_post(**{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert (Person.objects.count(), ChangeRecord.objects.count()) == before


def test_one_submission_shows_every_field_s_error_at_once(officer_client) -> None:  # type: ignore[no-untyped-def]
    bad_id = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    before = (Person.objects.count(), ChangeRecord.objects.count())
    response = officer_client.post(
        "/registry/persons/new/", _person_post(name="", id_number=bad_id, phone="call me", residence_region_code="")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "id_number", "phone", "residence_region_code"}, errors
    assert (Person.objects.count(), ChangeRecord.objects.count()) == before


def test_edit_keeps_id_when_left_empty_and_records_a_redacted_change(officer_client, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region="320582", phone="13800000000")
    original = person.id_number
    response = officer_client.post(
        f"/registry/persons/{person.pk}/edit/",
        {
            "name": person.name,
            "id_number": "",
            "phone": "13700000001",
            "residence_region_code": "320505",
            "household_region_code": "",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.id_number == original and person.phone == "13700000001"
    assert person.residence_region_code == "320505"
    record = ChangeRecord.objects.filter(model="registry.Person", object_id=str(person.pk), action="update").get()
    assert record.after["phone_enc"] == "[redacted, changed]"
    assert record.before["residence_region_code"] == "320582" and record.after["residence_region_code"] == "320505"


def test_out_of_scope_and_read_only_roles_cannot_write(client, make_user, make_person, make_org) -> None:  # type: ignore[no-untyped-def]
    changzhou = make_person(region="320412")
    org = make_org(region="320412")
    client.force_login(make_user("page_zjg", region_code="320582"))
    assert client.get(f"/registry/persons/{changzhou.pk}/edit/").status_code == 404
    assert client.get(f"/registry/organisations/{org.pk}/edit/").status_code == 404
    client.force_login(make_user("page_auditor", role="auditor", region_code="320500"))
    assert client.get("/registry/persons/new/").status_code == 403
    assert client.post("/registry/organisations/new/", {}).status_code == 403
    page = client.get("/registry/persons/")
    assert b'id="person-new"' not in page.content


def test_register_and_edit_organisation(officer_client) -> None:  # type: ignore[no-untyped-def]
    uscc = make_uscc("320582", 4242)
    response = officer_client.post(
        "/registry/organisations/new/",
        {
            "uscc": uscc,
            "name": "张家港市测试机械有限公司",
            "kind": "enterprise",
            "region_code": "320582",
            "industry_code": "C",
        },
    )
    org = Organisation.objects.get(uscc=uscc)
    assert response.status_code == 302
    bad = officer_client.post(
        "/registry/organisations/new/",
        {"uscc": uscc[:-1] + "I", "name": "x", "kind": "enterprise", "region_code": "320582"},
    )
    assert bad.status_code == 200 and bad.context["form"].errors.get("uscc")
    response = officer_client.post(
        f"/registry/organisations/{org.pk}/edit/",
        {
            "name": "张家港市测试精工有限公司",
            "kind": "enterprise",
            "region_code": "320582",
            "industry_code": "C",
            "self_evaluation": "on",
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.self_evaluation and org.name == "张家港市测试精工有限公司" and org.uscc == uscc
    assert ChangeRecord.objects.filter(model="registry.Organisation", object_id=str(org.pk), source="web").count() == 2


def test_id_number_lookup_is_a_post_that_opens_the_person_and_answers_misses_without_saying_where(
    client, make_user, make_person
) -> None:  # type: ignore[no-untyped-def]
    suzhou_person = make_person(region="320582", name="苏州人")
    changzhou_person = make_person(region="320412", name="常州人")
    client.force_login(make_user(region_code="320500"))
    page = client.get("/registry/persons/").content.decode()
    assert 'id="id-lookup-form"' in page and 'method="post"' in page
    found = client.post("/registry/persons/find/", {"id_number": suzhou_person.id_number})
    assert found.status_code == 302 and found["Location"] == f"/registry/persons/{suzhou_person.pk}/"
    elsewhere = client.post("/registry/persons/find/", {"id_number": changzhou_person.id_number})
    nowhere_number = changzhou_person.id_number[:-1]  # 17 characters: held by nobody
    nowhere = client.post("/registry/persons/find/", {"id_number": nowhere_number})
    assert elsewhere.status_code == nowhere.status_code == 200
    for response in (elsewhere, nowhere):
        html = response.content.decode()
        assert "在您的辖区内未找到。" in html
        assert "常州" not in html and "320412" not in html and changzhou_person.id_number not in html
