"""The region crosswalk: renames derived from the national table, mergers from data/crosswalk.yaml."""

from __future__ import annotations

import pytest

from gongjiang.monitoring.crosswalk import crosswalk, current_code, predecessors
from gongjiang.reference import regions


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("320684", "320614"),  # 海门市 → 海门区 (2020), a rename
        ("320482", "320413"),  # 金坛市 → 金坛区 (2015)
        ("320584", "320509"),  # 吴江市 → 吴江区 (2012)
        ("320602", "320613"),  # 崇川区 renumbered in 2020
        ("320611", "320613"),  # 港闸区 merged into 崇川区 (listed merger)
        ("320503", "320508"),  # 平江区 → 姑苏区 (listed merger)
        ("320405", "320412"),  # 戚墅堰区 → 武进区 (listed merger)
        ("320524", "320506"),  # 吴县 → 吴县市 → 吴中区: a chain, followed to its end
    ],
)
def test_retired_codes_map_to_their_current_successor(old: str, new: str) -> None:
    assert current_code(old) == new
    assert any(v.valid_to is None for v in regions.versions_by_code()[new])


def test_current_codes_are_left_alone_and_every_target_is_current() -> None:
    for code in ("320582", "320500", "320000", "320614"):
        assert current_code(code) == code
    for new in set(crosswalk().values()):
        assert any(v.valid_to is None for v in regions.versions_by_code()[new]), new
    assert "320684" in predecessors("320614")
