"""The evaluation system's rules: who takes which step (registered with ``core.scope``), and the pure rules
of supervision, each stated here once and tested at its boundaries.

**Stars (星级管理, 苏政办发〔2024〕37号 (十四)).** Events in date order: the grade of year Y takes effect on
1 January of Y+1; a serious finding takes effect on the day it is recorded.

* a *good* year adds one to the run of consecutive good years; at two, the institution earns a star (at
  most five) and the run starts again;
* a *fair* year ends the run (stars earned are kept);
* a *poor* year ends the run and costs one star;
* a *serious finding* ends the run and takes every star at once.

**Risk score (0–1), from the platform's own records, each part 0–1 with its weight:** the gap between the
institution's pass rate and its occupations' norm (in standard deviations, capped at 3) 0.30; candidates
whose records conflict (under 16 on the evaluation date, already certified at that occupation and level,
or in another plan on the same day) 0.20; plans whose results came more than 30 days after the
evaluation 0.15; findings of the last three years (minor 0.5, serious 1, capped at 1) 0.20; objections
received during the 公示 per candidate (×10, capped at 1) 0.15.

**The draw (双随机).** The institutions eligible are sorted by id. First ``round(count × uniform_share)``
are drawn uniformly at random (their own random stream: they do not depend on the risk scores), then the
rest, from those left, with probability proportional to ``risk + 0.05`` (no institution is ever out of
reach). Each drawn institution gets its inspectors uniformly from the active pool. Everything is
reproducible from the seed (NumPy's PCG64 streams ``seed``, ``[seed, 1]`` and ``[seed, 2]``). Because a
fixed share is uniform, the findings of that share estimate the findings rate of all institutions
without bias, and comparing them by risk score tells whether the score predicts findings.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from gongjiang.core.models import Role
from gongjiang.core.scope import register_rule

MAX_STARS = 5
GOOD_YEARS_PER_STAR = 2
RISK_FLOOR = 0.05
LATE_DAYS = 30
RISK_WEIGHTS = {"pass_gap": 0.30, "conflicts": 0.20, "late": 0.15, "findings": 0.20, "objections": 0.15}


# ---- stars -------------------------------------------------------------------------------------


def stars_on(grades: dict[int, str], serious: Iterable[datetime.date], on: datetime.date) -> int:
    """The stars an institution holds on ``on``, from its yearly grades and the dates of serious findings."""
    events: list[tuple[datetime.date, int, str]] = [
        (datetime.date(year + 1, 1, 1), 0, grade) for year, grade in grades.items()
    ]
    events += [(day, 1, "serious") for day in serious]  # on the same day a finding comes after a grade
    stars = run = 0
    for day, _order, what in sorted(events):
        if day > on:
            break
        if what == "good":
            run += 1
            if run == GOOD_YEARS_PER_STAR:
                stars, run = min(MAX_STARS, stars + 1), 0
        elif what == "fair":
            run = 0
        elif what == "poor":
            stars, run = max(0, stars - 1), 0
        elif what == "serious":
            stars, run = 0, 0
    return stars


# ---- credit ----------------------------------------------------------------------------------------

CREDIT_START = 100
CREDIT_DEDUCTIONS = {"minor": 5, "serious": 20, "suspension": 15, "upheld_objection": 2}


def credit_score(*, minor: int, serious: int, suspensions: int, upheld_objections: int) -> int:
    """The credit score (信用分, 0–100) of the last three years: 100, less 5 per minor finding, 20 per
    serious finding, 15 per suspension and 2 per upheld objection; never below zero. Published with the
    deductions that make it up."""
    lost = (
        CREDIT_DEDUCTIONS["minor"] * minor
        + CREDIT_DEDUCTIONS["serious"] * serious
        + CREDIT_DEDUCTIONS["suspension"] * suspensions
        + CREDIT_DEDUCTIONS["upheld_objection"] * upheld_objections
    )
    return max(0, CREDIT_START - lost)


# ---- risk ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Risk:
    score: float
    parts: dict[str, float]


def risk_score(
    *,
    pass_gap_sd: float | None,
    candidates: int,
    conflicts: int,
    plans: int,
    late_plans: int,
    minor_findings: int,
    serious_findings: int,
    objections: int,
) -> Risk:
    gap = min(3.0, pass_gap_sd) / 3.0 if pass_gap_sd is not None else 0.0
    parts = {
        "pass_gap": gap,
        "conflicts": conflicts / candidates if candidates else 0.0,
        "late": late_plans / plans if plans else 0.0,
        "findings": min(1.0, 0.5 * minor_findings + serious_findings),
        "objections": min(1.0, 10 * objections / candidates) if candidates else 0.0,
    }
    return Risk(round(sum(RISK_WEIGHTS[k] * v for k, v in parts.items()), 4), parts)


# ---- the draw -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    institution: int
    stratum: str  # "uniform" or "risk"
    risk: float
    inspectors: tuple[int, ...]


def draw(
    risks: dict[int, float],
    *,
    count: int,
    uniform_share: float,
    seed: int,
    inspectors: Sequence[int],
    inspectors_each: int,
) -> list[Drawn]:
    """Draw ``count`` institutions (ids → risk score) and their inspectors, as the module describes."""
    if not 0.0 <= uniform_share <= 1.0:
        raise ValueError("uniform_share must be between 0 and 1")
    ids = np.array(sorted(risks), dtype=np.int64)
    count = min(count, len(ids))
    n_uniform = min(count, round(count * uniform_share))
    uniform = np.random.Generator(np.random.PCG64(seed)).choice(ids, size=n_uniform, replace=False)
    rest = np.array([i for i in ids if i not in set(uniform.tolist())], dtype=np.int64)
    n_risk = min(count - n_uniform, len(rest))
    chosen_risk = np.array([], dtype=np.int64)
    if n_risk:
        weights = np.array([risks[int(i)] + RISK_FLOOR for i in rest], dtype=float)
        chosen_risk = np.random.Generator(np.random.PCG64([seed, 1])).choice(
            rest, size=n_risk, replace=False, p=weights / weights.sum()
        )
    pool = np.array(sorted(inspectors), dtype=np.int64)
    each = min(inspectors_each, len(pool))
    rng = np.random.Generator(np.random.PCG64([seed, 2]))
    out = []
    for stratum, picked in (("uniform", uniform), ("risk", chosen_risk)):
        for i in picked.tolist():
            team = tuple(sorted(int(x) for x in rng.choice(pool, size=each, replace=False))) if each else ()
            out.append(Drawn(int(i), stratum, float(risks[int(i)]), team))
    return out


# ---- bridging (贯通) -----------------------------------------------------------------------------

# In the pilot occupations a worker's skill level may be compared with the engineering titles (人社部发
# 〔2020〕80号, 苏政办发〔2024〕37号 (十三)): the level code, its name, the comparable title.
BRIDGING = (
    ("level3", "高级工", "助理工程师"),
    ("level2", "技师", "工程师"),
    ("level1", "高级技师", "高级工程师"),
)


# ---- who takes which step ---------------------------------------------------------------------------


def _organisation_itself(message: str) -> Any:
    def rule(user: Any, target: Any) -> str | None:
        return None if user.role == Role.ORGANISATION else message

    return rule


def _officer_only(message: str) -> Any:
    def rule(user: Any, target: Any) -> str | None:
        return None if user.is_superuser or user.role == Role.OFFICER else message

    return rule


def register() -> None:
    register_rule(
        "evaluation.Institution", "lodge", _organisation_itself(_("Only the organisation itself submits its filing."))
    )
    for step in ("approve", "reject", "suspend", "reinstate", "withdraw", "grade"):
        register_rule("evaluation.Institution", step, _officer_only(_("This decision is the bureau's.")))
    for step in ("issue", "refuse"):
        register_rule("evaluation.Plan", step, _officer_only(_("This decision is the bureau's.")))
