"""The employment form names its person and organisation by choosing them by name, not by typing record
numbers: it offers exactly the persons and organisations in the officer's scope (a person by name, birth
date and masked ID number, an organisation by name and credit code); a number posted by hand outside them is
refused on its field, in Chinese, and nothing is written. Where they are too many to list, a search box
shows the chosen one's name and searches the same records."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.core import pickers
from gongjiang.core.models import ChangeRecord
from gongjiang.registry.models import Employment
from gongjiang.registry.tests.choices import ZH, chosen, form_of, options, picked, search_box, typed_number

ZJG, WUJIN = "320582", "320412"
PERSON_REFUSED = "所选人员不在您的管辖范围内或不存在。"
ORGANISATION_REFUSED = "所选单位不在您的管辖范围内或不存在。"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(client, make_user, make_person, make_org):  # type: ignore[no-untyped-def]
    """A Suzhou officer signed in; a 张家港 worker and enterprise in scope, a 武进 (Changzhou) worker and
    enterprise outside it, named alike."""
    client.force_login(make_user("choices_suzhou", region_code="320500"))
    return {
        "worker": make_person(region=ZJG, name="沈一鸣", birth=datetime.date(1990, 4, 12)),
        "away": make_person(region=WUJIN, name="沈一凡", birth=datetime.date(1991, 6, 1)),
        "enterprise": make_org(region=ZJG, name="张家港精工机械"),
        "far": make_org(region=WUJIN, name="武进精工机械"),
    }


def _label(person) -> str:  # type: ignore[no-untyped-def]
    """A person as offered: name, birth date, the ID number's first and last four characters."""
    masked = person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    return f"{person.name}（{person.birth_date:%Y-%m-%d}，{masked}）"


def _post(world, **extra):  # type: ignore[no-untyped-def]
    return {
        "person": world["worker"].pk,
        "organisation": world["enterprise"].pk,
        "start": "2022-03-01",
        "occupation_code": "6-31-01-03",
        **extra,
    }


def test_the_form_offers_the_persons_and_organisations_in_scope_by_name(world, client) -> None:  # type: ignore[no-untyped-def]
    worker, enterprise = world["worker"], world["enterprise"]
    form = form_of(client.get("/registry/employments/new/", **ZH).content.decode())
    assert not typed_number(form, "person") and not typed_number(form, "organisation")
    assert options(form, "person") == {str(worker.pk): _label(worker)}
    assert _label(worker).startswith("沈一鸣（1990-04-12，")
    assert options(form, "organisation") == {str(enterprise.pk): f"张家港精工机械（{enterprise.uscc}）"}
    assert worker.id_number not in form  # the full ID number is never offered


def test_an_input_error_elsewhere_keeps_the_chosen_person_and_organisation_shown_by_name(world, client) -> None:  # type: ignore[no-untyped-def]
    worker, enterprise = world["worker"], world["enterprise"]
    response = client.post("/registry/employments/new/", _post(world, start="1980-01-01"), **ZH)
    assert response.status_code == 200 and "start" in response.context["form"].errors
    form = form_of(response.content.decode())
    assert chosen(form, "person") == [(str(worker.pk), _label(worker))]
    assert chosen(form, "organisation") == [(str(enterprise.pk), f"张家港精工机械（{enterprise.uscc}）")]
    assert not Employment.objects.exists()


def test_the_chosen_person_and_organisation_are_registered(world, client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/registry/employments/new/", _post(world), **ZH)
    job = Employment.objects.get()
    assert response["Location"] == f"/registry/employments/{job.pk}/"
    assert (job.person, job.organisation) == (world["worker"], world["enterprise"])


@pytest.mark.parametrize(
    ("field", "record", "message"),
    [("person", "away", PERSON_REFUSED), ("organisation", "far", ORGANISATION_REFUSED)],
    ids=["person", "organisation"],
)
def test_a_record_outside_scope_is_refused_on_its_field_and_nothing_is_written(  # type: ignore[no-untyped-def]
    world, client, field, record, message
) -> None:
    records = ChangeRecord.objects.count()
    response = client.post("/registry/employments/new/", _post(world, **{field: world[record].pk}), **ZH)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert world[record].name not in form_of(response.content.decode())
    assert not Employment.objects.exists() and ChangeRecord.objects.count() == records
    # a number held nowhere is refused alike
    response = client.post("/registry/employments/new/", _post(world, **{field: 10**9}), **ZH)
    assert response.context["form"].errors[field] == [message]
    assert not Employment.objects.exists()


def test_too_many_to_list_search_boxes_show_the_chosen_names_and_search_the_same_records(  # type: ignore[no-untyped-def]
    world, client, make_person, make_org, monkeypatch
) -> None:
    monkeypatch.setattr(pickers, "SELECT_LIMIT", 1)
    other = make_person(region=ZJG, name="沈一航", birth=datetime.date(1992, 2, 2))
    rival = make_org(region=ZJG, name="张家港华锐机床")
    worker, enterprise = world["worker"], world["enterprise"]
    form = form_of(client.get("/registry/employments/new/", **ZH).content.decode())
    assert '<select name="person"' not in form and '<select name="organisation"' not in form
    assert search_box(form, "person") == ("", "") and search_box(form, "organisation") == ("", "")
    assert 'hx-post="/pick/persons/?field=person-search"' in form  # a name searched is posted
    # an input error elsewhere: the chosen ones show by name, their numbers kept out of sight
    response = client.post("/registry/employments/new/", _post(world, start="1980-01-01"), **ZH)
    form = form_of(response.content.decode())
    assert search_box(form, "person") == (str(worker.pk), _label(worker)) and worker.id_number not in form
    assert search_box(form, "organisation") == (str(enterprise.pk), f"张家港精工机械（{enterprise.uscc}）")
    # numbers from outside show no name and are refused
    response = client.post(
        "/registry/employments/new/", _post(world, person=world["away"].pk, organisation=world["far"].pk), **ZH
    )
    errors = response.context["form"].errors
    assert (errors["person"], errors["organisation"]) == ([PERSON_REFUSED], [ORGANISATION_REFUSED])
    form = form_of(response.content.decode())
    assert search_box(form, "person")[1] == "" and search_box(form, "organisation")[1] == ""
    assert not Employment.objects.exists()
    # the searches list the records of the scope the fields accept, by the same names
    found = picked(client.post("/pick/persons/", {"field": "person-search", "person-search": "沈一"}).content.decode())
    assert set(found) == {str(worker.pk), str(other.pk)}
    assert found[str(worker.pk)] == _label(worker)
    found = picked(
        client.get(
            "/pick/organisations/", {"field": "organisation-search", "organisation-search": "机"}
        ).content.decode()
    )
    assert found == {
        str(enterprise.pk): f"张家港精工机械（{enterprise.uscc}）",
        str(rival.pk): f"张家港华锐机床（{rival.uscc}）",
    }
