"""Fixtures of the rollup tests: a small registry in four districts of two cities."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.core.audit import audit_context
from gongjiang.registry.models import Person
from gongjiang.registry.services import employment_create, employment_stat_set

D = datetime.date


_serial = iter(range(1, 10**6))


@pytest.fixture
def make_cert(make_certificate):  # type: ignore[no-untyped-def]
    """A certificate at any date: Y/S numbers from 2019 on, legacy 16-digit qualification numbers before."""
    from gongjiang.credentials.services import certificate_issue
    from gongjiang.synth.ids import make_legacy_number

    def factory(person, *, level, national_level, issue_date, occupation="6-31-01-03"):  # type: ignore[no-untyped-def]
        if issue_date.year >= 2019:
            return make_certificate(
                person, level=level, national_level=national_level, issue_date=issue_date, occupation=occupation
            )
        with audit_context(source="cli"):
            return certificate_issue(
                actor=None,
                number=make_legacy_number(700000 + next(_serial), issue_date.year),
                person=person,
                occupation_code=occupation,
                level_code=level,
                issue_date=issue_date,
                source="legacy",
            )

    return factory


@pytest.fixture
def world(make_person, make_cert, make_org):  # type: ignore[no-untyped-def]
    people = {
        "zjg_a": make_person(region="320582", birth=D(1985, 3, 1)),
        "zjg_b": make_person(region="320582", birth=D(1995, 7, 9)),
        "huqiu": make_person(region="320505", birth=D(1970, 1, 1)),
        "wujin": make_person(region="320412", birth=D(1990, 2, 2)),
        "haimen": make_person(region="320614", birth=D(1988, 8, 8)),
    }
    # Registered in 海门市 before it became 海门区 (320684 → 320614 in 2020): the record keeps the old code.
    Person.objects.filter(pk=people["haimen"].pk).update(residence_region_code="320684")
    make_cert(people["zjg_a"], level="level5", national_level=5, issue_date=D(2016, 4, 1))
    make_cert(people["zjg_a"], level="level3", national_level=3, issue_date=D(2021, 9, 1))
    make_cert(people["zjg_b"], level="level4", national_level=4, issue_date=D(2019, 6, 30))
    make_cert(people["huqiu"], level="level2", national_level=2, issue_date=D(2023, 1, 15), occupation="4-04-05-05")
    make_cert(people["wujin"], level="level3", national_level=3, issue_date=D(2024, 12, 31))
    make_cert(people["haimen"], level="level4", national_level=4, issue_date=D(2018, 5, 5))
    with audit_context(source="cli"):
        employment_stat_set(actor=None, region_code="320684", year=2018, employed=1000)
        employment_stat_set(actor=None, region_code="320614", year=2024, employed=1200)
        employment_stat_set(actor=None, region_code="320582", year=2024, employed=100)
        employment_stat_set(actor=None, region_code="320505", year=2024, employed=50)
        org = make_org(region="320582", industry="C")
        employment_create(actor=None, person=people["zjg_a"], organisation=org, start=D(2015, 1, 1))
    return people


@pytest.fixture(autouse=True)
def _tasks_wait_in_the_database(settings):  # type: ignore[no-untyped-def]
    """The rollup's tests follow its tasks through the database backend (queued rows, their states);
    a test that wants them run at once sets the immediate backend itself."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
