"""The second factor at sign-in: a time-based one-time code (TOTP, RFC 6238) from an authenticator app,
kept as a django-otp ``TOTPDevice``.

Every signed-in user may set one up (:func:`device_for_setup`, :func:`device_confirm`); once a user has
one, every sign-in asks for a code. The officers of the region levels ``settings.OTP_REQUIRED_LEVELS``
names (the province, by default) must have one: until they have set it up and given a code, every page
sends them to the second-factor page and every API answer made with their session is a refusal
(:class:`gongjiang.core.middleware.SecondFactorMiddleware`). The device's secret key is never written to
a change record or a log line. A lost device is removed by an administrator (the admin's TOTP devices),
after which the user sets up a new one.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongjiang.core.audit import Action, record_set
from gongjiang.core.models import Role

log = logging.getLogger("gongjiang.security")

DUE_SESSION_KEY = "gj_second_factor_due"
DEVICE_NAME = "authenticator"


def required(user: Any) -> bool:
    """Must ``user`` give a code at every sign-in (an officer of a level the settings list)?"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role == Role.OFFICER and bool(user.region_code) and user.region_level in settings.OTP_REQUIRED_LEVELS


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def due(request: HttpRequest) -> bool:
    """Is the signed-in user of ``request`` still to give a code (required, or with a device set up)?"""
    user = request.user
    if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr,attr-defined]
        return False
    return required(user) or bool(request.session.get(DUE_SESSION_KEY))


@receiver(user_logged_in)
def _note_device(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """At sign-in: a user with a device set up gives a code before anything else."""
    if request is not None and hasattr(request, "session"):
        request.session[DUE_SESSION_KEY] = confirmed_device(user) is not None


def device_for_setup(*, actor: Any) -> TOTPDevice:
    """The device ``actor`` is setting up: a new key, not yet confirmed (kept until a code confirms it)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it when typed: base32, in groups of four."""
    b32 = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(b32[i : i + 4] for i in range(0, len(b32), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no image request, no script)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return str(image.to_string(encoding="unicode"))


@transaction.atomic
def device_confirm(*, actor: Any, request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Confirm ``actor``'s new device with a code from it; the session counts as verified. False for a
    wrong code (the device throttles repeated failures)."""
    if device.user_id != actor.pk or device.confirmed:
        raise ValueError("not a device this user is setting up")
    if not device.verify_token(_digits(token)):
        log.warning("second factor: a wrong code while setting up, user %s", actor.pk)
        return False
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_set(model=TOTPDevice, count=1, detail={"user": actor.username, "step": "confirmed"}, action=Action.CREATE)
    otp_login(request, device)
    request.session[DUE_SESSION_KEY] = True
    log.info("second factor: set up by user %s", actor.pk)
    return True


def verify(*, actor: Any, request: HttpRequest, token: str) -> bool | None:
    """Check a code against ``actor``'s device: True (the session is verified), False (a wrong code), or
    None while the device refuses codes after repeated failures."""
    device = confirmed_device(actor)
    if device is None:
        return False
    allowed, _detail = device.verify_is_allowed()
    if not allowed:
        log.warning("second factor: code refused while throttled, user %s", actor.pk)
        return None
    if not device.verify_token(_digits(token)):
        log.warning("second factor: a wrong code, user %s", actor.pk)
        return False
    otp_login(request, device)
    return True


def _digits(token: str) -> str:
    return "".join(ch for ch in str(token or "") if ch.isascii() and ch.isdigit())
