"""The platform's Ed25519 signing keys: creation, rotation, retirement, signing and verification.

* Exactly one key is *active*: it signs QR tokens and verifiable credentials.
* ``signing_key_rotate`` makes a new active key; the previous one becomes *verify-only*, so everything
  it signed keeps verifying.
* ``signing_key_retire`` stops a verify-only key from verifying (e.g. after a compromise).
* A private key is stored encrypted with the personal-data key (``core.pii.encrypt``), or held outside
  the database in ``GONGJIANG_SIGNING_KEY_FILE`` (PKCS#8 PEM) or ``GONGJIANG_SIGNING_KEY`` (base64 seed),
  in which case only its public half is registered here.

Public keys are cached per process for ``CACHE_SECONDS``: a retirement reaches every worker within that
time. The key id is derived from the public key, so a key id names one key everywhere.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongjiang.core import pii
from gongjiang.core.audit import record_change, snapshot
from gongjiang.credentials.models import SigningKey, SigningKeyStatus

CACHE_SECONDS = 60.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _raw_private(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def key_id_for(public_raw: bytes) -> str:
    """Eight hex characters of SHA-256 over the raw public key."""
    return hashlib.sha256(public_raw).hexdigest()[:8]


def load_private_key(*, pem: bytes | None = None, seed_b64: str | None = None) -> Ed25519PrivateKey:
    if pem is not None:
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("the PEM file does not hold an Ed25519 private key")
        return key
    if seed_b64:
        seed = base64.b64decode(seed_b64.strip() + "=" * (-len(seed_b64.strip()) % 4), altchars=b"-_")
        if len(seed) != 32:
            raise ValueError("an Ed25519 seed is 32 bytes")
        return Ed25519PrivateKey.from_private_bytes(seed)
    raise ValueError("no key material given")


def external_private_key() -> Ed25519PrivateKey | None:
    """The private key configured outside the database, if any."""
    if settings.SIGNING_KEY_FILE:
        return load_private_key(pem=Path(settings.SIGNING_KEY_FILE).read_bytes())
    if settings.SIGNING_KEY:
        return load_private_key(seed_b64=settings.SIGNING_KEY)
    return None


# ------------------------------------------------------------------------------------------------
# Services
# ------------------------------------------------------------------------------------------------


@transaction.atomic
def signing_key_rotate(*, private_key: Ed25519PrivateKey | None = None, store_private: bool = True) -> SigningKey:
    """Create a key and make it the active one; the previous active key becomes verify-only.

    Without ``private_key`` a fresh key is generated. With ``store_private=False`` only the public half
    is registered: the private key must then be configured in GONGJIANG_SIGNING_KEY_FILE or
    GONGJIANG_SIGNING_KEY on every server that signs.
    """
    if private_key is None:
        if not store_private:
            raise ValidationError(_("A generated key must be stored; give the external key to register."))
        private_key = Ed25519PrivateKey.generate()
    public_raw = _raw_public(private_key)
    kid = key_id_for(public_raw)
    if SigningKey.objects.filter(kid=kid).exists():
        raise ValidationError({"kid": _("The key %(kid)s is already registered.") % {"kid": kid}})
    now = timezone.now()
    for old in SigningKey.objects.select_for_update().filter(status=SigningKeyStatus.ACTIVE):
        before = snapshot(old)
        old.status = SigningKeyStatus.VERIFY_ONLY
        old.deactivated = now
        old.full_clean()
        old.save(update_fields=["status", "deactivated"])
        record_change(action="update", instance=old, before=before)
    key = SigningKey(
        kid=kid,
        public_key=b64url(public_raw),
        private_key_enc=pii.encrypt(b64url(_raw_private(private_key))) if store_private else "",
        status=SigningKeyStatus.ACTIVE,
    )
    key.full_clean()
    key.save()
    record_change(action="create", instance=key)
    clear_cache()
    transaction.on_commit(clear_cache)
    return key


@transaction.atomic
def signing_key_retire(*, kid: str) -> SigningKey:
    """Stop a verify-only key from verifying anything. The active key cannot be retired: rotate first."""
    key = SigningKey.objects.select_for_update().filter(kid=kid).first()
    if key is None:
        raise ValidationError({"kid": _("There is no signing key %(kid)s.") % {"kid": kid}})
    if key.status == SigningKeyStatus.ACTIVE:
        raise ValidationError({"kid": _("The active key cannot be retired; rotate to a new key first.")})
    if key.status == SigningKeyStatus.RETIRED:
        raise ValidationError({"kid": _("The key %(kid)s is already retired.") % {"kid": kid}})
    before = snapshot(key)
    key.status = SigningKeyStatus.RETIRED
    key.retired = timezone.now()
    key.full_clean()
    key.save(update_fields=["status", "retired"])
    record_change(action="update", instance=key, before=before)
    clear_cache()
    transaction.on_commit(clear_cache)
    return key


def signing_key_ensure() -> SigningKey:
    """The active key; the first one is created on first use (from the external key when configured)."""
    key = SigningKey.objects.filter(status=SigningKeyStatus.ACTIVE).first()
    if key is not None:
        return key
    external = external_private_key()
    try:
        with transaction.atomic():
            if external is not None:
                return signing_key_rotate(private_key=external, store_private=False)
            return signing_key_rotate()
    except (IntegrityError, ValidationError):
        # Another process created it at the same moment.
        key = SigningKey.objects.filter(status=SigningKeyStatus.ACTIVE).first()
        if key is None:
            raise
        return key


# ------------------------------------------------------------------------------------------------
# Signing and verifying
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signer:
    kid: str
    private: Ed25519PrivateKey

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def active_signer() -> Signer:
    key = signing_key_ensure()
    if key.private_key_enc:
        private = Ed25519PrivateKey.from_private_bytes(b64url_decode(pii.decrypt(key.private_key_enc)))
    else:
        external = external_private_key()
        if external is None:
            raise ImproperlyConfigured(
                f"The active signing key {key.kid} is held outside the database, but neither "
                "GONGJIANG_SIGNING_KEY_FILE nor GONGJIANG_SIGNING_KEY is set."
            )
        private = external
    if b64url(_raw_public(private)) != key.public_key:
        raise ImproperlyConfigured(f"The configured private key does not match the active key {key.kid}.")
    return Signer(kid=key.kid, private=private)


class _PublicKeys:
    """kid -> public key of every key that still verifies, refreshed every CACHE_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._loaded = -1e18

    def clear(self) -> None:
        with self._lock:
            self._loaded = -1e18

    def _load(self) -> None:
        rows = SigningKey.objects.exclude(status=SigningKeyStatus.RETIRED).values_list("kid", "public_key")
        keys = {kid: Ed25519PublicKey.from_public_bytes(b64url_decode(pub)) for kid, pub in rows}
        with self._lock:
            self._keys = keys
            self._loaded = time.monotonic()

    def get(self, kid: str) -> Ed25519PublicKey | None:
        age = time.monotonic() - self._loaded
        # An unknown key id may be a key just created by another process: look again, at most once a second.
        if age > CACHE_SECONDS or (kid not in self._keys and age > 1.0):
            self._load()
        return self._keys.get(kid)


_public_keys = _PublicKeys()


def clear_cache() -> None:
    _public_keys.clear()


def public_key(kid: str) -> Ed25519PublicKey | None:
    """The public key of a key that still verifies (active or verify-only), or None."""
    return _public_keys.get(kid)


def verify(kid: str, message: bytes, signature: bytes) -> bool:
    key = public_key(kid)
    if key is None:
        return False
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
