"""The public verification page on a phone, in a real browser: valid, revoked, not found, the signed QR
code's URL (and a forged one), large tap targets, no sideways scrolling, and the English version."""

from __future__ import annotations

import datetime

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Mobile Safari/537.36"
    ),
}


@pytest.fixture
def phone(browser):  # type: ignore[no-untyped-def]
    from django.core.cache import caches

    from gongjiang.credentials import signing

    caches["default"].clear()
    signing.clear_cache()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def certs(reference, make_person, make_org, make_certificate):  # type: ignore[no-untyped-def]
    org = make_org(kind="evaluation", name="张家港市职业技能鉴定中心")
    valid_holder = make_person(name="陈小芳", birth=datetime.date(1991, 8, 8))
    revoked_holder = make_person(name="吴大勇", birth=datetime.date(1985, 2, 2))
    valid = make_certificate(valid_holder, issuer=org)
    revoked = make_certificate(revoked_holder, issuer=org, level="level4", national_level=4)
    from gongjiang.core.audit import audit_context
    from gongjiang.credentials.services import certificate_revoke

    with audit_context(source="cli"):
        certificate_revoke(actor=None, certificate=revoked, revoked_on=datetime.date(2025, 4, 30), reason="复核撤销")
    return {"valid": valid, "valid_holder": valid_holder, "revoked": revoked}


def _query(page, url: str, number: str, *, name: str = "", id_number: str = "") -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/verify/")
    page.fill("#id_cert_number", number)
    if name:
        page.fill("#id_holder_name", name)
    if id_number:
        page.fill("#id_holder_id", id_number)
    page.tap("#verify-submit")
    page.wait_for_selector("#answer")
    return page.get_attribute("#answer", "data-result") or ""


def _fits_the_phone(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"


def test_valid_certificate_on_a_phone(phone, live_server, certs) -> None:  # type: ignore[no-untyped-def]
    page = phone
    page.goto(f"{live_server.url}/verify/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    _fits_the_phone(page)
    # Large tap targets: the fields and the button are at least 44 CSS pixels high and span the screen.
    for selector in ("#id_cert_number", "#id_holder_name", "#id_holder_id", "#verify-submit"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 300, selector

    cert = certs["valid"]
    assert _query(page, live_server.url, cert.number, name="陈小芳") == "valid"
    _fits_the_phone(page)
    assert page.inner_text("#answer-number") == cert.number
    assert page.inner_text("#answer-holder") == "陈*芳"
    masked = page.inner_text("#answer-id")
    full = certs["valid_holder"].id_number
    assert masked == full[:4] + "*" * 10 + full[-4:]
    assert "张家港市职业技能鉴定中心" in page.inner_text("#answer-issuer")
    assert page.inner_text("#answer-issued") == "2024-06-01"
    assert full not in page.content()

    # By ID number: the name is only ever shown masked.
    assert _query(page, live_server.url, cert.number.lower(), id_number=full) == "valid"
    assert "陈小芳" not in page.content() and full not in page.content()


def test_revoked_certificate_shows_the_date(phone, live_server, certs) -> None:  # type: ignore[no-untyped-def]
    assert _query(phone, live_server.url, certs["revoked"].number, name="吴大勇") == "revoked"
    assert "2025-04-30" in phone.inner_text("#answer-title")
    assert phone.inner_text("#answer-revoked") == "2025-04-30"
    _fits_the_phone(phone)


def test_not_found_says_nothing_about_which_part_was_wrong(phone, live_server, certs) -> None:  # type: ignore[no-untyped-def]
    page = phone
    cert = certs["valid"]
    assert _query(page, live_server.url, cert.number, name="陈小") == "not_found"
    wrong_name = page.inner_text("#answer")
    assert page.locator("#answer-details").count() == 0
    assert _query(page, live_server.url, cert.number[:-6] + "999999", name="陈小芳") == "not_found"
    assert page.inner_text("#answer") == wrong_name
    # A malformed number is an input error on the field, not an answer.
    page.goto(f"{live_server.url}/verify/")
    page.fill("#id_cert_number", "12345")
    page.fill("#id_holder_name", "陈小芳")
    page.tap("#verify-submit")
    page.wait_for_selector("#id_cert_number.is-invalid")
    assert page.locator("#answer").count() == 0


def test_qr_token_url_verifies_signature_then_status(phone, live_server, certs) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.credentials import tokens

    page = phone
    token = tokens.token_sign(number=certs["valid"].number)
    page.goto(f"{live_server.url}/verify/t/{token}/")
    assert page.get_attribute("#answer", "data-result") == "valid"
    assert token.split(".")[1] in page.inner_text("#answer-signature")
    assert page.inner_text("#answer-holder") == "陈*芳"
    _fits_the_phone(page)

    revoked_token = tokens.token_sign(number=certs["revoked"].number)
    page.goto(f"{live_server.url}/verify/t/{revoked_token}/")
    assert page.get_attribute("#answer", "data-result") == "revoked"

    forged = token.replace(certs["valid"].number, certs["revoked"].number[:-1] + "8")
    page.goto(f"{live_server.url}/verify/t/{forged}/")
    assert page.get_attribute("#answer", "data-result") == "bad_signature"
    assert page.locator("#answer-details").count() == 0


def test_the_page_is_available_in_english(phone, live_server, certs) -> None:  # type: ignore[no-untyped-def]
    page = phone
    page.goto(f"{live_server.url}/verify/")
    page.select_option("#language-form select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "Certificate verification" in page.inner_text("h1")
    assert _query(page, live_server.url, certs["valid"].number, name="陈小芳") == "valid"
    assert page.get_attribute("html", "lang") == "en"
