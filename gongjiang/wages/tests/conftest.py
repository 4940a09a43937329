"""A salary survey of 苏州 (320500) with six enterprises in 张家港 and 吴中, all drawn, the officers of
苏州 (two, for four eyes), an officer of 常州 and an enterprise user of the first enterprise."""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from gongjiang.wages import services
from gongjiang.wages.models import Response, Survey

SZ = "320500"
WELDER = "6-18-02-04"
ELECTRICIAN = "6-31-01-03"


@dataclass
class World:
    officer: Any
    second: Any
    other_city: Any
    enterprise_user: Any
    orgs: list[Any]
    survey: Survey

    def response(self, org: Any) -> Response:
        return Response.objects.get(survey=self.survey, organisation=org)


@pytest.fixture(autouse=True)
def _at_most_two_workers(settings):  # type: ignore[no-untyped-def]
    """Protection forks at most two processes in the tests (other suites share the machine)."""
    settings.WAGES_WORKERS = min(2, os.cpu_count() or 1)


def survey_csv(rows: list[tuple[Any, ...]], header: str = "") -> bytes:
    head = header or "员工编号,职业编码,技能等级,学历,工作月数,月均工作小时,基本工资,奖金,津贴补贴,加班工资"
    return ("\n".join([head, *(",".join(str(v) for v in r) for r in rows)]) + "\n").encode("utf-8")


def employees_of(n: int, *, base: int, occupation: str = WELDER, level: str = "高级工") -> list[tuple[Any, ...]]:
    return [(f"E{i:03d}", occupation, level, "中专", 12, 174, base + 600 * i, 8000, 3000, 2000) for i in range(n)]


@pytest.fixture
def world(make_user, make_org) -> World:  # type: ignore[no-untyped-def]
    officer = make_user("sz1", role="officer", region_code=SZ)
    second = make_user("sz2", role="officer", region_code=SZ)
    other = make_user("cz1", role="officer", region_code="320400")
    orgs = [make_org(region="320582" if i % 2 else "320506", name=f"苏州制造{i}") for i in range(6)]
    enterprise_user = make_user("ent", role="organisation", organisation=orgs[0])
    survey = services.survey_create(
        actor=officer,
        region_code=SZ,
        year=2025,
        as_of=datetime.date(2025, 12, 31),
        sampling_fraction=Decimal("1"),
        seed=3,
    )
    return World(officer, second, other, enterprise_user, orgs, survey)
