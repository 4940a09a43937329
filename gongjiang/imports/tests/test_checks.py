"""The vectorised checks agree with the scalar validators of gongjiang.core.validators."""

from __future__ import annotations

import datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongjiang.core import pii
from gongjiang.core.validators import IdentifierError, parse_certificate_number, parse_id_number
from gongjiang.imports import checks
from gongjiang.imports.validation import mask_value
from gongjiang.reference import regions
from gongjiang.synth.ids import make_id_number

TODAY = datetime.date(2025, 6, 30)
AREAS = [*sorted(regions.versions_by_code())[::40], "320576", "990101", "320582", "110101"]

valid_ids = st.builds(
    make_id_number,
    st.sampled_from(AREAS),
    st.dates(min_value=datetime.date(1890, 1, 1), max_value=datetime.date(2030, 1, 1)),
    st.integers(0, 999),
)


def _mutations(number: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(number),
        st.just(number[6:8] + number[10:]),  # 15-digit shape
        st.integers(0, 17).map(lambda i: number[:i] + ("X" if number[i] != "X" else "1") + number[i + 1 :]),
        st.integers(0, 17).map(
            lambda i: number[:i] + str((int(number[i]) + 1) % 10 if number[i] != "X" else 0) + number[i + 1 :]
        ),
        st.just(number.lower()),
        st.just(" " + number[:9] + " " + number[9:] + " "),
    )


id_candidates = st.one_of(
    valid_ids.flatmap(_mutations),
    st.text(alphabet="0123456789Xx１ ", min_size=0, max_size=20),
)


def _scalar(raw: str):  # type: ignore[no-untyped-def]
    try:
        return parse_id_number(raw, today=TODAY)
    except IdentifierError:
        return None


@given(st.lists(id_candidates, min_size=1, max_size=30))
@settings(max_examples=150, deadline=None)
def test_id_numbers_vectorised_agrees_with_the_validator(values: list[str]) -> None:
    frame = checks.id_numbers_vectorised(pl.Series(values, dtype=pl.String), today=TODAY)
    for raw, row in zip(values, frame.iter_rows(named=True), strict=True):
        info = _scalar(raw)
        assert row["ok"] == (info is not None), raw
        if info is not None:
            assert (row["number"], row["birth_date"], row["sex"], row["birth_region_code"]) == (
                info.number,
                info.birth_date,
                info.sex,
                info.birth_region_code,
            )


def test_id_numbers_messages_come_from_the_validator() -> None:
    values = ["", "123", make_id_number("320582", datetime.date(1990, 2, 28), 1)[:17] + "0", "3.2058219900101E+17"]
    result = checks.id_numbers(pl.Series(values), today=TODAY)
    assert result["ok"].to_list() == [False, False, result["ok"][2], False]
    assert result["message"][0] == _message("")
    assert result["message"][1] == _message("123")
    assert "scientific notation" in result["message"][3]


def _message(raw: str) -> str:
    with pytest.raises(IdentifierError) as info:
        parse_id_number(raw, today=TODAY)
    return info.value.messages[0]


certificate_candidates = st.one_of(
    st.from_regex(r"\A[YS][0-9]{4}(32|99|11)[0-9]{6}(1[5-9]|2[0-9]|3[0-9])[0-9][0-9]{6}\Z"),
    st.from_regex(r"\A[A-Z]{2}[0-9]{20}\Z"),
    st.from_regex(r"\A[0-9]{15,17}\Z"),
    st.text(max_size=24),
)


@given(st.lists(certificate_candidates, min_size=1, max_size=20))
@settings(max_examples=120, deadline=None)
def test_certificate_numbers_vectorised_agrees_with_the_validator(values: list[str]) -> None:
    frame = checks.certificate_numbers(pl.Series(values, dtype=pl.String), today=TODAY)
    for raw, row in zip(values, frame.iter_rows(named=True), strict=True):
        try:
            info = parse_certificate_number(raw, today=TODAY)
        except IdentifierError:
            info = None
        assert row["ok"] == (info is not None), raw
        if info is not None:
            assert row["number"] == info.number and row["kind"] == info.kind
            if info.kind == "skill":
                assert (row["evaluator"], row["year"], row["national_level"]) == (
                    info.evaluator,
                    info.issue_year,
                    info.national_level,
                )


@given(st.text(max_size=25))
def test_masking_matches_the_pii_module(value: str) -> None:
    assert mask_value(value, "id") == pii.mask_id_number(value)
    assert mask_value(value, "phone") == pii.mask_phone(value)


@given(st.lists(st.text(max_size=20), max_size=20))
@settings(max_examples=40, deadline=None)
def test_column_crypto_matches_the_pii_module(values: list[str]) -> None:
    from gongjiang.imports import crypto

    series = pl.Series(values, dtype=pl.String)
    assert crypto.blind_indexes(series).to_list() == pii.blind_index_many(values)
    tokens = crypto.encrypt(series).to_list()
    assert [pii.decrypt(t) for t in tokens] == values
    assert all((t == "") == (v == "") for t, v in zip(tokens, values, strict=True))
