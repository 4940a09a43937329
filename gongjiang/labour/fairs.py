"""Reads of a job fair: the posts at its booths and the seekers registered, the recommendations among
them (``recommend.py``, the same scoring and sentences as everywhere: per seeker the best posts of the
fair, per post the best seekers of the fair), and its counts (booths, posts, places, seekers, seekers
interviewed and hired)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gongjiang.labour import explain, recommend
from gongjiang.labour.models import (
    BoothPost,
    DemandPost,
    FairOutcome,
    FairSeeker,
    JobFair,
    OutcomeKind,
    PostStatus,
    Seeker,
    SeekerStatus,
)
from gongjiang.labour.selectors import Recommendation, side_arrays

SHOWN = 3  # recommendations shown per seeker and per post on the fair's page


def fair_posts(fair: JobFair, *, open_only: bool = True) -> list[DemandPost]:
    """The posts brought to the fair's booths (still open ones only, by default), by number."""
    qs = DemandPost.objects.filter(pk__in=BoothPost.objects.filter(booth__fair=fair).values("post_id"))
    if open_only:
        qs = qs.filter(status=PostStatus.OPEN)
    return list(qs.select_related("occupation", "level", "organisation").order_by("pk"))


def fair_seekers(fair: JobFair, *, seeking_only: bool = True) -> list[Seeker]:
    """The seekers registered at the fair (still seeking ones only, by default), by number."""
    qs = Seeker.objects.filter(pk__in=FairSeeker.objects.filter(fair=fair).values("seeker_id"))
    if seeking_only:
        qs = qs.filter(status=SeekerStatus.SEEKING)
    return list(qs.select_related("occupation", "level", "school").order_by("pk"))


def _sides(posts: list[DemandPost], seekers: list[Seeker]) -> tuple[recommend.Side, recommend.Side]:
    groups: dict[str, int] = {}
    occs: dict[str, int] = {}
    s_side = side_arrays(
        [(s.occupation.code, s.level.rank if s.level else None, s.region_code, s.wage_expected) for s in seekers],
        groups,
        occs,
    )
    p_side = side_arrays(
        [(p.occupation.code, p.level.rank if p.level else None, p.region_code, p.wage_offer) for p in posts],
        groups,
        occs,
    )
    return s_side, p_side


@dataclass
class Matches:
    """The fair's recommendations: (seeker, its best posts) and (post, its best seekers)."""

    by_seeker: list[tuple[Seeker, list[Recommendation]]]
    by_post: list[tuple[DemandPost, list[Recommendation]]]


def fair_matches(fair: JobFair, k: int = SHOWN) -> Matches:
    """For every seeker still seeking at the fair the best ``k`` of its open posts, and for every open post
    the best ``k`` of its seekers, each with the sentence explaining it."""
    posts, seekers = fair_posts(fair), fair_seekers(fair)
    if not posts or not seekers:
        return Matches([(s, []) for s in seekers], [(p, []) for p in posts])
    s_side, p_side = _sides(posts, seekers)
    for_seekers = recommend.recommend(s_side, p_side, k=k)
    for_posts = recommend.recommend_seekers(p_side, s_side, k=k)

    def listed(rec: recommend.Recommendations, i: int, targets: list[Any]) -> list[Recommendation]:
        return [
            Recommendation(targets[j], int(score), explain.sentence(int(code)))
            for j, score, code in zip(rec.post[i], rec.score[i], rec.code[i], strict=True)
            if j >= 0
        ]

    return Matches(
        [(s, listed(for_seekers, i, posts)) for i, s in enumerate(seekers)],
        [(p, listed(for_posts, i, seekers)) for i, p in enumerate(posts)],
    )


def fair_counts(fair: JobFair) -> dict[str, int]:
    """Booths, posts brought and their places (headcount), seekers registered, seekers interviewed (for at
    least one post) and hired."""
    posts = fair_posts(fair, open_only=False)
    outcomes = FairOutcome.objects.filter(fair=fair)
    return {
        "booths": fair.booths.count(),
        "posts": len(posts),
        "places": sum(p.headcount for p in posts),
        "seekers": FairSeeker.objects.filter(fair=fair).count(),
        "interviewed": outcomes.filter(outcome=OutcomeKind.INTERVIEWED).values("seeker_id").distinct().count(),
        "hired": outcomes.filter(outcome=OutcomeKind.HIRED).values("seeker_id").distinct().count(),
    }
