"""Recommendations against a plain brute force: every seeker × post of the same minor group scored one
pair at a time from the rules written in ``recommend``'s docstring, sorted by points, then the higher
wage, then the earlier post. The vectorised computation (by group and by seeker profile) must give the
same posts, points and explanation codes, on random instances with many ties."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gongjiang.labour import recommend as r

REGIONS = (320582, 320581, 320505, 320412, 320402, 310101)


def _pair(seekers: r.Side, i: int, posts: r.Side, j: int) -> tuple[int, int]:
    """(points, code) of one pair, from the stated rules."""
    same = seekers.occupation[i] == posts.occupation[j]
    occ_points = r.OCC_SAME if same else r.OCC_ADJACENT
    s_lv, p_lv = int(seekers.level[i]), int(posts.level[j])
    if s_lv == 0 or p_lv == 0:
        level_tier, level_points = 4, r.LEVEL_UNKNOWN
    else:
        diff = p_lv - s_lv
        level_tier = {0: 3, -1: 2, 1: 1}.get(diff, 0)
        level_points = r.LEVEL_POINTS.get(diff, r.LEVEL_FAR)
    s_rg, p_rg = int(seekers.region[i]), int(posts.region[j])
    region_tier = 3 if s_rg == p_rg else 2 if s_rg // 100 == p_rg // 100 else 1 if s_rg // 10000 == p_rg // 10000 else 0
    ask, offer = int(seekers.wage[i]), int(posts.wage[j])
    if ask <= 0:
        wage_tier, wage_points = 3, r.WAGE_UNKNOWN
    elif offer >= ask:
        wage_tier, wage_points = 2, r.WAGE_POINTS[2]
    elif offer * 10 >= ask * 9:
        wage_tier, wage_points = 1, r.WAGE_POINTS[1]
    else:
        wage_tier, wage_points = 0, r.WAGE_POINTS[0]
    points = occ_points + level_points + r.REGION_POINTS[region_tier] + wage_points
    code = ((2 if same else 1) * 5 + level_tier) * 16 + region_tier * 4 + wage_tier
    return points, code


def _brute(seekers: r.Side, posts: r.Side, k: int) -> list[list[tuple[int, int, int]]]:
    out = []
    for i in range(len(seekers)):
        scored = []
        for j in range(len(posts)):
            if seekers.minor_group[i] != posts.minor_group[j]:
                continue
            points, code = _pair(seekers, i, posts, j)
            scored.append((-points, -int(posts.wage[j]), j, code))
        scored.sort()
        out.append([(j, -p, code) for p, _w, j, code in scored[:k]])
    return out


@st.composite
def sides(draw: st.DrawFn) -> tuple[r.Side, r.Side, int]:
    n = draw(st.integers(1, 40))
    m = draw(st.integers(1, 60))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    occupations = draw(st.integers(1, 8))
    minor = rng.integers(0, max(1, occupations // 2), occupations)

    def side(size: int) -> r.Side:
        occ = rng.integers(0, occupations, size)
        wage = rng.choice([0, 4500, 5000, 5400, 5500, 6000, 6100], size)  # ties and the 10 % edge
        return r.Side(occ, minor[occ], rng.integers(0, 6, size), rng.choice(REGIONS, size), wage)

    return side(n), side(m), draw(st.integers(1, 12))


@settings(max_examples=150, deadline=None)
@given(sides())
def test_same_as_brute_force(instance: tuple[r.Side, r.Side, int]) -> None:
    seekers, posts, k = instance
    rec = r.recommend(seekers, posts, k=k)
    for i, expected in enumerate(_brute(seekers, posts, k)):
        got = [
            (int(j), int(p), int(c)) for j, p, c in zip(rec.post[i], rec.score[i], rec.code[i], strict=True) if j >= 0
        ]
        assert got == expected, i
        assert (rec.post[i, len(expected) :] == -1).all()


def test_points_of_a_code_are_its_parts() -> None:
    seekers = r.Side([1], [0], [3], [320582], [6000])
    posts = r.Side([1, 2], [0, 0], [4, 3], [320582, 320505], [6000, 5500])
    rec = r.recommend(seekers, posts, k=2)
    assert rec.post[0].tolist() == [0, 1]
    # same occupation 40 + one level above 10 + same district 20 + wage at the ask 15
    assert int(rec.score[0, 0]) == 85
    assert r.decode(int(rec.code[0, 0])) == ("same", "step_up", "district", "at_or_above")
    # adjacent 25 + equal level 25 + same city 12 + within a tenth 8
    assert int(rec.score[0, 1]) == 70
    assert r.decode(int(rec.code[0, 1])) == ("adjacent", "equal", "city", "near")
