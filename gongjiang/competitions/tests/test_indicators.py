"""The indicators count competitions held: municipal competitions, and participants of every level."""

from __future__ import annotations

import datetime

from gongjiang.competitions import selectors, services
from gongjiang.competitions.tests.conftest import World
from gongjiang.monitoring import engine
from gongjiang.monitoring.measures import Store

D = datetime.date


def _period(label: str, kind: str, end: datetime.date) -> engine.Period:
    return engine.Period(label=label, kind=kind, bucket=0, first_bucket=0, end=end)


def test_municipal_competitions_and_participants(world: World) -> None:
    year, q2, q3 = (
        _period("2026", "Y", D(2026, 12, 31)),
        _period("2026Q2", "Q", D(2026, 6, 30)),
        _period("2026Q3", "Q", D(2026, 9, 30)),
    )
    store = Store(as_of=D(2026, 12, 31), periods=[])
    store.competitions = selectors.held()
    assert store.competition_count("320400", "municipal_competitions", year) == 0  # a draft is not held
    services.competition_open(actor=world.officer, competition=world.competition)
    for p in world.people[:3]:
        services.participant_register(actor=world.officer, competition=world.competition, person=p)
    store.competitions = selectors.held()
    for region in ("320400", "320000"):
        assert store.competition_count(region, "municipal_competitions", year) == 1
        assert store.competition_count(region, "participants", year) == 3
    assert store.competition_count("320400", "participants", q2) == 3  # started 10 May
    assert store.competition_count("320400", "participants", q3) == 0
    assert store.competition_count("320500", "municipal_competitions", year) == 0
