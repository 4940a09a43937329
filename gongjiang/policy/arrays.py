"""What the engine works on, as NumPy arrays: the events, the rules in force for each of them, and
the outcome being built.

* :class:`EventArrays`: the normalised events (history first) as one array per column: enumerations
  by their codes (-1 for missing), dates and ``work_start`` as day numbers (``MISSING_DAY`` for
  missing), keys as non-negative int64, the occupation by its code and its major and medium groups.
* :class:`RuleContext`: every parameter and decision table resolved once per *context*, a region
  present in the events times a period between two dates at which some rule value changes, with the
  region fallback district → city → province done there; each event carries its context index, so a
  value for any set of rows is one gather.
* :class:`Outcome`: the result arrays, one entry per event (history included), filled by the engine
  per event type and then updated in place by the stateful limits.

The module holds data and its construction only; :mod:`gongjiang.policy.engine` evaluates the rules,
:mod:`gongjiang.policy.limits` applies the stateful limits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from gongjiang.policy.compiled import CompiledSet
from gongjiang.policy.inputs import BOOL_COLUMNS, INT_COLUMNS

MISSING_DAY = np.iinfo(np.int32).min


@dataclass
class EventArrays:
    """The normalised events as arrays, ``n`` rows of which the first ``nh`` are history."""

    n: int
    nh: int
    et: np.ndarray
    day: np.ndarray
    region: np.ndarray
    person: np.ndarray
    org: np.ndarray
    occ: np.ndarray
    occ_major: np.ndarray
    occ_medium: np.ndarray
    medium_vocab: list[str]
    level: np.ndarray
    tier: np.ndarray
    title: np.ndarray
    work_start: np.ndarray
    bools: dict[str, np.ndarray] = field(default_factory=dict)
    ints: dict[str, np.ndarray] = field(default_factory=dict)
    hist_amount: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def _codes(s: pl.Series) -> np.ndarray:
    """Physical codes of an Enum column as int8, -1 for missing (every enumeration here is small)."""
    return s.to_physical().cast(pl.Int8).fill_null(-1).to_numpy()


def _key_codes(s: pl.Series) -> np.ndarray:
    """Person and organisation keys as non-negative int64, -1 for missing. Integer keys are used as they
    are; text keys by a 63-bit hash, checked to be collision-free (else ranked exactly), so that a
    long-running process does not accumulate every key it has seen in a global category pool."""
    if s.dtype.is_integer():
        return s.fill_null(-1).to_numpy().astype(np.int64, copy=False)
    text = s.cast(pl.String)
    hashed = (text.hash(seed=7) // 2).cast(pl.Int64)
    if hashed.n_unique() != text.n_unique():
        hashed = text.rank("dense").cast(pl.Int64)
    return hashed.set(text.is_null(), -1).to_numpy()


def event_arrays(frame: pl.DataFrame, nh: int) -> EventArrays:
    occ = frame["occupation_code"]
    if occ.dtype != pl.Categorical:
        occ = occ.cast(pl.Categorical)
    occ_phys = occ.to_physical().cast(pl.Int32).fill_null(-1).to_numpy()
    uniq = occ.unique().drop_nulls()
    names = uniq.cast(pl.String).to_list()
    ids = uniq.to_physical().cast(pl.Int64).to_list()
    size = (max(ids) + 2) if ids else 1
    major_lut = np.full(size, -1, dtype=np.int8)
    medium_lut = np.full(size, -1, dtype=np.int32)
    medium_vocab = sorted({nm[:4] for nm in names})
    medium_index = {m: i for i, m in enumerate(medium_vocab)}
    for i, nm in zip(ids, names, strict=True):
        major_lut[i] = int(nm[0]) - 1 if nm[0] in "12345678" else -1
        medium_lut[i] = medium_index[nm[:4]]
    major_lut[-1] = -1
    medium_lut[-1] = -1
    day = frame["event_date"].to_physical().to_numpy().astype(np.int32, copy=False)
    ws = frame["work_start"].to_physical().cast(pl.Int32).fill_null(MISSING_DAY).to_numpy()
    arrays = EventArrays(
        n=frame.height,
        nh=nh,
        et=_codes(frame["event_type"]),
        day=day,
        region=frame["region_code"].to_numpy().astype(np.int32, copy=False),
        person=_key_codes(frame["person_id"]),
        org=_key_codes(frame["org_id"]),
        occ=occ_phys,
        occ_major=major_lut[occ_phys],
        occ_medium=medium_lut[occ_phys],
        medium_vocab=medium_vocab,
        level=_codes(frame["level"]),
        tier=_codes(frame["tier"]),
        title=_codes(frame["talent_title"]),
        work_start=ws,
    )
    for c in BOOL_COLUMNS:
        s = frame[c]
        arrays.bools[c] = s.cast(pl.Int8).fill_null(0).to_numpy()
    for c in INT_COLUMNS:
        arrays.ints[c] = frame[c].fill_null(-1).to_numpy().astype(np.int64, copy=False)
    if nh:
        arrays.hist_amount = frame["amount_fen"].slice(0, nh).to_numpy().astype(np.int64)
    return arrays


@dataclass
class RuleContext:
    """Parameters and decision tables resolved per context; ``ctx`` is each event's context index.
    Per parameter name: its value (``pval``), atom (``patom``), atom as a refusal (``prefuse``), whether
    one is in force (``phas``) and the region that set it (``pregion``, -1 for none); per table name the
    index of the variant in force (``tvar``, -1 for none)."""

    ctx: np.ndarray
    pval: dict[str, np.ndarray]
    patom: dict[str, np.ndarray]
    prefuse: dict[str, np.ndarray]
    phas: dict[str, np.ndarray]
    pregion: dict[str, np.ndarray]
    tvar: dict[str, np.ndarray]

    def param(self, name: str, ctxi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(in force?, value, atom) for rows with context indexes ``ctxi``."""
        if name not in self.pval:
            z = np.zeros(len(ctxi), dtype=bool)
            return z, np.zeros(len(ctxi), dtype=np.int64), np.zeros(len(ctxi), dtype=np.uint32)
        return self.phas[name][ctxi], self.pval[name][ctxi], self.patom[name][ctxi]

    def limit(self, name: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For ``rows``: the limit in force at each event's date and region (-1 where none), the atom
        naming it as a refusal, and its own atom."""
        ctxi = self.ctx[rows]
        has = self.phas[name][ctxi]
        value = np.where(has, self.pval[name][ctxi], -1)
        return value, np.where(has, self.prefuse[name][ctxi], 0), np.where(has, self.patom[name][ctxi], 0)


def resolve_context(cs: CompiledSet, a: EventArrays) -> RuleContext:
    """The rules of ``cs`` in force for each event of ``a``, resolved once per (region, period)."""
    present = np.flatnonzero(np.bincount(a.region, minlength=1_000_000)) if a.n else np.zeros(0, dtype=np.int64)
    lut = np.full(1_000_000, -1, dtype=np.int64)
    lut[present] = np.arange(len(present))
    breaks = cs.breaks
    periods = len(breaks) + 1
    ctx = lut[a.region] * periods + np.searchsorted(breaks, a.day, side="right")
    rep = [int(breaks[0]) - 1 if len(breaks) else 0] + [int(b) for b in breaks]
    size = len(present) * periods
    pval: dict[str, np.ndarray] = {}
    patom: dict[str, np.ndarray] = {}
    prefuse: dict[str, np.ndarray] = {}
    phas: dict[str, np.ndarray] = {}
    pregion: dict[str, np.ndarray] = {}
    for name in cs.params:
        where = np.full(size, -1, dtype=np.int64)
        val = np.zeros(size, dtype=np.int64)
        atom = np.zeros(size, dtype=np.uint32)
        refuse = np.zeros(size, dtype=np.uint32)
        has = np.zeros(size, dtype=bool)
        for ri, code in enumerate(present):
            region = f"{int(code):06d}"
            for p in range(periods):
                pv = cs.resolve_param(name, region, rep[p])
                if pv is not None:
                    k = ri * periods + p
                    val[k], atom[k], refuse[k], has[k] = pv.value, pv.atom, pv.refusal_atom, True
                    where[k] = int(pv.spec.region)
        pval[name], patom[name], prefuse[name], phas[name] = val, atom, refuse, has
        pregion[name] = where
    tvar: dict[str, np.ndarray] = {}
    for name in cs.tables:
        var = np.full(size, -1, dtype=np.int64)
        for ri, code in enumerate(present):
            region = f"{int(code):06d}"
            for p in range(periods):
                var[ri * periods + p] = cs.resolve_table(name, region, rep[p])
        tvar[name] = var
    return RuleContext(ctx, pval, patom, prefuse, phas, pregion, tvar)


@dataclass
class Outcome:
    """The engine's result per event (history included): eligibility, reason code, amount in fen,
    instalments, payee code, the trace atoms by trace field, the base amount and the quantity (-1 for
    none)."""

    eligible: np.ndarray
    reason: np.ndarray
    amount: np.ndarray
    instalments: np.ndarray
    payee: np.ndarray
    trace: dict[str, np.ndarray]
    base: np.ndarray
    quantity: np.ndarray
