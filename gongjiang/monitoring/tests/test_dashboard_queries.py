"""The monitoring dashboard: its rankings read only the tables of the ranking indicators' sources, for all
subregions at once, with the same figures as a store of every source; and its queries do not grow with the
number of subregions or indicators."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongjiang.core.audit import audit_context
from gongjiang.monitoring import selectors
from gongjiang.monitoring.evaluation import monitoring_refresh
from gongjiang.monitoring.measures import build_store, indicator_sources
from gongjiang.monitoring.models import DataSource, Indicator, IndicatorKind, RegionFact
from gongjiang.monitoring.rollup import rollup_rebuild
from gongjiang.monitoring.services import targets_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def monitored(world):  # type: ignore[no-untyped-def]
    rollup_rebuild()
    with audit_context(source="cli"):
        targets_load(actor=None)
    monitoring_refresh()
    return world


def _year() -> int:
    st = selectors.state()
    assert st is not None and st.data_as_of is not None
    return st.data_as_of.year


def test_ranking_indicators_read_the_registry_and_employment_statistics_only(monitored) -> None:  # type: ignore[no-untyped-def]
    ranking = Indicator.objects.filter(code__in=selectors.RANKING_INDICATORS)
    assert ranking.count() == len(selectors.RANKING_INDICATORS)
    assert indicator_sources(ranking) == {DataSource.REGISTRY, DataSource.EMPLOYMENT_STATS}


@pytest.mark.parametrize("code", ["320000", "320500", "320600", "320400"])
def test_rankings_equal_those_of_a_store_of_every_source(monitored, code) -> None:  # type: ignore[no-untyped-def]
    year = _year()
    kids = selectors.children(code)
    assert kids
    full = build_store(kids, with_organisations=False)
    for y in (year, year - 1, 2018):
        old = selectors.rankings(code, y, store=full)
        new = selectors.rankings(code, y)
        assert new == old, (code, y)
        assert new == selectors.rankings(code, y, kids=kids, st=selectors.state())
    # Not every figure is empty: the comparison compares values.
    values = [r["value"] for rows in selectors.rankings(code, year).values() for r in rows]
    assert any(v is not None for v in values)


def test_limited_store_gives_the_values_of_a_full_store_for_its_sources(monitored) -> None:  # type: ignore[no-untyped-def]
    regions = ["320500", "320582", "320505", "320600", "320614", "320000"]
    full = build_store(regions)
    for ind in Indicator.objects.all():
        part = build_store(regions, sources=indicator_sources([ind]))
        assert full is not None and part is not None
        for region in regions:
            for period in ("2018", "2024", str(_year())):
                assert part.value(ind, region, period) == full.value(ind, region, period), (ind.code, region, period)


def _dashboard_queries(code: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        data = selectors.dashboard(code)
    return len(ctx.captured_queries), data


def test_dashboard_queries_do_not_grow_with_subregions_or_indicators(monitored) -> None:  # type: ignore[no-untyped-def]
    before, data = _dashboard_queries("320000")
    cities_before = len(data["children"])
    # A rollup state read once; no whole table of a source the rankings do not use.
    assert before <= 14
    # More cities with facts, and more indicators of other sources.
    for city in ("320100", "320200", "320300", "320700", "320800", "320900", "321000", "321100", "321200"):
        RegionFact.objects.create(
            region_code=city,
            period=str(_year()),
            period_end=datetime.date(_year(), 12, 31),
            scope="all",
            dim="all",
            member="total",
            skilled=7,
        )
    for i, source in enumerate((DataSource.CARRIERS, DataSource.TRAINING, DataSource.LABOUR)):
        Indicator.objects.create(
            code=f"extra_{i}",
            name=f"附加指标{i}",
            name_en=f"Extra {i}",
            kind=IndicatorKind.COUNT,
            source=source,
            numerator={"source": source, "measure": "subsidised", "kind": "training_base"},
            order=900 + i,
        )
    after, data = _dashboard_queries("320000")
    assert len(data["children"]) > cities_before
    assert after == before
    # A city's dashboard: the same bound.
    city, _ = _dashboard_queries("320500")
    assert city <= before
