"""Signing keys and QR tokens: signatures, tampering, rotation, retirement, external keys, the command,
and the token page checking the signature first and the registry's current status second."""

from __future__ import annotations

import base64
import datetime
import io

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.management import CommandError, call_command

from gongjiang.core import pii
from gongjiang.core.models import ChangeRecord
from gongjiang.credentials import signing, tokens
from gongjiang.credentials.models import SigningKey, SigningKeyStatus, VerificationEvent
from gongjiang.credentials.services import certificate_revoke


@pytest.fixture(autouse=True)
def _fresh(db):  # type: ignore[no-untyped-def]
    caches["default"].clear()
    signing.clear_cache()
    yield
    signing.clear_cache()


@pytest.fixture
def cert(make_person, make_certificate):  # type: ignore[no-untyped-def]
    return make_certificate(make_person(name="赵一"))


def _flip(token: str, index: int) -> str:
    ch = token[index]
    return token[:index] + ("B" if ch != "B" else "C") + token[index + 1 :]


# ---------------------------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------------------------


def test_first_use_creates_one_active_key_stored_encrypted() -> None:
    signer = signing.active_signer()
    key = SigningKey.objects.get()
    assert key.status == SigningKeyStatus.ACTIVE and key.kid == signer.kid and len(key.kid) == 8
    assert key.private_key_enc.startswith("v1:")  # encrypted with the personal-data key
    raw = signing.b64url_decode(pii.decrypt(key.private_key_enc))
    assert Ed25519PrivateKey.from_private_bytes(raw).public_key().public_bytes_raw() == signing.b64url_decode(
        key.public_key
    )
    assert signing.active_signer().kid == signer.kid  # not a second key
    record = ChangeRecord.objects.get(model="credentials.SigningKey")
    assert record.after["private_key_enc"] == "[redacted]"
    assert key.private_key_enc not in str(record.after)


def test_rotation_keeps_old_tokens_verifying_until_the_old_key_is_retired(cert) -> None:  # type: ignore[no-untyped-def]
    old_token = tokens.token_sign(number=cert.number)
    old_kid = old_token.split(".")[1]
    new = signing.signing_key_rotate()
    assert new.kid != old_kid
    assert SigningKey.objects.get(kid=old_kid).status == SigningKeyStatus.VERIFY_ONLY
    assert SigningKey.objects.filter(status=SigningKeyStatus.ACTIVE).count() == 1
    new_token = tokens.token_sign(number=cert.number)
    assert new_token.split(".")[1] == new.kid
    assert tokens.token_verify(old_token).kid == old_kid
    assert tokens.token_verify(new_token).kid == new.kid

    signing.signing_key_retire(kid=old_kid)
    with pytest.raises(tokens.TokenError):
        tokens.token_verify(old_token)
    assert tokens.token_verify(new_token).number == cert.number


def test_the_active_key_cannot_be_retired_and_retirement_is_final() -> None:
    active = signing.signing_key_ensure()
    with pytest.raises(ValidationError):
        signing.signing_key_retire(kid=active.kid)
    signing.signing_key_rotate()
    signing.signing_key_retire(kid=active.kid)
    with pytest.raises(ValidationError):
        signing.signing_key_retire(kid=active.kid)
    with pytest.raises(ValidationError):
        signing.signing_key_retire(kid="00000000")


def test_an_external_key_is_registered_by_its_public_half_only(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / "signing.pem"
    path.write_bytes(pem)
    settings.SIGNING_KEY_FILE = str(path)
    signer = signing.active_signer()
    key = SigningKey.objects.get()
    assert key.held_externally and key.private_key_enc == ""
    assert signer.kid == signing.key_id_for(private.public_key().public_bytes_raw())
    # The same key given as a base64 seed works too.
    settings.SIGNING_KEY_FILE = ""
    settings.SIGNING_KEY = base64.b64encode(private.private_bytes_raw()).decode()
    assert signing.active_signer().kid == signer.kid
    # A server configured with another key refuses to sign rather than sign with the wrong key.
    settings.SIGNING_KEY = base64.b64encode(Ed25519PrivateKey.generate().private_bytes_raw()).decode()
    with pytest.raises(ImproperlyConfigured):
        signing.active_signer()
    settings.SIGNING_KEY = ""
    with pytest.raises(ImproperlyConfigured):
        signing.active_signer()


def test_the_command_rotates_lists_and_retires(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("signing_key", "rotate", stdout=out)
    first = SigningKey.objects.get().kid
    pem_path = tmp_path / "k.pem"
    pem_path.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    call_command("signing_key", "rotate", "--private-key-file", str(pem_path), stdout=out)
    second = SigningKey.objects.get(status=SigningKeyStatus.ACTIVE).kid
    call_command("signing_key", "retire", first, stdout=out)
    listing = io.StringIO()
    call_command("signing_key", "list", stdout=listing)
    assert f"{first}  retired" in listing.getvalue() and f"{second}  active" in listing.getvalue()
    with pytest.raises(CommandError):
        call_command("signing_key", "retire", second)
    with pytest.raises(CommandError):  # the same key twice
        call_command("signing_key", "rotate", "--private-key-file", str(pem_path))
    sources = set(ChangeRecord.objects.filter(model="credentials.SigningKey").values_list("source", flat=True))
    assert sources == {"cli"}


# ---------------------------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------------------------


def test_token_carries_number_key_id_and_issue_time(cert) -> None:  # type: ignore[no-untyped-def]
    token = tokens.token_sign(number=cert.number, issued_at=1_750_000_000)
    version, kid, number, iat, _sig = token.split(".")
    assert (version, number, iat) == ("1", cert.number, "1750000000")
    claims = tokens.token_verify(token)
    assert claims == tokens.TokenClaims(kid=kid, number=cert.number, issued_at=1_750_000_000)
    assert len(token) < 140  # compact enough for a small QR code


def test_every_tampering_breaks_the_token(cert, make_person, make_certificate) -> None:  # type: ignore[no-untyped-def]
    token = tokens.token_sign(number=cert.number, issued_at=1_750_000_000)
    version, kid, number, iat, sig = token.split(".")
    other = make_certificate(make_person(name="钱二")).number
    forged = [
        f"{version}.{kid}.{other}.{iat}.{sig}",  # another certificate
        f"{version}.{kid}.{number}.{int(iat) + 1}.{sig}",  # another time
        f"{version}.{'0' * 8}.{number}.{iat}.{sig}",  # another key id
        _flip(token, len(token) - 10),  # the signature
        _flip(token, len(token) - 1),  # the last character (unused base64 bits included)
        f"2.{kid}.{number}.{iat}.{sig}",
        token + "A",
        token[:-1],
        "",
        "1.x.y.z.w",
    ]
    for bad in forged:
        with pytest.raises(tokens.TokenError):
            tokens.token_verify(bad)
    # A token signed by a key that is not ours.
    stranger = Ed25519PrivateKey.generate()
    stranger_kid = signing.key_id_for(stranger.public_key().public_bytes_raw())
    message = b"gongjiang-certificate-token:" + f"1.{stranger_kid}.{number}.{iat}".encode()
    foreign = f"1.{stranger_kid}.{number}.{iat}.{signing.b64url(stranger.sign(message))}"
    with pytest.raises(tokens.TokenError):
        tokens.token_verify(foreign)


def test_token_page_checks_signature_then_current_status(client, cert) -> None:  # type: ignore[no-untyped-def]
    token = tokens.token_sign(number=cert.number)
    html = client.get(f"/verify/t/{token}/").content.decode()
    assert 'data-result="valid"' in html and 'id="answer-signature"' in html
    assert "赵*" in html and "赵一" not in html

    # Revoked after the PDF was printed: the signature is still good, the answer is "revoked".
    certificate_revoke(actor=None, certificate=cert, revoked_on=datetime.date(2025, 2, 3), reason="撤销测试")
    html = client.get(f"/verify/t/{token}/").content.decode()
    assert 'data-result="revoked"' in html and "2025-02-03" in html and 'id="answer-signature"' in html

    # A tampered token shows no certificate at all.
    response = client.get(f"/verify/t/{_flip(token, len(token) - 5)}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-result="bad_signature"' in html
    answer = html[html.index('id="answer"') : html.index('id="verify-form"')]
    assert "answer-details" not in answer and cert.number not in answer and "赵" not in answer

    outcomes = list(VerificationEvent.objects.order_by("id").values_list("method", "outcome", "key_id"))
    kid = token.split(".")[1]
    assert outcomes == [("token", "valid", kid), ("token", "revoked", kid), ("token", "bad_signature", kid)]


def test_token_page_is_rate_limited(client, cert, settings, rate_clock) -> None:  # type: ignore[no-untyped-def]
    settings.VERIFY_RATE_LIMIT = 2
    token = tokens.token_sign(number=cert.number)
    codes = [client.get(f"/verify/t/{token}/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
