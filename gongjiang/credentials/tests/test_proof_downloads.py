"""Officers download a certificate's PDF (with its signed QR code) and its verifiable credential from the
certificate page; only in scope, only officers, only for valid certificates."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.core.cache import caches

from gongjiang.credentials import signing, tokens, vc
from gongjiang.credentials.pdf import qr_matrix
from gongjiang.credentials.services import certificate_revoke


@pytest.fixture(autouse=True)
def _fresh(db, settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches["default"].clear()
    signing.clear_cache()


@pytest.fixture
def cert(make_person, make_org, make_certificate):  # type: ignore[no-untyped-def]
    org = make_org(kind="evaluation", name="张家港市职业技能鉴定所")
    return make_certificate(make_person(name="周五郎", region="320582"), issuer=org)


def _login(client, make_user, **kwargs):  # type: ignore[no-untyped-def]
    user = make_user(**kwargs)
    client.force_login(user)
    return user


def test_officer_in_scope_downloads_a_pdf_whose_qr_link_verifies(client, make_user, cert, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PUBLIC_BASE_URL = "https://gongjiang.example.gov.cn"
    _login(client, make_user, region_code="320500")
    page = client.get(f"/credentials/certificates/{cert.pk}/").content.decode()
    assert 'id="download-pdf"' in page and 'id="download-vc"' in page

    response = client.get(f"/credentials/certificates/{cert.pk}/proof.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert cert.number in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"%PDF-") and b"/STSong-Light" in body and b"/FontFile" not in body  # not embedded
    url = re.search(rb"https://gongjiang\.example\.gov\.cn/verify/t/([A-Za-z0-9._-]+)/", body)
    assert url is not None
    token = url.group(1).decode()
    claims = tokens.token_verify(token)
    assert claims.number == cert.number and claims.kid == signing.active_signer().kid
    # The QR code drawn on the page encodes that same URL.
    assert len(qr_matrix(url.group(0).decode())) >= 21
    # Following it with a client answers valid.
    client.logout()
    assert 'data-result="valid"' in client.get(f"/verify/t/{token}/").content.decode()


def test_officer_downloads_a_signed_credential(client, make_user, cert) -> None:  # type: ignore[no-untyped-def]
    _login(client, make_user, region_code="320582")
    response = client.get(f"/credentials/certificates/{cert.pk}/credential.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/ld+json")
    document = json.loads(response.content)
    assert document["issuer"]["id"] == "http://testserver/verify/issuer/"
    check = vc.proof_verify(document)
    assert check.valid and check.number == cert.number


@pytest.mark.parametrize(
    "user",
    [
        {"region_code": "320400"},  # an officer of another city
        {"role": "auditor", "region_code": "320500"},  # read only
    ],
)
def test_out_of_scope_or_read_only_users_get_no_proof(client, make_user, cert, user) -> None:  # type: ignore[no-untyped-def]
    _login(client, make_user, **user)
    assert client.get(f"/credentials/certificates/{cert.pk}/proof.pdf").status_code == 404
    assert client.get(f"/credentials/certificates/{cert.pk}/credential.json").status_code == 404


def test_auditor_sees_the_page_without_download_buttons(client, make_user, cert) -> None:  # type: ignore[no-untyped-def]
    _login(client, make_user, role="auditor", region_code="320500")
    page = client.get(f"/credentials/certificates/{cert.pk}/")
    assert page.status_code == 200 and "download-pdf" not in page.content.decode()


def test_anonymous_is_sent_to_login(client, cert) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/credentials/certificates/{cert.pk}/proof.pdf")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_revoked_certificate_has_no_proof_to_download(client, make_user, cert) -> None:  # type: ignore[no-untyped-def]
    certificate_revoke(actor=None, certificate=cert, revoked_on=datetime.date(2025, 1, 1), reason="作废")
    _login(client, make_user, region_code="320582")
    assert "download-pdf" not in client.get(f"/credentials/certificates/{cert.pk}/").content.decode()
    assert client.get(f"/credentials/certificates/{cert.pk}/proof.pdf").status_code == 404
    assert client.get(f"/credentials/certificates/{cert.pk}/credential.json").status_code == 404
