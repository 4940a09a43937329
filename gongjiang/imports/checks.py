"""Vectorised identifier and value checks over whole columns (Polars).

The arithmetic runs on columns; every value the vectorised path refuses is then passed to the scalar
validator of :mod:`gongjiang.core.validators`, whose message is the one reported. The two therefore
cannot disagree on a message, and a test checks that they agree on what is valid.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable

import polars as pl
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongjiang.core.validators import (
    USCC_ALPHABET,
    IdentifierError,
    normalise_uscc,
    parse_certificate_number,
    parse_id_number,
)
from gongjiang.reference import regions
from gongjiang.reference.selectors import validate_region_code

log = logging.getLogger(__name__)

# Excel writes a long number it holds as floating point like this: 3.20582199001011E+17.
SCIENTIFIC = r"^[0-9](?:\.[0-9]+)?[Ee]\+?[0-9]+$"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def precision_lost(what: object) -> str:
    return _(
        "%(what)s was stored by Excel as a number in scientific notation and has lost its last digits; it cannot be "
        "recovered. Format the column as text and enter the full value."
    ) % {"what": what}


def formula_message() -> str:
    return _("The cell holds a spreadsheet formula; formulas are not evaluated. Enter the value itself.")


def normalised(col: str) -> pl.Expr:
    """Trimmed, spaces removed, upper case: how identifiers are compared."""
    return pl.col(col).fill_null("").str.strip_chars().str.replace_all(r"\s", "").str.to_uppercase()


def known_codes() -> pl.Series:
    return pl.Series("code", sorted(regions.versions_by_code()), dtype=pl.String)


def _digits_sum(body: pl.Expr, weights: tuple[int, ...]) -> pl.Expr:
    """Σ digit_i · weight_i over a string of len(weights) ASCII digits, on the integer value."""
    n = body.str.to_integer(strict=False)
    total = pl.lit(0, dtype=pl.Int64)
    width = len(weights)
    for i, w in enumerate(weights):
        total = total + ((n // (10 ** (width - 1 - i))) % 10) * w
    return total


def id_check_expr(body17: pl.Expr) -> pl.Expr:
    """ISO 7064 MOD 11-2 check character of 17 digits (null where the body is not 17 digits)."""
    total = _digits_sum(body17, _ID_WEIGHTS)
    return (
        pl.when(body17.str.contains(r"^[0-9]{17}$"))
        .then((total % 11).replace_strict(list(range(11)), list(_ID_CHECK), return_dtype=pl.String))
        .otherwise(None)
    )


def id_numbers_vectorised(values: pl.Series, *, today: datetime.date | None = None) -> pl.DataFrame:
    """The column arithmetic alone (no scalar reconciliation): raw, sci, is15, number, ok, birth_date, sex,
    birth_region_code."""
    today = today or datetime.date.today()
    known = known_codes()
    f = pl.DataFrame({"raw": values.fill_null("").cast(pl.String)}).with_columns(norm=normalised("raw"))
    f = f.with_columns(
        sci=pl.col("norm").str.contains(SCIENTIFIC),
        is15=pl.col("norm").str.contains(r"^[0-9]{15}$"),
    )
    body = (
        pl.when(pl.col("is15"))
        .then(pl.col("norm").str.slice(0, 6) + "19" + pl.col("norm").str.slice(6, 9))
        .otherwise(pl.col("norm").str.slice(0, 17))
    )
    f = f.with_columns(body=body)
    f = f.with_columns(check=id_check_expr(pl.col("body")))
    f = f.with_columns(
        number=pl.when(pl.col("is15")).then(pl.col("body") + pl.col("check")).otherwise(pl.col("norm")),
    )
    f = f.with_columns(
        birth_date=pl.col("number").str.slice(6, 8).str.to_date("%Y%m%d", strict=False),
        area=pl.col("number").str.slice(0, 6),
    )
    f = f.with_columns(
        ok=(
            pl.col("number").str.contains(r"^[0-9]{17}[0-9X]$")
            & (pl.col("number").str.slice(17, 1) == pl.col("check"))
            & pl.col("birth_date").is_between(datetime.date(1900, 1, 1), today)
            & (pl.col("area").str.slice(0, 2) + "0000").is_in(known.implode())
            & ~pl.col("sci")
        ).fill_null(False),
        birth_region_code=pl.when(pl.col("area").is_in(known.implode()))
        .then(pl.col("area"))
        .when((pl.col("area").str.slice(0, 4) + "00").is_in(known.implode()))
        .then(pl.col("area").str.slice(0, 4) + "00")
        .otherwise(pl.col("area").str.slice(0, 2) + "0000"),
        sex=pl.when(pl.col("number").str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1)
        .then(pl.lit("M"))
        .otherwise(pl.lit("F")),
    )
    return f


def id_numbers(values: pl.Series, *, today: datetime.date | None = None) -> pl.DataFrame:
    """Validate resident ID numbers as a column.

    Returns one row per input value with ``number`` (the normalised 18-character number), ``ok``,
    ``birth_date``, ``sex``, ``birth_region_code``, ``upgraded`` and ``message`` (null when ok).
    """
    today = today or datetime.date.today()
    f = id_numbers_vectorised(values, today=today)
    bad = f.filter(~pl.col("ok")).select("raw", "sci").unique()
    fixes: list[dict] = []
    for raw, sci in bad.iter_rows():
        if sci:
            fixes.append({"raw": raw, "message": precision_lost(_("The ID number"))})
            continue
        try:
            info = parse_id_number(raw, today=today)
        except IdentifierError as exc:
            message = exc.messages[0]
            digits = raw.strip()
            if exc.code == "checksum" and digits.endswith("000"):
                message += " " + _(
                    "It ends in 000, as an ID number does after Excel stored it as a number: its last digits are lost."
                )
            fixes.append({"raw": raw, "message": message})
            continue
        # The scalar validator accepts what the columns refused: report it and trust the validator.
        log.warning("vectorised ID check refused a number the validator accepts")
        fixes.append(
            {
                "raw": raw,
                "message": None,
                "fix_number": info.number,
                "fix_birth": info.birth_date,
                "fix_sex": info.sex,
                "fix_region": info.birth_region_code,
            }
        )
    f = f.with_columns(message=pl.lit(None, dtype=pl.String))
    if fixes:
        fix = pl.DataFrame(
            fixes,
            schema={
                "raw": pl.String,
                "message": pl.String,
                "fix_number": pl.String,
                "fix_birth": pl.Date,
                "fix_sex": pl.String,
                "fix_region": pl.String,
            },
        )
        f = f.drop("message").join(fix, on="raw", how="left", nulls_equal=True)
        accepted = pl.col("fix_number").is_not_null()
        f = f.with_columns(
            ok=pl.col("ok") | accepted,
            number=pl.coalesce("fix_number", "number"),
            birth_date=pl.coalesce("fix_birth", "birth_date"),
            sex=pl.coalesce("fix_sex", "sex"),
            birth_region_code=pl.coalesce("fix_region", "birth_region_code"),
        )
    return f.select(
        "number",
        "ok",
        "birth_date",
        "sex",
        "birth_region_code",
        upgraded=pl.col("is15"),
        message=pl.when(pl.col("ok")).then(None).otherwise(pl.col("message")),
    )


def scalar_map(values: pl.Series, func: Callable[[str], str]) -> pl.DataFrame:
    """Run a scalar normaliser once per distinct value: (raw, value, message)."""
    out: list[tuple[str, str | None, str | None]] = []
    for raw in values.fill_null("").unique().to_list():
        try:
            out.append((raw, func(raw), None))
        except IdentifierError as exc:
            out.append((raw, None, exc.messages[0]))
    return pl.DataFrame(out, schema={"raw": pl.String, "value": pl.String, "message": pl.String}, orient="row")


def usccs(values: pl.Series) -> pl.DataFrame:
    """Unified social credit codes, validated once per distinct value (organisations are few)."""

    def one(raw: str) -> str:
        if _is_scientific(raw):
            raise IdentifierError(precision_lost(_("The unified social credit code")), code="precision")
        return normalise_uscc(raw)

    return scalar_map(values, one)


def _is_scientific(raw: str) -> bool:
    return re.match(SCIENTIFIC, raw.strip()) is not None


# Kept for the alphabet check in tests and for callers that want it.
USCC_PATTERN = f"^[{USCC_ALPHABET}]{{18}}$"


def certificate_numbers(values: pl.Series, *, today: datetime.date | None = None) -> pl.DataFrame:
    """Certificate numbers as a column: ``number``, ``ok``, ``kind`` (skill/top/legacy), ``evaluator``,
    ``year``, ``national_level`` and ``message``."""
    today = today or datetime.date.today()
    provinces = pl.Series([c for c in regions.versions_by_code() if c.endswith("0000")], dtype=pl.String)
    f = pl.DataFrame({"raw": values.fill_null("").cast(pl.String)}).with_columns(number=normalised("raw"))
    parts = pl.col("number").str.extract_groups(r"^([YS])[0-9]{4}([0-9]{2})[0-9]{6}([0-9]{2})([1-5])[0-9]{6}$")
    f = f.with_columns(parts=parts).with_columns(
        evaluator=pl.col("parts").struct.field("1"),
        province=pl.col("parts").struct.field("2"),
        year=pl.col("parts").struct.field("3").cast(pl.Int64, strict=False) + 2000,
        national_level=pl.col("parts").struct.field("4").cast(pl.Int64, strict=False),
    )
    skill = (
        pl.col("evaluator").is_not_null()
        & (pl.col("province") + "0000").is_in(provinces.implode())
        & pl.col("year").is_between(2019, today.year)
    )
    top = pl.col("number").str.contains(r"^[A-Z]{2}[0-9]{20}$")
    legacy = pl.col("number").str.contains(r"^[0-9]{16}$")
    f = f.with_columns(
        kind=pl.when(skill).then(pl.lit("skill")).when(top).then(pl.lit("top")).when(legacy).then(pl.lit("legacy")),
        sci=pl.col("raw").str.strip_chars().str.contains(SCIENTIFIC),
    ).with_columns(ok=pl.col("kind").is_not_null() & ~pl.col("sci"))
    messages: list[tuple[str, str]] = []
    for raw, sci in f.filter(~pl.col("ok")).select("raw", "sci").unique().iter_rows():
        if sci:
            messages.append((raw, precision_lost(_("The certificate number"))))
            continue
        try:
            parse_certificate_number(raw, today=today)
            messages.append((raw, _("Certificate number is not valid.")))
        except IdentifierError as exc:
            messages.append((raw, exc.messages[0]))
    msg = pl.DataFrame(messages, schema={"raw": pl.String, "message": pl.String}, orient="row")
    f = f.join(msg, on="raw", how="left", nulls_equal=True)
    return f.select(
        "number",
        "ok",
        "kind",
        "evaluator",
        "year",
        "national_level",
        message=pl.when(pl.col("ok")).then(None).otherwise(pl.col("message")),
    )


def integers(col: str) -> pl.Expr:
    """A whole number, allowing thousands separators and a trailing .0; null otherwise."""
    s = pl.col(col).fill_null("").str.strip_chars().str.replace_all(r"[,，\s]", "").str.replace(r"\.0+$", "")
    return pl.when(s.str.contains(r"^[0-9]{1,10}$")).then(s.str.to_integer(strict=False)).otherwise(None)


def region_valid_now(col: str, today: datetime.date | None = None) -> pl.Expr:
    """The code is a GB/T 2260 code in use this year."""
    year = (today or datetime.date.today()).year
    current = sorted(c for c, vs in regions.versions_by_code().items() if any(v.valid_in(year) for v in vs))
    return pl.col(col).is_in(pl.Series(current, dtype=pl.String).implode())


def region_message(code: str, as_of: datetime.date) -> str:
    """The reference selector's own message for a code that is not valid at ``as_of``."""
    try:
        validate_region_code(code, as_of=as_of, field="region")
    except ValidationError as exc:
        return exc.message_dict["region"][0]
    return ""


def in_scope(col: str, prefix: str | None) -> pl.Expr:
    """The code lies in the subtree of ``prefix`` (None: everywhere)."""
    if prefix is None:
        return pl.lit(True)
    if len(prefix) == 6:
        return pl.col(col) == prefix
    return pl.col(col).str.starts_with(prefix)


FORMULA_START = ("=",)
