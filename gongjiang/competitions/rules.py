"""The competition's results from its marks: a pure function, no database.

1. **Measurement aspects** (objective: dimensions, times, counts) are used as they are; where several
   judges entered the same measurement, their mean.
2. **Judgement aspects** (subjective) are corrected for each judge's severity: a judge's marks, as shares
   of each aspect's maximum, are z-standardised over everything that judge marked, then put back on the
   scale of all the judges' judgement marks together (their pooled mean and standard deviation), and
   clipped to 0 … the maximum. A judge who gave one mark only, or the same share everywhere, is moved by
   the difference of means alone. A participant's mark on the aspect is the mean of the corrected marks.
3. **Disagreement**: a participant's judges' raw marks on one aspect further apart (max − min) than
   ``spread`` percent of the aspect's maximum flag that participant and aspect.
4. **Standardised score** (WorldSkills style): the raw totals ``t`` of the participants become
   ``700 + 20 · (t − median) / sd`` (population standard deviation; all 700 when every total is equal),
   rounded to two decimals.
5. **Ranking**, deterministic: standardised score descending, then the measurement marks' sum
   descending, then the person's id ascending; ranks 1, 2, 3 … with no shared places. Gold, silver and
   bronze for ranks 1–3; ranks up to ``recognised_ranks`` are recognised one level up
   (苏政办发〔2024〕37号 (十五)).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

MEDIAN_SCORE = 700.0
SD_SCORE = 20.0
MEDALS = {1: "gold", 2: "silver", 3: "bronze"}


@dataclass(frozen=True)
class MarkRow:
    participant_id: int
    person_id: int
    judge_id: int
    aspect_id: int
    kind: str  # "measurement" or "judgement"
    max_mark: float
    value: float


@dataclass
class Result:
    participant_id: int
    person_id: int
    total: float
    measurement: float
    score: Decimal
    rank: int = 0
    medal: str = ""
    recognised: bool = False
    flagged_aspects: list[int] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flagged_aspects)


def two(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def corrected_judgements(marks: list[MarkRow]) -> dict[tuple[int, int, int], float]:
    """(participant, judge, aspect) → the judgement mark corrected for the judge's severity."""
    judged = [m for m in marks if m.kind == "judgement"]
    if not judged:
        return {}
    shares = [m.value / m.max_mark for m in judged]
    pooled_mean = statistics.fmean(shares)
    pooled_sd = statistics.pstdev(shares) if len(shares) > 1 else 0.0
    by_judge: dict[int, list[float]] = defaultdict(list)
    for m in judged:
        by_judge[m.judge_id].append(m.value / m.max_mark)
    stats = {}
    for judge, values in by_judge.items():
        mean = statistics.fmean(values)
        sd = statistics.pstdev(values) if len(values) > 1 else 0.0
        stats[judge] = (mean, sd)
    out = {}
    for m in judged:
        mean, sd = stats[m.judge_id]
        share = m.value / m.max_mark
        fixed = pooled_mean + (share - mean) / sd * pooled_sd if sd > 0 else share - mean + pooled_mean
        out[(m.participant_id, m.judge_id, m.aspect_id)] = min(max(fixed, 0.0), 1.0) * m.max_mark
    return out


def compute_results(marks: list[MarkRow], *, spread: float, recognised_ranks: int) -> list[Result]:
    """The ranked results of every participant with at least one mark (see the module's doc)."""
    corrected = corrected_judgements(marks)
    cells: dict[tuple[int, int], list[MarkRow]] = defaultdict(list)
    person: dict[int, int] = {}
    for m in marks:
        cells[(m.participant_id, m.aspect_id)].append(m)
        person[m.participant_id] = m.person_id
    totals: dict[int, float] = defaultdict(float)
    measured: dict[int, float] = defaultdict(float)
    flags: dict[int, list[int]] = defaultdict(list)
    for (participant, aspect), rows in sorted(cells.items()):
        raw = [r.value for r in rows]
        if max(raw) - min(raw) > spread / 100.0 * rows[0].max_mark + 1e-9:
            flags[participant].append(aspect)
        if rows[0].kind == "measurement":
            value = statistics.fmean(raw)
            measured[participant] += value
        else:
            value = statistics.fmean(corrected[(r.participant_id, r.judge_id, r.aspect_id)] for r in rows)
        totals[participant] += value
    if not totals:
        return []
    values = list(totals.values())
    median = statistics.median(values)
    sd = statistics.pstdev(values) if len(values) > 1 else 0.0
    results = [
        Result(
            participant_id=p,
            person_id=person[p],
            total=t,
            measurement=measured[p],
            score=two(MEDIAN_SCORE + SD_SCORE * (t - median) / sd if sd > 0 else MEDIAN_SCORE),
            flagged_aspects=flags[p],
        )
        for p, t in totals.items()
    ]
    results.sort(key=lambda r: (-r.score, -two(r.measurement), r.person_id))
    for rank, r in enumerate(results, start=1):
        r.rank = rank
        r.medal = MEDALS.get(rank, "")
        r.recognised = rank <= recognised_ranks
    return results
