"""A worker's skill path: the subsidy of each training is the policy engine's answer for this person (the
claim later computed for the same class is the same figure, and it is 0 with the engine's reason once the
three subsidised trainings are used); the wage uplift is the published premium and is absent where the
figure is suppressed or nothing is published; adjacent occupations are ranked by demand × wage gain; and
nothing of another person is read."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from gongjiang.core.audit import audit_context
from gongjiang.labour import skill_path
from gongjiang.labour.tests.conftest import ZJG

pytestmark = pytest.mark.django_db
WELDER = "6-18-02-04"
ELECTRICIAN = "6-31-01-03"
TODAY = datetime.date(2026, 12, 7)


def _class(boss: Any, enterprise: Any, *, occupation: str, level: str, start: datetime.date, name: str) -> Any:
    from gongjiang.training import services

    with audit_context(source="web", actor=boss):
        return services.class_create(
            actor=boss,
            kind="enterprise",
            institution=enterprise,
            region_code=ZJG,
            name=name,
            occupation_code=occupation,
            level_code=level,
            start_date=start,
            end_date=start + datetime.timedelta(days=50),
            class_hours=80,
            practical_hours=50,
        )


def _claim(boss: Any, tc: Any, person: Any, make_certificate: Any, *, national: int) -> Any:
    """The person passes the class (a certificate after it ends) and the enterprise claims; the claim."""
    from gongjiang.training import services
    from gongjiang.training.models import Claim

    make_certificate(
        person,
        level=tc.level.code,
        national_level=national,
        occupation=tc.occupation.code,
        issue_date=tc.end_date + datetime.timedelta(days=10),
    )
    with audit_context(source="web", actor=boss):
        frame = pl.DataFrame(
            {"id_number": [person.id_number], "name": [person.name], "bank_account": ["6222021500000000001"]}
        )
        services.roster_upload(actor=boss, training_class=tc, frame=frame)
        services.class_end(actor=boss, training_class=tc, today=tc.end_date)
        services.class_claim_submit(actor=boss, training_class=tc)
    return Claim.objects.get(training_class=tc, person=person)


def test_the_subsidy_is_the_engines_answer_and_the_claim_later_computed(world, make_certificate) -> None:  # type: ignore[no-untyped-def]
    me, other = world["people"][0], world["people"][1]
    make_certificate(me, level="level4", national_level=4, occupation=ELECTRICIAN, issue_date=datetime.date(2021, 3, 1))
    make_certificate(
        other, level="level3", national_level=3, occupation=ELECTRICIAN, issue_date=datetime.date(2020, 3, 1)
    )
    tc = _class(
        world["ent_user"],
        world["enterprise"],
        occupation=ELECTRICIAN,
        level="level3",
        start=datetime.date(2026, 9, 1),
        name="电工高级工培训",
    )
    on = tc.end_date + datetime.timedelta(days=10)
    path = skill_path.skill_path(me, on=on)
    assert path.certificate is not None and path.certificate.person_id == me.pk
    assert [s.level.code for s in path.steps] == ["level3", "level2", "level1"]
    assert path.steps[0].met and path.steps[0].years == 5 and not path.steps[1].met
    [training] = path.trainings
    assert training.training_class == tc and training.eligible and training.amount_fen > 0
    # The claim the enterprise computes for the same class, once the worker passes, pays the same figure.
    claim = _claim(world["ent_user"], tc, me, make_certificate, national=3)
    assert claim.eligible and claim.amount_fen == training.amount_fen


def test_the_figure_is_zero_with_the_engines_reason_once_three_trainings_are_used(world, make_certificate) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.policy.engine import evaluate
    from gongjiang.training.pricing import EVENT_SCHEMA, history_events

    me = world["people"][0]
    boss, ent = world["ent_user"], world["enterprise"]
    used = [(WELDER, "level5", 5), (ELECTRICIAN, "level5", 5), (ELECTRICIAN, "level4", 4)]
    for i, (occ, level, national) in enumerate(used):
        tc = _class(boss, ent, occupation=occ, level=level, start=datetime.date(2023 + i, 3, 1), name=f"培训{i}")
        assert _claim(boss, tc, me, make_certificate, national=national).eligible
    target = _class(
        boss, ent, occupation=ELECTRICIAN, level="level3", start=datetime.date(2026, 9, 1), name="电工高级工培训"
    )
    path = skill_path.skill_path(me, on=TODAY)
    assert path.certificate is not None and path.certificate.level.code == "level4"
    assert not path.steps[0].met  # the 中级工 certificate is not yet five years old
    [training] = path.trainings
    # The engine's answer for the same event, built here from the class and the person.
    event = pl.DataFrame(
        [
            {
                "event_id": "x",
                "event_type": "enterprise_training",
                "event_date": TODAY,
                "region_code": ZJG,
                "person_id": me.pk,
                "org_id": ent.pk,
                "occupation_code": ELECTRICIAN,
                "level": "level3",
                "tier": None,
                "shortage": False,
                "digital": target.occupation.digital,
                "class_hours": 80,
                "hukou_local": me.household_region_code.startswith(ZJG),
                "designated": False,
                "insured_months": 0,
                "fee_fen": 0,
                "project_price_fen": 0,
            }
        ],
        schema=EVENT_SCHEMA,
    )
    answer = evaluate(event, policy_set="zhangjiagang", history=history_events([me.pk], exclude_class=target.pk)).row(
        0, named=True
    )
    assert not answer["eligible"] and answer["amount_fen"] in (0, None)
    assert not training.eligible and training.amount_fen == 0 and training.reason == answer["reason"]


def test_no_certificate_no_path_and_nothing_of_others(world, make_certificate) -> None:  # type: ignore[no-untyped-def]
    me, other = world["people"][0], world["people"][1]
    make_certificate(other, level="level4", national_level=4, occupation=ELECTRICIAN)
    path = skill_path.skill_path(me, on=TODAY)
    assert path.certificate is None and not path.steps and not path.trainings and not path.adjacent


def _posts(world: Any, rows: list[tuple[str, int]]) -> None:
    from gongjiang.labour.services import post_create

    with audit_context(source="web", actor=world["ent_user"]):
        for occ, n in rows:
            post_create(
                actor=world["ent_user"],
                organisation=world["enterprise"],
                occupation_code=occ,
                level_code="level3",
                headcount=n,
                wage_offer=7000,
                start=datetime.date(2027, 1, 1),
            )


def _published_edition(make_user: Any, orgs: list[Any], rows_of: Any) -> Any:
    from gongjiang.wages import services
    from gongjiang.wages.models import Response
    from gongjiang.wages.tests.conftest import survey_csv

    officer = make_user("sz1", role="officer", region_code="320500")
    second = make_user("sz2", role="officer", region_code="320500")
    survey = services.survey_create(
        actor=officer,
        region_code="320500",
        year=2025,
        as_of=datetime.date(2025, 12, 31),
        sampling_fraction=Decimal("1"),
        seed=3,
    )
    for i, org in enumerate(orgs):
        response = Response.objects.get(survey=survey, organisation=org)
        services.response_upload(actor=officer, response=response, data=survey_csv(rows_of(i)), filename="s.csv")
        services.response_submit(actor=officer, response=response)
    edition = services.edition_create(actor=officer, survey=survey)
    services.edition_estimate(actor=officer, edition=edition, replicates=20)
    services.edition_review(actor=officer, edition=edition)
    return services.edition_publish(actor=second, edition=edition)


def test_uplift_is_the_published_premium_or_absent_and_adjacent_are_ranked(
    world, make_org, make_user, make_certificate
) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.wages import selectors as wages
    from gongjiang.wages.models import Cell, CellStatus
    from gongjiang.wages.tests.conftest import employees_of

    orgs = [make_org(region="320582" if i % 2 else "320506", name=f"苏州制造{i}") for i in range(6)]
    cutter, heat = (
        "6-18-02-01",
        "6-18-02-03",
    )  # 铸造工, an adjacent occupation (6-18-02) with a published median above the welder's

    def rows(i: int) -> list[tuple[Any, ...]]:
        out = employees_of(12, base=52000 + 1500 * i)  # welders, 高级工
        out += [(f"T{j}", WELDER, "技师", "中专", 12, 174, 70000 + 1500 * i + 500 * j, 0, 0, 0) for j in range(8)]
        out += [(f"C{j}", cutter, "高级工", "中专", 12, 174, 86000 + 1500 * i + 500 * j, 0, 0, 0) for j in range(8)]
        out += [(f"H{j}", heat, "高级工", "中专", 12, 174, 108000 + 1500 * i + 500 * j, 0, 0, 0) for j in range(8)]
        if i == 0:  # electricians at 技师 in one enterprise only: suppressed
            out += [(f"D{j}", ELECTRICIAN, "技师", "大专", 12, 174, 90000 + 900 * j, 0, 0, 0) for j in range(3)]
        return out

    edition = _published_edition(make_user, orgs, rows)
    me, elec = world["people"][0], world["people"][1]
    make_certificate(me, level="level3", national_level=3, occupation=WELDER, issue_date=datetime.date(2020, 3, 1))
    make_certificate(
        elec, level="level3", national_level=3, occupation=ELECTRICIAN, issue_date=datetime.date(2020, 3, 1)
    )

    path = skill_path.skill_path(me, on=TODAY)
    premium = next(
        r for r in wages.level_premium(ZJG, WELDER) if (r["from_level"], r["to_level"]) == ("level3", "level2")
    )
    up = path.uplift
    assert (
        up is not None and up.ratio == premium["ratio"] and up.year == 2025 and up.region_code == premium["region_code"]
    )
    a = Cell.objects.get(
        edition=edition,
        cell_kind="occupation_level",
        region_code=up.region_code,
        occupation_code=WELDER,
        skill_level="level3",
    )
    b = Cell.objects.get(
        edition=edition,
        cell_kind="occupation_level",
        region_code=up.region_code,
        occupation_code=WELDER,
        skill_level="level2",
    )
    assert up.difference == b.p50 - a.p50 > 0

    suppressed = skill_path.skill_path(elec, on=TODAY).uplift
    assert suppressed is not None and suppressed.ratio is None and suppressed.difference is None and suppressed.missing
    cell = Cell.objects.filter(edition=edition, occupation_code=ELECTRICIAN, skill_level="level2").first()
    assert cell is not None and cell.status != CellStatus.PUBLISHED

    # Adjacent occupations of the welder's minor group: the cutter has a published gain, the others not.
    _posts(world, [("6-18-02-02", 9), (cutter, 4), (heat, 2), (WELDER, 50), (ELECTRICIAN, 30)])
    ranked = skill_path.skill_path(me, on=TODAY).adjacent
    assert [r.occupation.code for r in ranked] == [cutter, heat, "6-18-02-02"]
    assert ranked[0].gain is not None and ranked[0].gain > 1 and ranked[0].score == pytest.approx(4 * ranked[0].gain)
    # The heat treater's gain is higher, but 2 places × gain rank below the cutter's 4 × gain; the forger's 9
    # places come last, as no published figure compares it.
    assert ranked[1].gain is not None and ranked[1].gain > ranked[0].gain and ranked[1].score < ranked[0].score
    assert ranked[2].gain is None and "9" in ranked[2].sentence


def test_the_officer_sees_the_path_on_the_person_page_and_the_worker_on_their_own(  # type: ignore[no-untyped-def]
    world, make_certificate, client
) -> None:
    from gongjiang.core.models import User

    me = world["people"][0]
    make_certificate(me, level="level4", national_level=4, occupation=ELECTRICIAN, issue_date=datetime.date(2021, 3, 1))
    _class(
        world["ent_user"],
        world["enterprise"],
        occupation=ELECTRICIAN,
        level="level3",
        start=datetime.date(2026, 9, 1),
        name="电工高级工培训",
    )
    client.force_login(world["officer"])
    page = client.get(f"/registry/persons/{me.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'id="skill-path"' in page and "技能成长路径" in page and "电工高级工培训" in page
    worker = User.objects.create_user(username="w1", role="worker", person=me)
    client.force_login(worker)
    page = client.get("/me/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "技能成长路径" in page and "电工高级工培训" in page and "国家职业技能标准" in page
    # An enterprise user opening the person page gets no skill path.
    client.force_login(world["ent_user"])
    assert "技能成长路径" not in client.get(f"/registry/persons/{me.pk}/").content.decode()
