"""Identifier validation: resident ID numbers (GB 11643), unified social credit codes (GB 32100) and
skill certificate numbers.

Check characters are recomputed here from the standards, independently of the code under test, so a
wrong weight table or alphabet in ``validators.py`` cannot make its own tests pass.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone, translation
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gongjiang.core.validators import (
    CertificateNumberInfo,
    IdentifierError,
    IdNumberInfo,
    id_check_digit,
    normalise_uscc,
    org_code_check_digit,
    parse_certificate_number,
    parse_id_number,
    upgrade_15_to_18,
    uscc_check_digit,
    validate_id_number,
    validate_uscc,
)
from gongjiang.reference.regions import versions_by_code
from gongjiang.synth.ids import make_certificate_number, make_legacy_number, make_uscc


def _today() -> datetime.date:
    """Read when a test runs, in the platform's time zone, so a run across midnight stays consistent."""
    return timezone.localdate()


HYPO = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------
# Independent implementations of the standards' check characters
# ---------------------------------------------------------------------------------------------

_GB11643_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I O S V Z
_USCC_WEIGHTS = [3**i % 31 for i in range(17)]
_GB11714_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def gb11643_check(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _GB11643_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def id18(area: str, birth: str | datetime.date, seq: int) -> str:
    ymd = birth if isinstance(birth, str) else f"{birth:%Y%m%d}"
    body = f"{area}{ymd}{seq:03d}"
    return body + gb11643_check(body)


def gb11714_check(org8: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(org8, _GB11714_WEIGHTS, strict=True))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def gb32100_check(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def uscc(authority: str, kind: str, region: str, org8: str) -> str:
    first17 = f"{authority}{kind}{region}{org8}{gb11714_check(org8)}"
    return first17 + gb32100_check(first17)


def rejected(fn, value, code: str | None = None, **kwargs) -> IdentifierError:  # type: ignore[no-untyped-def]
    """``fn(value)`` raises IdentifierError (nothing else) with non-empty messages."""
    with pytest.raises(IdentifierError) as info:
        fn(value, **kwargs)
    exc = info.value
    assert exc.messages, "rejection without a message"
    assert all(isinstance(m, str) and m.strip() for m in exc.messages)
    if code is not None:
        assert exc.code == code, (exc.code, exc.messages)
    return exc


def message_text(exc: IdentifierError) -> str:
    return " ".join(exc.messages)


# Every code in the national table (province, city and county levels, current and historical).
AREA_CODES = sorted(versions_by_code())


# ---------------------------------------------------------------------------------------------
# Our reference arithmetic agrees with the standards' published examples
# ---------------------------------------------------------------------------------------------


def test_reference_check_digits_match_published_examples() -> None:
    # GB 11643-1999 example numbers.
    assert gb11643_check("11010519491231002") == "X"
    assert gb11643_check("44052418800101001") == "4"
    # GB 32100 example (python-stdnum's documentation), organisation code 60003734-1.
    assert gb11714_check("60003734") == "1"
    assert gb32100_check("91110000600037341") == "L"


def test_project_check_digit_functions_agree_with_standards() -> None:
    assert id_check_digit("11010519491231002") == "X"
    assert org_code_check_digit("60003734") == "1"
    assert uscc_check_digit("91110000600037341") == "L"


# ---------------------------------------------------------------------------------------------
# Resident ID numbers
# ---------------------------------------------------------------------------------------------


def test_standard_example_with_x_check_digit() -> None:
    info = parse_id_number("11010519491231002X")
    assert isinstance(info, IdNumberInfo)
    assert info.number == "11010519491231002X"
    assert info.birth_date == datetime.date(1949, 12, 31)
    assert info.sex == "F"
    assert info.area_code == "110105"
    assert info.birth_region_code == "110105"
    assert info.upgraded_from_15 is False


def test_lowercase_x_is_normalised() -> None:
    info = parse_id_number("11010519491231002x")
    assert info.number == "11010519491231002X"


def test_surrounding_and_inner_spaces_are_removed() -> None:
    number = id18("320582", "19900517", 123)
    assert parse_id_number(f"  {number[:6]} {number[6:14]} {number[14:]} ").number == number


@pytest.mark.parametrize("seq, sex", [(1, "M"), (123, "M"), (999, "M"), (0, "F"), (2, "F"), (998, "F")])
def test_sex_comes_from_digit_17(seq: int, sex: str) -> None:
    assert parse_id_number(id18("320582", "19900517", seq)).sex == sex


def test_wrong_check_digit_rejected() -> None:
    good = id18("320582", "19900517", 123)
    for ch in "0123456789X":
        if ch != good[-1]:
            rejected(parse_id_number, good[:17] + ch, code="checksum")


def test_x_in_wrong_place_rejected() -> None:
    rejected(parse_id_number, "3205821990X5171234", code="format")


@pytest.mark.parametrize("ymd", ["19900230", "20010229", "19901301", "19900001", "19900100", "19000229"])
def test_impossible_birth_dates_rejected(ymd: str) -> None:
    exc = rejected(parse_id_number, id18("320582", ymd, 123), code="birth_date")
    assert ymd in message_text(exc)


def test_leap_day_in_leap_year_accepted() -> None:
    assert parse_id_number(id18("320582", "20000229", 123)).birth_date == datetime.date(2000, 2, 29)


def test_future_birth_date_rejected() -> None:
    today = datetime.date(2024, 6, 1)
    rejected(parse_id_number, id18("320582", "20240602", 1), code="birth_date", today=today)
    assert parse_id_number(id18("320582", "20240601", 1), today=today).birth_date == today


def test_future_birth_date_rejected_against_real_today() -> None:
    tomorrow = _today() + datetime.timedelta(days=1)
    rejected(parse_id_number, id18("320582", tomorrow, 1), code="birth_date")
    assert parse_id_number(id18("320582", _today(), 1)).birth_date == _today()


def test_birth_before_1900_rejected() -> None:
    # GB 11643's own example carries 1880; it is checksum-valid but not a living worker.
    rejected(parse_id_number, "440524188001010014", code="birth_date")
    rejected(parse_id_number, id18("320582", "18991231", 1), code="birth_date")
    assert parse_id_number(id18("320582", "19000101", 1)).birth_date == datetime.date(1900, 1, 1)


def test_year_zero_rejected_as_impossible_date() -> None:
    rejected(parse_id_number, id18("320582", "00000101", 1))


def test_fifteen_digit_number_upgraded_with_19_century_and_check_digit() -> None:
    info = parse_id_number("110105491231002")
    assert info.number == "11010519491231002X"
    assert info.upgraded_from_15 is True
    assert info.birth_date == datetime.date(1949, 12, 31)
    assert info.sex == "F"
    assert upgrade_15_to_18("110105491231002") == "11010519491231002X"


def test_fifteen_digit_male_from_jiangsu() -> None:
    info = parse_id_number("320582750304131")
    assert info.number == id18("320582", "19750304", 131)
    assert info.sex == "M"
    assert info.birth_region_code == "320582"


@pytest.mark.parametrize("raw", ["11010549123100X", "11010549123100x", "1101054912310A2", "11O105491231002"])
def test_fifteen_digit_with_letters_rejected(raw: str) -> None:
    rejected(parse_id_number, raw, code="format")


def test_fifteen_digit_with_impossible_date_rejected() -> None:
    rejected(parse_id_number, "320582750230131", code="birth_date")


@pytest.mark.parametrize(
    "area, year",
    [
        ("320684", 1995),  # 海门市, 1994–2020
        ("320684", 2021),  # issued before the 2020 change; a code is never resolved against birth year
        ("320521", 1984),  # 沙洲县, 1983–1986 (now 张家港)
        ("320521", 1960),
        ("320614", 1980),  # 海门区 since 2020; a newer code on an older person is normal
        ("320211", 1990),  # 郊区 then 滨湖区
    ],
)
def test_historical_and_renamed_area_codes_accepted(area: str, year: int) -> None:
    info = parse_id_number(id18(area, f"{year}0615", 11))
    assert info.area_code == area
    assert info.birth_region_code == area


def test_unknown_county_under_known_city_falls_back_to_city() -> None:
    assert "320576" not in versions_by_code()
    info = parse_id_number(id18("320576", "19880808", 88))
    assert info.area_code == "320576"
    assert info.birth_region_code == "320500"


def test_unknown_city_under_known_province_falls_back_to_province() -> None:
    assert "329900" not in versions_by_code() and "329901" not in versions_by_code()
    info = parse_id_number(id18("329901", "19880808", 88))
    assert info.birth_region_code == "320000"


@pytest.mark.parametrize("area", ["990101", "000000", "190101", "720101", "960000"])
def test_unknown_province_rejected(area: str) -> None:
    exc = rejected(parse_id_number, id18(area, "19880808", 88), code="area")
    assert area in message_text(exc)


@pytest.mark.parametrize("length", [0, 1, 14, 16, 17, 19, 20])
def test_wrong_length_rejected(length: int) -> None:
    full = id18("320582", "19900517", 123) + "12"
    raw = full[:length]
    exc = rejected(parse_id_number, raw)
    assert exc.code == ("required" if length == 0 else "length")


def test_none_and_blank_rejected() -> None:
    rejected(parse_id_number, None, code="required")  # type: ignore[arg-type]
    rejected(parse_id_number, "   ", code="required")


_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("table", [_FULLWIDTH, _ARABIC_INDIC])
@pytest.mark.parametrize("number", [id18("320582", "19900517", 123), "11010519491231002X", "320582750304131"])
def test_non_ascii_digits_rejected(table: dict[int, str], number: str) -> None:
    """Full-width and Arabic-Indic digits pass str.isdigit() and int(), but are not GB 11643 numbers:
    accepting them would store a second spelling of the same person beside the ASCII one."""
    rejected(parse_id_number, number.translate(table))


@pytest.mark.parametrize("raw", ["²" * 17 + "0", "¹" * 15, "3205821990051712³X"])
def test_superscript_digits_rejected(raw: str) -> None:
    rejected(parse_id_number, raw)


def test_validate_id_number_raises_the_same_error() -> None:
    validate_id_number(id18("320582", "19900517", 123))
    with pytest.raises(IdentifierError):
        validate_id_number(id18("320582", "19900230", 123))


id_cases = st.tuples(
    st.sampled_from(AREA_CODES),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=_today()),
    st.integers(min_value=0, max_value=999),
)


@HYPO
@given(id_cases)
def test_any_valid_id_round_trips(case: tuple[str, datetime.date, int]) -> None:
    area, birth, seq = case
    number = id18(area, birth, seq)
    info = parse_id_number(number)
    assert info.number == number
    assert info.birth_date == birth
    assert info.sex == ("M" if seq % 2 else "F")
    assert info.area_code == area
    assert info.birth_region_code == area
    assert info.upgraded_from_15 is False
    # Lower case x and spacing do not change the result.
    assert parse_id_number(f" {number.lower()} ") == info


@HYPO
@given(
    st.sampled_from(AREA_CODES),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(1999, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_any_valid_15_digit_id_upgrades(area: str, birth: datetime.date, seq: int) -> None:
    old = f"{area}{birth:%y%m%d}{seq:03d}"
    info = parse_id_number(old)
    assert info.number == id18(area, birth, seq)
    assert info.birth_date == birth
    assert info.upgraded_from_15 is True
    assert info.sex == ("M" if seq % 2 else "F")


@HYPO
@given(id_cases, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_corruption_rejected(case: tuple[str, datetime.date, int], position: int, delta: int) -> None:
    number = id18(*case)
    wrong = str((int(number[position]) + delta) % 10)
    corrupted = number[:position] + wrong + number[position + 1 :]
    assert corrupted != number
    rejected(parse_id_number, corrupted)


@HYPO
@given(id_cases, st.integers(min_value=0, max_value=15))
def test_any_adjacent_transposition_rejected(case: tuple[str, datetime.date, int], position: int) -> None:
    number = id18(*case)
    a, b = number[position], number[position + 1]
    assume(a != b)
    swapped = number[:position] + b + a + number[position + 2 :]
    rejected(parse_id_number, swapped)


_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")


def _only_identifier_errors(fn, raw: str):  # type: ignore[no-untyped-def]
    try:
        return fn(raw)
    except IdentifierError as exc:
        assert exc.messages and all(m.strip() for m in exc.messages)
        return None


@HYPO
@given(
    st.one_of(
        st.text(),
        st.text(alphabet="0123456789Xx ", min_size=14, max_size=20),
        st.text(alphabet="0123456789X²³¹３٣०x-", min_size=15, max_size=18),
    )
)
def test_arbitrary_text_raises_only_identifier_error(raw: str) -> None:
    info = _only_identifier_errors(parse_id_number, raw)
    if info is not None:
        assert _ID_SHAPE.match(info.number), info.number
        assert info.number[17] == gb11643_check(info.number[:17])


# ---------------------------------------------------------------------------------------------
# Unified social credit codes
# ---------------------------------------------------------------------------------------------


def test_published_example_accepted() -> None:
    assert normalise_uscc("91110000600037341L") == "91110000600037341L"
    validate_uscc("91110000600037341L")


@pytest.mark.parametrize("region, serial", [("320582", 1), ("320500", 500001), ("320000", 42), ("110105", 99999)])
def test_generated_codes_accepted(region: str, serial: int) -> None:
    code = make_uscc(region, serial)
    assert code[-1] == gb32100_check(code[:17])
    assert code[16] == gb11714_check(code[8:16])
    assert normalise_uscc(code) == code


def test_lower_case_spaces_and_hyphens_normalised() -> None:
    code = uscc("9", "1", "320582", "MA1MXK2B")
    assert code != code.lower()
    assert normalise_uscc(code.lower()) == code
    assert normalise_uscc(f" {code[:2]} {code[2:8]} {code[8:]} ") == code
    assert normalise_uscc(f"{code[:8]}-{code[8:17]}-{code[17]}") == code


def test_organisation_code_with_letters_accepted() -> None:
    # Organisation codes issued since 2015 start with MA and carry letters.
    for org8 in ("MA1MXK2B", "MA20A8NJ", "MA1P4W7Y"):
        code = uscc("9", "1", "320582", org8)
        assert normalise_uscc(code) == code


def test_organisation_check_digit_x_accepted() -> None:
    org8 = next(f"{n:08d}" for n in range(10**7, 10**8) if gb11714_check(f"{n:08d}") == "X")
    code = uscc("9", "1", "320400", org8)
    assert code[16] == "X"
    assert normalise_uscc(code) == code


@pytest.mark.parametrize(
    "authority, kind",
    [
        ("1", "1"), ("1", "2"), ("1", "3"), ("1", "9"),
        ("2", "1"), ("2", "9"),
        ("3", "1"), ("3", "2"), ("3", "3"), ("3", "4"), ("3", "5"), ("3", "9"),
        ("4", "1"), ("4", "9"),
        ("5", "1"), ("5", "2"), ("5", "3"), ("5", "9"),
        ("6", "1"), ("6", "2"), ("6", "9"),
        ("7", "1"), ("7", "2"), ("7", "9"),
        ("8", "1"), ("8", "9"),
        ("9", "1"), ("9", "2"), ("9", "3"),
        ("A", "1"), ("A", "9"),
        ("N", "1"), ("N", "2"), ("N", "3"), ("N", "9"),
        ("Y", "1"),
    ],
)  # fmt: skip
def test_every_gb32100_authority_and_type_accepted(authority: str, kind: str) -> None:
    """GB 32100 table of registration authorities and organisation types, including letter authorities
    A (military), N (agriculture) and Y (other), and 司法行政 types 4 司法鉴定机构 and 5 仲裁委员会."""
    code = uscc(authority, kind, "320582", "12345678")
    assert normalise_uscc(code) == code
    assert normalise_uscc(make_uscc("320500", 77, authority=authority, kind=kind)) == make_uscc(
        "320500", 77, authority=authority, kind=kind
    )


@pytest.mark.parametrize(
    "authority, kind, error",
    [
        ("9", "4", "type"), ("9", "9", "type"), ("Y", "2", "type"), ("N", "4", "type"),
        ("A", "2", "type"), ("2", "2", "type"), ("B", "1", "authority"), ("0", "1", "authority"),
        ("M", "1", "authority"), ("9", "A", "type"),
    ],
)  # fmt: skip
def test_invalid_authority_or_type_rejected(authority: str, kind: str, error: str) -> None:
    rejected(normalise_uscc, uscc(authority, kind, "320582", "12345678"), code=error)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("letter", list("IOSVZ"))
@pytest.mark.parametrize("position", [1, 2, 5, 9, 13, 17, 18])
def test_forbidden_letters_rejected_naming_position(language: str, letter: str, position: int) -> None:
    code = make_uscc("320582", 4242)
    bad = code[: position - 1] + letter + code[position:]
    with translation.override(language):
        exc = rejected(normalise_uscc, bad, code="alphabet")
    assert re.search(rf"(?<!\d){position}(?!\d)", message_text(exc))
    # Lower case is upper-cased first and still rejected.
    rejected(normalise_uscc, bad.lower(), code="alphabet")


def test_bad_check_character_rejected() -> None:
    code = make_uscc("320582", 4242)
    for ch in _USCC_ALPHABET:
        if ch != code[-1]:
            rejected(normalise_uscc, code[:17] + ch, code="checksum")


def test_bad_organisation_check_digit_rejected() -> None:
    org8 = "12345678"
    right = gb11714_check(org8)
    wrong = "0" if right != "0" else "1"
    first17 = f"91320582{org8}{wrong}"
    rejected(normalise_uscc, first17 + gb32100_check(first17), code="org_checksum")


@pytest.mark.parametrize("region", ["990000", "000000", "720000"])
def test_unknown_province_in_region_rejected(region: str) -> None:
    rejected(normalise_uscc, uscc("9", "1", region, "12345678"), code="region")


def test_letters_in_region_rejected() -> None:
    rejected(normalise_uscc, uscc("9", "1", "32A582", "12345678"), code="region")


@pytest.mark.parametrize("length", [1, 8, 17, 19, 20])
def test_uscc_wrong_length_rejected(length: int) -> None:
    code = make_uscc("320582", 4242) + "00"
    rejected(normalise_uscc, code[:length], code="length")


def test_uscc_none_and_blank_rejected() -> None:
    rejected(normalise_uscc, None, code="required")  # type: ignore[arg-type]
    rejected(normalise_uscc, "  ", code="required")
    with pytest.raises(IdentifierError):
        validate_uscc("")


_AUTH_TYPES = [
    ("1", "1"), ("1", "2"), ("3", "4"), ("3", "5"), ("5", "1"), ("5", "2"),
    ("9", "1"), ("9", "2"), ("9", "3"),
    ("A", "1"), ("N", "1"), ("N", "2"), ("N", "3"), ("N", "9"), ("Y", "1"),
]  # fmt: skip
_ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
uscc_cases = st.tuples(
    st.sampled_from(_AUTH_TYPES),
    st.sampled_from(AREA_CODES),
    st.text(alphabet=_ORG_CHARS, min_size=8, max_size=8),
)


@HYPO
@given(uscc_cases)
def test_any_valid_uscc_accepted(case: tuple[tuple[str, str], str, str]) -> None:
    (authority, kind), region, org8 = case
    code = uscc(authority, kind, region, org8)
    assert normalise_uscc(code) == code
    assert normalise_uscc(code.lower()) == code


@HYPO
@given(uscc_cases, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=30))
def test_any_single_character_corruption_rejected(
    case: tuple[tuple[str, str], str, str], position: int, delta: int
) -> None:
    (authority, kind), region, org8 = case
    code = uscc(authority, kind, region, org8)
    wrong = _USCC_ALPHABET[(_USCC_ALPHABET.index(code[position]) + delta) % 31]
    corrupted = code[:position] + wrong + code[position + 1 :]
    assert corrupted != code
    rejected(normalise_uscc, corrupted)


@HYPO
@given(uscc_cases, st.integers(min_value=1, max_value=18), st.sampled_from("IOSVZ"))
def test_any_forbidden_letter_names_its_position(
    case: tuple[tuple[str, str], str, str], position: int, letter: str
) -> None:
    (authority, kind), region, org8 = case
    code = uscc(authority, kind, region, org8)
    bad = code[: position - 1] + letter + code[position:]
    exc = rejected(normalise_uscc, bad, code="alphabet")
    assert re.search(rf"(?<!\d){position}(?!\d)", message_text(exc))


@HYPO
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=_ORG_CHARS + "IOSVZ -", min_size=16, max_size=20),
        st.text(alphabet="0123456789９３٣ABC", min_size=18, max_size=18),
    )
)
def test_uscc_arbitrary_text_raises_only_identifier_error(raw: str) -> None:
    code = _only_identifier_errors(normalise_uscc, raw)
    if code is not None:
        assert len(code) == 18 and all(c in _USCC_ALPHABET for c in code)
        assert code[-1] == gb32100_check(code[:17])


# ---------------------------------------------------------------------------------------------
# Certificate numbers
# ---------------------------------------------------------------------------------------------

JIANGSU_PATTERN = re.compile(r"^[YS]\d{4}32\d{6}\d{2}[1-5]\d{6}$", re.ASCII)


@pytest.mark.parametrize("evaluator", ["Y", "S"])
@pytest.mark.parametrize("level", [1, 2, 3, 4, 5])
def test_jiangsu_certificate_numbers_accepted(evaluator: str, level: int) -> None:
    number = make_certificate_number(evaluator=evaluator, station=123456, year=2024, national_level=level, serial=42)
    assert JIANGSU_PATTERN.match(number)
    info = parse_certificate_number(number)
    assert info == CertificateNumberInfo(number, "skill", evaluator, "32", 2024, level)


def test_certificate_body_code_and_fields() -> None:
    number = make_certificate_number(evaluator="Y", station=900001, year=2021, national_level=2, serial=7, body=1234)
    assert number == "Y1234329000012120000" + "07"
    info = parse_certificate_number(number)
    assert (info.kind, info.evaluator, info.province_code, info.issue_year, info.national_level) == (
        "skill",
        "Y",
        "32",
        2021,
        2,
    )


def test_certificate_lower_case_and_spaces_normalised() -> None:
    number = make_certificate_number(evaluator="S", station=1, year=2023, national_level=3, serial=1)
    assert parse_certificate_number(f" {number[:7].lower()} {number[7:]} ").number == number


@pytest.mark.parametrize("level", ["0", "6", "7", "8", "9"])
def test_level_digit_outside_1_to_5_rejected(level: str) -> None:
    number = make_certificate_number(evaluator="S", station=1, year=2023, national_level=3, serial=1)
    bad = number[:15] + level + number[16:]
    exc = rejected(parse_certificate_number, bad, code="level")
    assert re.search(r"(?<!\d)16(?!\d)", message_text(exc))


def test_future_issue_year_rejected() -> None:
    number = make_certificate_number(evaluator="Y", station=1, year=2025, national_level=3, serial=1)
    rejected(parse_certificate_number, number, code="year", today=datetime.date(2024, 12, 31))
    assert parse_certificate_number(number, today=datetime.date(2025, 1, 1)).issue_year == 2025
    next_year = make_certificate_number(evaluator="Y", station=1, year=_today().year + 1, national_level=3, serial=1)
    rejected(parse_certificate_number, next_year, code="year")


def test_issue_year_before_the_certificate_system_rejected() -> None:
    number = make_certificate_number(evaluator="Y", station=1, year=2018, national_level=3, serial=1)
    rejected(parse_certificate_number, number, code="year", today=datetime.date(2024, 1, 1))


def test_unknown_province_in_certificate_rejected() -> None:
    number = make_certificate_number(evaluator="Y", station=1, year=2023, national_level=3, serial=1)
    rejected(parse_certificate_number, number[:5] + "99" + number[7:], code="province")


def test_legacy_16_digit_certificate_accepted() -> None:
    number = make_legacy_number(123456, 2010)
    assert len(number) == 16
    info = parse_certificate_number(number)
    assert info.kind == "legacy"
    assert (info.evaluator, info.province_code, info.issue_year, info.national_level) == ("", "", None, None)


@pytest.mark.parametrize("prefix", ["TJ", "tj", "SJ", "AB"])
def test_top_grade_certificate_accepted(prefix: str) -> None:
    number = prefix + "32" + "0" * 10 + "25" + "000123"
    info = parse_certificate_number(number)
    assert info.kind == "top"
    assert info.number == number.upper()


@pytest.mark.parametrize(
    "raw",
    [
        "Y" + "0" * 20,  # one digit short
        "Y" + "0" * 22,  # one digit long
        "X0000321234562430000001",
        "X000032123456243000001",  # wrong evaluator letter
        "T" + "1" * 21 + "1",
        "TJ" + "0" * 19,  # top grade one short
        "TJ" + "0" * 21,
        "T1" + "0" * 20,
        "0" * 15,
        "0" * 17,
        "Y000032１２３４５６２４３０００００１",  # full-width digits
        "Y000032١٢٣٤٥٦٢٤٣٠٠٠٠٠١",  # Arabic-Indic digits
        "１" * 16,
        "TJ" + "٣" * 20,
    ],
)
def test_malformed_certificate_numbers_rejected(raw: str) -> None:
    rejected(parse_certificate_number, raw)


def test_certificate_required() -> None:
    rejected(parse_certificate_number, None, code="required")  # type: ignore[arg-type]
    rejected(parse_certificate_number, " ", code="required")


@HYPO
@given(
    st.sampled_from("YS"),
    st.integers(min_value=0, max_value=999_999),
    st.integers(min_value=2019, max_value=_today().year),
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=0, max_value=999_999),
    st.integers(min_value=0, max_value=9_999),
)
def test_any_generated_certificate_number_round_trips(
    evaluator: str, station: int, year: int, level: int, serial: int, body: int
) -> None:
    number = make_certificate_number(
        evaluator=evaluator, station=station, year=year, national_level=level, serial=serial, body=body
    )
    assert JIANGSU_PATTERN.match(number)
    expected = CertificateNumberInfo(number, "skill", evaluator, "32", year, level)
    assert parse_certificate_number(number) == expected


@HYPO
@given(st.one_of(st.text(), st.text(alphabet="YSTJ0123456789１٣ ", min_size=15, max_size=23)))
def test_certificate_arbitrary_text_raises_only_identifier_error(raw: str) -> None:
    info = _only_identifier_errors(parse_certificate_number, raw)
    if info is not None:
        assert info.number.isascii() and info.number.isalnum()
        assert len(info.number) in (16, 22)
