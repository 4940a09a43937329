"""The results frame: the engine's outcome arrays as one row per event, and traces as sentences.

:func:`assemble` builds the output columns (docs/policy.md lists them) from the
:class:`~gongjiang.policy.arrays.Outcome`, with enumerations as Polars ``Enum``s (``REASON_DTYPE``,
``PAYEE_DTYPE``, the region codes present) and the trace kept compact, as a struct of the eight
trace-atom ids named by ``TRACE_FIELDS``. :func:`render_results` adds the readable columns
(``trace_text``, ``clauses``, ``trace_keys``) from those atoms, once per distinct trace plus per-row
amounts; it is lazy in normal use and can run on any slice of the results.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from gongjiang.policy.arrays import Outcome
from gongjiang.policy.compiled import REASON_CODES, CompiledSet
from gongjiang.policy.formulas import PAYEES

REASON_DTYPE = pl.Enum(list(REASON_CODES))
PAYEE_DTYPE = pl.Enum(list(PAYEES))
TRACE_FIELDS = ("tier", "base", "f1", "f2", "f3", "sched", "cap", "reason")


def assemble(events: pl.DataFrame, out: Outcome, nh: int, cs: CompiledSet) -> pl.DataFrame:
    """The result frame from the outcome arrays: one row per event of ``events`` (history, the first
    ``nh`` entries of ``out``, left out), with the compact trace as a struct of ``TRACE_FIELDS``."""
    sl = slice(nh, None)
    n = events.height
    amount = out.amount[sl]
    inst = np.maximum(out.instalments[sl], 1)
    trace = pl.DataFrame({f: out.trace[f][sl] for f in TRACE_FIELDS}).to_struct("trace")
    return pl.DataFrame(
        {
            "event_id": events["event_id"],
            "event_type": events["event_type"],
            "event_date": events["event_date"],
            "region_code": _region_text(events["region_code"]),
            "person_id": events["person_id"],
            "org_id": events["org_id"],
            "payee": _enum_from_codes(out.payee[sl], PAYEE_DTYPE),
            "eligible": out.eligible[sl],
            "reason": _enum_from_codes(out.reason[sl], REASON_DTYPE),
            "amount_fen": amount,
            "instalments": inst.astype(np.int64),
            "instalment_fen": amount // inst,
            "first_payment_year": events["event_date"].dt.year().cast(pl.Int64),
            "base_fen": out.base[sl],
            "quantity": pl.Series(out.quantity[sl]).set(pl.Series(out.quantity[sl] < 0), None),
            "policy_set": pl.repeat(cs.spec.name, n, dtype=pl.String, eager=True).cast(pl.Enum([cs.spec.name])),
            "policy_version": pl.repeat(cs.version, n, dtype=pl.Int64, eager=True),
            "trace": trace,
        }
    )


def _region_text(codes: pl.Series) -> pl.Series:
    """Six-digit region codes as text, built once per distinct code (an Enum column, not n strings)."""
    present = sorted({int(c) for c in codes.unique().drop_nulls().to_list()})
    names = [f"{c:06d}" for c in present]
    index = np.full(max(present) + 1 if present else 1, 0, dtype=np.int64)
    index[present] = np.arange(len(present))
    dtype = pl.Enum(names)
    return pl.Series("region_code", names, dtype=dtype).gather(index[codes.to_numpy().astype(np.int64)])


def _enum_from_codes(codes: np.ndarray, dtype: pl.Enum) -> pl.Series:
    return pl.Series(dtype.categories.to_list(), dtype=dtype).gather(codes.astype(np.int64))


def render_results(results: pl.DataFrame, cs: CompiledSet) -> pl.DataFrame:
    """Add ``trace_text`` (the sentence), ``clauses`` (citations) and ``trace_keys`` (the compact trace as
    text) from the trace atoms. The static parts are built once per distinct trace (a few hundred even
    for millions of events) and gathered back; only amounts and counts are formatted per row."""
    t = results["trace"].struct.unnest()
    combo_of_row, combos = _trace_combos(t, len(cs.atoms))
    input_atoms = {cs.atom_index[k] for k in cs.atom_index if k.startswith("input:")}
    atoms = cs.atoms
    pre, post, mid, cap, why, cites, keys, is_input = [], [], [], [], [], [], [], []
    for row in combos.iter_rows(named=True):
        frag = {f: atoms[row[f]].fragment if row[f] else "" for f in TRACE_FIELDS}
        pre.append(frag["tier"] + frag["base"])
        # An amount taken from the event cites the rule's clause when nothing else in the trace cites one.
        base_clause = atoms[row["base"]].clause if row["base"] in input_atoms else ""
        cited = any(atoms[row[f]].clause for f in TRACE_FIELDS if f != "base" and row[f])
        post.append(f" ({cs.cite(base_clause)})" if base_clause and not cited else "")
        mid.append(frag["f1"] + frag["f2"] + frag["f3"] + frag["sched"])
        cap.append(frag["cap"])
        why.append(frag["reason"])
        is_input.append(row["base"] in input_atoms)
        seen: list[str] = []
        for f in TRACE_FIELDS:
            clause = atoms[row[f]].clause if row[f] else ""
            if f == "base" and base_clause and not post[-1]:
                continue  # the event's own amount: its rule is cited elsewhere in the trace
            if clause and cs.formal(clause) not in seen:
                seen.append(cs.formal(clause))
        cites.append(seen)
        keys.append("; ".join(atoms[row[f]].key for f in TRACE_FIELDS if row[f]))

    def per_row(values: list[Any], dtype: Any) -> pl.Series:
        return pl.Series(values, dtype=dtype).gather(combo_of_row)

    # Most sentences are static per trace except the final amount: "<static> = <amount>元" when eligible,
    # and entirely static when refused. Only traces whose base is the event's own amount, or a count,
    # need the general formatting; they are formatted separately and put in place.
    static_ok = [(p + m + c).lstrip() + " = " for p, m, c in zip(pre, mid, cap, strict=True)]
    static_no = [(p + m + "；" + w).strip() if p else w.strip() for p, m, w in zip(pre, mid, why, strict=True)]
    general = (per_row(is_input, pl.Boolean) | (results["quantity"].is_not_null() & (t["base"] > 0))).fill_null(False)
    eligible = results["eligible"]
    chooser = pl.Series(combo_of_row.cast(pl.Int64) * 2 + eligible.cast(pl.Int64))
    statics = pl.Series([x for pair in zip(static_no, static_ok, strict=True) for x in pair], dtype=pl.String)
    simple = pl.DataFrame({"s": statics.gather(chooser), "ok": eligible, "fen": results["amount_fen"]}).select(
        pl.when(pl.col("ok"))
        .then(pl.concat_str([pl.col("s"), _yuan_expr(pl.col("fen")), pl.lit("元")]))
        .otherwise(pl.col("s"))
    )
    text = simple.to_series().rename("trace_text")
    rows = general.arg_true()
    if len(rows):
        sub = pl.DataFrame(
            {
                "_pre": pl.Series(pre, dtype=pl.String).gather(combo_of_row.gather(rows)),
                "_post": pl.Series(post, dtype=pl.String).gather(combo_of_row.gather(rows)),
                "_mid": pl.Series(mid, dtype=pl.String).gather(combo_of_row.gather(rows)),
                "_cap": pl.Series(cap, dtype=pl.String).gather(combo_of_row.gather(rows)),
                "_why": pl.Series(why, dtype=pl.String).gather(combo_of_row.gather(rows)),
                "_input": pl.Series(is_input, dtype=pl.Boolean).gather(combo_of_row.gather(rows)),
                "_base_atom": t["base"].gather(rows),
                "eligible": eligible.gather(rows),
                "amount_fen": results["amount_fen"].gather(rows),
                "base_fen": results["base_fen"].gather(rows),
                "quantity": results["quantity"].gather(rows),
            }
        )
        head = pl.concat_str(
            [
                pl.col("_pre"),
                pl.when(pl.col("_input")).then(
                    pl.concat_str([pl.lit(" "), _yuan_expr(pl.col("base_fen")), pl.lit("元"), pl.col("_post")])
                ),
                pl.when(pl.col("quantity").is_not_null() & (pl.col("_base_atom") > 0)).then(
                    pl.concat_str([pl.lit(" × "), pl.col("quantity").cast(pl.String), pl.lit("人")])
                ),
                pl.col("_mid"),
            ],
            ignore_nulls=True,
        )
        expr = (
            pl.when(pl.col("eligible"))
            .then(
                pl.concat_str(
                    [pl.col("_head"), pl.col("_cap"), pl.lit(" = "), _yuan_expr(pl.col("amount_fen")), pl.lit("元")]
                )
            )
            .when(pl.col("_pre").str.len_bytes() > 0)
            .then(pl.concat_str([pl.col("_head"), pl.lit("；"), pl.col("_why")]))
            .otherwise(pl.col("_why"))
            .str.strip_chars()
        )
        text = text.scatter(rows, sub.with_columns(_head=head).select(expr).to_series())
    return results.with_columns(
        trace_text=text,
        clauses=per_row(cites, pl.List(pl.String)),
        trace_keys=per_row(keys, pl.String),
    )


def _trace_combos(t: pl.DataFrame, atom_count: int) -> tuple[pl.Series, pl.DataFrame]:
    """The distinct traces, and for each row the index of its trace among them. With fewer than 256
    atoms (every shipped set) the eight ids pack into one 64-bit key, so this is one hash pass."""
    if not t.height:
        return pl.Series([], dtype=pl.UInt32), t.select(TRACE_FIELDS).clear()
    if atom_count <= 256:
        key = np.zeros(t.height, dtype=np.uint64)
        for i, f in enumerate(TRACE_FIELDS):
            key |= t[f].to_numpy().astype(np.uint64) << np.uint64(8 * i)
        keys = pl.Series("k", key)
        uniq = keys.unique()
        index = keys.replace_strict(uniq, pl.Series(np.arange(len(uniq), dtype=np.uint32)), return_dtype=pl.UInt32)
        u = uniq.to_numpy()
        combos = pl.DataFrame(
            {f: ((u >> np.uint64(8 * i)) & np.uint64(255)).astype(np.uint32) for i, f in enumerate(TRACE_FIELDS)}
        )
        return index, combos
    numbered = t.select(TRACE_FIELDS).with_row_index("_row")
    combos = numbered.select(TRACE_FIELDS).unique().with_row_index("_combo")
    joined = numbered.join(combos, on=list(TRACE_FIELDS), how="left").sort("_row")
    return joined["_combo"], combos.drop("_combo")


def _yuan_expr(fen: pl.Expr) -> pl.Expr:
    whole = (fen // 100).cast(pl.String)
    cents = (fen % 100).cast(pl.String).str.zfill(2)
    return pl.when(fen % 100 == 0).then(whole).otherwise(pl.concat_str([whole, pl.lit("."), cents]))
