"""The competition models' part of the permission matrix (gongjiang/core/tests/test_permission_matrix.py).

``add_competitions_world`` gives each of 张家港 (organised by ``org_own``), 虎丘 and 武进 one competition
with a participant (working for the region's enterprise), a judge, an aspect and a mark, with their
change records, directly through the ORM."""

from __future__ import annotations

import datetime
from typing import Any

from gongjiang.competitions.models import Aspect, Competition, Judge, Mark, Participant
from gongjiang.core.audit import audit_context, record_change
from gongjiang.reference.models import Occupation, SkillLevel

ZJG, HUQIU, WUJIN = "320582", "320505", "320412"

COMPETITIONS_MODELS: dict[str, type] = {
    "competitions.Competition": Competition,
    "competitions.Participant": Participant,
    "competitions.Judge": Judge,
    "competitions.Aspect": Aspect,
    "competitions.Mark": Mark,
}

COMPETITIONS_ORG_VIEW: dict[str, set[str]] = {
    "competitions.Competition": {"cp_own"},
    "competitions.Participant": {"pa_own"},
    "competitions.Judge": {"ju_own"},
    "competitions.Aspect": {"as_own"},
    "competitions.Mark": {"mk_own"},
}


def add_competitions_world(w: Any) -> None:
    occupation = Occupation.objects.get(code="6-31-01-03")
    level = SkillLevel.objects.get(code="level3")
    day = datetime.date(2025, 5, 10)
    places = {"own": (ZJG, "org_own", "p_own"), "hq": (HUQIU, "org_hq", "p_hq"), "cz": (WUJIN, "org_cz", "p_cz")}
    with audit_context(source="cli"):

        def add(key: str, obj: Any, region: str) -> Any:
            obj.save()
            record_change(action="create", instance=obj)
            return w.add(key, obj, region)

        for suffix, (region, org_key, person_key) in places.items():
            org, person = w.get(org_key), w.get(person_key)
            competition = add(
                f"cp_{suffix}",
                Competition(
                    name=f"技能大赛{suffix}",
                    level="district",
                    organiser=org,
                    region_code=region,
                    occupation=occupation,
                    award_level=level,
                    start=day,
                    end=day,
                    cap=10,
                ),
                region,
            )
            participant = add(
                f"pa_{suffix}", Participant(competition=competition, person=person, organisation=org), region
            )
            judge = add(f"ju_{suffix}", Judge(competition=competition, name="裁判甲"), region)
            aspect = add(
                f"as_{suffix}",
                Aspect(competition=competition, name="尺寸精度", kind="measurement", max_mark=10),
                region,
            )
            add(f"mk_{suffix}", Mark(participant=participant, judge=judge, aspect=aspect, value=8), region)
