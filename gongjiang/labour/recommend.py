"""Ranked recommendations of posts to job seekers (and of seekers to posts), each with the reasons.

Only posts of the seeker's own occupation or an adjacent one are recommended: adjacent is the same minor
group (小类, the first three parts of the code, ``6-18-01``) of the 2022 occupational classification,
as ESCO and JobTech relate occupations by their place in one taxonomy. Within that, a post scores points
(0 to 100) on four parts, each of which gives one phrase of the explanation:

* occupation: the same occupation 40, an adjacent one 25;
* level: the post's level equal to the seeker's 25, one below 15, one above (a step up) 10, further 0;
  an unknown level on either side 10;
* region: the same district (county) 20, the same city 12, the same province 5, elsewhere 0;
* wage: an offer at or above what the seeker asks 15, at most a tenth below it 8, further below 0; no
  wage asked 8.

Equal scores are ordered by the higher wage offer, then by the post's number (the earlier post first).
The computation runs by minor group, so its cost is bounded by the sum over groups of seekers × posts,
not all seekers × all posts; and within a group by distinct seeker *profiles* rather than seekers (see
``_group_top``): seekers who share occupation, level and region and whose asked wage falls between the
same two offers get the same answer, computed once with numpy and cut to the best ``k`` with
``argpartition``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OCC_SAME, OCC_ADJACENT = 40, 25
LEVEL_POINTS = {0: 25, -1: 15, 1: 10}  # post level − seeker level (levels numbered 1 初级 … 5 高级技师)
LEVEL_FAR, LEVEL_UNKNOWN = 0, 10
REGION_POINTS = (0, 5, 12, 20)  # elsewhere, same province, same city, same district
WAGE_POINTS = (0, 8, 15)  # below, within 10 %, at or above
WAGE_UNKNOWN = 8
BLOCK = 2_000_000  # scored pairs per block (memory bound)

# Explanation codes: occupation tier (1 adjacent, 2 same) × 25 + level tier (0 far, 1 one above,
# 2 one below, 3 equal, 4 unknown) × 5 ... packed into one small integer per recommendation.
LEVEL_TIERS = ("far", "step_up", "one_below", "equal", "unknown")
REGION_TIERS = ("elsewhere", "province", "city", "district")
WAGE_TIERS = ("below", "near", "at_or_above", "unknown")


@dataclass
class Side:
    """Seekers or posts as arrays. ``region`` is the six-digit region code as an integer."""

    occupation: np.ndarray  # (N,) occupation number (any consistent numbering)
    minor_group: np.ndarray  # (N,) minor-group number
    level: np.ndarray  # (N,) 1..5, 0 unknown
    region: np.ndarray  # (N,) int region code
    wage: np.ndarray  # (N,) monthly yuan: asked by a seeker, offered by a post; 0 unknown

    def __post_init__(self) -> None:
        self.occupation = np.asarray(self.occupation, dtype=np.int32)
        self.minor_group = np.asarray(self.minor_group, dtype=np.int32)
        self.level = np.asarray(self.level, dtype=np.int8)
        self.region = np.asarray(self.region, dtype=np.int32)
        self.wage = np.asarray(self.wage, dtype=np.int32)

    def __len__(self) -> int:
        return len(self.occupation)


@dataclass
class Recommendations:
    """Per seeker, the best ``k`` posts (−1 where fewer), their scores and explanation codes."""

    post: np.ndarray  # (N, k) post index, −1 for none
    score: np.ndarray  # (N, k) points 0..100
    code: np.ndarray  # (N, k) explanation code (see :func:`decode`)


def encode(occ: np.ndarray, level: np.ndarray, region: np.ndarray, wage: np.ndarray) -> np.ndarray:
    return (occ.astype(np.int16) * 5 + level) * 16 + region * 4 + wage


def decode(code: int) -> tuple[str, str, str, str]:
    """(occupation tier, level tier, region tier, wage tier) of an explanation code."""
    code = int(code)
    wage, region, rest = code % 4, (code // 4) % 4, code // 16
    level, occ = rest % 5, rest // 5
    return ("same" if occ == 2 else "adjacent"), LEVEL_TIERS[level], REGION_TIERS[region], WAGE_TIERS[wage]


def _points_table() -> np.ndarray:
    """Points of every explanation code (the four parts' points added)."""
    level_points = (LEVEL_FAR, LEVEL_POINTS[1], LEVEL_POINTS[-1], LEVEL_POINTS[0], LEVEL_UNKNOWN)
    table = np.zeros(3 * 5 * 16, dtype=np.int16)
    for occ in (1, 2):
        for level in range(5):
            for region in range(4):
                for wage in range(4):
                    code = (occ * 5 + level) * 16 + region * 4 + wage
                    table[code] = (
                        (OCC_SAME if occ == 2 else OCC_ADJACENT)
                        + level_points[level]
                        + REGION_POINTS[region]
                        + (*WAGE_POINTS, WAGE_UNKNOWN)[wage]
                    )
    return table


POINTS = _points_table()


def _level_tier_table() -> np.ndarray:
    """Level tier of (seeker level, post level), levels 0 (unknown) to 8: 0 far, 1 the post one above
    (a step up), 2 one below, 3 equal, 4 unknown on either side."""
    table = np.zeros((9, 9), dtype=np.int16)
    for s in range(9):
        for p in range(9):
            if s == 0 or p == 0:
                table[s, p] = 4
            else:
                table[s, p] = {0: 3, -1: 2, 1: 1}.get(p - s, 0)
    return table


LEVEL_TIER = _level_tier_table()
MAX_POINTS = int(POINTS.max())


def score_pairs(seekers: Side, si: np.ndarray, posts: Side, pj: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points and explanation codes of seekers ``si`` (rows) × posts ``pj`` (columns), broadcast."""
    same = seekers.occupation[si][:, None] == posts.occupation[pj][None, :]
    s_lv, p_lv = seekers.level[si][:, None].astype(np.int16), posts.level[pj][None, :].astype(np.int16)
    diff = p_lv - s_lv
    # level tier: 0 far, 1 one above, 2 one below, 3 equal, 4 unknown
    level_tier = np.where(
        (s_lv == 0) | (p_lv == 0), 4, np.select([diff == 0, diff == -1, diff == 1], [3, 2, 1], 0)
    ).astype(np.int16)
    s_rg, p_rg = seekers.region[si], posts.region[pj]
    region_tier = (
        (s_rg[:, None] == p_rg[None, :]).astype(np.int16)
        + ((s_rg // 100)[:, None] == (p_rg // 100)[None, :])
        + ((s_rg // 10000)[:, None] == (p_rg // 10000)[None, :])
    )
    ask, offer = seekers.wage[si][:, None], posts.wage[pj][None, :]
    wage_tier = np.where(ask <= 0, 3, (offer >= ask).astype(np.int16) + (offer * 10 >= ask * 9)).astype(np.int16)
    codes = ((same.astype(np.int16) + 1) * 5 + level_tier) * 16 + region_tier * 4 + wage_tier
    return POINTS[codes], codes


def _group_top(
    seekers: Side, members: np.ndarray, posts: Side, pj: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best ``k`` of one minor group's posts ``pj`` (in tie order) for its seekers ``members``: (post
    index, points, code) per seeker, each (len(members), min(k, m)).

    Seekers of the same occupation, level and region (a *cell*) see the same wage-independent part of
    every post's code; and since the posts are in tie order (the higher wage first), a seeker's wage tier
    is 2 on a prefix of them (offer at or above the ask), 1 on the next stretch (within a tenth) and 0
    after: two positions, found by binary search. So a seeker is a *profile* (cell, the two positions, the
    wage stated or not), the best ``k`` are computed once per distinct profile, and every seeker takes
    its profile's answer."""
    m = len(pj)
    kk = min(k, m)
    p_occ, p_lv, p_rg = posts.occupation[pj], posts.level[pj], posts.region[pj]
    offer = posts.wage[pj].astype(np.int64)
    s_occ, s_lv, s_rg = seekers.occupation[members], seekers.level[members], seekers.region[members]
    ask = seekers.wage[members].astype(np.int64)
    unknown = ask <= 0
    # offers are descending: the count of offers ≥ ask, and of offers ≥ 0.9 × ask (offer × 10 ≥ ask × 9)
    at_or_above = np.searchsorted(-offer, -ask, side="right")
    near = np.searchsorted(-offer * 10, -ask * 9, side="right")
    at_or_above[unknown] = 0
    near[unknown] = 0
    # One integer per seeker for its profile: cell (occupation, level, region, each numbered within the
    # group), the two positions and whether a wage is stated.
    occ_i = np.unique(s_occ, return_inverse=True)[1]
    rg_u, rg_i = np.unique(s_rg, return_inverse=True)
    bits = int(m + 1).bit_length()
    cell = (occ_i.astype(np.int64) * 16 + s_lv) * len(rg_u) + rg_i
    profile = ((cell << bits | at_or_above) << bits | near) << 1 | unknown
    first, inverse = np.unique(profile, return_index=True, return_inverse=True)[1:]
    uniq = np.stack(
        [s_occ[first], s_lv[first], s_rg[first], at_or_above[first], near[first], unknown[first]], axis=1
    ).astype(np.int64)
    cells, cell_of = np.unique(cell[first], return_index=True, return_inverse=True)[1:]
    cells = uniq[cells, :3]
    # The wage-independent part of the code, per cell × post: ((occupation tier) × 5 + level tier) × 16
    # + region tier × 4.
    c_occ, c_lv, c_rg = cells[:, 0:1], cells[:, 1:2].astype(np.int16), cells[:, 2:3]
    base = (((c_occ == p_occ[None, :]).astype(np.int16) + 1) * 5 + LEVEL_TIER[c_lv, p_lv[None, :]]) * 16 + (
        (c_rg == p_rg[None, :]).astype(np.int16)
        + ((c_rg // 100) == (p_rg // 100)[None, :])
        + ((c_rg // 10000) == (p_rg // 10000)[None, :])
    ) * 4
    base = base.astype(np.int16)
    # Smaller is better: missing points first, then the place in tie order.
    key_of_code = (MAX_POINTS - POINTS).astype(np.int32) * (m + 1)
    position = np.arange(m, dtype=np.int32)
    n_u = len(uniq)
    top_post = np.empty((n_u, kk), dtype=np.int64)
    top_points = np.empty((n_u, kk), dtype=np.int16)
    top_code = np.empty((n_u, kk), dtype=np.int16)
    rows = max(1, BLOCK // m)
    for b in range(0, n_u, rows):
        u = slice(b, b + rows)
        tier = (position[None, :] < uniq[u, 3:4]).astype(np.int16)
        tier += position[None, :] < uniq[u, 4:5]
        tier += (3 * uniq[u, 5:6]).astype(np.int16)
        codes = base[cell_of[u]]
        codes += tier
        key = key_of_code[codes]
        key += position[None, :]
        if kk < m:
            top = np.argpartition(key, kk - 1, axis=1)[:, :kk]
        else:
            top = np.broadcast_to(np.arange(m, dtype=np.int64), key.shape).copy()
        top_key = np.take_along_axis(key, top, axis=1)
        top = np.take_along_axis(top, np.argsort(top_key, axis=1), axis=1)
        top_code[u] = np.take_along_axis(codes, top, axis=1)
        top_points[u] = POINTS[top_code[u]]
        top_post[u] = pj[top]
    return top_post[inverse], top_points[inverse], top_code[inverse]


def recommend(seekers: Side, posts: Side, k: int = 10) -> Recommendations:
    """The best ``k`` posts for every seeker (only posts of the same or an adjacent occupation)."""
    n = len(seekers)
    out_post = np.full((n, k), -1, dtype=np.int64)
    out_score = np.zeros((n, k), dtype=np.int16)
    out_code = np.zeros((n, k), dtype=np.int16)
    if not n or not len(posts):
        return Recommendations(out_post, out_score, out_code)
    # Order of equal scores: higher wage, then lower post number. A post's tie rank in its group.
    p_order = np.lexsort((np.arange(len(posts)), -posts.wage.astype(np.int64), posts.minor_group))
    p_groups, p_start, p_count = np.unique(posts.minor_group[p_order], return_index=True, return_counts=True)
    s_order = np.argsort(seekers.minor_group, kind="stable")
    s_groups, s_start, s_count = np.unique(seekers.minor_group[s_order], return_index=True, return_counts=True)
    where = np.searchsorted(p_groups, s_groups)

    for g in range(len(s_groups)):
        gi = where[g]
        if gi >= len(p_groups) or p_groups[gi] != s_groups[g]:
            continue
        pj = p_order[p_start[gi] : p_start[gi] + p_count[gi]]  # the group's posts in tie order
        members = s_order[s_start[g] : s_start[g] + s_count[g]]
        post, points, code = _group_top(seekers, members, posts, pj, k)
        kk = post.shape[1]
        out_post[members, :kk] = post
        out_score[members, :kk] = points
        out_code[members, :kk] = code
    return Recommendations(out_post, out_score, out_code)


def recommend_seekers(posts: Side, seekers: Side, k: int = 10) -> Recommendations:
    """The best ``k`` seekers for every post: the same scoring, read from the post's side (the seeker's
    asked wage against the post's offer, the level difference the same way round)."""
    n = len(posts)
    out_seeker = np.full((n, k), -1, dtype=np.int64)
    out_score = np.zeros((n, k), dtype=np.int16)
    out_code = np.zeros((n, k), dtype=np.int16)
    if not n or not len(seekers):
        return Recommendations(out_seeker, out_score, out_code)
    for i in range(n):
        cand = np.flatnonzero(seekers.minor_group == posts.minor_group[i])
        if not len(cand):
            continue
        points, codes = score_pairs(seekers, cand, posts, np.array([i]))
        points, codes = points[:, 0], codes[:, 0]
        order = np.lexsort((cand, -points.astype(np.int64)))[:k]
        out_seeker[i, : len(order)] = cand[order]
        out_score[i, : len(order)] = points[order]
        out_code[i, : len(order)] = codes[order]
    return Recommendations(out_seeker, out_score, out_code)
