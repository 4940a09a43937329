"""Workers' self-service: signing in by ID number and a code sent to the phone on file, or by an officer's
invitation; the worker's own page and downloads; nothing of anyone else."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from gongjiang.core.audit import audit_context
from gongjiang.core.models import User
from gongjiang.portal import sms
from gongjiang.portal.models import SignInCode, WorkerInvitation
from gongjiang.portal.signin import code_hash, invitation_hash


@pytest.fixture(autouse=True)
def _memory_sms(settings):  # type: ignore[no-untyped-def]
    settings.SMS_SENDER = "gongjiang.portal.sms.MemorySender"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _code_from_outbox() -> str:
    assert sms.outbox, "no text message was sent"
    found = re.search(r"\b(\d{6})\b", sms.outbox[-1].text)
    assert found
    return found.group(1)


def _sign_in_by_code(client, person, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/me/sign-in/", {"id_number": person.id_number})
    assert response.status_code == 302 and response["Location"] == "/me/sign-in/code/"
    return client.post("/me/sign-in/code/", {"code": _code_from_outbox()})


def test_a_worker_signs_in_by_code_and_sees_their_certificates_and_nobody_elses(
    client, make_person, make_certificate, django_capture_on_commit_callbacks
) -> None:
    me = make_person(name="王小明", phone="13900001111")
    other = make_person(name="李大海", phone="13900002222")
    mine = make_certificate(me)
    theirs = make_certificate(other)

    response = _sign_in_by_code(client, me, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert sms.outbox[-1].phone == "13900001111"
    account = User.objects.get(person=me)
    assert account.role == "worker" and not account.has_usable_password()

    page = client.get("/me/").content.decode()
    assert mine.number in page and "王小明" in page
    assert theirs.number not in page and "李大海" not in page
    assert me.id_number not in page  # masked
    # The home page of a worker is their own page.
    assert client.get("/")["Location"] == "/me/"

    pdf = client.get(f"/me/certificates/{mine.pk}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    credential = client.get(f"/me/certificates/{mine.pk}/credential.json")
    assert credential.status_code == 200 and mine.number in credential.content.decode()
    # Another person's certificate, by its id: not found, in both formats.
    assert client.get(f"/me/certificates/{theirs.pk}/certificate.pdf").status_code == 404
    assert client.get(f"/me/certificates/{theirs.pk}/credential.json").status_code == 404
    # The officers' registers show a worker nothing.
    assert other.name not in client.get("/registry/persons/").content.decode()
    assert client.get(f"/registry/persons/{other.pk}/").status_code in (403, 404)
    assert client.get(f"/credentials/certificates/{theirs.pk}/").status_code in (403, 404)
    assert client.get(f"/credentials/certificates/{theirs.pk}/proof.pdf").status_code in (403, 404)


def test_the_answer_is_the_same_for_an_unknown_id_number_and_no_code_opens_it(
    client, make_person, django_capture_on_commit_callbacks
) -> None:
    from gongjiang.synth.ids import make_id_number

    make_person()
    unknown = make_id_number("320582", datetime.date(1991, 1, 1), 777)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/me/sign-in/", {"id_number": unknown})
    assert response.status_code == 302 and response["Location"] == "/me/sign-in/code/"
    assert not sms.outbox
    answer = client.post("/me/sign-in/code/", {"code": "123456"})
    assert answer.status_code == 200 and "验证码不正确" in answer.content.decode()
    assert not User.objects.filter(role="worker").exists()


def test_wrong_codes_use_up_the_code_and_an_expired_code_fails(
    client, make_person, settings, django_capture_on_commit_callbacks
) -> None:
    me = make_person()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/sign-in/", {"id_number": me.id_number})
    code = _code_from_outbox()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(settings.SIGN_IN_CODE_ATTEMPTS):
        assert client.post("/me/sign-in/code/", {"code": wrong}).status_code == 200
    # The right code no longer opens anything: its tries are used up.
    assert client.post("/me/sign-in/code/", {"code": code}).status_code == 200
    assert not User.objects.filter(person=me).exists()

    SignInCode.objects.all().delete()
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/sign-in/", {"id_number": me.id_number})
    SignInCode.objects.filter(person=me).update(expires=timezone.now() - datetime.timedelta(seconds=1))
    assert client.post("/me/sign-in/code/", {"code": _code_from_outbox()}).status_code == 200
    assert not User.objects.filter(person=me).exists()


def test_codes_are_hashed_throttled_and_the_id_number_is_never_echoed(
    client, make_person, django_capture_on_commit_callbacks
) -> None:
    me = make_person()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/sign-in/", {"id_number": me.id_number})
    code = _code_from_outbox()
    stored = SignInCode.objects.get(person=me)
    assert stored.code_hash == code_hash(me.pk, code) and len(stored.code_hash) == 64 and stored.code_hash != code
    again = client.post("/me/sign-in/", {"id_number": me.id_number})
    assert again.status_code == 429 and me.id_number not in again.content.decode()
    assert len(sms.outbox) == 1
    # The sign-in form is a POST; a GET with the number in the address is not how it works.
    assert me.id_number not in client.get("/me/sign-in/").content.decode()


def test_lookups_from_one_client_are_limited(client, make_person, settings) -> None:
    from gongjiang.synth.ids import make_id_number

    settings.SIGN_IN_LOOKUP_LIMIT = 3
    for i in range(3):
        number = make_id_number("320582", datetime.date(1991, 1, 1), 700 + i)
        assert client.post("/me/sign-in/", {"id_number": number}).status_code == 302
    refused = client.post("/me/sign-in/", {"id_number": make_id_number("320582", datetime.date(1991, 1, 1), 799)})
    assert refused.status_code == 429


def test_an_officer_invites_a_person_of_their_region_who_opens_an_account(
    client, make_user, make_person, make_certificate, sign_in
) -> None:
    zjg = make_user(role="officer", region_code="320582")
    wujin = make_user(role="officer", region_code="320412")
    me = make_person(region="320582", name="赵一鸣")
    make_certificate(me)

    sign_in(client, wujin)
    assert client.post(f"/me/invite/{me.pk}/").status_code == 404  # outside the officer's region
    sign_in(client, zjg)
    assert "issue-invitation" in client.get(f"/registry/persons/{me.pk}/").content.decode()
    issued = client.post(f"/me/invite/{me.pk}/")
    assert issued.status_code == 200
    code = re.search(r'id="invitation-code"[^>]*>([A-Z0-9-]+)<', issued.content.decode()).group(1)  # type: ignore[union-attr]
    invitation = WorkerInvitation.objects.get(person=me)
    assert invitation.code_hash == invitation_hash(code) != code
    client.logout()

    data = {"code": code, "username": "zhaoyiming", "password": "Kq7-long-pass!", "password_again": "Kq7-long-pass!"}
    opened = client.post("/me/invitation/", data)
    assert opened.status_code == 302 and opened["Location"] == "/me/"
    account = User.objects.get(username="zhaoyiming")
    assert account.person_id == me.pk and account.role == "worker" and account.check_password("Kq7-long-pass!")
    assert "赵一鸣" in client.get("/me/").content.decode()
    client.logout()
    # Used once: the same code opens nothing more.
    again = client.post("/me/invitation/", {**data, "username": "someone-else"})
    assert again.status_code == 200 and not User.objects.filter(username="someone-else").exists()
    # The worker signs in with the name and password they chose.
    assert client.post("/accounts/login/", {"username": "zhaoyiming", "password": "Kq7-long-pass!"}).status_code == 302


def test_only_officers_invite(make_user, make_person, make_org) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from gongjiang.portal.services import worker_invite

    person = make_person()
    org_user = make_user(role="organisation", organisation=make_org())
    with pytest.raises((ValidationError, PermissionDenied)), audit_context(source="web", actor=org_user):
        worker_invite(actor=org_user, person=person)


def test_other_accounts_are_sent_home_from_the_worker_page(client, make_user, sign_in) -> None:
    sign_in(client, make_user(role="officer", region_code="320582"))
    assert client.get("/me/")["Location"] == "/"
