"""Reads of the evaluation system: risk scores for the draw, stars, the public directory and 公示 lists,
the counts the indicators take, and the findings of the draws by stratum (how good the risk score is)."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q

from gongjiang.core.scope import region_q
from gongjiang.credentials.models import Certificate
from gongjiang.evaluation import rules
from gongjiang.evaluation.models import (
    Candidate,
    Decision,
    DecisionKind,
    FilingStatus,
    Inspection,
    Institution,
    Plan,
    PlanStatus,
    Resource,
    ResourceStatus,
    Severity,
    Stratum,
    YearGrade,
)

WINDOW_YEARS = 3
MIN_SD = 0.05


def eligible_for_draw(region_code: str) -> list[int]:
    """Filed (approved or suspended) institutions of the region's subtree."""
    qs = Institution.objects.filter(region_q("organisation__region_code", region_code)).filter(
        status__in=(FilingStatus.APPROVED, FilingStatus.SUSPENDED)
    )
    return sorted(qs.values_list("id", flat=True))


def _pass_gaps(ids: list[int], since: datetime.date) -> dict[int, float]:
    """Each institution's candidate-weighted gap between its pass rate and its occupations' norm, in
    standard deviations of the institutions' rates for the occupation."""
    rows = list(
        Candidate.objects.filter(
            plan__exam_date__gte=since, plan__status__in=(PlanStatus.PUBLICISED, PlanStatus.ISSUED)
        )
        .values("plan__institution_id", "plan__occupation_id")
        .annotate(n=Count("id"), passed=Count("id", filter=Q(passed=True)))
        .order_by()
    )
    by_occupation: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for r in rows:
        by_occupation[r["plan__occupation_id"]].append((r["plan__institution_id"], r["n"], r["passed"]))
    weighted: dict[int, float] = defaultdict(float)
    weights: dict[int, int] = defaultdict(int)
    for items in by_occupation.values():
        total = sum(n for _i, n, _p in items)
        norm = sum(p for _i, _n, p in items) / total
        rates = [p / n for _i, n, p in items]
        mean = sum(rates) / len(rates)
        sd = max(MIN_SD, math.sqrt(sum((x - mean) ** 2 for x in rates) / len(rates))) if len(rates) > 1 else 0.1
        for inst, n, p in items:
            weighted[inst] += n * abs(p / n - norm) / sd
            weights[inst] += n
    return {i: weighted[i] / weights[i] for i in ids if weights.get(i)}


def risk_scores(ids: Iterable[int], *, on: datetime.date) -> dict[int, rules.Risk]:
    """The risk score of each institution from its last three years of records (``evaluation.rules``)."""
    ids = list(ids)
    since = on.replace(year=on.year - WINDOW_YEARS)
    gaps = _pass_gaps(ids, since)
    earlier_cert = Certificate.objects.filter(
        person_id=OuterRef("person_id"),
        occupation_id=OuterRef("plan__occupation_id"),
        level_id=OuterRef("plan__level_id"),
        issue_date__lt=OuterRef("plan__exam_date"),
    )
    same_day = Candidate.objects.filter(
        person_id=OuterRef("person_id"), plan__exam_date=OuterRef("plan__exam_date")
    ).exclude(plan_id=OuterRef("plan_id"))
    cand = (
        Candidate.objects.filter(plan__institution_id__in=ids, plan__exam_date__gte=since)
        .annotate(conflict=Exists(earlier_cert) | Exists(same_day))
        .values("plan__institution_id")
        .annotate(
            n=Count("id"),
            conflicts=Count("id", filter=Q(conflict=True)),
            objections=Count("id", filter=~Q(objection="")),
        )
        .order_by()
    )
    per: dict[int, dict[str, Any]] = {r["plan__institution_id"]: dict(r) for r in cand}
    plans: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for inst, exam, results in Plan.objects.filter(
        institution_id__in=ids, exam_date__gte=since, results_on__isnull=False
    ).values_list("institution_id", "exam_date", "results_on"):
        plans[inst][0] += 1
        if results is not None:
            plans[inst][1] += int((results - exam).days > rules.LATE_DAYS)
    findings: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for inst, severity in Inspection.objects.filter(institution_id__in=ids, done_on__gte=since).values_list(
        "institution_id", "severity"
    ):
        findings[inst][severity] += 1
    out = {}
    for i in ids:
        c = per.get(i, {})
        out[i] = rules.risk_score(
            pass_gap_sd=gaps.get(i),
            candidates=c.get("n", 0),
            conflicts=c.get("conflicts", 0),
            plans=plans[i][0],
            late_plans=plans[i][1],
            minor_findings=findings[i][Severity.MINOR],
            serious_findings=findings[i][Severity.SERIOUS],
            objections=c.get("objections", 0),
        )
    return out


def stars(institution: Institution, on: datetime.date) -> int:
    grades = dict(YearGrade.objects.filter(institution=institution).values_list("year", "grade"))
    serious = Inspection.objects.filter(
        institution=institution, severity=Severity.SERIOUS, done_on__isnull=False
    ).values_list("done_on", flat=True)
    return rules.stars_on(grades, [d for d in serious if d is not None], on)


def stars_of(ids: Iterable[int], on: datetime.date) -> dict[int, int]:
    grades: dict[int, dict[int, str]] = defaultdict(dict)
    for inst, year, grade in YearGrade.objects.filter(institution_id__in=ids).values_list(
        "institution_id", "year", "grade"
    ):
        grades[inst][year] = grade
    serious: dict[int, list[datetime.date]] = defaultdict(list)
    for inst, day in Inspection.objects.filter(
        institution_id__in=ids, severity=Severity.SERIOUS, done_on__isnull=False
    ).values_list("institution_id", "done_on"):
        if day is not None:
            serious[inst].append(day)
    return {i: rules.stars_on(grades[i], serious[i], on) for i in ids}


def directory(region_code: str = "", q: str = "") -> list[Institution]:
    """The public directory: filed, suspended and withdrawn institutions with their scope and decisions."""
    qs = Institution.objects.filter(
        status__in=(FilingStatus.APPROVED, FilingStatus.SUSPENDED, FilingStatus.WITHDRAWN)
    ).select_related("organisation")
    if region_code:
        qs = qs.filter(region_q("organisation__region_code", region_code))
    if q:
        qs = qs.filter(organisation__name__icontains=q)
    return list(qs.order_by("organisation__region_code", "organisation__name")[:500])


def publicity(on: datetime.date) -> list[Plan]:
    """Plans whose list of candidates who passed is open for objection on ``on``."""
    return list(
        Plan.objects.filter(status=PlanStatus.PUBLICISED, publicity_from__lte=on, publicity_until__gte=on)
        .select_related("institution__organisation", "occupation", "level")
        .order_by("publicity_until", "id")
    )


def publicity_candidates(plan: Plan) -> list[Candidate]:
    return list(plan.candidates.filter(passed=True).select_related("person").order_by("id"))


def draw_quality(region_code: str) -> list[dict[str, Any]]:
    """Findings rate of the inspections done, by stratum: the uniform share's rate estimates the rate of
    all institutions; the risk share's, compared with it, tells whether the score finds more."""
    out = []
    qs = Inspection.objects.filter(
        region_q("institution__organisation__region_code", region_code), done_on__isnull=False
    )
    for stratum in Stratum:
        part = qs.filter(stratum=stratum)
        done = part.count()
        found = part.exclude(severity=Severity.NONE).count()
        out.append({"stratum": stratum.label, "done": done, "found": found, "rate": found / done if done else None})
    return out


def filing_spans() -> list[tuple[str, str, datetime.date, datetime.date | None]]:
    """(region code, kind, from, until) of every stretch in which an institution was filed and not
    suspended: from its validity's start to its end, cut by its suspensions (until reinstated) and its
    withdrawal, on the days the decisions were taken."""
    cuts: dict[int, list[tuple[datetime.date, str]]] = defaultdict(list)
    for inst, kind, day in Decision.objects.filter(
        kind__in=(DecisionKind.SUSPEND, DecisionKind.REINSTATE, DecisionKind.WITHDRAW)
    ).values_list("institution_id", "kind", "date"):
        cuts[inst].append((day, kind))
    spans: list[tuple[str, str, datetime.date, datetime.date | None]] = []
    for pk, region, kind, start, end in Institution.objects.filter(valid_from__isnull=False).values_list(
        "id", "organisation__region_code", "kind", "valid_from", "valid_until"
    ):
        if start is None:
            continue
        open_from: datetime.date | None = start
        for day, what in sorted(cuts.get(pk, [])):
            if what in (DecisionKind.SUSPEND, DecisionKind.WITHDRAW) and open_from is not None:
                if day > open_from:
                    spans.append((region, kind, open_from, day))
                open_from = None
                if what == DecisionKind.WITHDRAW:
                    break
            elif what == DecisionKind.REINSTATE and open_from is None:
                open_from = day
        if open_from is not None and (end is None or open_from < end):
            spans.append((region, kind, open_from, end))
    return spans


def digital_resource_spans() -> list[tuple[str, int, datetime.date, datetime.date | None]]:
    """(region code, occupation id, in use from, retired on) of the digital-occupation resources."""
    return [
        (region, occupation, since, until)
        for region, occupation, since, until in Resource.objects.filter(digital=True)
        .exclude(status=ResourceStatus.DRAFT)
        .values_list("region_code", "occupation_id", "since", "until")
    ]


def credit(institution: Institution, on: datetime.date) -> tuple[int, dict[str, int]]:
    """The institution's credit score on ``on`` and the counts behind it (last three years)."""
    since = on.replace(year=on.year - WINDOW_YEARS)
    findings = Inspection.objects.filter(institution=institution, done_on__gte=since, done_on__lte=on)
    counts = {
        "minor": findings.filter(severity=Severity.MINOR).count(),
        "serious": findings.filter(severity=Severity.SERIOUS).count(),
        "suspensions": Decision.objects.filter(
            institution=institution, kind=DecisionKind.SUSPEND, date__gte=since, date__lte=on
        ).count(),
        "upheld_objections": Candidate.objects.filter(
            plan__institution=institution, plan__exam_date__gte=since, passed=False
        )
        .exclude(objection="")
        .count(),
    }
    return rules.credit_score(**counts), counts
