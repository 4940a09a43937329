"""Reads of the competitions: the results the marks give now, and what the indicators count."""

from __future__ import annotations

import datetime
from decimal import Decimal

import polars as pl
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
    """The results the marks give now (a read: the preview while marking, the record on publishing),
    computed on arrays (``rules.score_season``)."""
    marks = pl.DataFrame(
        [
            (c, p, person, j, a, kind == "judgement", float(mx), float(v))
            for c, p, person, j, a, kind, mx, v in Mark.objects.filter(participant__competition=competition)
            .order_by("id")
            .values_list(
                "participant__competition_id",
                "participant_id",
                "participant__person_id",
                "judge_id",
                "aspect_id",
                "aspect__kind",
                "aspect__max_mark",
                "value",
            )
        ],
        schema=rules.MARK_SCHEMA,
        orient="row",
    )
    if marks.height == 0:
        return []
    params = pl.DataFrame(
        {
            "competition": [competition.pk],
            "spread": [competition.spread],
            "recognised_ranks": [competition.recognised_ranks],
        },
        schema={"competition": pl.Int64, "spread": pl.Int64, "recognised_ranks": pl.Int64},
    )
    results, flags = rules.score_season(marks, params)
    flagged: dict[int, list[int]] = {}
    for participant, aspect in flags.sort("participant", "aspect").iter_rows():
        flagged.setdefault(participant, []).append(aspect)
    return [
        rules.Result(
            participant_id=row["participant"],
            person_id=row["person"],
            total=row["total"],
            measurement=row["measurement"],
            score=Decimal(row["score_h"]).scaleb(-2),
            rank=row["rank"],
            medal=row["medal"],
            recognised=row["recognised"],
            flagged_aspects=flagged.get(row["participant"], []),
        )
        for row in results.iter_rows(named=True)
    ]
