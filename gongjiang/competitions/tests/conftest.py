"""A municipal competition in 常州 with participants from the registry, judges and aspects."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from gongjiang.competitions import services
from gongjiang.competitions.models import Competition

OCCUPATION = "6-31-01-03"
CZ = "320400"


@dataclass
class World:
    officer: Any
    competition: Competition
    people: list[Any]


@pytest.fixture
def world(make_user, make_person, make_org) -> World:  # type: ignore[no-untyped-def]
    officer = make_user("cz", role="officer", region_code=CZ)
    organiser = make_org(region="320412", name="武进职业技能鉴定中心")
    competition = services.competition_create(
        actor=officer,
        name="常州市第三届职业技能大赛电工项目",
        level="municipal",
        region_code=CZ,
        occupation_code=OCCUPATION,
        award_level_code="level3",
        start=datetime.date(2026, 5, 10),
        end=datetime.date(2026, 5, 12),
        cap=4,
        organiser=organiser,
        recognised_ranks=2,
    )
    people = [make_person(region="320412", name=n) for n in ("赵一", "钱二", "孙三", "李四", "周五")]
    return World(officer, competition, people)


def marking(w: World, n: int = 4) -> tuple[list[Any], list[Any], list[Any]]:
    services.competition_open(actor=w.officer, competition=w.competition)
    participants = [
        services.participant_register(actor=w.officer, competition=w.competition, person=p) for p in w.people[:n]
    ]
    judges = [services.judge_add(actor=w.officer, competition=w.competition, name=n) for n in ("裁判甲", "裁判乙")]
    aspects = [
        services.aspect_add(
            actor=w.officer, competition=w.competition, name="尺寸精度", kind="measurement", max_mark=40
        ),
        services.aspect_add(actor=w.officer, competition=w.competition, name="工艺美观", kind="judgement", max_mark=10),
    ]
    services.competition_close(actor=w.officer, competition=w.competition)
    return participants, judges, aspects
