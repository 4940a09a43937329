"""Time-versioned regions for indicators: every retired code is counted under the current code of its area.

Records keep the code they were written with (a person registered in 海门市 320684 before 2020 still
carries 320684). Indicators are reported on today's map, so the rollup maps each code through
:func:`current_code` before counting: history of 320684 appears under 海门区 320614, and a series for
320614 runs back before the code existed.

Two sources: renames derived from python-stdnum's ``cn/loc.dat`` (a retired county code whose name stem
recurs in the same city in a code first valid the year it ended or the year after), and the mergers
listed in ``data/crosswalk.yaml``. Chains are followed to the end.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from gongjiang.reference import regions

_SUFFIXES = ("市", "区", "县")


def _stem(name: str) -> str:
    return name[:-1] if len(name) > 2 and name.endswith(_SUFFIXES) else name


def _is_current(code: str) -> bool:
    return any(v.valid_to is None for v in regions.versions_by_code().get(code, ()))


def explicit_mergers() -> list[dict[str, object]]:
    text = resources.files("gongjiang.monitoring").joinpath("data/crosswalk.yaml").read_text(encoding="utf-8")
    return list(yaml.safe_load(text)["mergers"])


@lru_cache(maxsize=1)
def successors() -> dict[str, str]:
    """Retired code → the code that directly succeeded it (one step)."""
    table = regions.versions_by_code()
    by_city: dict[str, list[str]] = {}
    for code in table:
        if regions.level_of(code) == "county":
            by_city.setdefault(code[:4], []).append(code)
    step: dict[str, str] = {}
    for code, versions in table.items():
        if regions.level_of(code) != "county" or _is_current(code):
            continue
        ended = max(v.valid_to or 0 for v in versions)
        stem = _stem(versions[-1].name)
        for other in by_city[code[:4]]:
            if other == code:
                continue
            if any(v.valid_from in (ended, ended + 1) and _stem(v.name) == stem for v in table[other]):
                step[code] = other
                break
    for entry in explicit_mergers():
        step[str(entry["old"])] = str(entry["new"])
    return step


@lru_cache(maxsize=1)
def crosswalk() -> dict[str, str]:
    """Every retired code that has a successor → the current code at the end of its chain."""
    step = successors()
    out: dict[str, str] = {}
    for code in step:
        seen = {code}
        nxt = step[code]
        while nxt in step and nxt not in seen:
            seen.add(nxt)
            nxt = step[nxt]
        if _is_current(nxt):  # a chain that ends in another retired code leaves the code as it is
            out[code] = nxt
    return out


def current_code(code: str) -> str:
    return crosswalk().get(code, code)


def predecessors(code: str) -> list[str]:
    """Retired codes counted under ``code``."""
    return sorted(old for old, new in crosswalk().items() if new == code)
