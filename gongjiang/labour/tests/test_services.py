"""The labour services: demand, survey, catalog (shortage index and evidence), classes priced by the
policy engine, rounds matched with their certificate, placements and the retention count."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from gongjiang.labour import selectors, services
from gongjiang.labour.models import Applicant, CatalogEntry, RoundStatus

ZJG = "320582"
YEAR = 2026


def test_survey_submit_and_catalog_evidence(world):  # type: ignore[no-untyped-def]
    ent = world["ent_user"]
    post = services.post_create(
        actor=ent,
        organisation=world["enterprise"],
        occupation_code="6-18-01-01",
        level_code="level3",
        headcount=12,
        wage_offer=6500,
        start=datetime.date(YEAR, 9, 1),
        opened_on=datetime.date(YEAR, 3, 1),
    )
    survey = services.survey_start(actor=ent, organisation=world["enterprise"], year=YEAR)
    with pytest.raises(ValidationError):
        services.survey_send(actor=ent, survey=survey)  # no lines yet
    services.survey_line_add(
        actor=ent,
        survey=survey,
        occupation_code="6-18-01-01",
        level_code="level3",
        staff=30,
        hires_1=8,
        hires_2=6,
        hires_3=5,
        hard_to_fill=6,
        open_days=120,
    )
    services.survey_send(actor=ent, survey=survey)
    services.programme_create(
        actor=world["school_user"],
        school=world["school"],
        name="数控加工",
        occupation_code="6-18-01-01",
        year=YEAR,
        enrolment=40,
        expected_graduates=5,
    )
    catalog = services.catalog_create(actor=world["officer"], region_code=ZJG, year=YEAR)
    with pytest.raises(PermissionDenied):
        services.catalog_publish(actor=world["officer"], catalog=catalog)  # not compiled
    assert services.catalog_compile(actor=world["officer"], catalog=catalog) == 1
    entry = CatalogEntry.objects.get()
    # demand 12 posted + 8 planned = 20; nothing filled; 5 graduates; 6 hard posts open 120 days.
    assert (entry.demand, entry.posted, entry.filled, entry.supply, entry.hard_to_fill, entry.open_days) == (
        20,
        12,
        0,
        5,
        6,
        120,
    )
    assert float(entry.shortage_index) == pytest.approx(0.5 + 0.3 * 15 / 20 + 0.2 * 6 / 20, abs=1e-3)
    assert entry.proposed
    services.catalog_publish(actor=world["officer"], catalog=catalog)
    with pytest.raises(PermissionDenied):  # an enterprise does not publish
        services.catalog_create(actor=ent, region_code=ZJG, year=YEAR + 1)
    assert post.filled == 0


def test_round_matches_prices_and_counts_retention(world):  # type: ignore[no-untyped-def]
    sch = world["school_user"]
    oc = services.order_class_create(
        actor=sch,
        school=world["school"],
        enterprise=world["enterprise"],
        name="精工数控订单班",
        kind="order",
        occupation_code="6-18-01-01",
        year=YEAR,
        places=2,
        funding_per_student=1200,
    )
    rnd = services.round_create(actor=sch, name="双选", year=YEAR, organiser=world["school"])
    for person, score in zip(world["people"], (88, 75, 91), strict=True):
        services.applicant_add(actor=sch, round=rnd, person=person, school=world["school"], choices=[(oc.pk, 1, score)])
    with pytest.raises(ValidationError):
        services.applicant_add(
            actor=sch, round=rnd, person=world["people"][0], school=world["school"], choices=[(oc.pk, 1, 50)]
        )
    certificate = services.round_run(actor=sch, round=rnd)
    assert certificate.stable and certificate.assigned == 2
    assert {a.person.name for a in Applicant.objects.filter(placed=oc)} == {"陈一", "吴三"}
    services.round_confirm(actor=sch, round=rnd)
    rnd.refresh_from_db()
    assert rnd.status == RoundStatus.CONFIRMED and rnd.certificate["blocking_count"] == 0
    # The 1:1 match is capped at 1,000 yuan a student (ZJG opinion 二(八)), priced by the engine.
    priced = selectors.order_class_pricing(oc)
    assert priced["amount_fen"].to_list() == [100000, 100000]
    # A graduate seeker placed in a post: the employment record makes her retained.
    person = world["people"][1]
    seeker = services.seeker_register(
        actor=sch,
        person=person,
        kind="graduate",
        region_code=ZJG,
        occupation_code="6-18-01-01",
        level_code="level4",
        wage_expected=6000,
        school=world["school"],
        graduation_year=YEAR,
    )
    post = services.post_create(
        actor=world["ent_user"],
        organisation=world["enterprise"],
        occupation_code="6-18-01-02",
        level_code="level4",
        headcount=1,
        wage_offer=6500,
        start=datetime.date(YEAR, 7, 1),
    )
    with translation.override("en"):
        recs = selectors.posts_for(seeker, selectors.open_demand("3205"))
    assert [r.target.pk for r in recs] == [post.pk] and "adjacent" in recs[0].sentence
    services.seeker_place(actor=world["officer"], seeker=seeker, post=post, start=datetime.date(YEAR, 7, 1))
    post.refresh_from_db()
    assert post.filled == 1 and post.status == "closed"
    assert selectors.retention() == [(ZJG, YEAR, 1, 1)]
    assert selectors.sent_by_school(ZJG, YEAR) == {world["school"].pk: 1}


def test_indicators_count_classes_apprentices_schools_and_retention(world):  # type: ignore[no-untyped-def]
    """The monitoring store reads the labour figures: classes and their students, apprenticeships, the
    schools' reports and programmes, graduates and those retained, by region subtree and year."""
    from gongjiang.monitoring import engine
    from gongjiang.monitoring.measures import Store, _labour_table

    sch, ent = world["school_user"], world["ent_user"]
    oc = services.order_class_create(
        actor=sch,
        school=world["school"],
        enterprise=world["enterprise"],
        name="冠名班",
        kind="named",
        occupation_code="6-18-01-01",
        year=YEAR,
        places=5,
    )
    rnd = services.round_create(actor=sch, name="双选", year=YEAR, organiser=world["school"])
    services.applicant_add(
        actor=sch, round=rnd, person=world["people"][0], school=world["school"], choices=[(oc.pk, 1, 80)]
    )
    services.round_run(actor=sch, round=rnd)
    services.apprenticeship_create(
        actor=ent,
        kind="enterprise",
        enterprise=world["enterprise"],
        person=world["people"][1],
        occupation_code="6-18-01-01",
        level_code="level4",
        start=datetime.date(YEAR, 3, 1),
        end=datetime.date(YEAR + 1, 2, 28),
    )
    services.school_report_set(
        actor=sch, school=world["school"], year=YEAR, teachers=40, dual_teachers=26, social_trainees=300
    )
    with pytest.raises(ValidationError):
        services.school_report_set(
            actor=sch, school=world["school"], year=YEAR, teachers=40, dual_teachers=41, social_trainees=0
        )
    services.programme_create(
        actor=sch,
        school=world["school"],
        name="数控",
        occupation_code="6-18-01-01",
        year=YEAR,
        enrolment=600,
        expected_graduates=150,
    )
    for person in world["people"][1:]:
        services.seeker_register(
            actor=sch,
            person=person,
            kind="graduate",
            region_code=ZJG,
            occupation_code="6-18-01-01",
            school=world["school"],
            graduation_year=YEAR,
        )
    year = engine.Period(label=str(YEAR), kind="Y", bucket=0, first_bucket=0, end=datetime.date(YEAR, 12, 31))
    quarter = engine.Period(label=f"{YEAR}Q4", kind="Q", bucket=0, first_bucket=0, end=datetime.date(YEAR, 12, 31))
    store = Store(as_of=datetime.date(YEAR, 12, 31), periods=[])
    store.labour = _labour_table()
    for region in (ZJG, "320500", "320000"):
        assert store.labour_count(region, "order_classes", year) == 1
        assert store.labour_count(region, "order_class_students", year) == 1
        assert store.labour_count(region, "apprentices", year) == 1
        assert store.labour_count(region, "dual_teachers", year) / store.labour_count(region, "teachers", year) == 0.65
        assert store.labour_count(region, "social_trainees", year) == 300
        assert store.labour_count(region, "enrolment", year) == 600
        assert store.labour_count(region, "graduates", year) == 2
        assert store.labour_count(region, "retained_graduates", year) == 0
    assert store.labour_count("320400", "order_classes", year) == 0
    assert store.labour_count(ZJG, "order_classes", quarter) is None
