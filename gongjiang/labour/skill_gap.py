"""Skill-gap diagnosis of a job seeker (技能短板诊断, 苏政办发〔2024〕37号 (七)): between the levels the seeker
holds and the posts they want, which levels and certificates are missing, and the training that closes
each gap.

The posts a seeker wants are those recommended to them (``selectors.posts_for``: open posts of their
occupation or an adjacent one, in the viewer's scope). They are grouped by the occupation and level they
ask for. For each group the seeker's held level *in that occupation* is their highest valid certificate of
it (``skill_path``'s rule: the lowest national level code); a group without a stated level, or at or below
the held level, has no gap. Otherwise the missing levels are those from the one above the held level (初级工
when none is held) up to the level asked, and the certificate missing is that of the asked level. For the
first missing level the diagnosis lists the open training classes of the occupation at it in the seeker's
city, each priced for this person by the policy engine exactly as a claim would be
(``training.pricing.prospective_claim``), and whether the occupation is in the region's training catalog
of the year (subsidised, its tier, a shortage occupation)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from gongjiang.credentials.models import Certificate, CertificateStatus
from gongjiang.labour import selectors
from gongjiang.labour.models import DemandPost, Seeker
from gongjiang.policy.inputs import PolicyInputError
from gongjiang.reference.models import Occupation, SkillLevel
from gongjiang.training import pricing
from gongjiang.training.models import ClassStatus, TrainingClass
from gongjiang.training.selectors import catalog_lookup

CLAUSE = "苏政办发〔2024〕37号 (七)"
TRAININGS_SHOWN = 3


@dataclass
class Training:
    training_class: TrainingClass
    eligible: bool | None  # None: the region's subsidy rules are not loaded
    amount_fen: int
    reason: str


@dataclass
class Gap:
    """The posts of one occupation and level the seeker wants, and what they lack for them."""

    occupation: Occupation
    level: SkillLevel | None
    posts: int
    places: int
    held: SkillLevel | None  # the seeker's highest valid level in the occupation
    missing: list[SkillLevel] = field(default_factory=list)
    trainings: list[Training] = field(default_factory=list)
    in_catalog: bool = False
    tier: str = ""
    shortage: bool = False

    @property
    def met(self) -> bool:
        return not self.missing


@dataclass
class Diagnosis:
    seeker_id: int
    gaps: list[Gap]
    clause: str = CLAUSE

    @property
    def open_gaps(self) -> int:
        return sum(1 for g in self.gaps if not g.met)


def held_levels(person_id: int, occupation_ids: list[int]) -> dict[int, SkillLevel]:
    """The highest valid level of the person in each occupation (the lowest national level code)."""
    out: dict[int, SkillLevel] = {}
    for cert in (
        Certificate.objects.filter(
            person_id=person_id,
            status=CertificateStatus.VALID,
            occupation_id__in=occupation_ids,
            level__national_level__isnull=False,
        )
        .select_related("level")
        .order_by("level__national_level")
    ):
        out.setdefault(cert.occupation_id, cert.level)
    return out


def _missing(held: SkillLevel | None, wanted: SkillLevel, levels: list[SkillLevel]) -> list[SkillLevel]:
    """National levels above ``held`` (from 初级工 when none) up to ``wanted``, lowest first."""
    low = held.rank if held is not None else 0
    return [lv for lv in levels if low < lv.rank <= wanted.rank]


def diagnose(seeker: Seeker, posts: QuerySet[DemandPost], *, on: datetime.date | None = None, k: int = 10) -> Diagnosis:
    """The seeker's gaps against the posts recommended to them among ``posts`` (the viewer's scope)."""
    on = on or timezone.localdate()
    wanted = [r.target for r in selectors.posts_for(seeker, posts, k=k)]
    groups: dict[tuple[int, int | None], list[DemandPost]] = {}
    for post in wanted:
        groups.setdefault((post.occupation_id, post.level_id), []).append(post)
    if not groups:
        return Diagnosis(seeker.pk, [])
    levels = list(SkillLevel.objects.filter(national_level__isnull=False).order_by("rank"))
    held = held_levels(seeker.person_id, [occ for occ, _ in groups])
    city = seeker.region_code[:4]
    catalog = {
        row["occupation_id"]: row
        for row in catalog_lookup(seeker.region_code, on.year, [occ for occ, _ in groups]).iter_rows(named=True)
    }
    gaps = []
    for (occ_id, _level_id), group in groups.items():
        first = group[0]
        gap = Gap(
            occupation=first.occupation,
            level=first.level,
            posts=len(group),
            places=sum(p.headcount - p.filled for p in group),
            held=held.get(occ_id),
        )
        if first.level is not None:
            gap.missing = _missing(gap.held, first.level, levels)
        row = catalog.get(occ_id)
        if row is not None:
            gap.in_catalog, gap.tier, gap.shortage = True, row["tier"], bool(row["shortage"])
        if gap.missing:
            gap.trainings = trainings_for(seeker, first.occupation, gap.missing[0], city, on)
        gaps.append(gap)
    gaps.sort(key=lambda g: (g.met, -g.places, g.occupation.code, g.level.rank if g.level else 0))
    return Diagnosis(seeker.pk, gaps)


def trainings_for(
    seeker: Seeker, occupation: Occupation, level: SkillLevel, city: str, on: datetime.date
) -> list[Training]:
    """Open classes of ``occupation`` at ``level`` in the city, each priced for the seeker by the engine."""
    classes = (
        TrainingClass.objects.filter(
            occupation=occupation, level=level, region_code__startswith=city, status=ClassStatus.OPEN
        )
        .select_related("institution", "occupation", "level")
        .order_by("start_date", "pk")[:TRAININGS_SHOWN]
    )
    out = []
    for tc in classes:
        try:
            priced: dict[str, Any] = pricing.prospective_claim(tc, seeker.person, on)
        except (LookupError, PolicyInputError):
            out.append(Training(tc, None, 0, ""))
            continue
        out.append(Training(tc, priced["eligible"], priced["amount_fen"], priced["reason"]))
    return out
