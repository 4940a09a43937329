"""Reads of the competitions: the results the marks give now, and what the indicators count."""

from __future__ import annotations

import datetime

from django.db.models import Count

from gongjiang.competitions import rules
from gongjiang.competitions.models import Competition, CompetitionStatus, Mark


def held() -> list[tuple[str, str, datetime.date, int]]:
    """(region code, level, start date, participants) of every competition past its draft."""
    return [
        (region, level, start, n)
        for region, level, start, n in Competition.objects.exclude(status=CompetitionStatus.DRAFT)
        .annotate(n=Count("participants"))
        .values_list("region_code", "level", "start", "n")
    ]


def results_of(competition: Competition) -> list[rules.Result]:
    """The results the marks give now (a read: the preview while marking, the record on publishing)."""
    rows = [
        rules.MarkRow(
            participant_id=p,
            person_id=person,
            judge_id=j,
            aspect_id=a,
            kind=kind,
            max_mark=float(mx),
            value=float(v),
        )
        for p, person, j, a, kind, mx, v in Mark.objects.filter(participant__competition=competition)
        .order_by("id")
        .values_list(
            "participant_id",
            "participant__person_id",
            "judge_id",
            "aspect_id",
            "aspect__kind",
            "aspect__max_mark",
            "value",
        )
    ]
    return rules.compute_results(rows, spread=competition.spread, recognised_ranks=competition.recognised_ranks)
