"""Reads of the competitions for other apps (the indicators)."""

from __future__ import annotations

import datetime

from django.db.models import Count

from gongjiang.competitions.models import Competition, CompetitionStatus


def held() -> list[tuple[str, str, datetime.date, int]]:
    """(region code, level, start date, participants) of every competition past its draft."""
    return [
        (region, level, start, n)
        for region, level, start, n in Competition.objects.exclude(status=CompetitionStatus.DRAFT)
        .annotate(n=Count("participants"))
        .values_list("region_code", "level", "start", "n")
    ]
