"""Personal data: encryption at rest, blind index, masking, log redaction, and production key checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongjiang.core import pii
from gongjiang.core.pii import (
    RedactPiiFilter,
    blind_index,
    blind_index_many,
    decrypt,
    encrypt,
    encrypt_many,
    mask_id_number,
    mask_name,
    mask_phone,
    redact_text,
)

HYPO = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROOT = Path(__file__).resolve().parents[3]

ID_NUMBER = "32058219900517123X"
ID_NUMBER_2 = "110105194912310021"
PHONE = "13812345678"
OTHER_KEY = base64.b64encode(b"k" * 32).decode()


# ---------------------------------------------------------------------------------------------
# Encryption
# ---------------------------------------------------------------------------------------------


@HYPO
@given(st.text())
def test_encrypt_decrypt_round_trip(value: str) -> None:
    token = encrypt(value)
    assert decrypt(token) == value
    if value:
        assert token.startswith("v1:")
    else:
        assert token == ""


@HYPO
@given(st.text(min_size=8))
def test_ciphertext_is_fresh_and_hides_the_plaintext(value: str) -> None:
    a, b = encrypt(value), encrypt(value)
    assert a != b  # random nonce
    for token in (a, b):
        assert value not in token
        raw = base64.b64decode(token[3:])
        assert value.encode("utf-8") not in raw
        assert len(raw) == 12 + len(value.encode("utf-8")) + 16  # nonce + ciphertext + GCM tag
        assert base64.b64encode(value.encode("utf-8")).decode() not in token


@pytest.mark.parametrize("value", [ID_NUMBER, PHONE, "张三丰", "江苏省苏州市张家港市杨舍镇"])
def test_realistic_values_never_appear_in_ciphertext(value: str) -> None:
    token = encrypt(value)
    assert value not in token
    assert value.encode("utf-8") not in base64.b64decode(token[3:])
    assert decrypt(token) == value


def test_encrypt_many_matches_decrypt() -> None:
    values = [ID_NUMBER, "", PHONE, "张三", ID_NUMBER]
    tokens = encrypt_many(values)
    assert len(tokens) == len(values)
    assert tokens[1] == ""
    assert tokens[0] != tokens[4]
    assert [decrypt(t) for t in tokens] == values


def test_tampered_ciphertext_rejected() -> None:
    token = encrypt(ID_NUMBER)
    raw = bytearray(base64.b64decode(token[3:]))
    raw[-1] ^= 0x01
    with pytest.raises(InvalidTag):
        decrypt("v1:" + base64.b64encode(bytes(raw)).decode())


def test_unknown_version_rejected() -> None:
    token = encrypt(ID_NUMBER)
    with pytest.raises(ValueError, match="version"):
        decrypt("v2:" + token[3:])


def test_other_key_cannot_decrypt() -> None:
    token = encrypt(ID_NUMBER)
    with override_settings(PII_KEY=OTHER_KEY):
        with pytest.raises(InvalidTag):
            decrypt(token)
        other = encrypt(ID_NUMBER)
        assert decrypt(other) == ID_NUMBER
    with pytest.raises(InvalidTag):
        decrypt(other)


def test_key_of_wrong_length_refused() -> None:
    short_key = base64.b64encode(b"x" * 16).decode()
    with override_settings(PII_KEY=short_key), pytest.raises(ValueError, match="32"):
        encrypt(ID_NUMBER)


# ---------------------------------------------------------------------------------------------
# Blind index
# ---------------------------------------------------------------------------------------------


def test_blind_index_deterministic_and_shaped() -> None:
    a = blind_index(ID_NUMBER)
    assert a == blind_index(ID_NUMBER)
    assert len(a) == 32
    assert all(c in "0123456789abcdef" for c in a)
    assert a != blind_index(ID_NUMBER_2)
    assert blind_index("") == ""


def test_blind_index_case_and_space_normalised() -> None:
    assert blind_index(ID_NUMBER.lower()) == blind_index(ID_NUMBER)
    assert blind_index(f"  {ID_NUMBER}\n") == blind_index(ID_NUMBER)


def test_blind_index_is_keyed() -> None:
    plain = hashlib.sha256(ID_NUMBER.encode()).hexdigest()[:32]
    assert blind_index(ID_NUMBER) != plain
    before = blind_index(ID_NUMBER)
    with override_settings(PII_INDEX_KEY=OTHER_KEY):
        assert blind_index(ID_NUMBER) != before
    assert blind_index(ID_NUMBER) == before


@HYPO
@given(st.lists(st.text(max_size=20), max_size=8))
def test_blind_index_many_agrees_with_blind_index(values: list[str]) -> None:
    assert blind_index_many(values) == [blind_index(v) for v in values]


@HYPO
@given(st.text(alphabet="0123456789Xx", min_size=18, max_size=18))
def test_blind_index_ignores_case_of_x(value: str) -> None:
    assert blind_index(value.lower()) == blind_index(value.upper())


# ---------------------------------------------------------------------------------------------
# Masks
# ---------------------------------------------------------------------------------------------


def test_mask_id_number() -> None:
    assert mask_id_number(ID_NUMBER) == "3205**********123X"
    assert mask_id_number("320582900517123") == "3205*******7123"
    assert mask_id_number("12345678") == "********"
    assert mask_id_number("") == ""


@HYPO
@given(st.text(alphabet="0123456789X", min_size=9, max_size=18))
def test_mask_id_number_shape(value: str) -> None:
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert masked[:4] == value[:4] and masked[-4:] == value[-4:]
    assert set(masked[4:-4]) == {"*"}


def test_mask_phone() -> None:
    assert mask_phone(PHONE) == "138****5678"
    assert mask_phone("051258671234") == "051*****1234"
    assert mask_phone("12345") == "*****"
    assert mask_phone("") == ""


def test_mask_name() -> None:
    assert mask_name("张小三") == "张*三"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("张") == "张"
    assert mask_name("") == ""


# ---------------------------------------------------------------------------------------------
# Log redaction
# ---------------------------------------------------------------------------------------------


def _record(msg: str, args: tuple = ()) -> logging.LogRecord:
    return logging.LogRecord("gongjiang.test", logging.INFO, __file__, 1, msg, args, None)


def test_filter_redacts_id_and_phone_in_args() -> None:
    record = _record("person %s phone %s registered", (ID_NUMBER, PHONE))
    assert RedactPiiFilter().filter(record) is True
    message = record.getMessage()
    assert ID_NUMBER not in message and PHONE not in message
    assert "3205**********123X" in message
    assert "138****5678" in message
    assert message.startswith("person ") and message.endswith(" registered")


@pytest.mark.parametrize(
    "text, secret",
    [
        (f"身份证号{ID_NUMBER}已登记", ID_NUMBER),
        (f"id={ID_NUMBER.lower()}", ID_NUMBER.lower()),
        ("old card 320582900517123 seen", "320582900517123"),
        (f"{{'id_number': '{ID_NUMBER_2}'}}", ID_NUMBER_2),
        (f"手机{PHONE},请回电", PHONE),
        (f"tel:{PHONE}", PHONE),
        (f"phone +86 {PHONE}", PHONE),
        (f"phone +86{PHONE}", PHONE),
        (f"phone 86-{PHONE}", PHONE),
    ],
)
def test_filter_redacts_in_message_text(text: str, secret: str) -> None:
    record = _record(text)
    RedactPiiFilter().filter(record)
    assert secret not in record.getMessage()


def test_filter_leaves_other_records_alone() -> None:
    args = ("320500", 2024)
    record = _record("region %s year %d count 12345", args)
    RedactPiiFilter().filter(record)
    assert record.args == args
    assert record.getMessage() == "region 320500 year 2024 count 12345"


def test_filter_keeps_malformed_records() -> None:
    record = _record("%d items", ("many",))
    assert RedactPiiFilter().filter(record) is True


def test_filter_through_logging(caplog: pytest.LogCaptureFixture, pii_watch) -> None:  # type: ignore[no-untyped-def]
    logger = logging.getLogger("gongjiang.test.pii")
    caplog.handler.addFilter(RedactPiiFilter())
    try:
        # Logged on purpose, to see them redacted: the suite's watch for numbers in log records is told so.
        with caplog.at_level(logging.INFO, logger="gongjiang.test.pii"), pii_watch.expected() as seen:
            logger.info("created person %s with phone %s", ID_NUMBER, PHONE)
            logger.warning("lookup failed for %s", "11010519491231002x")
    finally:
        caplog.handler.filters.clear()
    assert len(seen) == 2
    assert ID_NUMBER not in caplog.text
    assert PHONE not in caplog.text
    assert "11010519491231002x" not in caplog.text
    assert "3205**********123X" in caplog.text
    assert len(caplog.records) == 2


def test_redact_text_does_not_touch_ordinary_numbers() -> None:
    text = "certificate S000032900001243000001, uscc 91320582MA1MXK2B3Q, amount 1000"
    assert redact_text(text) == text


def test_logging_settings_install_the_filter() -> None:
    from django.conf import settings as django_settings

    console = django_settings.LOGGING["handlers"]["console"]
    assert "redact_pii" in console["filters"]
    assert django_settings.LOGGING["filters"]["redact_pii"]["()"] == "gongjiang.core.pii.RedactPiiFilter"
    root_filters = [f for h in logging.getLogger().handlers for f in h.filters]
    assert any(isinstance(f, pii.RedactPiiFilter) for f in root_filters)


# ---------------------------------------------------------------------------------------------
# Production settings refuse the public development keys
# ---------------------------------------------------------------------------------------------

PRIVATE_SECRET = "s" * 20 + "-private-secret-key-for-tests-" + "t" * 10
PRIVATE_PII_KEY = base64.b64encode(b"p" * 32).decode()
PRIVATE_INDEX_KEY = base64.b64encode(b"i" * 32).decode()


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    clean = {k: v for k, v in inherited.items() if not k.startswith("GONGJIANG_")}
    clean.update(env)
    code = "import gongjiang.settings as s; print('DEBUG', s.DEBUG, s.SESSION_COOKIE_SECURE, s.PII_KEY)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_development_keys() -> None:
    result = _import_settings(GONGJIANG_DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "GONGJIANG_SECRET_KEY" in result.stderr


def test_production_refuses_development_pii_keys() -> None:
    result = _import_settings(GONGJIANG_DEBUG="0", GONGJIANG_SECRET_KEY=PRIVATE_SECRET)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "GONGJIANG_PII_KEY" in result.stderr
    # Only one of the two PII keys private is still refused.
    result = _import_settings(
        GONGJIANG_DEBUG="0", GONGJIANG_SECRET_KEY=PRIVATE_SECRET, GONGJIANG_PII_KEY=PRIVATE_PII_KEY
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_refuses_short_secret_key() -> None:
    result = _import_settings(
        GONGJIANG_DEBUG="0",
        GONGJIANG_SECRET_KEY="short",
        GONGJIANG_PII_KEY=PRIVATE_PII_KEY,
        GONGJIANG_PII_INDEX_KEY=PRIVATE_INDEX_KEY,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_accepts_private_keys() -> None:
    result = _import_settings(
        GONGJIANG_DEBUG="0",
        GONGJIANG_SECRET_KEY=PRIVATE_SECRET,
        GONGJIANG_PII_KEY=PRIVATE_PII_KEY,
        GONGJIANG_PII_INDEX_KEY=PRIVATE_INDEX_KEY,
    )
    assert result.returncode == 0, result.stderr
    assert f"DEBUG False True {PRIVATE_PII_KEY}" in result.stdout


def test_development_defaults_import() -> None:
    result = _import_settings()
    assert result.returncode == 0, result.stderr
    assert "DEBUG True False" in result.stdout


def test_protect_in_background_gives_what_protect_many_gives(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ids = [f"32058219900517{i:04d}" for i in range(300)]
    phones = ["" if i % 7 == 0 else f"138{i:08d}" for i in range(300)]
    background = pii.ProtectInBackground({"id": ids, "phone": phones, "none": []}, min_values=1)
    assert background._pid, "the work was forked"
    result = background.result()
    assert result is background.result()  # asked twice, computed once
    assert [decrypt(v) for v in result["id"][0]] == ids
    assert [decrypt(v) for v in result["phone"][0]] == phones
    assert result["id"][1] == blind_index_many(ids)
    assert result["phone"][1] == blind_index_many(phones)
    assert result["none"] == ([], [])
    assert not os.path.exists(background._path)
    inline = pii.ProtectInBackground({"id": ids}, min_values=10_000)
    assert not inline._pid and [decrypt(v) for v in inline.result()["id"][0]] == ids


def test_protect_in_background_reports_a_failed_child_and_discard_cleans_up() -> None:
    background = pii.ProtectInBackground({"id": ["x"] * 10, "bad": [12345] * 10}, min_values=1)  # type: ignore[list-item]
    with pytest.raises(RuntimeError, match="failed in the background"):
        background.result()
    assert not os.path.exists(background._path)
    unwanted = pii.ProtectInBackground({"id": ["320582199005170074"] * 10}, min_values=1)
    unwanted.discard()
    assert not unwanted._pid and not os.path.exists(unwanted._path)


@HYPO
@given(st.binary(max_size=100), st.lists(st.binary(max_size=80), max_size=6))
def test_index_hasher_is_hmac_sha256(key: bytes, messages: list[bytes]) -> None:
    """Keys shorter and longer than the hash block, empty and long messages: the RFC 2104 result."""
    from gongjiang.core.pii import IndexHasher

    hasher = IndexHasher(key)
    expected = [hmac.new(key, m, "sha256").digest()[:16] for m in messages]
    assert hasher.digests(messages) == expected
    assert [hasher.digests([m])[0] for m in messages] == expected
    assert hasher.digests([None]) == [b""]
