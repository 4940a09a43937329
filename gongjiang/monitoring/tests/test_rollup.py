"""Rollups on the database: the full rebuild agrees with the registry's own count, an incremental update
after writes through the services gives exactly what a rebuild gives, and history follows code changes."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction

from gongjiang.core.audit import Action, audit_context, record_set
from gongjiang.credentials.models import Certificate
from gongjiang.credentials.selectors import skill_summary
from gongjiang.credentials.services import certificate_revoke
from gongjiang.monitoring import engine
from gongjiang.monitoring.incremental import rollup_update
from gongjiang.monitoring.measures import build_store
from gongjiang.monitoring.models import Indicator, RegionFact, RollupChange, RollupState
from gongjiang.monitoring.rollup import rollup_rebuild
from gongjiang.monitoring.services import indicators_load
from gongjiang.registry.models import Employment
from gongjiang.registry.services import employment_create, organisation_update, person_update

pytestmark = pytest.mark.django_db

D = datetime.date


def _facts() -> dict[tuple, tuple]:
    return {
        (f.region_code, f.period, f.scope, f.dim, f.member): tuple(getattr(f, m) for m in engine.MEASURES)
        for f in RegionFact.objects.all()
    }


@pytest.mark.parametrize("day", [D(2016, 12, 31), D(2019, 12, 31), D(2021, 12, 31), D(2024, 12, 31)])
def test_rebuild_agrees_with_skill_summary(world, day) -> None:  # type: ignore[no-untyped-def]
    rollup_rebuild()
    for region in ("320582", "320505", "320500", "320412", "320400"):
        want = skill_summary(region, day)
        row = RegionFact.objects.filter(
            region_code=region, period=str(day.year), scope="all", dim="all", member="total"
        ).first()
        got = (row.skilled, row.high) if row else (0, 0)
        assert got == (want["skilled"], want["high_skilled"]), (region, day)


def test_rebuild_values(world) -> None:  # type: ignore[no-untyped-def]
    report = rollup_rebuild()
    assert report.persons == 5 and report.certificates == 6
    assert RollupState.objects.get().data_as_of == D(2024, 12, 31)
    total = RegionFact.objects.get(region_code="320000", period="2024", scope="all", dim="all")
    assert (total.skilled, total.mid_plus, total.high) == (5, 5, 3)
    # zjg_a reached 初级 in 2016 and 高级 in 2021: new skilled in 2016, new mid and high in 2021.
    zjg_2021 = RegionFact.objects.get(region_code="320582", period="2021", scope="all", dim="all")
    assert (zjg_2021.new_skilled, zjg_2021.new_mid_plus, zjg_2021.new_high) == (0, 1, 1)
    assert RegionFact.objects.get(region_code="320582", period="2021Q3", scope="all", dim="all").new_high == 1
    # Digital scope: 人工智能训练师 4-04-05-05 is a digital occupation.
    digital = RegionFact.objects.get(region_code="320500", period="2023", scope="digital", dim="all")
    assert (digital.skilled, digital.high, digital.new_skilled) == (1, 1, 1)
    # Breakdowns: the industry of the current employer, the level of the highest certificate, age bands.
    assert RegionFact.objects.get(region_code="320582", period="2024", dim="industry", member="C").skilled == 1
    levels = dict(
        RegionFact.objects.filter(region_code="320582", period="2024", scope="all", dim="level").values_list(
            "member", "skilled"
        )
    )
    assert levels == {"2": 1, "3": 1}
    ages = dict(
        RegionFact.objects.filter(region_code="320582", period="2024", scope="all", dim="age").values_list(
            "member", "skilled"
        )
    )
    assert ages == {"under35": 1, "35-44": 1}


def test_history_follows_code_changes(world) -> None:  # type: ignore[no-untyped-def]
    rollup_rebuild()
    # The 海门市 person (320684) counts under 海门区 320614 and 南通 320600 — also for 2018, before 320614 existed.
    assert not RegionFact.objects.filter(region_code="320684").exists()
    assert RegionFact.objects.get(region_code="320614", period="2018", scope="all", dim="all").skilled == 1
    assert RegionFact.objects.get(region_code="320600", period="2018", scope="all", dim="all").skilled == 1
    with audit_context(source="cli"):
        indicators_load(actor=None)
    store = build_store(["320614", "320600"])
    share = Indicator.objects.get(code="skilled_share_employed")
    v2018 = store.value(share, "320614", "2018")
    assert (v2018.numerator, v2018.denominator) == (1, 1000)
    assert store.value(share, "320600", "2018").value == pytest.approx(0.1)
    v2024 = store.value(share, "320614", "2024")
    assert v2024.denominator == 1200


def test_incremental_update_equals_rebuild(world, make_cert, make_person, make_org) -> None:  # type: ignore[no-untyped-def]
    incremental_update_equals_rebuild(world, make_cert, make_person, make_org)


def incremental_update_equals_rebuild(world, make_cert, make_person, make_org) -> None:  # type: ignore[no-untyped-def]
    """Writes of every kind after a rebuild; the incremental update then gives what a rebuild gives."""
    with audit_context(source="cli"):
        employment_create(
            actor=None, person=world["wujin"], organisation=make_org(region="320412", industry="G"), start=D(2010, 1, 1)
        )
    rollup_rebuild()
    # A batch of writes through the services: new certificates (one in a new quarter), a revocation,
    # a person moving from 张家港 to 武进, a new person, a new job in another industry, an employer whose
    # industry is corrected.
    make_cert(world["zjg_b"], level="level2", national_level=2, issue_date=D(2025, 2, 10))
    make_cert(world["wujin"], level="level5", national_level=5, issue_date=D(2012, 3, 3))  # backdated
    newcomer = make_person(region="320505", birth=D(2000, 10, 10))
    make_cert(newcomer, level="level4", national_level=4, issue_date=D(2024, 11, 11), occupation="4-04-05-05")
    cert = world["huqiu"].certificates.get()
    with audit_context(source="cli"):
        certificate_revoke(actor=None, certificate=cert, revoked_on=D(2024, 3, 1), reason="核查不实")
        person_update(actor=None, person=world["zjg_a"], residence_region_code="320412")
        employment_create(
            actor=None, person=world["zjg_b"], organisation=make_org(region="320582", industry="I"), start=D(2020, 1, 1)
        )
        employer = Employment.objects.get(person=world["zjg_a"]).organisation
        organisation_update(actor=None, organisation=employer, industry_code="F")
    report = rollup_update()
    assert report.mode == "incremental", report.reason
    assert report.persons == 5
    incremental = _facts()
    state = RollupState.objects.get()
    assert state.data_as_of == D(2025, 2, 10)
    rollup_rebuild()
    rebuilt = _facts()
    # The rebuild keeps quarters from 2021 and periods to the end of 2026; the update kept 2020–2025.
    both = {k[1] for k in incremental} & {k[1] for k in rebuilt}
    assert {"2021Q1", "2025Q1", "2025"} <= both
    incremental = {k: v for k, v in incremental.items() if k[1] in both}
    rebuilt = {k: v for k, v in rebuilt.items() if k[1] in both}
    diff = {
        k: (incremental.get(k), rebuilt.get(k))
        for k in set(incremental) | set(rebuilt)
        if incremental.get(k) != rebuilt.get(k)
    }
    assert not diff, sorted(diff.items())[:8]
    # Nothing new: an update changes nothing.
    before = _facts()
    assert rollup_update().facts == 0
    assert _facts() == before


def test_update_without_rollup_rebuilds(world) -> None:  # type: ignore[no-untyped-def]
    report = rollup_update()
    assert report.mode == "full"
    assert RegionFact.objects.exists()


def test_bulk_update_of_certificates_forces_rebuild(world) -> None:  # type: ignore[no-untyped-def]
    rollup_rebuild()
    with audit_context(source="cli"), transaction.atomic():
        record_set(model=Certificate, count=3, detail={"fix": "dates"}, action=Action.UPDATE)
    report = rollup_update()
    assert report.mode == "full" and "bulk update" in report.reason
    assert not RollupChange.objects.exists()
