"""Compact signed tokens for the QR code on a certificate.

A token is ``1.<kid>.<number>.<iat>.<signature>``: format version, key id, certificate number, issue
time (Unix seconds) and the Ed25519 signature (base64url, no padding) over the domain-separated bytes
``gongjiang-certificate-token:1.<kid>.<number>.<iat>``. Every part is URL-safe, so the token sits in a
verification URL as it is. The token proves that the platform issued a proof for that number; whether
the certificate is still valid is always looked up in the registry when the token is checked.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from gongjiang.credentials import signing

VERSION = "1"
_DOMAIN = b"gongjiang-certificate-token:"
_TOKEN_RE = re.compile(
    r"^(?P<v>1)\.(?P<kid>[0-9a-f]{8})\.(?P<number>[A-Z]{0,2}[0-9]{16,21})\.(?P<iat>[0-9]{1,12})"
    r"\.(?P<sig>[A-Za-z0-9_-]{86})$",
    re.ASCII,
)


@dataclass(frozen=True)
class TokenClaims:
    kid: str
    number: str
    issued_at: int


class TokenError(ValueError):
    """Malformed, unknown key, retired key or bad signature: all the same to the holder of a token."""


def _message(kid: str, number: str, iat: int) -> bytes:
    return _DOMAIN + f"{VERSION}.{kid}.{number}.{iat}".encode("ascii")


def token_sign(*, number: str, issued_at: int | None = None) -> str:
    signer = signing.active_signer()
    iat = int(time.time()) if issued_at is None else issued_at
    signature = signer.sign(_message(signer.kid, number, iat))
    return f"{VERSION}.{signer.kid}.{number}.{iat}.{signing.b64url(signature)}"


def token_verify(token: str) -> TokenClaims:
    """The claims of a token whose signature verifies under a key that is not retired."""
    m = _TOKEN_RE.match(token or "")
    if m is None:
        raise TokenError("malformed token")
    kid, number, iat = m["kid"], m["number"], int(m["iat"])
    try:
        signature = signing.b64url_decode(m["sig"])
    except ValueError:
        raise TokenError("malformed signature") from None
    # Canonical encoding only: base64 ignores the unused low bits of the last character otherwise.
    if len(signature) != 64 or signing.b64url(signature) != m["sig"]:
        raise TokenError("malformed signature")
    if not signing.verify(kid, _message(kid, number, iat), signature):
        raise TokenError("signature does not verify")
    return TokenClaims(kid=kid, number=number, issued_at=iat)


def token_kid(token: str) -> str:
    """The key id a token names (for the log), without verifying anything."""
    m = _TOKEN_RE.match(token or "")
    return m["kid"] if m else ""
