"""Generators of valid national identifiers, scalar (tests, demo) and vectorised (synthetic data)."""

from __future__ import annotations

import datetime

import numpy as np

from gongjiang.core.validators import USCC_ALPHABET, id_check_digit, org_code_check_digit, uscc_check_digit

_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = np.array(list("10X98765432"))


def make_id_number(area: str, birth: datetime.date, seq: int) -> str:
    """A valid 18-character ID number; ``seq`` 0–999, odd for men."""
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + id_check_digit(body)


def id_numbers(area: np.ndarray, birth_ymd: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Vectorised: ``area`` int (6 digits), ``birth_ymd`` int YYYYMMDD, ``seq`` int 0–999 → str array."""
    body = area.astype(np.int64) * 10**11 + birth_ymd.astype(np.int64) * 1000 + seq.astype(np.int64)
    digits = np.empty((len(body), 17), dtype=np.int64)
    rest = body.copy()
    for i in range(16, -1, -1):
        digits[:, i] = rest % 10
        rest //= 10
    check = _ID_CHECK[(digits * _ID_WEIGHTS).sum(axis=1) % 11]
    import polars as pl

    joined = pl.Series(body).cast(pl.Utf8).str.zfill(17) + pl.Series(check)
    return joined.to_numpy()


def make_uscc(region: str, serial: int, authority: str = "9", kind: str = "1") -> str:
    """A valid unified social credit code; the organisation code is derived from ``serial``."""
    org8 = _org8(serial)
    org9 = org8 + org_code_check_digit(org8)
    first17 = f"{authority}{kind}{region}{org9}"
    return first17 + uscc_check_digit(first17)


def _org8(serial: int) -> str:
    # Organisation codes are 8 characters; we use digits, spreading serials to look less sequential.
    return f"{(serial * 7919 + 10000000) % 100000000:08d}"


def usccs(regions: np.ndarray, serials: np.ndarray, kinds: np.ndarray | None = None) -> list[str]:
    out = []
    for i, (region, serial) in enumerate(zip(regions.tolist(), serials.tolist(), strict=True)):
        kind = "1" if kinds is None else str(kinds[i])
        out.append(make_uscc(str(region), int(serial), kind=kind))
    return out


def make_certificate_number(
    *, evaluator: str, station: int, year: int, national_level: int, serial: int, body: int = 0
) -> str:
    """Y/S + body(4) + 32 + station(6) + yy + level + serial(6)."""
    return f"{evaluator}{body:04d}32{station:06d}{year % 100:02d}{national_level}{serial:06d}"


def make_legacy_number(serial: int, year: int) -> str:
    """A 16-digit 职业资格证书 number (the legacy format carries no check digit)."""
    return f"{year % 100:02d}32{serial:012d}"


__all__ = [
    "USCC_ALPHABET",
    "id_numbers",
    "make_certificate_number",
    "make_id_number",
    "make_legacy_number",
    "make_uscc",
    "usccs",
]
