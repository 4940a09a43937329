"""GB/T 2260 region codes, derived at load time from python-stdnum's national table.

python-stdnum ships ``stdnum/cn/loc.dat``: for each six-digit code the names it has carried, each
with the years it was valid (``[1994-2020]海门市``). We parse that file into region *versions*
(code, name, valid_from_year, valid_to_year); a code resolves as of a date to the version valid then.
Years are inclusive at both ends, as in the source.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_SEGMENT = re.compile(r"^\[(\d{4})?-(\d{4})?\](.+)$")
_GROUPING = re.compile(r"直辖县级行政(单位|区划)$")


@dataclass(frozen=True)
class RegionVersion:
    code: str
    name: str
    valid_from: int | None
    valid_to: int | None

    def valid_in(self, year: int) -> bool:
        return (self.valid_from is None or self.valid_from <= year) and (self.valid_to is None or year <= self.valid_to)


def level_of(code: str) -> str:
    """province, city or county, from the shape of the code."""
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


def scope_prefix(code: str) -> str:
    """The code prefix shared by a region's whole subtree: 32 for 320000, 3205 for 320500."""
    level = level_of(code)
    if level == "province":
        return code[:2]
    if level == "city":
        return code[:4]
    return code


def _parse_names(raw: str) -> list[tuple[str, int | None, int | None]]:
    out: list[tuple[str, int | None, int | None]] = []
    for part in raw.split(","):
        part = part.strip()
        m = _SEGMENT.match(part)
        if m:
            start, end, name = m.groups()
            out.append((name, int(start) if start else None, int(end) if end else None))
        elif part:
            out.append((part, None, None))
    return out


@lru_cache(maxsize=1)
def national_table() -> tuple[RegionVersion, ...]:
    """Every version of every code in the national table."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    versions: list[RegionVersion] = []
    province = ""
    attr = re.compile(r'(\w+)="([^"]*)"')
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code_suffix, rest = line.strip().split(" ", 1)
        attrs = dict(attr.findall(rest))
        county = attrs.get("county")
        if county is None:
            continue
        code = province + code_suffix
        for name, start, end in _parse_names(county):
            versions.append(RegionVersion(code=code, name=name, valid_from=start, valid_to=end))
    return tuple(versions)


@lru_cache(maxsize=1)
def versions_by_code() -> dict[str, tuple[RegionVersion, ...]]:
    table: dict[str, list[RegionVersion]] = {}
    for v in national_table():
        table.setdefault(v.code, []).append(v)
    return {k: tuple(v) for k, v in table.items()}


def resolve(code: str, as_of: datetime.date | int | None = None) -> RegionVersion | None:
    """The version of ``code`` valid at ``as_of`` (a date or a year); the current one if omitted."""
    versions = versions_by_code().get(code, ())
    if as_of is None:
        current = [v for v in versions if v.valid_to is None]
        return current[-1] if current else None
    year = as_of if isinstance(as_of, int) else as_of.year
    valid = [v for v in versions if v.valid_in(year)]
    return valid[-1] if valid else None


def is_grouping(code: str) -> bool:
    """A statistical grouping, not a government: 省直辖县级行政单位 (429000, 469000, …) gathers the
    counties a province runs directly. Their parent is the province."""
    versions = versions_by_code().get(code, ())
    return bool(versions) and all(_GROUPING.search(v.name) for v in versions)


def parent_code(code: str, year: int | None = None) -> str | None:
    """The nearest enclosing region that exists: a county's city (or its province where the
    county is administered directly by the province: the table's grouping 省直辖县级行政单位 is
    skipped), a city's province."""
    level = level_of(code)
    if level == "province":
        return None
    candidates = [code[:4] + "00", code[:2] + "0000"] if level == "county" else [code[:2] + "0000"]
    table = versions_by_code()
    for cand in candidates:
        if cand == code or cand not in table or is_grouping(cand):
            continue
        if year is None or any(v.valid_in(year) for v in table[cand]):
            return cand
    return None


@lru_cache(maxsize=65536)
def ancestors(code: str) -> tuple[str, ...]:
    """The enclosing regions of ``code`` that exist, nearest first: (city, province) for a district,
    (province,) for a city or for a county the province runs directly, () for a province."""
    out: list[str] = []
    parent = parent_code(code)
    while parent is not None:
        out.append(parent)
        parent = parent_code(parent)
    return tuple(out)


def lineage(code: str) -> tuple[str, ...]:
    """``code`` itself, then its :func:`ancestors`: the chain a rule or target is looked up along."""
    return (code, *ancestors(code))


def city_of(code: str) -> str | None:
    """The city of a district (a city is its own city); None for a province and for a county the
    province runs directly."""
    level = level_of(code)
    if level == "city":
        return code
    if level == "province":
        return None
    return next((c for c in ancestors(code) if level_of(c) == "city"), None)


def province_of(code: str) -> str:
    return code[:2] + "0000"


def common_ancestor(codes: list[str] | set[str]) -> str:
    """The smallest region containing all ``codes`` (one of them, or an ancestor they share)."""
    unique = sorted(set(codes))
    if not unique:
        raise ValueError("no region codes")
    shared = set(lineage(unique[0]))
    for code in unique[1:]:
        shared &= set(lineage(code))
    for code in lineage(unique[0]):  # nearest first
        if code in shared:
            return code
    return province_of(unique[0])


def is_code_shape(code: object) -> bool:
    """Six ASCII digits (str.isdigit alone also accepts full-width and other scripts' digits)."""
    return isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()


def is_code(code: object) -> bool:
    """Six ASCII digits naming a region of the national table (of any year)."""
    return is_code_shape(code) and code in versions_by_code()


def nearest_known(code: str) -> str | None:
    """``code`` if the national table knows it, else the nearest enclosing region it knows (a county
    missing from the table, such as a development zone, falls back to its city or province)."""
    if code in versions_by_code():
        return code
    known = ancestors(code)
    return known[0] if known else None


def province_codes() -> set[str]:
    return {v.code for v in national_table() if level_of(v.code) == "province"}
