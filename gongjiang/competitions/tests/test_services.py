"""Registration (cap, duplicates), marks entered and uploaded, publishing and the winners' certificates."""

from __future__ import annotations

import datetime

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from gongjiang.competitions import services
from gongjiang.competitions.models import Competition, Participant
from gongjiang.competitions.tests.conftest import World, marking
from gongjiang.core import pii
from gongjiang.credentials.models import Certificate


def _id(person) -> str:  # type: ignore[no-untyped-def]
    return pii.decrypt(person.id_number_enc)


def test_cap_and_duplicates(world: World) -> None:
    services.competition_open(actor=world.officer, competition=world.competition)
    for p in world.people[:4]:
        services.participant_register(actor=world.officer, competition=world.competition, person=p)
    with pytest.raises(ValidationError, match="已报名"):
        services.participant_register(actor=world.officer, competition=world.competition, person=world.people[0])
    with pytest.raises(ValidationError, match="报名已满"):
        services.participant_register(actor=world.officer, competition=world.competition, person=world.people[4])
    assert world.competition.participants.count() == 4


def test_another_city_may_not_register(world: World, make_user) -> None:  # type: ignore[no-untyped-def]
    suzhou = make_user("sz", role="officer", region_code="320500")
    services.competition_open(actor=world.officer, competition=world.competition)
    with pytest.raises(PermissionDenied):
        services.participant_register(actor=suzhou, competition=world.competition, person=world.people[0])


def test_marks_upload_all_or_nothing(world: World) -> None:
    participants, _, _ = marking(world)
    bad = pl.DataFrame(
        {
            "id_number": [_id(world.people[0]), _id(world.people[4])],
            "judge": ["裁判甲", "裁判丙"],
            "aspect": ["尺寸精度", "尺寸精度"],
            "value": ["35", "50"],
        }
    )
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        services.marks_upload(actor=world.officer, competition=world.competition, frame=bad)
    text = " ".join(exc.value.messages)
    assert "第3行裁判列：" in text and "judge" not in text  # the column named by its header
    assert not participants[0].marks.exists()


def _full_marks(world: World) -> None:
    rows = {"id_number": [], "judge": [], "aspect": [], "value": []}  # type: ignore[var-annotated]
    # Measurement (same from both judges) and judgement; 裁判乙 is two points more severe.
    for person, measure, judged in zip(world.people[:4], (30, 34, 30, 20), (8, 6, 6, 4), strict=True):
        for judge, shift in (("裁判甲", 0), ("裁判乙", -2)):
            rows["id_number"] += [_id(person), _id(person)]
            rows["judge"] += [judge, judge]
            rows["aspect"] += ["尺寸精度", "工艺美观"]
            rows["value"] += [str(measure), str(judged + shift)]
    assert services.marks_upload(actor=world.officer, competition=world.competition, frame=pl.DataFrame(rows)) == 16


def test_publish_ranks_medals_and_issue_certificates(world: World) -> None:
    participants, judges, aspects = marking(world)
    _full_marks(world)
    # A single mark replaced through the form.
    services.mark_enter(
        actor=world.officer,
        competition=world.competition,
        participant=participants[3],
        judge=judges[0],
        aspect=aspects[1],
        value="4.5",
    )
    services.competition_publish(actor=world.officer, competition=world.competition)
    ranked = list(Participant.objects.filter(competition=world.competition).order_by("rank"))
    # Totals: 赵一 30+7=37, 钱二 34+5=39, 孙三 30+5=35, 李四 20+~3.5: 钱二, 赵一, 孙三, 李四.
    assert [p.person.name for p in ranked] == ["钱二", "赵一", "孙三", "李四"]
    assert [p.medal for p in ranked] == ["gold", "silver", "bronze", ""]
    assert [p.recognised for p in ranked] == [True, True, False, False]
    assert all(p.score is not None for p in ranked)
    competition = services.competition_issue(
        actor=world.officer, competition=world.competition, issue_date=datetime.date(2026, 5, 20)
    )
    certs = Certificate.objects.filter(batch=competition.batch).order_by("number")
    assert certs.count() == 2
    assert {c.source for c in certs} == {"competition"}
    assert {c.level.code for c in certs} == {"level3"}  # no certificate held: the award level
    assert all(c.number.startswith("S000032320400263") for c in certs)
    assert Participant.objects.filter(competition=world.competition, certificate__isnull=False).count() == 2
    with pytest.raises(ValidationError, match="证书已颁发"):
        services.competition_issue(actor=world.officer, competition=Competition.objects.get(pk=competition.pk))


def test_winner_holding_a_level_goes_one_up_at_most_the_award_level(world: World, make_certificate) -> None:  # type: ignore[no-untyped-def]
    marking(world)
    _full_marks(world)
    services.competition_publish(actor=world.officer, competition=world.competition)
    gold = Participant.objects.get(competition=world.competition, rank=1)
    silver = Participant.objects.get(competition=world.competition, rank=2)
    make_certificate(gold.person, level="level5", national_level=5)
    make_certificate(silver.person, level="level3", national_level=3)
    competition = services.competition_issue(actor=world.officer, competition=world.competition)
    certs = {c.person_id: c.level.code for c in Certificate.objects.filter(batch=competition.batch)}
    assert certs == {gold.person_id: "level4"}  # the silver medallist already holds the award level


def test_a_disagreement_is_recorded_on_publishing(world: World) -> None:
    participants, judges, aspects = marking(world, n=2)
    for participant, first, second in ((participants[0], "9", "3"), (participants[1], "6", "5")):
        for judge, value in zip(judges, (first, second), strict=True):
            services.mark_enter(
                actor=world.officer,
                competition=world.competition,
                participant=participant,
                judge=judge,
                aspect=aspects[1],
                value=value,
            )
    with pytest.raises(ValidationError):
        services.mark_enter(
            actor=world.officer,
            competition=world.competition,
            participant=participants[0],
            judge=judges[0],
            aspect=aspects[1],
            value="11",  # above the maximum of 10
        )
    services.competition_publish(actor=world.officer, competition=world.competition)
    flags = dict(Participant.objects.filter(competition=world.competition).values_list("person__name", "flagged"))
    assert flags == {"赵一": True, "钱二": False}
