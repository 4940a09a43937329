"""The stateful limits: what an event may get depends on the events before it.

After every event has been evaluated on its own (:mod:`gongjiang.policy.engine`), the limits are applied
in the order :mod:`gongjiang.policy.formulas` gives: the same occupation and level subsidised once, at
most N subsidised trainings per person, per event type the maximum per person, the maximum per
organisation and year, the quota per region and year (counted over the region that set it), and the cap
per person. Each is a sort-based segmented scan over one ordering of the events by person, date and
input position (or by organisation or quota region and year), exact in one vectorised pass while a
group's limit is the same for all its events; groups whose limit changes over time are replayed one
event at a time. History events count towards every limit and are never refused. Refusals and cuts are
written into the :class:`~gongjiang.policy.arrays.Outcome` in place.
"""

from __future__ import annotations

import numpy as np

from gongjiang.policy.arrays import EventArrays, Outcome, RuleContext
from gongjiang.policy.compiled import REASON_INDEX
from gongjiang.policy.formulas import EVENT_TYPES, TRAINING_TYPES


class StatefulLimits:
    """Applies the limits in force (``rules``) to the events ``a``, updating ``out``."""

    def __init__(self, a: EventArrays, rules: RuleContext, out: Outcome):
        self.a = a
        self.rules = rules
        self.out = out

    def run(self) -> None:
        a = self.a
        if not a.n:
            return
        self.hist = np.zeros(a.n, dtype=bool)
        self.hist[: a.nh] = True
        with_person = np.flatnonzero(a.person >= 0)
        self.order = _order(a.person[with_person], a.day[with_person], with_person)
        training = np.zeros(len(EVENT_TYPES), dtype=bool)
        training[[EVENT_TYPES.index(t) for t in TRAINING_TYPES]] = True
        is_training = training[a.et]
        # 1. same occupation and level once
        if "same_occupation_level_once" in self.rules.phas:
            self._same_occupation_level(is_training)
        # 2. at most N subsidised trainings
        if "max_subsidised_trainings" in self.rules.phas:
            cand = self.order[is_training[self.order] & self.out.eligible[self.order]]
            self._count_limit(cand, a.person[cand], "max_subsidised_trainings", "max_trainings")
        for t in EVENT_TYPES:
            code = EVENT_TYPES.index(t)
            name = f"{t}.max_per_person"
            if name in self.rules.phas:
                cand = self.order[(a.et[self.order] == code) & self.out.eligible[self.order]]
                self._count_limit(cand, a.person[cand], name, "max_per_person")
            name = f"{t}.max_per_org_year"
            if name in self.rules.phas:
                rows = np.flatnonzero((a.et == code) & self.out.eligible & (a.org >= 0))
                years = _years(a.day[rows])
                cand = rows[np.lexsort((rows, a.day[rows], years, a.org[rows]))]
                group = _group_ids(a.org[cand], _years(a.day[cand]))
                self._count_limit(cand, group, name, "max_per_org_year")
            name = f"{t}.quota_per_region_year"
            if name in self.rules.phas:
                # A quota is counted over the region that set it (a city's quota spans its districts).
                rows = np.flatnonzero((a.et == code) & self.out.eligible)
                quota_region = self.rules.pregion[name][self.rules.ctx[rows]]
                quota_region = np.where(quota_region >= 0, quota_region, a.region[rows])
                years = _years(a.day[rows])
                order = np.lexsort((rows, a.day[rows], years, quota_region))
                cand = rows[order]
                group = _group_ids(quota_region[order], years[order])
                self._count_limit(cand, group, name, "quota_exceeded")
            name = f"{t}.cap_per_person"
            if name in self.rules.phas:
                cand = self.order[(a.et[self.order] == code) & self.out.eligible[self.order]]
                self._cap(cand, name)

    def _refuse(self, rows: np.ndarray, reason: str, atoms: np.ndarray) -> None:
        keep = ~self.hist[rows]
        rows, atoms = rows[keep], atoms[keep]
        if not len(rows):
            return
        self.out.eligible[rows] = False
        self.out.reason[rows] = REASON_INDEX[reason]
        self.out.trace["reason"][rows] = atoms
        self.out.amount[rows] = 0

    def _same_occupation_level(self, is_training: np.ndarray) -> None:
        a = self.a
        cand = self.order[is_training[self.order] & self.out.eligible[self.order]]
        cand = cand[(a.occ[cand] >= 0) & (a.level[cand] >= 0)]
        if not len(cand):
            return
        pos = np.arange(len(cand), dtype=np.int64)
        group = _group_ids(a.person[cand], a.occ[cand] * 8 + a.level[cand])
        order = np.lexsort((pos, group)) if len(cand) >= 2**24 else np.argsort(group * (1 << 24) + pos)
        g = group[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = g[1:] != g[:-1]
        dup = cand[order[~first]]
        val, ref, _atom = self.rules.limit("same_occupation_level_once", dup)
        self._refuse(dup[val >= 0], "same_occupation_level", ref[val >= 0])

    def _count_limit(self, cand: np.ndarray, groups: np.ndarray, name: str, reason: str) -> None:
        """Greedy per group, in the candidates' order: refuse an event when the group already has
        ``limit`` accepted ones. Exact in one vectorised pass while a group's limit is the same for all
        its events (history and events without the rule count and are never refused); groups whose
        limit changes over time are replayed one event at a time."""
        if not len(cand):
            return
        limit, ref, _atom = self.rules.limit(name, cand)
        start = np.ones(len(cand), dtype=bool)
        start[1:] = groups[1:] != groups[:-1]
        count = _cumcount(start)
        limited = (limit >= 0) & ~self.hist[cand]
        refuse = limited & (count >= limit)
        # Groups whose finite limit varies: replay exactly.
        gid = np.cumsum(start) - 1
        lim_f = np.where(limited, limit, np.iinfo(np.int64).max)
        lo = np.minimum.reduceat(lim_f, np.flatnonzero(start))
        lim_f2 = np.where(limited, limit, -1)
        hi = np.maximum.reduceat(lim_f2, np.flatnonzero(start))
        varying = (hi >= 0) & (lo != hi)
        if varying.any():
            vrows = varying[gid]
            refuse[vrows] = False
            sub = np.flatnonzero(vrows)
            accepted = 0
            for j in sub:
                if start[j]:
                    accepted = 0
                if limited[j] and accepted >= limit[j]:
                    refuse[j] = True
                else:
                    accepted += 1
        self._refuse(cand[refuse], reason, ref[refuse])

    def _cap(self, cand: np.ndarray, name: str) -> None:
        if not len(cand):
            return
        a = self.a
        cap, ref, capatom = self.rules.limit(name, cand)
        amt = self.out.amount[cand]
        start = np.ones(len(cand), dtype=bool)
        start[1:] = a.person[cand][1:] != a.person[cand][:-1]
        gid = np.cumsum(start) - 1
        starts = np.flatnonzero(start)
        limited = (cap >= 0) & ~self.hist[cand]
        lo = np.minimum.reduceat(np.where(limited, cap, np.iinfo(np.int64).max), starts)
        hi = np.maximum.reduceat(np.where(limited, cap, -1), starts)
        has_unlimited = np.maximum.reduceat((~limited & ~self.hist[cand]).astype(np.int64), starts) > 0
        uniform = (hi < 0) | ((lo == hi) & ~has_unlimited)
        cum = np.cumsum(amt)
        base = (cum - amt)[starts][gid]
        incl = cum - base
        before = incl - amt
        c = np.where(uniform[gid], hi[gid], 0)
        paid = np.where(limited, np.minimum(c, incl) - np.minimum(c, before), amt)
        paid = np.maximum(paid, 0)
        slow = ~uniform[gid]
        if slow.any():
            total = 0
            for j in np.flatnonzero(slow):
                if start[j] or j == 0 or not slow[j - 1] or gid[j] != gid[j - 1]:
                    total = 0
                if limited[j]:
                    paid[j] = max(0, min(amt[j], cap[j] - total))
                else:
                    paid[j] = amt[j]
                total += int(paid[j])
        paid = np.where(self.hist[cand], amt, paid)
        cut = (paid < amt) & (paid > 0)
        self.out.trace["cap"][cand[cut]] = capatom[cut]
        self.out.amount[cand] = paid
        zero = (paid == 0) & (amt > 0) & ~self.hist[cand]
        self._refuse(cand[zero], "cap_reached", ref[zero])


def _years(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _cumcount(start: np.ndarray) -> np.ndarray:
    idx = np.arange(len(start), dtype=np.int64)
    first = np.maximum.accumulate(np.where(start, idx, 0))
    return idx - first


def _group_ids(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dense ids for pairs (a, b) of non-negative ints, equal pairs equal ids."""
    a = a.astype(np.int64, copy=False)
    b = b.astype(np.int64, copy=False)
    bmax = int(b.max()) + 1 if len(b) else 1
    amax = int(a.max()) + 1 if len(a) else 1
    if amax * bmax < 2**62:
        return a * bmax + b
    _, inv = np.unique(np.stack([a, b]), axis=1, return_inverse=True)
    return inv.astype(np.int64)


def _order(person: np.ndarray, day: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows`` sorted by person, date and position, with one 64-bit key where it fits."""
    if not len(rows):
        return rows
    pmin, pmax = int(person.min()), int(person.max())
    dmin, dmax = int(day.min()), int(day.max())
    if pmax - pmin < 2**23 and dmax - dmin < 2**16 and int(rows.max()) < 2**24:
        key = ((person - pmin) << 40) | ((day.astype(np.int64) - dmin) << 24) | rows
        return rows[np.argsort(key)]
    return rows[np.lexsort((rows, day, person))]
