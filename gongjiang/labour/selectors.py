"""Reads of the labour market: the shortage evidence of a region and year, recommendations for a
seeker or a post (``recommend.py``) with their sentences, the policy engine's pricing of order classes
and partner units, and the figures the indicators count (order and named classes, apprentices, the
schools' indicators, the retention rate 留常率)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from django.db.models import Count, F, QuerySet, Sum

from gongjiang.core.scope import restrict
from gongjiang.credentials.models import Certificate
from gongjiang.labour import explain, matching, recommend, rules
from gongjiang.labour.models import (
    Applicant,
    Apprenticeship,
    DemandPost,
    MatchRound,
    OrderClass,
    PostStatus,
    Programme,
    SchoolReport,
    Seeker,
    SeekerKind,
    SeekerStatus,
    SurveyLine,
)
from gongjiang.policy.engine import evaluate
from gongjiang.reference.regions import scope_prefix
from gongjiang.registry.models import Employment, Organisation


def policy_set_for(region_code: str) -> str:
    """The shipped policy set of a region: 张家港 its own, other Suzhou and Changzhou regions their city's,
    everywhere else the Jiangsu base (as the training claims are priced)."""
    if region_code == "320582":
        return "zhangjiagang"
    return {"3205": "suzhou", "3204": "changzhou"}.get(region_code[:4], "jiangsu")


# ---- the need catalog -----------------------------------------------------------------------------


def evidence_for(region_code: str, year: int) -> list[rules.Evidence]:
    """Per occupation of the region (its subtree) and year: headcount posted and filled, the next year's
    planned hires and hard posts of submitted survey answers, and the schools' expected graduates."""
    prefix = scope_prefix(region_code)
    rows: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for occ, posted, filled in (
        DemandPost.objects.filter(region_code__startswith=prefix, opened_on__year=year)
        .values("occupation_id")
        .annotate(p=Sum("headcount"), f=Sum("filled"))
        .values_list("occupation_id", "p", "f")
    ):
        rows[occ]["posted"] += posted or 0
        rows[occ]["filled"] += filled or 0
    for occ, planned, hard, days in (
        SurveyLine.objects.filter(
            survey__region_code__startswith=prefix, survey__year=year, survey__submitted_on__isnull=False
        )
        .values("occupation_id")
        .annotate(h=Sum("hires_1"), d=Sum("hard_to_fill"), o=Sum(F("open_days") * F("hard_to_fill")))
        .values_list("occupation_id", "h", "d", "o")
    ):
        rows[occ]["planned"] += planned or 0
        rows[occ]["hard"] += hard or 0
        rows[occ]["days_weighted"] += days or 0
    if not rows:
        return []
    for occ, supply in (
        Programme.objects.filter(region_code__startswith=prefix, year=year, occupation_id__in=list(rows))
        .values("occupation_id")
        .annotate(s=Sum("expected_graduates"))
        .values_list("occupation_id", "s")
    ):
        rows[occ]["supply"] += supply or 0
    out = []
    for occ, r in sorted(rows.items()):
        hard = r.get("hard", 0)
        out.append(
            rules.Evidence(
                occupation_id=occ,
                posted=r.get("posted", 0),
                filled=r.get("filled", 0),
                planned=r.get("planned", 0),
                supply=r.get("supply", 0),
                hard_to_fill=hard,
                open_days=round(r.get("days_weighted", 0) / hard) if hard else 0,
            )
        )
    return out


# ---- recommendations ------------------------------------------------------------------------------


def _minor(code: str) -> str:
    return code.rsplit("-", 1)[0]


def side_arrays(
    rows: list[tuple[str, int | None, str, int]], groups: dict[str, int], occs: dict[str, int]
) -> recommend.Side:
    return recommend.Side(
        np.array([occs.setdefault(code, len(occs)) for code, *_ in rows], dtype=np.int32),
        np.array([groups.setdefault(_minor(code), len(groups)) for code, *_ in rows], dtype=np.int32),
        np.array([rank or 0 for _, rank, _, _ in rows], dtype=np.int8),
        np.array([int(region) for _, _, region, _ in rows], dtype=np.int32),
        np.array([wage or 0 for *_, wage in rows], dtype=np.int32),
    )


@dataclass
class Recommendation:
    target: Any  # a DemandPost or a Seeker
    score: int
    sentence: str


def posts_for(seeker: Seeker, posts: QuerySet[DemandPost], k: int = 10) -> list[Recommendation]:
    """The best ``k`` open posts (of those given, the viewer's scope) for a seeker, each with its sentence."""
    minor = _minor(seeker.occupation.code)
    candidates = list(
        posts.filter(status=PostStatus.OPEN, occupation__code__startswith=minor + "-")
        .select_related("occupation", "level", "organisation")
        .order_by("pk")
    )
    if not candidates:
        return []
    groups: dict[str, int] = {}
    occs: dict[str, int] = {}
    me = side_arrays(
        [
            (
                seeker.occupation.code,
                seeker.level.rank if seeker.level else None,
                seeker.region_code,
                seeker.wage_expected,
            )
        ],
        groups,
        occs,
    )
    them = side_arrays(
        [(p.occupation.code, p.level.rank if p.level else None, p.region_code, p.wage_offer) for p in candidates],
        groups,
        occs,
    )
    rec = recommend.recommend(me, them, k=k)
    return [
        Recommendation(candidates[j], int(s), explain.sentence(int(c)))
        for j, s, c in zip(rec.post[0], rec.score[0], rec.code[0], strict=True)
        if j >= 0
    ]


def seekers_for(post: DemandPost, seekers: QuerySet[Seeker], k: int = 10) -> list[Recommendation]:
    """The best ``k`` seekers still seeking (of those given, the viewer's scope) for a post."""
    minor = _minor(post.occupation.code)
    candidates = list(
        seekers.filter(status=SeekerStatus.SEEKING, occupation__code__startswith=minor + "-")
        .select_related("occupation", "level", "person")
        .order_by("pk")
    )
    if not candidates:
        return []
    groups: dict[str, int] = {}
    occs: dict[str, int] = {}
    mine = side_arrays(
        [(post.occupation.code, post.level.rank if post.level else None, post.region_code, post.wage_offer)],
        groups,
        occs,
    )
    them = side_arrays(
        [(s.occupation.code, s.level.rank if s.level else None, s.region_code, s.wage_expected) for s in candidates],
        groups,
        occs,
    )
    rec = recommend.recommend_seekers(mine, them, k=k)
    return [
        Recommendation(candidates[j], int(s), explain.sentence(int(c)))
        for j, s, c in zip(rec.post[0], rec.score[0], rec.code[0], strict=True)
        if j >= 0
    ]


# ---- pricing through the policy engine ------------------------------------------------------------

PRICE_SCHEMA: dict[str, Any] = {
    "event_id": pl.Utf8,
    "event_type": pl.Utf8,
    "event_date": pl.Date,
    "region_code": pl.Utf8,
    "person_id": pl.Int64,
    "org_id": pl.Int64,
    "funding_fen": pl.Int64,
    "headcount": pl.Int64,
}


def order_class_pricing(order_class: OrderClass) -> pl.DataFrame:
    """The 1:1 match of the enterprise's funding for each student placed in the class (ZJG opinion 二(八)),
    priced by the engine under the policy set of the class's region: one row per student with
    eligible, reason, amount_fen and the trace sentence."""
    students = list(order_class.students.order_by("pk").values_list("person_id", flat=True))
    if not students:
        return pl.DataFrame()
    day = datetime.date(order_class.year, 9, 1)
    events = pl.DataFrame(
        [
            {
                "event_id": f"s{p}",
                "event_type": "order_class_match",
                "event_date": day,
                "region_code": order_class.region_code,
                "person_id": p,
                "org_id": order_class.enterprise_id,
                "funding_fen": order_class.funding_per_student * 100,
                "headcount": None,
            }
            for p in students
        ],
        schema=PRICE_SCHEMA,
    )
    return evaluate(events, policy_set=policy_set_for(order_class.region_code))


def sent_by_school(region_code: str, year: int) -> dict[int, int]:
    """Graduates of each school (by graduation year) with an employment record starting that year at an
    organisation of the region: the headcount a partner unit sent (ZJG opinion 二(八))."""
    prefix = scope_prefix(region_code)
    graduates = Seeker.objects.filter(kind=SeekerKind.GRADUATE, graduation_year=year, school__isnull=False)
    out: dict[int, set[int]] = defaultdict(set)
    employed = set(
        Employment.objects.filter(
            person_id__in=graduates.values("person_id"),
            organisation__region_code__startswith=prefix,
            start__year=year,
        ).values_list("person_id", flat=True)
    )
    for school, person in graduates.values_list("school_id", "person_id"):
        if person in employed:
            out[school].add(person)
    return {school: len(people) for school, people in out.items()}


def partner_unit_pricing(region_code: str, year: int) -> pl.DataFrame:
    """The partner-unit reward of each school that sent graduates to the region's employers in the year,
    priced by the engine (ZJG opinion 二(八): 200 yuan a person from 100 a year)."""
    sent = sent_by_school(region_code, year)
    if not sent:
        return pl.DataFrame()
    events = pl.DataFrame(
        [
            {
                "event_id": f"o{school}",
                "event_type": "partner_unit_reward",
                "event_date": datetime.date(year, 12, 31),
                "region_code": region_code,
                "person_id": None,
                "org_id": school,
                "funding_fen": None,
                "headcount": n,
            }
            for school, n in sorted(sent.items())
        ],
        schema=PRICE_SCHEMA,
    )
    return evaluate(events, policy_set=policy_set_for(region_code))


# ---- what the indicators count --------------------------------------------------------------------


def class_counts() -> list[tuple[str, int, int, int]]:
    """(region code, year, order and named classes, students placed in them) per region and year."""
    counted = (
        OrderClass.objects.values("region_code", "year")
        .annotate(n=Count("id", distinct=True), s=Count("students", distinct=True))
        .values_list("region_code", "year", "n", "s")
    )
    return [(r, y, n, s) for r, y, n, s in counted]


def apprentice_starts() -> list[tuple[str, int, int]]:
    """(region code, year, apprenticeships started) per region and year."""
    out: dict[tuple[str, int], int] = defaultdict(int)
    for region, start in Apprenticeship.objects.values_list("region_code", "start"):
        out[(region, start.year)] += 1
    return [(r, y, n) for (r, y), n in sorted(out.items())]


def _graduates() -> list[tuple[str, int, int]]:
    """(school's region code, graduation year, person id) of every graduate registered as a seeker."""
    return [
        (region, int(year or 0), person)
        for region, year, person in Seeker.objects.filter(
            kind=SeekerKind.GRADUATE, school__isnull=False, graduation_year__isnull=False
        ).values_list("school__region_code", "graduation_year", "person_id")
    ]


def school_figures() -> list[tuple[str, int, dict[str, int]]]:
    """(region code, year, figures) of the schools: teachers and dual-qualified teachers, persons trained
    for society and enrolment (from the reports and programmes), graduates registered and those holding a
    certificate issued by the end of their graduation year."""
    out: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for region, year, t, d, s in SchoolReport.objects.values_list(
        "region_code", "year", "teachers", "dual_teachers", "social_trainees"
    ):
        f = out[(region, year)]
        f["teachers"] += t
        f["dual_teachers"] += d
        f["social_trainees"] += s
    for region, year, e in (
        Programme.objects.values("region_code", "year")
        .annotate(e=Sum("enrolment"))
        .values_list("region_code", "year", "e")
    ):
        out[(region, year)]["enrolment"] += e or 0
    graduates = _graduates()
    people = {p for _, _, p in graduates}
    first_cert: dict[int, datetime.date] = {}
    for person, issued in Certificate.objects.filter(person_id__in=people).values_list("person_id", "issue_date"):
        if person not in first_cert or issued < first_cert[person]:
            first_cert[person] = issued
    for region, year, person in graduates:
        f = out[(region, year)]
        f["graduates"] += 1
        if person in first_cert and first_cert[person].year <= year:
            f["certified_graduates"] += 1
    return [(r, y, dict(f)) for (r, y), f in sorted(out.items())]


def retention() -> list[tuple[str, int, int, int]]:
    """(school's region code, graduation year, graduates, graduates retained) for the retention rate
    (留常率, 常政办发〔2025〕14号 二(四)11): a graduate is retained when an employment record at an
    organisation of the school's city starts in the graduation year or the year after."""
    graduates = _graduates()
    jobs: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for person, region, start in Employment.objects.filter(person_id__in={p for *_, p in graduates}).values_list(
        "person_id", "organisation__region_code", "start"
    ):
        jobs[person].append((region, start.year))
    out: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for region, year, person in graduates:
        cell = out[(region, year)]
        cell[0] += 1
        if any(r[:4] == region[:4] and year <= y <= year + 1 for r, y in jobs.get(person, ())):
            cell[1] += 1
    return [(r, y, n, k) for (r, y), (n, k) in sorted(out.items())]


def open_demand(region_prefix: str) -> QuerySet[DemandPost]:
    return DemandPost.objects.filter(region_code__startswith=region_prefix, status=PostStatus.OPEN)


# ---- matching rounds ------------------------------------------------------------------------------


def round_classes(rnd: MatchRound) -> list[OrderClass]:
    """The classes of a round: the organising school's of the year, or every class of the year held by a
    school of the bureau's region or funded in it."""
    qs = OrderClass.objects.filter(year=rnd.year)
    if rnd.organiser_id is not None:
        qs = qs.filter(school_id=rnd.organiser_id)
    else:
        prefix = scope_prefix(rnd.region_code)
        qs = qs.filter(region_code__startswith=prefix) | qs.filter(school__region_code__startswith=prefix)
    return list(qs.select_related("enterprise", "school").order_by("pk"))


def round_instance(rnd: MatchRound) -> tuple[matching.Instance, list[Applicant], list[OrderClass]]:
    """The round as a matching instance: applicants and classes numbered in their id order."""
    applicants = list(rnd.applicants.select_related("school").order_by("pk"))
    classes = round_classes(rnd)
    class_index = {c.pk: i for i, c in enumerate(classes)}
    schools: dict[int, int] = {}
    regions: dict[str, int] = {}
    ps, pc, pr, sc = [], [], [], []
    student_school, student_region = [], []
    for i, a in enumerate(applicants):
        student_school.append(schools.setdefault(a.school_id, len(schools)))
        student_region.append(regions.setdefault(a.school.region_code, len(regions)))
        for class_id, rank, score in a.choices:
            if class_id in class_index:
                ps.append(i)
                pc.append(class_index[class_id])
                pr.append(rank)
                sc.append(score)
    none = matching.NO_QUOTA
    inst = matching.Instance(
        np.array(ps, dtype=np.int64),
        np.array(pc, dtype=np.int64),
        np.array(pr, dtype=np.int64),
        np.array(sc, dtype=np.float64),
        np.array([c.places for c in classes], dtype=np.int64),
        np.array(student_school, dtype=np.int64),
        np.array(student_region, dtype=np.int64),
        school_quota=np.array([c.school_quota or none for c in classes], dtype=np.int64),
        region_quota=np.array([c.region_quota or none for c in classes], dtype=np.int64),
    )
    return inst, applicants, classes


def organisations_to_choose(user: Any, kinds: tuple[str, ...], *, other_party: bool = False) -> QuerySet:
    """The organisations of ``kinds`` a user may name on a labour form, by name: those in the user's scope.
    Where the organisation named is the other party of the user's own record (the enterprise of a school's
    order class, the school of an enterprise's apprenticeship), an organisation user may name any of the
    kind: such a partner is often elsewhere, and the names of enterprises and schools are public."""
    qs = Organisation.objects.filter(kind__in=kinds)
    if not (other_party and getattr(user, "organisation_id", None) and not user.is_superuser):
        qs = restrict(qs, user)
    return qs.order_by("name", "pk")
