"""National identifier validation: resident ID numbers (GB 11643), unified social credit codes
(GB 32100) and skill certificate numbers.

python-stdnum provides the check-digit arithmetic; its ``validate`` functions are not used directly
because of known pitfalls (see DOMAIN.md):

* ``cn.ric.validate`` raises KeyError for area codes missing from its table and rejects codes that
  did not exist in the birth year. An ID's area code is the household-registration place at first
  issue, which may be newer than the birth year, and development zones carry codes outside GB/T 2260.
  Our rule: the province must exist; a county code unknown to the table is accepted when its city
  (or, failing that, its province) exists, and the birth region is recorded as that nearest known
  region. Area codes are never resolved against the birth year.
* ``cn.uscc.validate`` requires the first eight characters to be digits; registration-authority codes
  A, N and Y are legitimate letters. We check each position against the standard's alphabet.

Every failure raises :class:`IdentifierError` with a message naming what is wrong (translatable),
never a bare exception.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from gongjiang.reference import regions


class IdentifierError(ValidationError):
    """A validation error with a clear message; also a Django ValidationError for forms."""


# --------------------------------------------------------------------------------------------
# Resident identity numbers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdNumberInfo:
    number: str  # the normalised 18-character number
    birth_date: datetime.date
    sex: str  # "M" or "F"
    area_code: str  # as written in the number
    birth_region_code: str  # the nearest region in the national table
    upgraded_from_15: bool = False


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits (python-stdnum's arithmetic)."""
    return stdnum_ric.calc_check_digit(first17 + "0")


def upgrade_15_to_18(number: str) -> str:
    """First-generation 15-digit numbers: insert the century 19 and append the check digit
    (the conversion rule of GB 11643-1999)."""
    body = number[:6] + "19" + number[6:]
    return body + id_check_digit(body)


def _nearest_region(area: str) -> str | None:
    if regions.province_of(area) not in regions.versions_by_code():
        return None
    return regions.nearest_known(area)


def parse_id_number(raw: str, *, today: datetime.date | None = None) -> IdNumberInfo:
    """Validate a resident ID number and derive birth date, sex and birth region."""
    if raw is None:
        raise IdentifierError(_("ID number is required."), code="required")
    number = str(raw).strip().replace(" ", "").upper()
    if not number:
        raise IdentifierError(_("ID number is required."), code="required")
    upgraded = False
    if len(number) == 15:
        if not (number.isascii() and number.isdigit()):
            raise IdentifierError(_("A 15-digit ID number must contain digits only."), code="format")
        number = upgrade_15_to_18(number)
        upgraded = True
    if len(number) != 18:
        raise IdentifierError(
            _("ID number must have 18 characters (or 15 for a first-generation card); got %(n)d.") % {"n": len(number)},
            code="length",
        )
    # isascii: full-width, Arabic-Indic and superscript digits also pass str.isdigit().
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdentifierError(_("ID number must be 17 digits followed by a digit or X."), code="format")
    if id_check_digit(number[:17]) != number[17]:
        raise IdentifierError(_("ID number check digit does not match (GB 11643)."), code="checksum")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError(
            _("ID number contains an impossible birth date %(d)s.") % {"d": number[6:14]}, code="birth_date"
        ) from None
    today = today or datetime.date.today()
    if birth > today:
        raise IdentifierError(_("ID number has a birth date in the future."), code="birth_date")
    if birth.year < 1900:
        raise IdentifierError(_("ID number has a birth date before 1900."), code="birth_date")
    area = number[:6]
    region = _nearest_region(area)
    if region is None:
        raise IdentifierError(
            _("ID number area code %(code)s is not a Chinese administrative division.") % {"code": area},
            code="area",
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumberInfo(
        number=number, birth_date=birth, sex=sex, area_code=area, birth_region_code=region, upgraded_from_15=upgraded
    )


def validate_id_number(value: str) -> None:
    parse_id_number(value)


# --------------------------------------------------------------------------------------------
# Unified social credit codes
# --------------------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100-2015 registration authorities (position 1) and the organisation types each allows (2).
USCC_AUTHORITIES = {
    "1": "1239",  # 机构编制
    "2": "19",  # 外交
    "3": "123459",  # 司法行政 (4 司法鉴定机构, 5 仲裁委员会)
    "4": "19",  # 文化
    "5": "1239",  # 民政
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商 / 市场监管
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_digit(first17: str) -> str:
    return stdnum_uscc.calc_check_digit(first17)


def org_code_check_digit(first8: str) -> str:
    """GB 11714 organisation-code check character for positions 9–16 of a USCC."""
    total = 0
    for ch, w in zip(first8, _ORG_WEIGHTS, strict=True):
        value = int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10
        total += value * w
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def normalise_uscc(raw: str) -> str:
    if raw is None:
        raise IdentifierError(_("Unified social credit code is required."), code="required")
    code = str(raw).strip().replace(" ", "").replace("-", "").upper()
    if not code:
        raise IdentifierError(_("Unified social credit code is required."), code="required")
    if len(code) != 18:
        raise IdentifierError(
            _("Unified social credit code must have 18 characters; got %(n)d.") % {"n": len(code)}, code="length"
        )
    for pos, ch in enumerate(code, start=1):
        if ch not in USCC_ALPHABET:
            raise IdentifierError(
                _(
                    "Unified social credit code has %(ch)s at position %(pos)d; the letters I, O, S, V and Z "
                    "are not used (GB 32100)."
                )
                % {"ch": ch, "pos": pos},
                code="alphabet",
            )
    if code[0] not in USCC_AUTHORITIES:
        raise IdentifierError(
            _("Unified social credit code: %(ch)s is not a registration authority code.") % {"ch": code[0]},
            code="authority",
        )
    if code[1] not in USCC_AUTHORITIES[code[0]]:
        raise IdentifierError(
            _("Unified social credit code: %(t)s is not an organisation type of authority %(a)s.")
            % {"t": code[1], "a": code[0]},
            code="type",
        )
    if not code[2:8].isdigit():
        raise IdentifierError(
            _("Unified social credit code: positions 3–8 must be a region code of six digits."), code="region"
        )
    if code[2:4] + "0000" not in regions.versions_by_code():
        raise IdentifierError(
            _("Unified social credit code: %(code)s is not in a Chinese province.") % {"code": code[2:8]},
            code="region",
        )
    if org_code_check_digit(code[8:16]) != code[16]:
        raise IdentifierError(
            _("Unified social credit code: the organisation code check digit (position 17) does not match (GB 11714)."),
            code="org_checksum",
        )
    if uscc_check_digit(code[:17]) != code[17]:
        raise IdentifierError(
            _("Unified social credit code: the check character (position 18) does not match (GB 32100)."),
            code="checksum",
        )
    return code


def validate_uscc(value: str) -> None:
    normalise_uscc(value)


# --------------------------------------------------------------------------------------------
# Skill certificate numbers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateNumberInfo:
    number: str
    kind: str  # "skill" (职业技能等级证书), "top" (特级技师), "legacy" (职业资格证书)
    evaluator: str  # "Y" employer, "S" social organisation, "" unknown
    province_code: str  # "32" or ""
    issue_year: int | None
    national_level: int | None  # 1..5 where encoded


# re.ASCII: \d would otherwise match full-width and other Unicode digits.
_SKILL_RE = re.compile(r"^([YS])(\d{4})(\d{2})(\d{6})(\d{2})([1-5])(\d{6})$", re.ASCII)
_TOP_RE = re.compile(r"^([A-Z]{2})(\d{20})$", re.ASCII)
_LEGACY_RE = re.compile(r"^\d{16}$", re.ASCII)


def parse_certificate_number(raw: str, *, today: datetime.date | None = None) -> CertificateNumberInfo:
    if raw is None or not str(raw).strip():
        raise IdentifierError(_("Certificate number is required."), code="required")
    number = str(raw).strip().replace(" ", "").upper()
    today = today or datetime.date.today()
    m = _SKILL_RE.match(number)
    if m:
        evaluator, _body, province, _station, yy, level, _serial = m.groups()
        if province + "0000" not in regions.versions_by_code():
            raise IdentifierError(
                _("Certificate number: %(p)s (positions 6–7) is not a province code.") % {"p": province},
                code="province",
            )
        year = 2000 + int(yy)
        if year < 2019 or year > today.year:
            raise IdentifierError(
                _("Certificate number: issue year 20%(yy)s (positions 14–15) is outside 2019–%(y)d.")
                % {"yy": yy, "y": today.year},
                code="year",
            )
        return CertificateNumberInfo(number, "skill", evaluator, province, year, int(level))
    if _TOP_RE.match(number):
        return CertificateNumberInfo(number, "top", "", "", None, None)
    if _LEGACY_RE.match(number):
        return CertificateNumberInfo(number, "legacy", "", "", None, None)
    if number[:1] in ("Y", "S") and len(number) == 22 and number[1:].isdigit():
        if number[15] not in "12345":
            raise IdentifierError(
                _("Certificate number: level digit (position 16) must be 1–5; got %(d)s.") % {"d": number[15]},
                code="level",
            )
    raise IdentifierError(
        _(
            "Certificate number must be Y or S followed by 21 digits, two letters and 20 digits (特级技师), "
            "or 16 digits (legacy qualification certificate)."
        ),
        code="format",
    )


# --------------------------------------------------------------------------------------------
# Personal numbers in free text (addresses, log lines)
# --------------------------------------------------------------------------------------------

_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])", re.ASCII)
_MOBILE = re.compile(r"(?:(?<!\d)|(?<=86))1[3-9]\d{9}(?!\d)", re.ASCII)


def personal_numbers_in(text: str) -> list[str]:
    """The valid resident ID numbers (checksum, birth date and province all hold) and mainland mobile
    numbers standing in ``text``: what must never appear in an address or a log line."""
    if not text:
        return []
    found = []
    for match in _ID_CANDIDATE.finditer(text):
        try:
            parse_id_number(match.group(0))
        except IdentifierError:
            continue
        found.append(match.group(0))
    found.extend(m.group(0) for m in _MOBILE.finditer(text))
    return found
