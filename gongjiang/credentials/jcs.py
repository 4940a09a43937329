"""JSON canonicalisation (RFC 8785, JCS), strict JSON parsing, base58btc (the base58 library) and
multibase helpers.

The canonicalisation is the project's own: the rfc8785 library refuses doubles beyond 2^53 (such as
9007199254740992.0) that RFC 8785's own test vectors (appendix B) serialise, and integers a double holds
exactly; credentials/tests/test_jcs.py holds those cases.

Canonical form: objects with members sorted by the UTF-16 code units of their names, no whitespace,
strings escaped as ECMAScript's JSON.stringify does, numbers in ECMAScript's shortest round-trip form.
Anything that has no single canonical form is refused rather than guessed: NaN and infinities, lone
surrogates, non-string keys, and (when parsing) duplicate member names.
"""

from __future__ import annotations

import json
import math
from typing import Any

import base58

# Integers up to 2^53 - 1 are all exact IEEE-754 doubles, the numbers of JCS.
_MAX_SAFE = 2**53 - 1


class CanonicalisationError(ValueError):
    pass


def _number(value: int | float) -> str:
    if isinstance(value, bool):  # bool is an int subclass; handled by the caller
        raise CanonicalisationError("boolean is not a number")
    if isinstance(value, int):
        if abs(value) <= _MAX_SAFE:
            return str(value)
        # JSON numbers are IEEE-754 doubles: a larger integer is fine only if a double holds it exactly.
        try:
            as_double = float(value)
        except OverflowError:
            raise CanonicalisationError("integer outside the IEEE-754 double range") from None
        if int(as_double) != value:
            raise CanonicalisationError("integer not exactly representable as an IEEE-754 double")
        value = as_double
    if not math.isfinite(value):
        raise CanonicalisationError("NaN and infinities have no JSON form")
    if value == 0:
        return "0"  # also for -0.0
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    # Shortest round-trip digits (Python's repr uses the same algorithm family as ECMAScript).
    sign = "-" if value < 0 else ""
    mantissa, _, exp_part = repr(abs(value)).partition("e")
    exponent = int(exp_part) if exp_part else 0
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # value = 0.d1d2...dk * 10^n (ECMAScript Number::toString notation)
    point = len(whole) + exponent
    if whole == "0":
        stripped = frac.lstrip("0")
        point = exponent - (len(frac) - len(stripped))
        digits = stripped
    digits = digits.rstrip("0") or "0"
    k, n = len(digits), point
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + ("+" if e >= 0 else "-") + str(abs(e))
    return sign + out


def _string(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalisationError("string contains a lone surrogate") from None
    # Python's escaping with ensure_ascii=False is exactly JCS's: \" \\ \b \f \n \r \t, other
    # controls as lower-case \u00xx, everything else literal.
    return json.dumps(value, ensure_ascii=False)


def _sort_key(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


def _emit(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int | float):
        out.append(_number(value))
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _emit(item, out)
        out.append("]")
    elif isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise CanonicalisationError("object member names must be strings")
        out.append("{")
        for i, key in enumerate(sorted(value, key=_sort_key)):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _emit(value[key], out)
        out.append("}")
    else:
        raise CanonicalisationError(f"{type(value).__name__} is not a JSON value")


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    out: list[str] = []
    _emit(value, out)
    return "".join(out).encode("utf-8")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise CanonicalisationError(f"duplicate member name {key!r}")
        result[key] = value
    return result


def _no_constants(name: str) -> Any:
    raise CanonicalisationError(f"{name} is not valid JSON")


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON refusing duplicate member names and NaN/Infinity (I-JSON, as JCS requires)."""
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except CanonicalisationError:
        raise
    except (ValueError, RecursionError) as exc:
        raise CanonicalisationError(f"not valid JSON: {exc}") from None


# ------------------------------------------------------------------------------------------------
# base58btc and multibase / multicodec (for proofValue and Multikey public keys)
# ------------------------------------------------------------------------------------------------

ED25519_PUB_PREFIX = b"\xed\x01"  # multicodec ed25519-pub


def b58encode(data: bytes) -> str:
    return base58.b58encode(data).decode("ascii")


def b58decode(text: str) -> bytes:
    try:
        return base58.b58decode(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ValueError("not base58btc") from None


def multibase_encode(data: bytes) -> str:
    return "z" + b58encode(data)


def multibase_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith("z"):
        raise ValueError("only base58btc multibase (prefix z) is supported")
    return b58decode(text[1:])


def multikey_ed25519(public_raw: bytes) -> str:
    """publicKeyMultibase of an Ed25519 public key (z6Mk…)."""
    return multibase_encode(ED25519_PUB_PREFIX + public_raw)
