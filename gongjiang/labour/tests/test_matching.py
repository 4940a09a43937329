"""Stable matching on random instances (hypothesis): the result has no blocking pair and keeps to the
capacities, school quotas and region quotas, checked by a plain brute force independent of the
certificate; the certificate finds the blocking pairs of matchings that are not stable; without quotas
the result is the ``matching`` package's resident-optimal one."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gongjiang.labour.matching import NO_QUOTA, NONE, Instance, certify, deferred_acceptance, strict_orders


@st.composite
def instances(draw: st.DrawFn, quotas: bool = True) -> Instance:
    s = draw(st.integers(1, 9))
    c = draw(st.integers(1, 4))
    pair = st.tuples(st.integers(0, s - 1), st.integers(0, c - 1))
    listed = draw(st.lists(pair, min_size=1, max_size=30, unique=True))
    ps, pc = (np.array(x) for x in zip(*listed, strict=True))
    ranks = np.array(draw(st.lists(st.integers(1, 3), min_size=len(ps), max_size=len(ps))))  # ties
    scores = np.array(draw(st.lists(st.integers(0, 3), min_size=len(ps), max_size=len(ps))))  # ties
    school = np.array(draw(st.lists(st.integers(0, 3), min_size=s, max_size=s)))
    capacity = np.array(draw(st.lists(st.integers(0, 3), min_size=c, max_size=c)))
    sq = rq = None
    if quotas:
        sq = np.array(draw(st.lists(st.sampled_from([1, 2, NO_QUOTA]), min_size=c, max_size=c)))
        rq = np.array(draw(st.lists(st.sampled_from([1, 2, 3, NO_QUOTA]), min_size=c, max_size=c)))
    return Instance(ps, pc, ranks, scores, capacity, school, school // 2, school_quota=sq, region_quota=rq)


def brute_force_blocking(inst: Instance, assigned: np.ndarray) -> list[tuple[int, int]]:
    """Every blocking pair, by the definition, pair by pair in plain Python."""
    preference, priority = strict_orders(inst)
    pref = {(int(s), int(c)): int(p) for s, c, p in zip(inst.pair_student, inst.pair_class, preference, strict=True)}
    prio = {(int(s), int(c)): int(p) for s, c, p in zip(inst.pair_student, inst.pair_class, priority, strict=True)}
    out = []
    for (s, c), p in pref.items():
        mine = int(assigned[s])
        if mine != NONE and pref[(s, mine)] <= p:
            continue
        ahead = [t for t in range(inst.n_students) if int(assigned[t]) == c and prio[(t, c)] < prio[(s, c)]]
        same_school = [t for t in ahead if inst.student_school[t] == inst.student_school[s]]
        same_region = [t for t in ahead if inst.student_region[t] == inst.student_region[s]]
        if (
            len(ahead) < inst.capacity[c]
            and len(same_school) < inst.school_quota[c]
            and len(same_region) < inst.region_quota[c]
        ):
            out.append((s, c))
    return out


def feasible(inst: Instance, assigned: np.ndarray) -> bool:
    listed = set(zip(inst.pair_student.tolist(), inst.pair_class.tolist(), strict=True))
    for s, c in enumerate(assigned.tolist()):
        if c != NONE and (s, c) not in listed:
            return False
    for c in range(inst.n_classes):
        members = [s for s in range(inst.n_students) if assigned[s] == c]
        if len(members) > inst.capacity[c]:
            return False
        for group, quota in ((inst.student_school, inst.school_quota[c]), (inst.student_region, inst.region_quota[c])):
            counts: dict[int, int] = {}
            for s in members:
                counts[int(group[s])] = counts.get(int(group[s]), 0) + 1
            if any(n > quota for n in counts.values()):
                return False
    return True


@settings(max_examples=300, deadline=None)
@given(instances())
def test_deferred_acceptance_is_stable_and_keeps_quotas(inst: Instance) -> None:
    result = deferred_acceptance(inst)
    assert feasible(inst, result.assigned)
    assert brute_force_blocking(inst, result.assigned) == []
    certificate = certify(inst, result.assigned)
    assert certificate.stable and certificate.blocking_count == 0 and not certificate.infeasible


@settings(max_examples=300, deadline=None)
@given(instances(), st.data())
def test_certificate_agrees_with_brute_force_on_any_matching(inst: Instance, data: st.DataObject) -> None:
    """A random matching (each student in one of her listed classes or none): the certificate reports
    exactly the blocking pairs the definition gives, and infeasibility where there is any."""
    assigned = np.full(inst.n_students, NONE)
    for s in range(inst.n_students):
        options = inst.pair_class[inst.pair_student == s].tolist()
        assigned[s] = data.draw(st.sampled_from([NONE, *options]))
    certificate = certify(inst, assigned)
    ok = feasible(inst, assigned)
    assert (not certificate.infeasible) == ok
    if ok:
        expected = brute_force_blocking(inst, assigned)
        assert certificate.blocking_count == len(expected)
        assert set(certificate.blocking) <= set(expected)


@settings(max_examples=150, deadline=None)
@given(instances(quotas=False))
def test_same_result_as_the_matching_package(inst: Instance) -> None:
    from matching.algorithms.hospital_resident import hospital_resident
    from matching.games.hospital_resident import _make_players

    assume((inst.capacity > 0).all())  # the package fails on a class without places
    preference, priority = strict_orders(inst)
    residents: dict[int, list[int]] = {}
    for i in np.lexsort((preference, inst.pair_student)):
        residents.setdefault(int(inst.pair_student[i]), []).append(int(inst.pair_class[i]))
    hospitals: dict[int, list[int]] = {c: [] for c in range(inst.n_classes)}
    for i in np.lexsort((priority, inst.pair_class)):
        hospitals[int(inst.pair_class[i])].append(int(inst.pair_student[i]))
    rs, hs = _make_players(residents, hospitals, {c: int(inst.capacity[c]) for c in range(inst.n_classes)})
    theirs = np.full(inst.n_students, NONE)
    for hospital, members in hospital_resident(rs, hs, optimal="resident").items():
        for r in members:
            theirs[r.name] = hospital.name
    assert (deferred_acceptance(inst).assigned == theirs).all()


def test_ties_are_broken_by_the_stated_rule() -> None:
    """Two students with equal scores for a class of one place: the earlier registered (smaller number)
    gets it; a student with two classes at equal rank proposes to the smaller class number first."""
    inst = Instance([0, 1], [0, 0], [1, 1], [80, 80], [1], [0, 0], [0, 0])
    assert deferred_acceptance(inst).assigned.tolist() == [0, NONE]
    inst = Instance([0, 0], [1, 0], [1, 1], [80, 80], [1, 1], [0], [0])
    assert deferred_acceptance(inst).assigned.tolist() == [0]


def test_quota_turns_away_a_better_student_of_a_full_school() -> None:
    """A class of three places takes at most one student of a school: the second-best of school 0 is
    turned away for the best of school 1, though she scored higher."""
    inst = Instance([0, 1, 2], [0, 0, 0], [1, 1, 1], [90, 85, 70], [3], [0, 0, 1], [0, 0, 0], school_quota=[1])
    assert deferred_acceptance(inst).assigned.tolist() == [0, NONE, 0]
    assert certify(inst, np.array([0, 0, 0])).infeasible  # two of school 0: over the quota
