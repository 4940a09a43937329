"""Benchmark: recommendations and the stable matching of order classes (gongjiang.labour).

1. Recommendations: N seekers (default 1,000,000) × M posts (default 100,000) over the 2022
   classification's structure (occupations in minor groups, the reference data's own when loaded,
   otherwise a synthetic tree of the same shape), skewed towards manufacturing the way a Jiangsu
   county's posts are; the best 10 posts of every seeker with the sentence explaining each
   (``recommend.recommend``, then the explanation codes rendered by lookup). Goal ≤ 60 s. Beside it the
   baseline: the former computation (every seeker × post pair of a group scored), on the same instance,
   with its time, the ratio, and whether the recommendations are the same.
2. Stable matching: S students (default 50,000) listing 10 of C classes (default 2,000) each, the
   enterprises' scores with ties, capacities 10-30; ``matching.deferred_acceptance`` against the
   ``matching`` package's hospital-resident algorithm (resident-optimal) on the same instance (with its ties
   broken by the same rule, and no quotas, which the package has no notion of). Prints both times, the
   speed-up, whether the two matchings are the same, and the certificate (no blocking pair). Then
   the same instance with school and region quotas, through our algorithm and certificate only.

Usage: python bench/labour_matching.py [--seekers N] [--posts M] [--students S] [--classes C] [--no-baseline]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjiang.settings")

import django  # noqa: E402

django.setup()

from django.utils import translation  # noqa: E402

from gongjiang.labour import explain  # noqa: E402
from gongjiang.labour.matching import NONE, Instance, certify, deferred_acceptance, strict_orders  # noqa: E402
from gongjiang.labour.recommend import MAX_POINTS, Recommendations, Side, recommend, score_pairs  # noqa: E402

REGIONS = np.array([320582, 320581, 320583, 320585, 320505, 320506, 320507, 320508, 320509, 320412, 320411, 320402])


def occupation_tree(rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """(minor group of each occupation, number of minor groups): 1,636 occupations in 449 minor groups."""
    groups = 449
    sizes = rng.multinomial(1636 - groups, np.ones(groups) / groups) + 1
    return np.repeat(np.arange(groups), sizes), groups


def side(n: int, weights: np.ndarray, minor: np.ndarray, rng: np.random.Generator, wage_mu: float) -> Side:
    occ = rng.choice(len(weights), size=n, p=weights)
    level = rng.choice(6, size=n, p=[0.1, 0.2, 0.3, 0.25, 0.1, 0.05])
    region = REGIONS[rng.integers(0, len(REGIONS), n)]
    wage = (rng.lognormal(np.log(wage_mu), 0.25, n) // 100 * 100).astype(np.int32)
    return Side(occ, minor[occ], level, region, wage)


def recommend_dense(seekers: Side, posts: Side, k: int = 10, block: int = 2_000_000) -> Recommendations:
    """The baseline: the former computation, every seeker × post of a minor group scored in numpy blocks
    (``score_pairs``) and cut to the best ``k`` with ``argpartition``, seeker by seeker."""
    n = len(seekers)
    out_post = np.full((n, k), -1, dtype=np.int64)
    out_score = np.zeros((n, k), dtype=np.int16)
    out_code = np.zeros((n, k), dtype=np.int16)
    p_order = np.lexsort((np.arange(len(posts)), -posts.wage.astype(np.int64), posts.minor_group))
    p_groups, p_start, p_count = np.unique(posts.minor_group[p_order], return_index=True, return_counts=True)
    s_order = np.argsort(seekers.minor_group, kind="stable")
    s_groups, s_start, s_count = np.unique(seekers.minor_group[s_order], return_index=True, return_counts=True)
    where = np.searchsorted(p_groups, s_groups)
    for g in range(len(s_groups)):
        gi = where[g]
        if gi >= len(p_groups) or p_groups[gi] != s_groups[g]:
            continue
        pj = p_order[p_start[gi] : p_start[gi] + p_count[gi]]
        m = len(pj)
        rows = max(1, block // m)
        members = s_order[s_start[g] : s_start[g] + s_count[g]]
        kk = min(k, m)
        position = np.arange(m, dtype=np.int32)
        for b in range(0, len(members), rows):
            si = members[b : b + rows]
            points, codes = score_pairs(seekers, si, posts, pj)
            key = (MAX_POINTS - points).astype(np.int32) * (m + 1) + position[None, :]
            if kk < m:
                top = np.argpartition(key, kk - 1, axis=1)[:, :kk]
            else:
                top = np.broadcast_to(np.arange(m), (len(si), m)).copy()
            top_key = np.take_along_axis(key, top, axis=1)
            top = np.take_along_axis(top, np.argsort(top_key, axis=1), axis=1)
            out_post[si, :kk] = pj[top]
            out_score[si, :kk] = np.take_along_axis(points, top, axis=1)
            out_code[si, :kk] = np.take_along_axis(codes, top, axis=1)
    return Recommendations(out_post, out_score, out_code)


def bench_recommend(n_seekers: int, n_posts: int, baseline: bool = True) -> None:
    rng = np.random.default_rng(11)
    minor, _ = occupation_tree(rng)
    ranks = rng.permutation(len(minor)) + 1
    weights = ranks**-0.6
    weights /= weights.sum()
    seekers = side(n_seekers, weights, minor, rng, 6000)
    posts = side(n_posts, weights, minor, rng, 6200)
    pairs = sum(
        int((seekers.minor_group == g).sum()) * int((posts.minor_group == g).sum())
        for g in np.unique(seekers.minor_group)
    )
    t0 = time.perf_counter()
    rec = recommend(seekers, posts, k=10)
    t1 = time.perf_counter()
    with translation.override("zh-hans"):
        table = explain.sentences()
    lookup = np.empty(max(table) + 1, dtype=object)
    for code, text in table.items():
        lookup[code] = text
    texts = lookup[rec.code[rec.post >= 0]]
    t2 = time.perf_counter()
    full = int((rec.post >= 0).all(axis=1).sum())
    print(f"recommendations: {n_seekers:,} seekers × {n_posts:,} posts, {pairs:,} pairs scored")
    print(
        f"  top-10 in {t1 - t0:.1f} s, explanations ({len(texts):,} sentences) in {t2 - t1:.1f} s; total {t2 - t0:.1f} s"
    )
    print(f"  seekers with 10 recommendations: {full:,}; example: {texts[0]}")
    if baseline:
        t3 = time.perf_counter()
        dense = recommend_dense(seekers, posts, k=10)
        t4 = time.perf_counter()
        same = bool(
            (dense.post == rec.post).all() and (dense.score == rec.score).all() and (dense.code == rec.code).all()
        )
        print(
            f"  baseline (every pair of a group scored, the former computation) {t4 - t3:.1f} s; "
            f"top-10 ratio {(t1 - t0) / (t4 - t3):.2f} of the baseline; same recommendations: {same}"
        )


def matching_instance(s: int, c: int, k: int, seed: int = 5) -> Instance:
    rng = np.random.default_rng(seed)
    popularity = rng.pareto(1.5, c) + 1
    popularity /= popularity.sum()
    # k distinct classes per student, drawn by popularity (Gumbel top-k).
    chosen = np.empty((s, k), dtype=np.int64)
    step = 5000
    logp = np.log(popularity)
    for b in range(0, s, step):
        g = logp[None, :] - np.log(-np.log(rng.random((min(step, s - b), c))))
        chosen[b : b + step] = np.argpartition(-g, k - 1, axis=1)[:, :k]
    students = np.repeat(np.arange(s), k)
    classes = chosen.ravel()
    rank = np.tile(np.arange(1, k + 1), s)
    quality = rng.normal(70, 10, s)
    score = np.round(quality[students] + rng.normal(0, 5, s * k))  # whole marks: ties happen
    school = rng.integers(0, 60, s)
    return Instance(students, classes, rank, score, rng.integers(10, 31, c), school, school // 6)


def package_solve(inst: Instance) -> np.ndarray:
    from matching.algorithms.hospital_resident import hospital_resident
    from matching.games.hospital_resident import _make_players

    preference, priority = strict_orders(inst)
    order = np.lexsort((preference, inst.pair_student))
    resident_prefs: dict[int, list[int]] = {}
    for st, cl in zip(inst.pair_student[order].tolist(), inst.pair_class[order].tolist(), strict=True):
        resident_prefs.setdefault(st, []).append(cl)
    order = np.lexsort((priority, inst.pair_class))
    hospital_prefs: dict[int, list[int]] = {h: [] for h in range(inst.n_classes)}
    for cl, st in zip(inst.pair_class[order].tolist(), inst.pair_student[order].tolist(), strict=True):
        hospital_prefs[cl].append(st)
    capacities = {h: int(inst.capacity[h]) for h in range(inst.n_classes)}
    # The package's players and its resident-optimal algorithm (its game class deep-copies every player,
    # which recurses past Python's limit at this size; the algorithm is the same).
    residents, hospitals = _make_players(resident_prefs, hospital_prefs, capacities)
    solved = hospital_resident(residents, hospitals, optimal="resident")
    out = np.full(inst.n_students, NONE, dtype=np.int64)
    for hospital, residents in solved.items():
        for r in residents:
            out[r.name] = hospital.name
    return out


def bench_matching(s: int, c: int, baseline: bool) -> None:
    inst = matching_instance(s, c, 10)
    t0 = time.perf_counter()
    result = deferred_acceptance(inst)
    t1 = time.perf_counter()
    cert = certify(inst, result.assigned)
    t2 = time.perf_counter()
    print(f"stable matching: {s:,} students × {c:,} classes, {len(inst.pair_student):,} listed pairs")
    print(
        f"  deferred acceptance {t1 - t0:.2f} s ({result.rounds} rounds, {result.proposals:,} proposals), "
        f"{int((result.assigned >= 0).sum()):,} placed; certificate {t2 - t1:.2f} s: "
        f"{cert.pairs_checked:,} pairs checked, {cert.blocking_count} blocking, stable={cert.stable}"
    )
    if baseline:
        t3 = time.perf_counter()
        theirs = package_solve(inst)
        t4 = time.perf_counter()
        same = bool((theirs == result.assigned).all())
        print(
            f"  matching package (hospital-resident, resident-optimal) {t4 - t3:.1f} s; "
            f"speed-up {(t4 - t3) / (t1 - t0):.0f}×; same matching: {same}"
        )
    quota = Instance(
        inst.pair_student,
        inst.pair_class,
        inst.pair_rank,
        inst.pair_score,
        inst.capacity,
        inst.student_school,
        inst.student_region,
        school_quota=np.full(c, 2),
        region_quota=np.full(c, 6),
    )
    t5 = time.perf_counter()
    qres = deferred_acceptance(quota)
    t6 = time.perf_counter()
    qcert = certify(quota, qres.assigned)
    print(
        f"  with quotas (≤ 2 per school, ≤ 6 per region): {t6 - t5:.2f} s, {int((qres.assigned >= 0).sum()):,} "
        f"placed, {qcert.blocking_count} blocking, stable={qcert.stable}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seekers", type=int, default=1_000_000)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--classes", type=int, default=2_000)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    bench_recommend(args.seekers, args.posts, not args.no_baseline)
    bench_matching(args.students, args.classes, not args.no_baseline)
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
