"""Playwright driving Debian's chromium (installed by `make test`) against the live test server."""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test body are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = os.environ.get("GONGJIANG_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        raise RuntimeError("Debian chromium is required for browser tests: run `make test`, which installs it")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def csp_violation(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


def _platform_page(url: str) -> bool:
    """A page of the platform, not an API answer that chromium shows with its own JSON viewer (whose inline
    style the policy refuses too, harmlessly)."""
    return "/api/" not in url or "/api/docs/" in url


@pytest.fixture
def page(browser):
    """A page whose console is watched: anything the Content-Security-Policy refused (an inline script or
    style, another origin) fails the test."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    refused: list[str] = []
    pg.on(
        "console",
        lambda msg: (
            refused.append(f"{pg.url}: {msg.text}") if csp_violation(msg.text) and _platform_page(pg.url) else None
        ),
    )
    pg.on("pageerror", lambda exc: refused.append(str(exc)) if csp_violation(str(exc)) else None)
    yield pg
    context.close()
    assert refused == [], "refused by the Content-Security-Policy:\n" + "\n".join(refused)


def one_time_code(username: str) -> str:
    """The code the user's authenticator would show now: of the device set up, or of the one the setup page
    (which a province officer without one is sent to) has just shown as a QR code."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__username=username).order_by("-confirmed", "-pk").first()
    assert device is not None
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.fixture
def login(page, live_server):
    """Signs in as a person does: the password, then, where the account has an authenticator (a province
    officer must: without one, the setup page comes first), its current code."""

    def do(username: str, password: str = "correct-horse-battery"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_selector("#whoami")
        if "/accounts/otp/" in page.url and page.locator("#id_token").count():
            page.fill("#id_token", one_time_code(username))
            page.click("#otp-submit")
            page.wait_for_selector("#whoami")
        return page

    return do
