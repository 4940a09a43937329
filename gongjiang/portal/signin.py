"""Workers sign in to self-service (个人服务) without an officer at hand. Two ways bind an account to a
person record:

* **An officer's invitation** (``portal.services.worker_invite``): a one-time code handed to the person,
  redeemed here with a user name and password of their choosing (:func:`invitation_redeem`).
* **The ID number and a one-time code sent to the phone on file** (:func:`code_send`, then
  :func:`code_check`): the person's account is opened on first use and signed in after.

These are the public steps of signing in, taken by a visitor who is not signed in yet, so they authorize
no user: the code (or the invitation) is the proof. Codes and invitations are kept only as keyed hashes,
live a few minutes (invitations a few days), take a few wrong tries, and are sent at most once a minute
and a few times an hour per person; look-ups are limited per client address. The ID number arrives by
POST only and is never written back, logged or put in an address; the answer is the same whether or not
it is registered, so the page cannot be used to learn who is. Each sending and sign-in is logged on
``gongjiang.security`` by person id only.
"""

from __future__ import annotations

import datetime
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from gongjiang.core import pii
from gongjiang.core.audit import record_change, snapshot
from gongjiang.core.models import Role, User
from gongjiang.portal import sms
from gongjiang.portal.models import SignInCode, WorkerInvitation
from gongjiang.registry.models import Person
from gongjiang.registry.selectors import find_person_by_id_number

log = logging.getLogger("gongjiang.security")

CODE_DIGITS = 6
INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class TooManyTries(Exception):
    """Sign-in look-ups or codes asked too often; answered 429."""


def code_hash(person_id: int, code: str) -> str:
    return salted_hmac("gongjiang.portal.signin.code", f"{person_id}:{code}", algorithm="sha256").hexdigest()


def invitation_hash(code: str) -> str:
    normal = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    return salted_hmac("gongjiang.portal.signin.invitation", normal, algorithm="sha256").hexdigest()


def new_invitation_code() -> str:
    raw = "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _client_throttle(client: str) -> None:
    """At most ``SIGN_IN_LOOKUP_LIMIT`` look-ups (ID numbers, codes, invitations) per client in 10 minutes."""
    key = f"gj-signin:{client}:{int(time.time()) // 600}"
    count = cache.get_or_set(key, 0, 660) or 0
    if int(count) >= int(settings.SIGN_IN_LOOKUP_LIMIT):
        log.warning("self-service sign-in refused: client %s past the look-up limit", client)
        raise TooManyTries(_("Too many attempts from this address; wait ten minutes and try again."))
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, 660)


@dataclass(frozen=True)
class Sent:
    """What :func:`code_send` remembers for the next step (in the session): the person, if any was found."""

    person_id: int | None


@transaction.atomic
def code_send(*, id_number: str, client: str, now: datetime.datetime | None = None) -> Sent:
    """Send a one-time code to the phone on file of the person with this ID number. Without such a person
    or phone nothing is sent, and the answer is the same."""
    _client_throttle(client)
    now = now or timezone.now()
    person = find_person_by_id_number(id_number or "")
    if person is None or not person.phone_enc:
        log.info("self-service code not sent: no person with a phone for the number given (client %s)", client)
        return Sent(None)
    recent = SignInCode.objects.filter(person=person, created__gte=now - datetime.timedelta(hours=1))
    if recent.filter(created__gte=now - datetime.timedelta(seconds=settings.SIGN_IN_CODE_INTERVAL)).exists():
        raise TooManyTries(_("A code was sent a moment ago; wait a minute before asking for another."))
    if recent.count() >= settings.SIGN_IN_CODE_PER_HOUR:
        raise TooManyTries(_("Too many codes asked for this hour; try again later."))
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    SignInCode.objects.filter(person=person, used=False).update(used=True)  # one live code at a time
    SignInCode.objects.create(
        person=person,
        code_hash=code_hash(person.pk, code),
        expires=now + datetime.timedelta(seconds=settings.SIGN_IN_CODE_TTL),
        tries_left=settings.SIGN_IN_CODE_ATTEMPTS,
    )
    minutes = max(1, settings.SIGN_IN_CODE_TTL // 60)
    text = _("Gongjiang self-service sign-in code %(code)s, valid for %(m)d minutes. Never tell anyone.") % {
        "code": code,
        "m": minutes,
    }
    transaction.on_commit(lambda: sms.sender().send(pii.decrypt(person.phone_enc), text))
    log.info("self-service code sent to the phone on file of person %s", person.pk)
    return Sent(person.pk)


def _worker_account(person: Person) -> User:
    """The person's self-service account, opened on first sign-in."""
    account = User.objects.filter(person=person).first()
    if account is not None:
        if account.role != Role.WORKER or not account.is_active:
            raise ValidationError({"code": _("This account cannot sign in here; ask the bureau.")})
        return account
    account = User(username=f"worker-{person.pk}", role=Role.WORKER, person=person)
    account.set_unusable_password()
    account.full_clean()
    account.save()
    record_change(action="create", instance=account)
    return account


def code_check(*, sent: Sent, code: str, client: str, now: datetime.datetime | None = None) -> User:
    """The account of the person the code was sent to, if ``code`` is their live code; a wrong code costs a
    try (kept even though the answer is a refusal), and the code is dead once used, expired or out of tries."""
    _client_throttle(client)
    now = now or timezone.now()
    wrong = ValidationError({"code": _("The code is not correct or has expired; ask for a new one.")})
    if sent.person_id is None:
        raise wrong
    with transaction.atomic():
        live = (
            SignInCode.objects.select_for_update()
            .filter(person_id=sent.person_id, used=False, expires__gt=now, tries_left__gt=0)
            .order_by("-id")
            .first()
        )
        if live is None:
            raise wrong
        matches = constant_time_compare(live.code_hash, code_hash(sent.person_id, (code or "").strip()))
        if matches:
            live.used = True
            live.save(update_fields=["used"])
            account = _worker_account(Person.objects.get(pk=sent.person_id))
        else:
            live.tries_left -= 1
            live.save(update_fields=["tries_left"])
    if not matches:
        raise wrong
    log.info("self-service sign-in by code: person %s, account %s", sent.person_id, account.pk)
    return account


@transaction.atomic
def invitation_redeem(
    *, code: str, username: str, password: str, client: str, now: datetime.datetime | None = None
) -> User:
    """Open the self-service account of the person an officer invited, with the user name and password
    they choose."""
    _client_throttle(client)
    now = now or timezone.now()
    invitation = (
        WorkerInvitation.objects.select_for_update()
        .select_related("person")
        .filter(code_hash=invitation_hash(code), used_at__isnull=True, expires__gt=now)
        .first()
    )
    if invitation is None:
        raise ValidationError({"code": _("The invitation code is not correct, used or expired; ask the bureau.")})
    if User.objects.filter(person=invitation.person).exists():
        raise ValidationError({"code": _("You already have an account; sign in with it.")})
    username = (username or "").strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken; choose another.")})
    account = User(username=username, role=Role.WORKER, person=invitation.person)
    try:
        validate_password(password, account)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    account.set_password(password)
    try:
        account.full_clean()
    except ValidationError as exc:
        raise ValidationError({k: v for k, v in exc.message_dict.items() if k in ("username", "password")}) from None
    account.save()
    record_change(action="create", instance=account)
    before = snapshot(invitation)
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    record_change(action="update", instance=invitation, before=before)
    log.info("self-service account opened by invitation: person %s, account %s", invitation.person_id, account.pk)
    return account


def session_sent(data: Any) -> Sent | None:
    if not isinstance(data, dict) or "person_id" not in data:
        return None
    value = data["person_id"]
    return Sent(int(value) if value is not None else None)
