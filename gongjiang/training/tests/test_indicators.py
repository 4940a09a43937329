"""The training indicators are counted from the platform's own rosters: subsidised training, digital,
elderly-care and youth trainees (CZ-2025-14 二(一)1, 2, 4; SZ-digital-10), by class end date and region."""

from __future__ import annotations

import datetime
from typing import Any

import polars as pl

from gongjiang.core.audit import audit_context
from gongjiang.monitoring import engine
from gongjiang.monitoring.measures import Store
from gongjiang.monitoring.models import DataSource, Indicator
from gongjiang.training import selectors, services
from gongjiang.training.tests.conftest import ZJG, TrainingWorld, roster_frame

D = datetime.date


def _period(label: str, kind: str, end: datetime.date) -> engine.Period:
    return engine.Period(label=label, kind=kind, bucket=0, first_bucket=0, end=end)


def _class(tw: TrainingWorld, name: str, occupation: str, programme: str, persons: list[Any], groups: list[str]) -> Any:
    with audit_context(source="web", actor=tw.inst_user):
        tc = services.class_create(
            actor=tw.inst_user,
            kind="designated",
            institution=tw.institution,
            region_code=ZJG,
            name=name,
            occupation_code=occupation,
            level_code="level4",
            start_date=D(2025, 3, 3),
            end_date=D(2025, 5, 30),
            class_hours=80,
            practical_hours=50,
            programme=programme,
        )
        frame = roster_frame(persons).with_columns(pl.Series("trainee_group", groups))
        services.roster_upload(actor=tw.inst_user, training_class=tc, frame=frame)
    return tc


def test_trainees_are_counted_by_programme_occupation_and_group(tw: TrainingWorld) -> None:
    year, q2, q3 = (
        _period("2025", "Y", D(2025, 12, 31)),
        _period("2025Q2", "Q", D(2025, 6, 30)),
        _period("2025Q3", "Q", D(2025, 9, 30)),
    )
    store = Store(as_of=D(2025, 12, 31), periods=[])
    store.trained = selectors.trained()
    assert store.training_count(ZJG, "subsidised", year) == 0
    a, b, c, d = tw.persons
    # A digital-skills class in an ordinary occupation; an elderly-care occupation (养老护理员) in a general
    # class, with one trainee of the youth group.
    _class(tw, "数字技能提升班", "6-31-01-03", "digital", [a, b], ["", "企业职工"])
    _class(tw, "养老护理员培训班", "4-10-01-05", "general", [c, d], ["青年", ""])
    store.trained = selectors.trained()
    for region in (ZJG, "320500", "320000"):
        assert store.training_count(region, "subsidised", year) == 4
        assert store.training_count(region, "digital", year) == 2
        assert store.training_count(region, "elderly_care", year) == 2
        assert store.training_count(region, "youth", year) == 1
        assert store.training_count(region, "digital_passed", year) == 0  # nobody has passed yet
    assert store.training_count(ZJG, "subsidised", q2) == 4  # ended 30 May
    assert store.training_count(ZJG, "subsidised", q3) == 0
    assert store.training_count("320400", "subsidised", year) == 0


def test_the_four_indicators_are_no_longer_uncollected(reference) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.monitoring.services import indicators_load

    with audit_context(source="cli"):
        indicators_load(actor=None)
    for code in (
        "subsidised_training_person_times",
        "digital_skilled_trained",
        "elderly_care_trainees",
        "youth_trainees",
    ):
        assert Indicator.objects.get(code=code).source == DataSource.TRAINING
