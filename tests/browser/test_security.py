"""Signing in as a person does, under the Content-Security-Policy: a province officer sets up the second
factor with the QR page and signs in with a code; the pages that load the most (the API's documentation,
the admin, the monitoring dashboard) run with nothing refused by the policy (the page fixture fails on any
refusal)."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_province_officer_sets_up_the_authenticator_then_signs_in_with_it(reference, make_user, page, live_server):
    user = make_user("province", region_code="320000")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "province")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_selector("#otp-qr svg")
    assert "/accounts/otp/setup/" in page.url
    assert page.locator("#otp-secret").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user=user)
    page.fill("#id_token", _code(device))
    page.click("#otp-submit")
    page.wait_for_selector("#whoami")
    assert "/accounts/otp/" not in page.url
    page.goto(f"{live_server.url}/registry/persons/")
    assert page.locator("#person-table").count() == 1

    # Signed out and in again: the password alone reaches only the code page.
    page.click("nav form[action$='/accounts/logout/'] button")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "province")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_selector("#otp-form")
    page.goto(f"{live_server.url}/registry/persons/")
    assert "/accounts/otp/" in page.url
    device.refresh_from_db()
    device.last_t = -1  # the code of the setup step may still be current: a fresh one is wanted
    device.save()
    page.fill("#id_token", _code(device))
    page.click("#otp-submit")
    page.wait_for_selector("#person-table")


def test_busy_pages_run_under_the_policy(reference, make_user, page, live_server, login):
    make_user("admin", superuser=True)
    login("admin")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info")
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_selector("#content")
    page.goto(f"{live_server.url}/admin/core/user/")
    page.wait_for_selector("#result_list")
    page.goto(f"{live_server.url}/monitoring/")
    page.wait_for_selector("#region-title")
    page.goto(f"{live_server.url}/registry/persons/")
    page.wait_for_selector("#person-table")
