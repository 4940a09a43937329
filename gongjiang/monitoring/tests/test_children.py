"""A region's subregions with data, read by skipping along the fact table's key index: the same codes as
a DISTINCT over the facts beginning with the region's prefix."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.monitoring import selectors
from gongjiang.monitoring.models import RegionFact

pytestmark = pytest.mark.django_db


def _fact(code: str, scope: str = "all", dim: str = "all", member: str = "total", period: str = "2024") -> None:
    RegionFact.objects.create(
        region_code=code, period=period, period_end=datetime.date(2024, 12, 31), scope=scope, dim=dim, member=member
    )


def test_fact_regions_within_match_the_distinct_facts() -> None:
    for code in ("320000", "320100", "320102", "320500", "320582", "320583", "320900", "320902", "330100"):
        for period in ("2023", "2024"):
            _fact(code, period=period)
            _fact(code, dim="sex", member="M", period=period)
    # Facts of a breakdown only, or of another scope only: no total of all persons, so not counted.
    _fact("320584", dim="sex", member="F")
    _fact("320585", scope="digital")
    for prefix in ("32", "3205", "3209", "3201", "33", "3206", "320582", "99", ""):
        expected = sorted(
            set(
                RegionFact.objects.filter(
                    scope="all", dim="all", member="total", region_code__startswith=prefix
                ).values_list("region_code", flat=True)
            )
        )
        assert selectors.fact_regions_within(prefix) == expected, prefix
    assert selectors.fact_regions_within("3205") == ["320500", "320582", "320583"]


def test_children_of_a_province_and_of_a_city() -> None:
    for code in ("320000", "320100", "320102", "320500", "320582", "320583", "330100"):
        _fact(code)
    assert {"320100", "320500"} <= set(selectors.children("320000"))
    assert {"320582", "320583"} <= set(selectors.children("320500"))
    assert "320500" not in selectors.children("320500") and "330100" not in selectors.children("320000")
    assert selectors.children("320582") == []
