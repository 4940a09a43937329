"""The certificate issue form names the holder and the issuer by choosing them by name, not by typing record
numbers: it offers the persons and organisations in the officer's scope (the issuer may be left out); a
number posted by hand outside them is refused on its field, in Chinese, and no certificate is issued."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.core import pickers
from gongjiang.core.models import ChangeRecord
from gongjiang.credentials.models import Certificate
from gongjiang.registry.tests.choices import ZH, chosen, form_of, options, search_box, typed_number
from gongjiang.synth.ids import make_certificate_number

ZJG, WUJIN = "320582", "320412"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(client, make_user, make_person, make_org):  # type: ignore[no-untyped-def]
    """A Suzhou officer signed in; a 张家港 worker and evaluation institution, a 武进 (Changzhou) worker and
    institution outside the scope."""
    client.force_login(make_user("issue_suzhou", region_code="320500"))
    return {
        "holder": make_person(region=ZJG, name="孙立新", birth=datetime.date(1988, 7, 9)),
        "away": make_person(region=WUJIN, name="孙立华", birth=datetime.date(1989, 1, 3)),
        "issuer": make_org(region=ZJG, kind="evaluation", name="张家港市职业技能鉴定所", industry="P"),
        "far": make_org(region=WUJIN, kind="evaluation", name="武进区职业技能鉴定所", industry="P"),
    }


def _masked(person) -> str:  # type: ignore[no-untyped-def]
    return person.id_number[:4] + "*" * 10 + person.id_number[-4:]


def _post(world, **extra):  # type: ignore[no-untyped-def]
    return {
        "number": make_certificate_number(evaluator="S", station=900123, year=2024, national_level=3, serial=78),
        "person": world["holder"].pk,
        "occupation_code": "6-31-01-03",
        "level_code": "level3",
        "issue_date": "2024-06-01",
        "source": "third_party",
        "issuer": world["issuer"].pk,
        **extra,
    }


def test_the_holder_and_the_issuer_are_offered_by_name_and_stay_shown_by_name(world, client) -> None:  # type: ignore[no-untyped-def]
    holder, issuer = world["holder"], world["issuer"]
    form = form_of(client.get("/credentials/certificates/new/", **ZH).content.decode())
    assert not typed_number(form, "person") and not typed_number(form, "issuer")
    assert options(form, "person") == {str(holder.pk): f"孙立新（1988-07-09，{_masked(holder)}）"}
    assert options(form, "issuer") == {str(issuer.pk): f"张家港市职业技能鉴定所（{issuer.uscc}）"}
    assert '<option value="" selected>未填写</option>' in form  # the issuer may be left out
    assert holder.id_number not in form
    # an input error elsewhere: the chosen holder and issuer stay chosen, by name
    response = client.post("/credentials/certificates/new/", _post(world, issue_date=""), **ZH)
    assert response.status_code == 200 and "issue_date" in response.context["form"].errors
    form = form_of(response.content.decode())
    assert chosen(form, "person") == [(str(holder.pk), f"孙立新（1988-07-09，{_masked(holder)}）")]
    assert chosen(form, "issuer") == [(str(issuer.pk), f"张家港市职业技能鉴定所（{issuer.uscc}）")]
    assert not Certificate.objects.exists()


def test_the_certificate_is_issued_to_the_chosen_holder_by_the_chosen_issuer_or_none(world, client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/credentials/certificates/new/", _post(world), **ZH)
    cert = Certificate.objects.get()
    assert response["Location"] == f"/credentials/certificates/{cert.pk}/"
    assert (cert.person, cert.issuer) == (world["holder"], world["issuer"])
    number = make_certificate_number(evaluator="S", station=900123, year=2024, national_level=3, serial=79)
    client.post("/credentials/certificates/new/", _post(world, number=number, issuer=""), **ZH)
    assert Certificate.objects.get(number=number).issuer is None


@pytest.mark.parametrize(
    ("field", "record", "message"),
    [
        ("person", "away", "所选人员不在您的管辖范围内或不存在。"),
        ("issuer", "far", "所选单位不在您的管辖范围内或不存在。"),
    ],
    ids=["holder", "issuer"],
)
def test_a_record_outside_scope_is_refused_on_its_field_and_nothing_is_issued(  # type: ignore[no-untyped-def]
    world, client, field, record, message
) -> None:
    records = ChangeRecord.objects.count()
    response = client.post("/credentials/certificates/new/", _post(world, **{field: world[record].pk}), **ZH)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert world[record].name not in form_of(response.content.decode())
    assert not Certificate.objects.exists() and ChangeRecord.objects.count() == records


def test_too_many_to_list_the_chosen_holder_shows_by_name_in_a_search_box(world, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pickers, "SELECT_LIMIT", 0)
    holder = world["holder"]
    response = client.post("/credentials/certificates/new/", _post(world, issue_date=""), **ZH)
    form = form_of(response.content.decode())
    assert search_box(form, "person") == (str(holder.pk), f"孙立新（1988-07-09，{_masked(holder)}）")
    assert search_box(form, "issuer")[1] == f"张家港市职业技能鉴定所（{world['issuer'].uscc}）"
    response = client.post("/credentials/certificates/new/", _post(world, person=world["away"].pk), **ZH)
    assert response.context["form"].errors["person"] == ["所选人员不在您的管辖范围内或不存在。"]
    assert search_box(form_of(response.content.decode()), "person")[1] == ""
    assert not Certificate.objects.exists()
