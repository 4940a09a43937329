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

**Arithmetic, stated so that it can be reproduced exactly.** Means are sums in the marks' order (the order
given: by mark id from the database) divided by the count; a standard deviation is the population one,
``sqrt(sum((x - mean)²) / n)`` in the same order, and exactly 0 when every value is equal (so a judge who
gives the same share everywhere is shifted, never divided by a rounding residue). A participant's total
adds their aspects in aspect-id order. Two implementations follow these rules: :func:`compute_results`,
row by row (the reference, and the baseline of ``bench/competition.py``), and :func:`score_season`, on
whole arrays for any number of competitions at once (what publishing uses); a test compares them on
random marks and requires identical scores, ranks, medals, recognitions and flags.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import polars as pl

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


def _mean(values: list[float]) -> float:
    total = 0.0
    for v in values:
        total += v
    return total / len(values)


def _sd(values: list[float], mean: float) -> float:
    if len(values) < 2 or min(values) == max(values):
        return 0.0
    total = 0.0
    for v in values:
        total += (v - mean) * (v - mean)
    return math.sqrt(total / len(values))


def corrected_judgements(marks: list[MarkRow]) -> dict[tuple[int, int, int], float]:
    """(participant, judge, aspect) → the judgement mark corrected for the judge's severity."""
    judged = [m for m in marks if m.kind == "judgement"]
    if not judged:
        return {}
    shares = [m.value / m.max_mark for m in judged]
    pooled_mean = _mean(shares)
    pooled_sd = _sd(shares, pooled_mean)
    by_judge: dict[int, list[float]] = defaultdict(list)
    for m in judged:
        by_judge[m.judge_id].append(m.value / m.max_mark)
    stats = {}
    for judge, values in by_judge.items():
        mean = _mean(values)
        stats[judge] = (mean, _sd(values, mean))
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
            value = _mean(raw)
            measured[participant] += value
        else:
            value = _mean([corrected[(r.participant_id, r.judge_id, r.aspect_id)] for r in rows])
        totals[participant] += value
    if not totals:
        return []
    values = list(totals.values())
    ordered = sorted(values)
    half = len(ordered) // 2
    median = ordered[half] if len(ordered) % 2 else (ordered[half - 1] + ordered[half]) / 2
    sd = _sd(values, _mean(values))
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


# ---- the same rules on whole arrays: a season of competitions at once ------------------------------

MARK_SCHEMA = {
    "competition": pl.Int64,
    "participant": pl.Int64,
    "person": pl.Int64,
    "judge": pl.Int64,
    "aspect": pl.Int64,
    "judgement": pl.Boolean,
    "max_mark": pl.Float64,
    "value": pl.Float64,
}


def _group_stats(index: np.ndarray, values: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: count, mean and population SD, as :func:`_mean` and :func:`_sd` compute them (sums in the
    arrays' order: ``bincount`` adds its weights one after another; SD exactly 0 when all values are equal)."""
    count = np.bincount(index, minlength=groups).astype(np.float64)
    mean = np.bincount(index, weights=values, minlength=groups) / np.maximum(count, 1.0)
    dev = values - mean[index]
    squares = np.bincount(index, weights=dev * dev, minlength=groups)
    some = np.zeros(groups)
    some[index] = values  # one value of each group (any: they are compared for equality only)
    differs = np.bincount(index, weights=values != some[index], minlength=groups) > 0
    varies = (count > 1) & differs
    sd = np.zeros(groups)
    sd[varies] = np.sqrt(squares[varies] / count[varies])
    return count, mean, sd


def _dense(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct ids ascending, each id's position among them), without sorting the array when the ids
    are database keys of a moderate range (a table of present ids), by sorting otherwise."""
    low, high = int(ids.min()), int(ids.max())
    if high - low > max(8 * ids.size, 1 << 16):
        distinct, index = np.unique(ids, return_inverse=True)
        return distinct, index
    shifted = ids - low
    present = np.zeros(high - low + 1, dtype=bool)
    present[shifted] = True
    position = np.cumsum(present, dtype=np.intp) - 1
    return np.flatnonzero(present) + low, position[shifted]


def hundredths(values: np.ndarray) -> np.ndarray:
    """``two(x)`` as whole hundredths, for an array: half away from zero, as ``Decimal(str(x))`` rounds with
    ROUND_HALF_UP. Values within 1e-6 of a half are rounded by ``two`` itself (their shortest decimal form
    decides); every other value rounds the same either way."""
    scaled = np.abs(values) * 100.0
    floor = np.floor(scaled)
    fraction = scaled - floor
    out = floor + (fraction >= 0.5)
    for i in np.flatnonzero(np.abs(fraction - 0.5) < 1e-6):
        out[i] = abs(two(float(values[i])) * 100)
    return (np.sign(values) * out).astype(np.int64)


CHUNK_MARKS = 1 << 16


def score_season(
    marks: pl.DataFrame, competitions: pl.DataFrame, *, chunk: int = CHUNK_MARKS
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The results of many competitions at once, by the rules above, without a loop over marks or people.

    ``marks``: the columns of ``MARK_SCHEMA``, one row per mark in mark order; judge, aspect and participant
    ids are unique across competitions (database keys). ``competitions``: ``competition``, ``spread``
    (percent) and ``recognised_ranks``. Returns the participants (competition, participant, person, total,
    measurement, score and measurement in hundredths, rank, medal, recognised, flagged), ordered by
    competition and rank, and the flagged (participant, aspect) cells.

    Competitions are independent, so a season is scored in pieces of whole competitions of about ``chunk``
    marks, each small enough for the processor's cache (the arrays of 2.5 million marks are not); marks not
    grouped by competition are grouped first (a stable sort keeps each competition's mark order)."""
    if marks.height <= chunk:
        return _score(marks, competitions)
    comp_ids = marks["competition"].to_numpy()
    if np.any(comp_ids[1:] < comp_ids[:-1]):
        marks = marks[np.argsort(comp_ids, kind="stable")]
        comp_ids = marks["competition"].to_numpy()
    starts = np.concatenate(([0], np.flatnonzero(comp_ids[1:] != comp_ids[:-1]) + 1))
    cuts = [0]
    for start in starts[1:]:
        if start - cuts[-1] >= chunk:
            cuts.append(int(start))
    cuts.append(marks.height)
    pieces = [_score(marks[a:b], competitions) for a, b in itertools.pairwise(cuts)]
    return pl.concat([p[0] for p in pieces]), pl.concat([p[1] for p in pieces])


def _score(marks: pl.DataFrame, competitions: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    if marks.height == 0:
        empty = pl.DataFrame(schema={"competition": pl.Int64, "participant": pl.Int64})
        return empty, pl.DataFrame(schema={"participant": pl.Int64, "aspect": pl.Int64})
    comp_ids = marks["competition"].to_numpy()
    person = marks["person"].to_numpy()
    judged = marks["judgement"].to_numpy()
    max_mark = marks["max_mark"].to_numpy()
    value = marks["value"].to_numpy()
    params = competitions.sort("competition")
    known = params["competition"].to_numpy()
    listed, comp = _dense(comp_ids)
    if not np.isin(listed, known).all():
        raise ValueError("every competition of the marks needs its spread and recognised ranks")
    groups = listed.size
    where = np.searchsorted(known, listed)
    spread = params["spread"].to_numpy().astype(np.float64)[where]
    recognised_ranks = params["recognised_ranks"].to_numpy()[where]

    # 2. Judgement marks corrected for each judge's severity, against the pool of their competition.
    mark_value = value.copy()
    rows = np.flatnonzero(judged)
    if rows.size:
        share = value[rows] / max_mark[rows]
        pool = comp[rows]
        _, pooled_mean, pooled_sd = _group_stats(pool, share, groups)
        judges, judge_index = _dense(marks["judge"].to_numpy()[rows])
        _, judge_mean, judge_sd = _group_stats(judge_index, share, judges.size)
        deviation = share - judge_mean[judge_index]
        sd = judge_sd[judge_index]
        with np.errstate(divide="ignore", invalid="ignore"):
            fixed = np.where(
                sd > 0, pooled_mean[pool] + deviation / sd * pooled_sd[pool], deviation + pooled_mean[pool]
            )
        mark_value[rows] = np.minimum(np.maximum(fixed, 0.0), 1.0) * max_mark[rows]

    # 1. and 3. Cells (participant × aspect, in aspect-id order within the participant): the mean of their
    # marks, and the raw marks' spread. An aspect's place is its rank by id within its competition.
    people, person_index = _dense(marks["participant"].to_numpy())
    aspects, aspect_index = _dense(marks["aspect"].to_numpy())
    aspect_comp = np.zeros(aspects.size, dtype=np.intp)
    aspect_comp[aspect_index] = comp
    aspect_max = np.zeros(aspects.size)
    aspect_max[aspect_index] = max_mark
    aspect_judged = np.zeros(aspects.size, dtype=bool)
    aspect_judged[aspect_index] = judged
    by_comp = np.lexsort((aspects, aspect_comp))
    aspect_starts = np.searchsorted(aspect_comp[by_comp], np.arange(groups))
    place = np.empty(aspects.size, dtype=np.intp)
    place[by_comp] = np.arange(aspects.size) - aspect_starts[aspect_comp[by_comp]]
    width = int(place.max()) + 1
    key = person_index * width + place[aspect_index]
    slots = people.size * width
    cell_count = np.bincount(key, minlength=slots)
    cell_sum = np.bincount(key, weights=mark_value, minlength=slots)
    low = np.full(slots, np.inf)
    high = np.full(slots, -np.inf)
    np.minimum.at(low, key, value)
    np.maximum.at(high, key, value)
    cell_aspect = np.zeros(slots, dtype=np.intp)
    cell_aspect[key] = aspect_index
    used = cell_count > 0
    cell_mean = np.where(used, cell_sum / np.maximum(cell_count, 1), 0.0)
    p_comp = np.zeros(people.size, dtype=np.intp)
    p_comp[person_index] = comp
    p_person = np.zeros(people.size, dtype=person.dtype)
    p_person[person_index] = person
    cell_comp = np.repeat(p_comp, width)
    flagged_cell = used & (high - low > spread[cell_comp] / 100.0 * aspect_max[cell_aspect] + 1e-9)

    # 4. Totals in aspect order (an empty slot adds 0.0, which changes no sum); the 700 scale per
    # competition (participants in id order).
    total = cell_mean.reshape(people.size, width)[:, 0].copy()
    measured_slot = np.where(used & ~aspect_judged[cell_aspect], cell_mean, 0.0).reshape(people.size, width)
    measurement = measured_slot[:, 0].copy()
    by_slot = cell_mean.reshape(people.size, width)
    for k in range(1, width):
        total += by_slot[:, k]
        measurement += measured_slot[:, k]
    flagged = flagged_cell.reshape(people.size, width).any(axis=1)
    count, _, sd_total = _group_stats(p_comp, total, groups)
    order = np.lexsort((total, p_comp))
    n = count.astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(n)[:-1]))
    ordered = total[order]
    middle = np.minimum(starts + n // 2, total.size - 1)
    odd = ordered[middle]
    even = (ordered[np.maximum(middle - 1, 0)] + ordered[middle]) / 2
    median = np.where(n % 2 == 1, odd, even)
    sd = sd_total[p_comp]
    with np.errstate(divide="ignore", invalid="ignore"):
        raw_score = MEDIAN_SCORE + SD_SCORE * (total - median[p_comp]) / sd
    score_h = hundredths(np.where(sd > 0, raw_score, MEDIAN_SCORE))
    measurement_h = hundredths(measurement)

    # 5. Ranks: score descending, measurement descending, person ascending, within each competition.
    ranking = np.lexsort((p_person, -measurement_h, -score_h, p_comp))
    rank = np.empty(people.size, dtype=np.int64)
    rank[ranking] = np.arange(people.size) - starts[p_comp[ranking]] + 1
    results = pl.DataFrame(
        {
            "competition": listed[p_comp],
            "participant": people,
            "person": p_person,
            "total": total,
            "measurement": measurement,
            "score_h": score_h,
            "measurement_h": measurement_h,
            "rank": rank,
            "medal": pl.Series(np.where(rank <= 3, rank, 0)).replace_strict(
                {0: "", 1: "gold", 2: "silver", 3: "bronze"}, return_dtype=pl.Utf8
            ),
            "recognised": rank <= recognised_ranks[p_comp],
            "flagged": flagged,
        }
    ).sort("competition", "rank")
    flagged_slots = np.flatnonzero(flagged_cell)
    flags = pl.DataFrame(
        {"participant": people[flagged_slots // width], "aspect": aspects[cell_aspect[flagged_slots]]},
        schema={"participant": pl.Int64, "aspect": pl.Int64},
    )
    return results, flags
