"""Demo data for the skill competitions, made through the services as the 常州 city officer:

* 常州市职业技能大赛（电工）, a municipal competition forty days ago: twelve participants from the
  registry, three judges (one of them severe), two measurement and two judgement aspects, the marks
  uploaded, the results published and the first three recognised one level up, their certificates issued
  as one batch;
* a second municipal competition (装配钳工) in marking today, its marks entered, its results not yet published.

Idempotent: it does nothing when a competition exists.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal

import polars as pl
from django.db import transaction
from django.utils import timezone

from gongjiang.competitions import services
from gongjiang.competitions.models import Competition
from gongjiang.core import pii
from gongjiang.core.audit import audit_context
from gongjiang.core.models import User
from gongjiang.credentials.models import Certificate
from gongjiang.registry.models import Person

CHANGZHOU = "320400"
JUDGES = (("裁判甲", 0.0), ("裁判乙", -1.5), ("裁判丙", 0.5))  # name, severity (marks out of 10)
ASPECTS = (
    ("尺寸与功能测量", "measurement", 30),
    ("安全规范检测", "measurement", 20),
    ("工艺与布线美观", "judgement", 10),
    ("作业组织与整洁", "judgement", 10),
)


def _people(n: int, occupation: str, skip: set[int]) -> list[Person]:
    holders = Certificate.objects.filter(occupation__code=occupation).values("person_id")
    adults = timezone.localdate() - datetime.timedelta(days=365 * 20)
    found = (
        Person.objects.filter(residence_region_code__startswith=CHANGZHOU[:4], birth_date__lte=adults)
        .exclude(pk__in=holders)
        .exclude(pk__in=skip)
        .order_by("pk")[:n]
    )
    return list(found)


def _competition(
    officer: User, *, name: str, occupation: str, start: datetime.date, people: list[Person], seed: int
) -> Competition:
    competition = services.competition_create(
        actor=officer,
        name=name,
        level="municipal",
        region_code=CHANGZHOU,
        occupation_code=occupation,
        award_level_code="level3",
        start=start,
        end=start + datetime.timedelta(days=1),
        cap=60,
        recognised_ranks=3,
        spread=30,
    )
    services.competition_open(actor=officer, competition=competition)
    for person in people:
        services.participant_register(actor=officer, competition=competition, person=person)
    for judge, _severity in JUDGES:
        services.judge_add(actor=officer, competition=competition, name=judge)
    for aspect, kind, top in ASPECTS:
        services.aspect_add(actor=officer, competition=competition, name=aspect, kind=kind, max_mark=Decimal(top))
    competition = services.competition_close(actor=officer, competition=competition)
    rng = random.Random(seed)
    rows: dict[str, list[str]] = {"id_number": [], "judge": [], "aspect": [], "value": []}
    for person in people:
        ability = rng.uniform(0.55, 0.95)
        number = pii.decrypt(person.id_number_enc)
        measured = {aspect: round(top * min(ability + rng.uniform(-0.05, 0.05), 1.0), 1) for aspect, _k, top in ASPECTS}
        for judge, severity in JUDGES:
            for aspect, kind, top in ASPECTS:
                if kind == "measurement":
                    value = measured[aspect]
                else:
                    value = round(min(max(top * ability + severity + rng.uniform(-1, 1), 0), top) * 2) / 2
                rows["id_number"].append(number)
                rows["judge"].append(judge)
                rows["aspect"].append(aspect)
                rows["value"].append(f"{value:.1f}")
    services.marks_upload(actor=officer, competition=competition, frame=pl.DataFrame(rows))
    return competition


@transaction.atomic
def competitions_demo(say: Callable[[str], None]) -> None:
    if Competition.objects.exists():
        say("competitions: already present")
        return
    officer = User.objects.filter(username="changzhou").first()
    if officer is None:
        say("competitions: no 常州 officer account")
        return
    today = timezone.localdate()
    with audit_context(source="cli", actor=officer):
        people = _people(12, "6-31-01-03", set())
        if len(people) < 4:
            say("competitions: too few persons in 常州")
            return
        done = _competition(
            officer,
            name="常州市职业技能大赛（电工）",
            occupation="6-31-01-03",
            start=today - datetime.timedelta(days=40),
            people=people,
            seed=14,
        )
        services.competition_publish(actor=officer, competition=done, today=today - datetime.timedelta(days=30))
        done = services.competition_issue(
            actor=officer, competition=done, issue_date=today - datetime.timedelta(days=20)
        )
        say(f"competitions: {done.name} published, {done.batch.size if done.batch else 0} winners recognised")
        others = _people(8, "6-20-01-01", {p.pk for p in people})
        if len(others) >= 2:
            marking = _competition(
                officer,
                name="常州市职业技能大赛（装配钳工）",
                occupation="6-20-01-01",
                start=today - datetime.timedelta(days=2),
                people=others,
                seed=15,
            )
            say(f"competitions: {marking.name} in marking")
