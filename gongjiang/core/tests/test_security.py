"""Sign-in and browser hardening: lockout after failed sign-ins (django-axes), the Content-Security-Policy
and HSTS, and the second factor (TOTP) that province officers must give."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from gongjiang.core import second_factor

PASSWORD = "correct-horse-battery"
ROOT = Path(__file__).resolve().parents[3]


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return "_auth_user_id" in client.session


# --- sign-in lockout -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_wrong_passwords_lock_the_account_and_are_logged(client, make_user, caplog) -> None:  # type: ignore[no-untyped-def]
    make_user("zhangjiagang", region_code="320582")
    with caplog.at_level(logging.WARNING):
        for _ in range(25):
            response = client.post("/accounts/login/", {"username": "zhangjiagang", "password": "wrong-password"})
            assert response.status_code in (200, 429)
    # The right password no longer opens the account while it is locked out.
    response = client.post("/accounts/login/", {"username": "zhangjiagang", "password": PASSWORD})
    assert response.status_code == 429
    assert not _signed_in(client)
    page = response.content.decode()
    assert "登录已暂时锁定" in page and "15" in page
    # Each failure and the lockout are logged, naming the account, never the password tried.
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("axes")]
    assert any("zhangjiagang" in line and "lock" in line.lower() for line in lines)
    assert not any("wrong-password" in line for line in lines)


@pytest.mark.django_db
def test_lockout_comes_at_the_limit_and_a_success_before_it_resets(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("suzhou", region_code="320500")
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert client.post("/accounts/login/", {"username": "suzhou", "password": "nope-nope-1"}).status_code == 200
    assert client.post("/accounts/login/", {"username": "suzhou", "password": PASSWORD}).status_code == 302
    assert _signed_in(client)
    client.logout()
    # The success reset the count: as many failures again are still below the limit.
    for _ in range(limit - 1):
        client.post("/accounts/login/", {"username": "suzhou", "password": "nope-nope-1"})
    assert client.post("/accounts/login/", {"username": "suzhou", "password": PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_a_locked_client_address_cannot_try_other_accounts(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("changzhou", region_code="320400")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": f"guess{n}", "password": "nope-nope-1"})
    response = client.post("/accounts/login/", {"username": "changzhou", "password": PASSWORD})
    assert response.status_code == 429 and not _signed_in(client)


# --- Content-Security-Policy and HSTS -----------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/accounts/login/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy and "http" not in policy


TEMPLATE_DIRS = [ROOT / "gongjiang"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"\sstyle\s*=|<style", re.I)


def test_templates_hold_no_inline_script_handler_or_style() -> None:
    """What the policy would block: every script and style is a static file of the platform."""
    offenders = []
    for base in TEMPLATE_DIRS:
        for path in base.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for pattern in (INLINE_SCRIPT, INLINE_HANDLER, STYLE):
                for match in pattern.finditer(text):
                    offenders.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
    assert offenders == []


def _production_answer(path: str) -> dict[str, str]:
    """The headers of one answer of a platform started with debug off (in a process of its own, since the
    settings are read once), asked over HTTPS."""
    script = (
        "import json, django\n"
        "django.setup()\n"
        "from django.test import Client\n"
        f"r = Client().get({path!r}, secure=True)\n"
        "print(json.dumps({'status': r.status_code, **dict(r.headers)}))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gongjiang.settings",
        "GONGJIANG_DEBUG": "0",
        "GONGJIANG_SECRET_KEY": "s" * 50,
        "GONGJIANG_PII_KEY": "cHJvZHVjdGlvbi10ZXN0LWtleS0zMi1ieXRlcy1sb25nIQ==",
        "GONGJIANG_PII_INDEX_KEY": "cHJvZHVjdGlvbi10ZXN0LWluZGV4LWtleS0zMi1ieXRlcw==",
        "GONGJIANG_ALLOWED_HOSTS": "testserver",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_with_debug_off_answers_carry_hsts_and_the_policy() -> None:
    headers = _production_answer("/accounts/login/")
    assert headers["status"] == 200
    hsts = headers["Strict-Transport-Security"]
    assert re.search(r"max-age=(\d+)", hsts) and int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000  # type: ignore[union-attr]
    assert "includeSubDomains" in hsts
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


# --- second factor ---------------------------------------------------------------------------------


@pytest.fixture
def province(make_user):  # type: ignore[no-untyped-def]
    return make_user("province", region_code="320000")


@pytest.mark.django_db
def test_province_officer_must_set_up_and_give_a_code(client, province) -> None:  # type: ignore[no-untyped-def]
    assert second_factor.required(province)
    assert client.post("/accounts/login/", {"username": "province", "password": PASSWORD}).status_code == 302
    # Signed in with the password alone: every page leads to the second factor, the API refuses.
    response = client.get("/registry/persons/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/")
    assert client.get("/api/persons/").status_code == 403
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith("/accounts/otp/setup/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and 'id="otp-secret"' in html and "设置两步验证" in html
    device = TOTPDevice.objects.get(user=province, confirmed=False)
    wrong = client.post("/accounts/otp/setup/", {"token": "000000" if _code(device) != "000000" else "111111"})
    assert "动态验证码不正确" in wrong.content.decode()
    assert client.get("/registry/persons/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()  # the device holds off for a second after a wrong code: that second passes
    done = client.post("/accounts/otp/setup/", {"token": _code(device), "next": "/registry/persons/"})
    assert done.status_code == 302 and done["Location"] == "/registry/persons/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/registry/persons/").status_code == 200
    assert client.get("/api/persons/").status_code == 200
    # The next sign-in asks for a code from the device.
    client.logout()
    client.post("/accounts/login/", {"username": "province", "password": PASSWORD})
    assert client.get("/registry/persons/")["Location"].startswith("/accounts/otp/?")
    bad = client.post("/accounts/otp/", {"token": "12345x"})
    assert bad.status_code == 200 and client.get("/registry/persons/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()
    good = client.post("/accounts/otp/", {"token": _code(device, offset=1), "next": "/registry/persons/"})
    assert good.status_code == 302 and good["Location"] == "/registry/persons/"
    assert client.get("/registry/persons/").status_code == 200


@pytest.mark.django_db
def test_setting_up_the_second_factor_never_records_its_key(client, province) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.core.models import ChangeRecord

    client.force_login(province)
    client.get("/accounts/otp/setup/")
    device = TOTPDevice.objects.get(user=province)
    client.post("/accounts/otp/setup/", {"token": _code(device)})
    records = ChangeRecord.objects.filter(model="otp_totp.TOTPDevice")
    assert records.count() == 1
    dumped = json.dumps([r.after for r in records]) + "".join(r.object_repr for r in records)
    assert device.key not in dumped and device.key.upper() not in dumped


@pytest.mark.django_db
def test_repeated_wrong_codes_are_throttled(client, province) -> None:  # type: ignore[no-untyped-def]
    device = TOTPDevice.objects.create(user=province, name="phone", confirmed=True)
    client.force_login(province)
    right = _code(device)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):
        client.post("/accounts/otp/", {"token": wrong})
    # While the device holds off after failures, even the right code is refused.
    response = client.post("/accounts/otp/", {"token": right})
    assert "验证码错误次数过多" in response.content.decode()
    assert client.get("/registry/persons/").status_code == 302


@pytest.mark.django_db
def test_a_city_officer_may_go_without_and_is_asked_once_set_up(client, make_user) -> None:  # type: ignore[no-untyped-def]
    city = make_user("suzhou", region_code="320500")
    assert not second_factor.required(city)
    client.post("/accounts/login/", {"username": "suzhou", "password": PASSWORD})
    assert client.get("/registry/persons/").status_code == 200
    device = TOTPDevice.objects.create(user=city, name="phone", confirmed=True)
    client.logout()
    client.post("/accounts/login/", {"username": "suzhou", "password": PASSWORD})
    assert client.get("/registry/persons/").status_code == 302
    client.post("/accounts/otp/", {"token": _code(device)})
    assert client.get("/registry/persons/").status_code == 200


@pytest.mark.django_db
def test_the_api_refuses_an_unverified_province_session_but_not_a_token(province) -> None:  # type: ignore[no-untyped-def]
    from rest_framework.authtoken.models import Token

    session = APIClient()
    session.force_login(province)
    assert session.get("/api/persons/").status_code == 403
    token = APIClient()
    token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=province).key}")
    assert token.get("/api/persons/").status_code == 200


@pytest.mark.django_db
def test_the_demo_province_account_has_an_authenticator_whose_code_signs_in(
    client, reference, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from io import StringIO

    from django.core.management import call_command

    from gongjiang.core.audit import audit_context
    from gongjiang.synth.demo import demo_accounts, demo_secret

    settings.VAR_DIR = tmp_path
    settings.DEBUG = True  # the demo runs with debug on, where `otp_code` works
    with audit_context(source="cli"):
        accounts = dict((a.username, p) for a, p in demo_accounts())
    assert second_factor.confirmed_device(_user("province")) is not None
    assert second_factor.confirmed_device(_user("suzhou")) is None
    assert demo_secret("province") and "province-totp" in (tmp_path / "demo-accounts.txt").read_text()
    out = StringIO()
    call_command("otp_code", "province", stdout=out)
    client.post("/accounts/login/", {"username": "province", "password": accounts["province"]})
    assert client.get("/registry/persons/").status_code == 302
    client.post("/accounts/otp/", {"token": out.getvalue().strip()})
    assert client.get("/registry/persons/").status_code == 200
    # Run again (the demo resets its accounts), the same key stays.
    key = second_factor.confirmed_device(_user("province")).key  # type: ignore[union-attr]
    with audit_context(source="cli"):
        demo_accounts()
    assert second_factor.confirmed_device(_user("province")).key == key  # type: ignore[union-attr]


def test_otp_code_is_refused_with_debug_off(settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="GONGJIANG_DEBUG"):
        call_command("otp_code", "province")


def _user(username: str):  # type: ignore[no-untyped-def]
    from gongjiang.core.models import User

    return User.objects.get(username=username)


def test_the_sign_in_address(rf, settings) -> None:  # type: ignore[no-untyped-def]
    """A plain address for axes' records (an IPv6 peer whole, not its /64), the proxy header only from a
    trusted proxy, None without a peer."""
    from gongjiang.core.middleware import sign_in_address

    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert sign_in_address(rf.get("/", REMOTE_ADDR="2001:db8::1")) == "2001:db8::1"
    assert sign_in_address(rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8")) == "5.6.7.8"
    assert sign_in_address(rf.get("/", REMOTE_ADDR="9.9.9.9", HTTP_X_FORWARDED_FOR="5.6.7.8")) == "9.9.9.9"
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR")
    assert sign_in_address(request) is None
