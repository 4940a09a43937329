"""RFC 8785 canonicalisation, strict parsing and base58btc: the parts a signature over JSON rests on."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongjiang.credentials.jcs import (
    CanonicalisationError,
    b58decode,
    b58encode,
    canonicalize,
    loads_strict,
    multikey_ed25519,
)


def test_members_are_sorted_by_utf16_code_units_without_whitespace() -> None:
    # U+1F600 (a surrogate pair, 0xD83D…) sorts before U+FB33 in UTF-16 although after it in code points.
    value = {"b": 1, "a": [True, False, None], "\U0001f600": "x", "\ufb33": "y", "A": {"z": 1, "y": 2}}
    assert canonicalize(value) == (
        '{"A":{"y":2,"z":1},"a":[true,false,null],"b":1,"\U0001f600":"x","\ufb33":"y"}'.encode()
    )


def test_strings_escape_as_ecmascript_does() -> None:
    value = "\u20ac$\u000f\nA'\u0042\u0022\u005c\\\"/\u007f\u2028é中"
    assert canonicalize(value) == '"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/\u007f\u2028é中"'.encode()
    assert canonicalize("\b\f\r\t") == b'"\\b\\f\\r\\t"'


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "0"),
        (-0.0, "0"),
        (1, "1"),
        (-1, "-1"),
        (4.50, "4.5"),
        (2e-3, "0.002"),
        (0.000001, "0.000001"),
        (1e-7, "1e-7"),
        (-1.5e-7, "-1.5e-7"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (123456789.125, "123456789.125"),
        (333333333.33333329, "333333333.3333333"),
        (0.1 + 0.2, "0.30000000000000004"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (9007199254740991, "9007199254740991"),
        (2**53, "9007199254740992"),
        (10**21, "1e+21"),
    ],
)
def test_numbers_use_the_ecmascript_form(number: float, text: str) -> None:
    assert canonicalize(number) == text.encode()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 2**53 + 1, 10**400, "\ud800", {1: "x"}, b"bytes", {1, 2}])
def test_values_without_a_canonical_form_are_refused(bad: object) -> None:
    with pytest.raises(CanonicalisationError):
        canonicalize(bad)


_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=8)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT
)


@given(
    st.recursive(
        _SCALARS,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4),
        max_leaves=12,
    )
)
def test_canonical_form_parses_back_to_the_same_value_and_is_a_fixed_point(value: object) -> None:
    text = canonicalize(value)
    parsed = json.loads(text)
    assert parsed == value
    assert canonicalize(parsed) == text


def test_canonical_form_ignores_member_order_and_whitespace() -> None:
    a = loads_strict('{ "b" : [1, 2.0, 3e0], "a": {"y": "中", "x": null} }')
    b = loads_strict('{"a":{"x":null,"y":"\\u4e2d"},"b":[1,2,3]}')
    assert canonicalize(a) == canonicalize(b) == '{"a":{"x":null,"y":"中"},"b":[1,2,3]}'.encode()


@pytest.mark.parametrize("text", ['{"a": 1, "a": 2}', '{"x": {"k": 1, "k": 1}}', '{"a": NaN}', "[Infinity]", "{"])
def test_strict_parsing_refuses_duplicates_and_non_json(text: str) -> None:
    with pytest.raises(CanonicalisationError):
        loads_strict(text)


@given(st.binary(max_size=80))
def test_base58_round_trips_with_leading_zeros(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data


def test_base58_known_values() -> None:
    assert b58encode(b"Hello World!") == "2NEpo7TZRRrLZSi2U"
    assert b58encode(b"\0\0\x01") == "112"
    with pytest.raises(ValueError):
        b58decode("0OIl")


def test_multikey_of_an_ed25519_key_starts_z6mk() -> None:
    assert multikey_ed25519(bytes(32)).startswith("z6Mk")
