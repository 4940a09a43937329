"""A worker's skill path (技能成长路径): from the person's highest valid skill level, the levels above it and
what each requires, the open training classes of their occupation at the next level in their city, the
subsidy the policy engine would pay this person for each (priced exactly as the class's claims are, with
the person's earlier claims as history, so the three-trainings limit and the same-occupation-and-level
rule apply), the wage uplift read from the published wage prices, and the adjacent occupations (the same
minor group of the 2022 classification) with open demand in the city, ranked by demand × wage gain.

Requirements of each level follow the application conditions (申报条件) common to the national
occupational skill standards (国家职业技能标准, section 1.8, first route for workers in post): a junior
certificate and four years in the occupation for 中级工, an intermediate one and five years for 高级工, a
senior one and four years for 技师, a technician's and four years for 高级技师. The platform holds no
record of years worked, so it counts the years since the prior level's certificate was issued; other
routes (school graduates, vocational-school diplomas) are not assessed.

Wage figures come only from published editions (``wages.selectors``): where a cell is suppressed or
nothing is published, no figure is shown and the reason is given.

Everything is read for one person; nothing of any other person is read or returned.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from gongjiang.credentials.models import Certificate, CertificateStatus
from gongjiang.labour.models import DemandPost, PostStatus
from gongjiang.policy.inputs import PolicyInputError
from gongjiang.reference.models import Occupation, SkillLevel
from gongjiang.reference.regions import resolve
from gongjiang.registry.models import Person
from gongjiang.training import pricing
from gongjiang.training.models import ClassStatus, TrainingClass
from gongjiang.wages import selectors as wages
from gongjiang.wages.models import CellStatus

# Years in the occupation after the prior level's certificate, by the level applied for.
REQUIRED_YEARS = {"level4": 4, "level3": 5, "level2": 4, "level1": 4}
REQUIREMENT_SOURCE = _l("National occupational skill standards (国家职业技能标准), section 1.8 application conditions")
TRAININGS_SHOWN = 5
ADJACENT_SHOWN = 5


@dataclass
class Step:
    """A level above the worker's: what it requires and whether the worker meets it today."""

    level: SkillLevel
    prior: SkillLevel
    years: int
    years_held: float | None  # years since the prior level's certificate (None: not held)
    met: bool
    next_up: bool  # the immediate next level


@dataclass
class Training:
    training_class: TrainingClass
    eligible: bool
    amount_fen: int
    reason: str
    clauses: list[str]
    trace: str
    event_date: datetime.date


@dataclass
class Uplift:
    """The wage uplift of the next level: ratio of the medians and the yuan difference (annual), or the
    reason there is no figure."""

    ratio: float | None = None
    lo: float | None = None
    hi: float | None = None
    difference: int | None = None
    median_from: int | None = None
    median_to: int | None = None
    year: int | None = None
    region_code: str = ""
    region_name: str = ""
    missing: str = ""


@dataclass
class Adjacent:
    occupation: Occupation
    places: int
    gain: float | None  # ratio of the adjacent occupation's median to the worker's, at the worker's level
    score: float
    sentence: str


@dataclass
class SkillPath:
    person_id: int
    certificate: Certificate | None
    steps: list[Step] = field(default_factory=list)
    trainings: list[Training] = field(default_factory=list)
    trainings_missing: str = ""
    uplift: Uplift | None = None
    adjacent: list[Adjacent] = field(default_factory=list)
    city: str = ""

    @property
    def next_level(self) -> SkillLevel | None:
        return self.steps[0].level if self.steps else None


def highest_certificate(person: Person) -> Certificate | None:
    """The person's valid certificate of the highest national level (the latest issued among equals)."""
    return (
        Certificate.objects.filter(person=person, status=CertificateStatus.VALID, level__national_level__isnull=False)
        .select_related("occupation", "level")
        .order_by("level__national_level", "-issue_date", "-pk")
        .first()
    )


def _years_between(start: datetime.date, end: datetime.date) -> float:
    return round((end - start).days / 365.25, 1)


def steps_for(person: Person, cert: Certificate, on: datetime.date) -> list[Step]:
    levels = list(
        SkillLevel.objects.filter(national_level__lt=cert.level.national_level, national_level__isnull=False).order_by(
            "-national_level"
        )
    )
    out: list[Step] = []
    prior = cert.level
    for i, level in enumerate(levels):
        years = REQUIRED_YEARS.get(level.code, 0)
        held: float | None = None
        if i == 0:
            held = _years_between(cert.issue_date, on)
        out.append(
            Step(
                level=level,
                prior=prior,
                years=years,
                years_held=held,
                met=held is not None and held >= years,
                next_up=i == 0,
            )
        )
        prior = level
    return out


def trainings_for(person: Person, cert: Certificate, level: SkillLevel, city: str, on: datetime.date) -> list[Training]:
    """Open classes of the person's occupation at ``level`` in their city, each priced by the engine for this
    person as a claim would be."""
    classes = (
        TrainingClass.objects.filter(
            occupation=cert.occupation, level=level, region_code__startswith=city, status=ClassStatus.OPEN
        )
        .select_related("institution", "occupation", "level")
        .order_by("start_date", "pk")[:TRAININGS_SHOWN]
    )
    out = []
    for tc in classes:
        priced = pricing.prospective_claim(tc, person, on)
        out.append(
            Training(
                training_class=tc,
                eligible=priced["eligible"],
                amount_fen=priced["amount_fen"],
                reason=priced["reason"],
                clauses=priced["clauses"],
                trace=priced["trace"],
                event_date=priced["event_date"],
            )
        )
    return out


def _region_name(code: str) -> str:
    version = resolve(code)
    return version.name if version else code


def _median(edition: Any, region_code: str, occupation_code: str, level_code: str) -> Any:
    return edition.cells.filter(
        cell_kind="occupation_level", region_code=region_code, occupation_code=occupation_code, skill_level=level_code
    ).first()


def uplift_for(region_code: str, occupation_code: str, from_level: str, to_level: str) -> Uplift:
    """The published premium of ``to_level`` over ``from_level`` (ratio of medians, its interval) and the
    difference of the two published medians in yuan; where nothing is published, the reason."""
    rows = [
        r
        for r in wages.level_premium(region_code, occupation_code)
        if (r["from_level"], r["to_level"]) == (from_level, to_level)
    ]
    if not rows:
        edition = wages.edition_for(region_code)
        if edition is None:
            return Uplift(missing=_("No wage-price edition is published for this region."))
        cell = _median(edition, edition.region_code, occupation_code, to_level) or _median(
            edition, region_code, occupation_code, to_level
        )
        if cell is not None and cell.status != CellStatus.PUBLISHED:
            return Uplift(missing=wages.reason_text(cell.reason), year=edition.year)
        return Uplift(
            missing=_("The published wage prices give no figure for this occupation at these two levels."),
            year=edition.year,
        )
    row = rows[0]
    edition = wages.edition_for(region_code)
    up = Uplift(
        ratio=row["ratio"],
        lo=row["lo"],
        hi=row["hi"],
        year=row["year"],
        region_code=row["region_code"],
        region_name=_region_name(row["region_code"]),
    )
    if edition is not None:
        a = _median(edition, row["region_code"], occupation_code, from_level)
        b = _median(edition, row["region_code"], occupation_code, to_level)
        if a is not None and b is not None and CellStatus.PUBLISHED == a.status == b.status and a.p50 and b.p50:
            up.median_from, up.median_to, up.difference = a.p50, b.p50, b.p50 - a.p50
    return up


def adjacent_for(cert: Certificate, city: str, region_code: str) -> list[Adjacent]:
    """Occupations of the worker's minor group (not their own) with open posts in the city, ranked by open
    places × wage gain (the ratio of that occupation's published median to the worker's own occupation's, at
    the worker's level; occupations without a published figure follow, by open places)."""
    minor = "-".join(cert.occupation.code.split("-")[:3])
    demand = (
        DemandPost.objects.filter(
            region_code__startswith=city, status=PostStatus.OPEN, occupation__code__startswith=minor + "-"
        )
        .exclude(occupation=cert.occupation)
        .values("occupation")
        .annotate(places=Sum(F("headcount") - F("filled")))
        .filter(places__gt=0)
    )
    places = {row["occupation"]: int(row["places"]) for row in demand}
    if not places:
        return []
    occupations = {o.pk: o for o in Occupation.objects.filter(pk__in=places)}
    edition = wages.edition_for(region_code)
    own_median = None
    cells: dict[str, Any] = {}
    if edition is not None:
        for c in edition.cells.filter(
            cell_kind="occupation_level",
            skill_level=cert.level.code,
            status=CellStatus.PUBLISHED,
            occupation_code__in=[cert.occupation.code, *[o.code for o in occupations.values()]],
        ).order_by("-region_code"):
            cells.setdefault(c.occupation_code, c)
        own = cells.get(cert.occupation.code)
        own_median = own.p50 if own is not None else None
    out = []
    for pk, n in places.items():
        occ = occupations[pk]
        cell = cells.get(occ.code)
        gain = round(cell.p50 / own_median, 3) if cell is not None and cell.p50 and own_median else None
        if gain is not None and edition is not None:
            sentence = _(
                "%(places)s open places in your city; at your level its published median pay is %(gain)s times "
                "your occupation's (wage prices %(year)s)."
            ) % {"places": n, "gain": f"{gain:.2f}", "year": edition.year}
        else:
            sentence = _(
                "%(places)s open places in your city; no published wage figure compares it with your occupation "
                "at your level."
            ) % {"places": n}
        out.append(Adjacent(occupation=occ, places=n, gain=gain, score=n * (gain or 0.0), sentence=sentence))
    out.sort(key=lambda a: (a.gain is None, -a.score, -a.places, a.occupation.code))
    return out[:ADJACENT_SHOWN]


def skill_path(person: Person, on: datetime.date | None = None) -> SkillPath:
    """The skill path of ``person`` on ``on`` (today)."""
    on = on or timezone.localdate()
    cert = highest_certificate(person)
    region = person.residence_region_code or ""
    city = region[:4]
    path = SkillPath(person_id=person.pk, certificate=cert, city=_region_name(city + "00") if city else "")
    if cert is None:
        return path
    path.steps = steps_for(person, cert, on)
    nxt = path.next_level
    if nxt is not None:
        try:
            path.trainings = trainings_for(person, cert, nxt, city, on)
        except (LookupError, PolicyInputError):
            path.trainings_missing = _("The subsidy rules of your region are not loaded; no amount can be computed.")
        path.uplift = uplift_for(region, cert.occupation.code, cert.level.code, nxt.code)
    path.adjacent = adjacent_for(cert, city, region)
    return path


def person_panel(request: Any, person: Person) -> dict[str, Any] | None:
    """The skill path on the officer's person page (a panel of the registry's person page)."""
    from gongjiang.core.models import Role

    if getattr(request.user, "role", "") != Role.OFFICER:
        return None
    return {"path": skill_path(person), "requirement_source": REQUIREMENT_SOURCE}
