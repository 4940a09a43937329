"""Stable matching of students to order and named classes (订单班、冠名班): student-proposing deferred
acceptance with class capacities and quotas, and the certificate that no blocking pair exists.

The instance is a list of *pairs* (student, class): a student lists the classes she would join, with a
rank (1 best; equal ranks are ties), and the class's enterprise gives each student who lists it a score
(higher better; equal scores are ties). A class not listed by a student is unacceptable to her.

Ties are broken by one stated deterministic rule: a student's equal ranks by the class's number
(smaller first); a class's equal scores by the student's number (smaller first: the earlier registered).

Quotas are laminar: every class has a capacity, and may cap the students it takes from any one school
(``school_quota``) and from any one region (``region_quota``); every school lies in one region. A class
chooses greedily in its priority order, taking a student while the capacity and both of her quotas
have room. Such a choice is substitutable, so deferred acceptance ends in a stable matching, the one
every student likes best among the stable ones (Hatfield and Milgrom 2005; Abdulkadiroğlu 2005).

A pair (s, c) *blocks* a matching when s prefers c to her class (or has none) and c would take s from
its students and s: with the students c prefers to s counted, there is room in the capacity, in s's
school quota and in s's region quota. :func:`certify` checks every listed pair (an unlisted pair
cannot block: the student would not go) and the feasibility of the matching.

Everything is vectorised with numpy: a round of proposals is one sort of the proposals and of the
students held by the classes they reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

NONE = -1
NO_QUOTA = np.iinfo(np.int64).max // 4


@dataclass
class Instance:
    """A matching problem. Students, classes, schools and regions are numbered from 0."""

    pair_student: np.ndarray  # (P,) the student of each listed pair
    pair_class: np.ndarray  # (P,) the class
    pair_rank: np.ndarray  # (P,) the student's rank of the class, 1 best; ties allowed
    pair_score: np.ndarray  # (P,) the class's score of the student, higher better; ties allowed
    capacity: np.ndarray  # (C,) places of each class
    student_school: np.ndarray  # (S,)
    student_region: np.ndarray  # (S,) the region of the student's school
    # (C,) most students from one school / one region; NO_QUOTA (or None: for every class) for none
    school_quota: np.ndarray = None  # type: ignore[assignment]
    region_quota: np.ndarray = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.pair_student = np.asarray(self.pair_student, dtype=np.int64)
        self.pair_class = np.asarray(self.pair_class, dtype=np.int64)
        self.pair_rank = np.asarray(self.pair_rank, dtype=np.int64)
        self.pair_score = np.asarray(self.pair_score, dtype=np.float64)
        self.capacity = np.asarray(self.capacity, dtype=np.int64)
        self.student_school = np.asarray(self.student_school, dtype=np.int64)
        self.student_region = np.asarray(self.student_region, dtype=np.int64)
        c = len(self.capacity)
        self.school_quota = (
            np.full(c, NO_QUOTA, dtype=np.int64)
            if self.school_quota is None
            else np.asarray(self.school_quota, dtype=np.int64)
        )
        self.region_quota = (
            np.full(c, NO_QUOTA, dtype=np.int64)
            if self.region_quota is None
            else np.asarray(self.region_quota, dtype=np.int64)
        )
        self.validate()

    @property
    def n_students(self) -> int:
        return len(self.student_school)

    @property
    def n_classes(self) -> int:
        return len(self.capacity)

    def validate(self) -> None:
        p = len(self.pair_student)
        for name in ("pair_class", "pair_rank", "pair_score"):
            if len(getattr(self, name)) != p:
                raise ValueError(f"{name} has {len(getattr(self, name))} entries, pair_student {p}")
        if len(self.student_region) != self.n_students:
            raise ValueError("student_region and student_school differ in length")
        if p and (int(self.pair_student.min()) < 0 or self.pair_student.max() >= self.n_students):
            raise ValueError("a pair names an unknown student")
        if p and (self.pair_class.min() < 0 or self.pair_class.max() >= self.n_classes):
            raise ValueError("a pair names an unknown class")
        if (self.capacity < 0).any() or (self.school_quota < 0).any() or (self.region_quota < 0).any():
            raise ValueError("capacities and quotas are not negative")
        key = self.pair_student * max(self.n_classes, 1) + self.pair_class
        if len(np.unique(key)) != p:
            raise ValueError("a student lists a class twice")
        if self.n_students:
            # Every school lies in one region (the quotas are laminar).
            pairs = np.unique(np.stack([self.student_school, self.student_region]), axis=1)
            if len(np.unique(pairs[0])) != pairs.shape[1]:
                raise ValueError("a school lies in more than one region")


@dataclass
class Result:
    assigned: np.ndarray  # (S,) the class of each student, NONE for none
    rounds: int
    proposals: int
    priority: np.ndarray = field(repr=False)  # (P,) the class's strict order of the pair's student, 0 best
    preference: np.ndarray = field(repr=False)  # (P,) the student's strict order of the pair's class, 0 best


def strict_orders(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(preference, priority) per pair: the student's strict order of the class (ties by class number) and
    the class's strict order of the student (ties by student number), each 0 for the best."""
    p = len(inst.pair_student)
    preference = np.empty(p, dtype=np.int64)
    priority = np.empty(p, dtype=np.int64)
    if not p:
        return preference, priority
    by_student = np.lexsort((inst.pair_class, inst.pair_rank, inst.pair_student))
    preference[by_student] = _rank_in_groups(inst.pair_student[by_student])
    by_class = np.lexsort((inst.pair_student, -inst.pair_score, inst.pair_class))
    priority[by_class] = _rank_in_groups(inst.pair_class[by_class])
    return preference, priority


def _rank_in_groups(sorted_keys: np.ndarray) -> np.ndarray:
    """0, 1, 2, … within each run of equal keys of a sorted array."""
    n = len(sorted_keys)
    idx = np.arange(n, dtype=np.int64)
    if not n:
        return idx
    starts = np.ones(n, dtype=bool)
    starts[1:] = sorted_keys[1:] != sorted_keys[:-1]
    first = np.maximum.accumulate(np.where(starts, idx, 0))
    return idx - first


def _choose(inst: Instance, pool: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """The pairs of ``pool`` the classes keep: each class in its priority order, within its school quota,
    then its region quota, then its capacity (for laminar quotas, the same as the greedy choice)."""
    cls = inst.pair_class[pool]
    prio = priority[pool]
    student = inst.pair_student[pool]
    keep = np.ones(len(pool), dtype=bool)
    for group, quota in (
        (inst.student_school[student], inst.school_quota[cls]),
        (inst.student_region[student], inst.region_quota[cls]),
        (np.zeros(len(pool), dtype=np.int64), inst.capacity[cls]),
    ):
        if (quota >= NO_QUOTA).all():
            continue  # no class of the pool sets this quota
        live = np.flatnonzero(keep)
        order = live[np.lexsort((prio[live], group[live], cls[live]))]
        key = cls[order] * (int(group.max(initial=0)) + 1) + group[order]
        rank = _rank_in_groups(key)
        keep[order[rank >= quota[order]]] = False
    return pool[keep]


def deferred_acceptance(inst: Instance) -> Result:
    """Student-proposing deferred acceptance; every free student proposes to her next class each round."""
    preference, priority = strict_orders(inst)
    s = inst.n_students
    assigned = np.full(s, NONE, dtype=np.int64)
    if not len(inst.pair_student):
        return Result(assigned, 0, 0, priority, preference)
    # Each student's pairs in her order of preference, contiguous.
    order = np.lexsort((preference, inst.pair_student))
    length = np.bincount(inst.pair_student, minlength=s)
    start = np.concatenate([[0], np.cumsum(length)[:-1]])
    nxt = np.zeros(s, dtype=np.int64)
    free = np.flatnonzero(length > 0)
    held = np.empty(0, dtype=np.int64)  # pair indices held by the classes
    rounds = proposals = 0
    while free.size:
        rounds += 1
        props = order[start[free] + nxt[free]]
        proposals += len(props)
        reached = np.zeros(inst.n_classes, dtype=bool)
        reached[inst.pair_class[props]] = True
        at_reached = reached[inst.pair_class[held]]
        pool = np.concatenate([held[at_reached], props])
        kept = _choose(inst, pool, priority)
        held = np.concatenate([held[~at_reached], kept])
        kept_mask = np.zeros(len(inst.pair_student), dtype=bool)
        kept_mask[kept] = True
        rejected = inst.pair_student[pool[~kept_mask[pool]]]
        nxt[rejected] += 1
        free = rejected[nxt[rejected] < length[rejected]]
    assigned[inst.pair_student[held]] = inst.pair_class[held]
    return Result(assigned, rounds, proposals, priority, preference)


@dataclass
class Certificate:
    """What :func:`certify` checked and found: no blocking pair and a feasible matching, or the faults."""

    students: int
    classes: int
    pairs_checked: int
    assigned: int
    blocking: list[tuple[int, int]]  # (student, class), at most the first 20
    blocking_count: int
    infeasible: list[str]  # what breaks capacity, quotas or acceptability

    @property
    def stable(self) -> bool:
        return self.blocking_count == 0 and not self.infeasible

    def as_dict(self) -> dict[str, object]:
        return {
            "students": self.students,
            "classes": self.classes,
            "pairs_checked": self.pairs_checked,
            "assigned": self.assigned,
            "blocking_count": self.blocking_count,
            "blocking": [list(p) for p in self.blocking],
            "infeasible": self.infeasible,
            "stable": self.stable,
        }


def _count_ahead(group_of_assigned: np.ndarray, prio_assigned: np.ndarray, group: np.ndarray, prio: np.ndarray):
    """For each query (group, prio): how many assigned pairs of the same group come before prio."""
    m = int(max(prio_assigned.max(initial=0), prio.max(initial=0))) + 1
    keys = np.sort(group_of_assigned * m + prio_assigned)
    lower = np.searchsorted(keys, group * m, side="left")
    upper = np.searchsorted(keys, group * m + prio, side="left")
    return upper - lower


def certify(inst: Instance, assigned: np.ndarray) -> Certificate:
    """Check a matching over every listed pair: no blocking pair, and it respects capacities, quotas and
    the students' lists. Independent of how the matching was found (any matching may be certified)."""
    preference, priority = strict_orders(inst)
    s, c = inst.n_students, inst.n_classes
    assigned = np.asarray(assigned, dtype=np.int64)
    faults: list[str] = []
    if len(assigned) != s:
        return Certificate(s, c, 0, 0, [], 0, [f"the matching has {len(assigned)} students, the instance {s}"])
    key = inst.pair_student * max(c, 1) + inst.pair_class
    sort = np.argsort(key)
    who = np.flatnonzero(assigned != NONE)
    akey = who * max(c, 1) + assigned[who]
    pos = np.searchsorted(key[sort], akey)
    pos = np.minimum(pos, max(len(key) - 1, 0))
    listed = (key[sort][pos] == akey) if len(key) else np.zeros(len(who), dtype=bool)
    if not listed.all():
        faults.append(f"{int((~listed).sum())} students are placed in a class they did not list")
        who, pos = who[listed], pos[listed]
    apair = sort[pos]  # the pair index of each student's assignment
    acls = inst.pair_class[apair]
    # Feasibility: capacity, and the two quotas.
    for label, group, quota in (
        ("capacity", np.zeros(len(who), dtype=np.int64), inst.capacity),
        ("school quota", inst.student_school[who], inst.school_quota),
        ("region quota", inst.student_region[who], inst.region_quota),
    ):
        g = int(group.max(initial=0)) + 1
        cell, counts = np.unique(acls * g + group, return_counts=True)
        over = counts > quota[cell // g]
        if over.any():
            faults.append(f"{int(over.sum())} classes exceed their {label}")
    # Blocking pairs: the student prefers the class to hers, and the class would take her.
    mine = np.full(s, np.iinfo(np.int64).max, dtype=np.int64)
    mine[who] = preference[apair]
    candidates = np.flatnonzero(preference < mine[inst.pair_student])
    cs, cc, cp = inst.pair_student[candidates], inst.pair_class[candidates], priority[candidates]
    aprio = priority[apair]
    takes = np.ones(len(candidates), dtype=bool)
    nschool = int(inst.student_school.max(initial=0)) + 1
    nregion = int(inst.student_region.max(initial=0)) + 1
    for agroup, qgroup, quota in (
        (acls, cc, inst.capacity[cc]),
        (
            acls * nschool + inst.student_school[who],
            cc * nschool + inst.student_school[cs],
            inst.school_quota[cc],
        ),
        (
            acls * nregion + inst.student_region[who],
            cc * nregion + inst.student_region[cs],
            inst.region_quota[cc],
        ),
    ):
        takes &= _count_ahead(agroup, aprio, qgroup, cp) < quota
    blocking = np.flatnonzero(takes)
    first = [(int(cs[i]), int(cc[i])) for i in blocking[:20]]
    return Certificate(s, c, len(inst.pair_student), len(who), first, len(blocking), faults)
