"""Personal data: AES-GCM encryption at rest, HMAC blind index, masking, and log redaction.

Ciphertexts are stored as ``v1:<base64(nonce || ciphertext+tag)>`` so that the key can be rotated
(a new prefix) without ambiguity. The blind index is HMAC-SHA256 over the normalised value with a
separate key, truncated to 32 hex characters: exact search and deduplication without decryption.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import logging
import os
import re
import tempfile
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_PREFIX = "v1:"


@lru_cache(maxsize=4)
def _aead(key_b64: str) -> AESGCM:
    key = base64.b64decode(key_b64)
    if len(key) != 32:
        raise ValueError("GONGJIANG_PII_KEY must decode to 32 bytes")
    return AESGCM(key)


@lru_cache(maxsize=4)
def _index_key(key_b64: str) -> bytes:
    return base64.b64decode(key_b64)


class IndexHasher:
    """HMAC-SHA256 (RFC 2104) truncated to 16 bytes, for many values under one key.

    The hash states after the key's inner and outer pads are computed once and copied for every value,
    which halves the time of a one-shot ``hmac.digest`` per value (that one sets the key up each time);
    the result is the same, byte for byte."""

    def __init__(self, key: bytes) -> None:
        if len(key) > 64:  # as RFC 2104: a key longer than the block is hashed first
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def digests(self, messages: list[bytes | None]) -> list[bytes]:
        """``digest`` of every message; ``None`` (no value) gets ``b""``, the empty index."""
        inner_copy, outer_copy = self._inner.copy, self._outer.copy
        out: list[bytes] = []
        append = out.append
        for message in messages:
            if message is None:
                append(b"")
                continue
            inner = inner_copy()
            inner.update(message)
            outer = outer_copy()
            outer.update(inner.digest())
            append(outer.digest()[:16])
        return out

    def indexes(self, values: list[str]) -> list[bytes]:
        """The blind index digest of every value (stripped, upper-cased); ``b""`` for an empty value."""
        return self.digests([v.strip().upper().encode("utf-8") if v else None for v in values])


def index_hasher() -> IndexHasher:
    """The hasher of blind indexes under the configured index key."""
    return _hasher(settings.PII_INDEX_KEY)


@lru_cache(maxsize=4)
def _hasher(key_b64: str) -> IndexHasher:
    return IndexHasher(_index_key(key_b64))


def encrypt(plaintext: str) -> str:
    """Encrypt a value for storage; empty stays empty."""
    if not plaintext:
        return ""
    nonce = os.urandom(12)
    ct = _aead(settings.PII_KEY).encrypt(nonce, plaintext.encode("utf-8"), None)
    return _PREFIX + base64.b64encode(nonce + ct).decode("ascii")


def encrypt_many(values: list[str]) -> list[str]:
    """Encrypt a batch (used by bulk loads); one key lookup, one call per value."""
    aead = _aead(settings.PII_KEY)
    b64 = base64.b64encode
    nonces = os.urandom(12 * len(values))
    out = []
    for i, v in enumerate(values):
        if not v:
            out.append("")
            continue
        nonce = nonces[12 * i : 12 * i + 12]
        out.append(_PREFIX + b64(nonce + aead.encrypt(nonce, v.encode("utf-8"), None)).decode("ascii"))
    return out


def _protect_chunk(args: tuple[str, str, list[str]]) -> tuple[list[str], list[str]]:
    """Encrypt and index one column, given the keys explicitly."""
    key_b64, index_key_b64, values = args
    aead = _aead(key_b64)
    nonces = os.urandom(12 * len(values))
    b64 = base64.b64encode
    enc: list[str] = []
    for i, v in enumerate(values):
        if not v:
            enc.append("")
            continue
        nonce = nonces[12 * i : 12 * i + 12]
        enc.append(_PREFIX + b64(nonce + aead.encrypt(nonce, v.encode("utf-8"), None)).decode("ascii"))
    return enc, [d.hex() for d in _hasher(index_key_b64).indexes(values)]


def protect_many(columns: dict[str, list[str]]) -> dict[str, tuple[list[str], list[str]]]:
    """Ciphertexts and blind indexes for whole columns (bulk loads)."""
    keys = (settings.PII_KEY, settings.PII_INDEX_KEY)
    return {name: _protect_chunk((*keys, values)) for name, values in columns.items()}


class ProtectInBackground:
    """:func:`protect_many` computed in a forked child process while the caller goes on with other work
    (a bulk load writing other tables): AES-GCM and HMAC are CPU-bound and hold the interpreter lock, so
    a second process is what puts the second core to use. ``result()`` waits and returns what
    :func:`protect_many` would have. Small inputs, and systems without ``fork``, are computed at once.

    The child only encrypts and writes ASCII lines to a private temporary file, then leaves with
    ``os._exit``: it touches no database connection, thread pool or logging handler of the parent."""

    def __init__(self, columns: dict[str, list[str]], *, min_values: int = 200_000) -> None:
        self._columns = {name: len(values) for name, values in columns.items()}
        self._done: dict[str, tuple[list[str], list[str]]] | None = None
        self._pid = 0
        if not hasattr(os, "fork") or sum(self._columns.values()) < min_values:
            self._done = protect_many(columns)
            return
        keys = (settings.PII_KEY, settings.PII_INDEX_KEY)
        _aead(keys[0])  # a bad key fails here, in the parent, with its own message
        fd, self._path = tempfile.mkstemp(prefix="gongjiang-protect-")
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's coverage is not collected; results are tested
            status = 1
            try:
                with os.fdopen(fd, "wb") as out:
                    for values in columns.values():
                        enc, idx = _protect_chunk((*keys, values))
                        out.write("\n".join(enc).encode("ascii") + b"\0" + "\n".join(idx).encode("ascii") + b"\0")
                status = 0
            finally:
                os._exit(status)
        os.close(fd)
        self._pid = pid

    def result(self) -> dict[str, tuple[list[str], list[str]]]:
        if self._done is None:
            _, status = os.waitpid(self._pid, 0)
            self._pid = 0
            try:
                if status != 0:
                    raise RuntimeError(f"encrypting personal data failed in the background (status {status})")
                with open(self._path, "rb") as f:
                    parts = f.read().decode("ascii").split("\0")
            finally:
                os.unlink(self._path)
            done: dict[str, tuple[list[str], list[str]]] = {}
            for i, (name, n) in enumerate(self._columns.items()):
                enc, idx = (parts[2 * i].split("\n"), parts[2 * i + 1].split("\n")) if n else ([], [])
                if len(enc) != n or len(idx) != n:
                    raise RuntimeError(f"encrypting personal data in the background returned {len(enc)} of {n} values")
                done[name] = (enc, idx)
            self._done = done
        return self._done

    def discard(self) -> None:
        """Wait for a child whose result is no longer wanted (an error elsewhere) and remove its file."""
        if self._done is None and self._pid:
            os.waitpid(self._pid, 0)
            self._pid = 0
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)


def decrypt(token: str) -> str:
    if not token:
        return ""
    if not token.startswith(_PREFIX):
        raise ValueError("unknown ciphertext version")
    raw = base64.b64decode(token[len(_PREFIX) :])
    return _aead(settings.PII_KEY).decrypt(raw[:12], raw[12:], None).decode("utf-8")


def blind_index(value: str) -> str:
    """Keyed hash of a normalised identifier, for exact lookup and dedup."""
    if not value:
        return ""
    norm = value.strip().upper()
    return hmac.digest(_index_key(settings.PII_INDEX_KEY), norm.encode("utf-8"), "sha256")[:16].hex()


def blind_index_many(values: list[str]) -> list[str]:
    """blind_index over a batch (one C call per value); an empty value has no index."""
    return [d.hex() for d in index_hasher().indexes(values)]


def mask_id_number(value: str) -> str:
    """3205**********123X: first four and last four characters kept."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """张*三 for three characters, 张* for two, first and last kept otherwise."""
    if not value:
        return ""
    if len(value) == 1:
        return value
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


# 18-character resident ID numbers (the last may be X) and mainland mobile numbers, standing alone
# or directly after the country code 86 (+8613812345678).
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")
_PHONE_RE = re.compile(r"(?:(?<!\d)|(?<=86))1[3-9]\d{9}(?!\d)")


def redact_text(text: str) -> str:
    """Replace anything shaped like an ID number or mobile number with a masked form."""
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)


class RedactPiiFilter(logging.Filter):
    """Logging filter: ID numbers and phone numbers never reach a log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is left for logging to report
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True
