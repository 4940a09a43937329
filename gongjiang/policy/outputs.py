"""Results as files and summaries, and the rule diff: two versions over one population."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from gongjiang.policy.compiled import CompiledSet
from gongjiang.policy.engine import evaluate_compiled
from gongjiang.policy.results import TRACE_FIELDS, render_results
from gongjiang.policy.selectors import compiled_for

RESULT_COLUMNS = (
    "event_id",
    "event_type",
    "event_date",
    "region_code",
    "person_id",
    "org_id",
    "payee",
    "eligible",
    "reason",
    "amount_fen",
    "amount_yuan",
    "instalments",
    "instalment_fen",
    "first_payment_year",
    "policy_set",
    "policy_version",
    "clauses",
    "trace",
    "trace_text",
)


def yuan(fen: pl.Expr) -> pl.Expr:
    return pl.concat_str([(fen // 100).cast(pl.String), pl.lit("."), (fen % 100).cast(pl.String).str.zfill(2)])


def csv_frame(results: pl.DataFrame) -> pl.DataFrame:
    """The results file: one row per event, columns as documented in docs/policy.md."""
    return results.select(
        pl.col("event_id"),
        pl.col("event_type").cast(pl.String),
        pl.col("event_date").cast(pl.String),
        pl.col("region_code"),
        pl.col("person_id").cast(pl.String),
        pl.col("org_id").cast(pl.String),
        pl.col("payee").cast(pl.String),
        pl.when(pl.col("eligible")).then(pl.lit("true")).otherwise(pl.lit("false")).alias("eligible"),
        pl.col("reason").cast(pl.String),
        pl.col("amount_fen"),
        yuan(pl.col("amount_fen")).alias("amount_yuan"),
        pl.col("instalments"),
        pl.col("instalment_fen"),
        pl.col("first_payment_year"),
        pl.col("policy_set"),
        pl.col("policy_version"),
        pl.col("clauses").list.join("; ").alias("clauses"),
        pl.col("trace_keys").alias("trace"),
        pl.col("trace_text"),
    )


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """Write atomically: a temporary file beside the target, renamed when complete."""
    path = Path(path)
    directory = path.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    os.close(fd)
    try:
        frame.write_csv(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def summary(results: pl.DataFrame) -> dict[str, Any]:
    by_type = (
        results.group_by(pl.col("event_type").cast(pl.String))
        .agg(
            events=pl.len(),
            eligible=pl.col("eligible").sum(),
            amount_fen=pl.col("amount_fen").sum(),
        )
        .sort("event_type")
    )
    by_reason = results.group_by(pl.col("reason").cast(pl.String)).agg(events=pl.len()).sort("events", descending=True)
    return {
        "events": results.height,
        "eligible": int(results["eligible"].sum()),
        "amount_fen": int(results["amount_fen"].sum()),
        "by_type": by_type.to_dicts(),
        "by_reason": by_reason.to_dicts(),
    }


# ---------------------------------------------------------------------------------------------
# Rule diff
# ---------------------------------------------------------------------------------------------


@dataclass
class DiffReport:
    policy_set: str
    from_version: int | None
    to_version: int | None
    events: int
    changed: int
    gained: int  # ineligible → eligible
    lost: int  # eligible → ineligible
    increased: int
    decreased: int
    total_before_fen: int
    total_after_fen: int
    persons_changed: int
    by_clause: list[dict[str, Any]] = field(default_factory=list)
    by_type: list[dict[str, Any]] = field(default_factory=list)
    rows: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def delta_fen(self) -> int:
        return self.total_after_fen - self.total_before_fen

    def lines(self, limit: int = 20) -> list[str]:
        out = [
            f"{self.policy_set}: v{self.from_version} → v{self.to_version} over {self.events} events",
            f"changed: {self.changed} events of {self.persons_changed} persons; "
            f"{self.gained} newly eligible, {self.lost} no longer eligible, "
            f"{self.increased} more, {self.decreased} less",
            f"total: {_yuan_text(self.total_before_fen)} → {_yuan_text(self.total_after_fen)} yuan "
            f"({_signed(self.delta_fen)} yuan)",
        ]
        if self.by_clause:
            out.append("by clause (an event changed by several clauses counts under each):")
            for c in self.by_clause:
                out.append(f"  {c['clause']}: {c['events']} events, {_signed(c['delta_fen'])} yuan")
        if self.by_type:
            out.append("by event type:")
            for t in self.by_type:
                out.append(f"  {t['event_type']}: {t['events']} events, {_signed(t['delta_fen'])} yuan")
        for row in self.rows.head(limit).iter_rows(named=True):
            out.append(
                f"  {row['event_id']} {row['person_id'] or row['org_id'] or ''}: "
                f"{_yuan_text(row['amount_before'])} → {_yuan_text(row['amount_after'])} "
                f"({row['reason_before']} → {row['reason_after']})"
            )
        if self.rows.height > limit:
            out.append(f"  … and {self.rows.height - limit} more (see --output)")
        return out


def _yuan_text(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def _signed(fen: int) -> str:
    return ("+" if fen >= 0 else "") + _yuan_text(fen)


def _signatures(results: pl.DataFrame, cs: CompiledSet) -> pl.DataFrame:
    """Per trace field: the atom's key and fragment (what it says, values included) and its citation."""
    sig = pl.Series([f"{a.key}|{a.fragment}" if i else None for i, a in enumerate(cs.atoms)], dtype=pl.String)
    cite = pl.Series([cs.formal(a.clause) if a.clause else None for a in cs.atoms], dtype=pl.String)
    t = results["trace"].struct.unnest()
    cols: dict[str, pl.Series] = {}
    for f in TRACE_FIELDS:
        cols[f"s_{f}"] = sig.gather(t[f])
        cols[f"c_{f}"] = cite.gather(t[f])
    return pl.DataFrame(cols)


def compare(
    before: pl.DataFrame,
    after: pl.DataFrame,
    cs_before: CompiledSet,
    cs_after: CompiledSet,
) -> DiffReport:
    """Who changes, by how much, and under which clauses. Both results are for the same events, in the
    same order. A changed event is attributed to every clause whose trace entry differs (a parameter
    or table row added, removed, or with another value)."""
    a = _signatures(before, cs_before)
    b = _signatures(after, cs_after)
    base = pl.DataFrame(
        {
            "event_id": before["event_id"],
            "event_type": before["event_type"].cast(pl.String),
            "person_id": before["person_id"].cast(pl.String),
            "org_id": before["org_id"].cast(pl.String),
            "eligible_before": before["eligible"],
            "eligible_after": after["eligible"],
            "amount_before": before["amount_fen"],
            "amount_after": after["amount_fen"],
            "reason_before": before["reason"].cast(pl.String),
            "reason_after": after["reason"].cast(pl.String),
        }
    )
    changed_mask = (base["eligible_before"] != base["eligible_after"]) | (base["amount_before"] != base["amount_after"])
    idx = changed_mask.arg_true()
    changed = base.filter(changed_mask).with_columns(delta_fen=pl.col("amount_after") - pl.col("amount_before"))
    parts = []
    for f in TRACE_FIELDS:
        sa, sb = a[f"s_{f}"].gather(idx), b[f"s_{f}"].gather(idx)
        differs = (sa != sb).fill_null(True) & ~(sa.is_null() & sb.is_null())
        for side in (a, b):
            part = pl.DataFrame(
                {
                    "event_id": changed["event_id"],
                    "delta_fen": changed["delta_fen"],
                    "clause": side[f"c_{f}"].gather(idx),
                    "differs": differs,
                }
            )
            parts.append(part.filter(pl.col("differs") & pl.col("clause").is_not_null()).drop("differs"))
    if parts:
        attributed = pl.concat(parts).unique(["event_id", "clause"])
        by_clause = (
            attributed.group_by("clause")
            .agg(events=pl.len(), delta_fen=pl.col("delta_fen").sum())
            .sort(["events", "clause"], descending=[True, False])
            .to_dicts()
        )
    else:
        by_clause = []
    by_type = (
        changed.group_by("event_type")
        .agg(events=pl.len(), delta_fen=pl.col("delta_fen").sum())
        .sort("event_type")
        .to_dicts()
    )
    rows = changed.with_columns(
        trace_before=before["trace_text"].gather(idx) if "trace_text" in before.columns else pl.lit(""),
        trace_after=after["trace_text"].gather(idx) if "trace_text" in after.columns else pl.lit(""),
    )
    persons = changed.select(pl.coalesce("person_id", pl.lit(None))).drop_nulls().n_unique() if changed.height else 0
    return DiffReport(
        policy_set=cs_after.spec.name,
        from_version=cs_before.version,
        to_version=cs_after.version,
        events=before.height,
        changed=changed.height,
        gained=int((~changed["eligible_before"] & changed["eligible_after"]).sum()),
        lost=int((changed["eligible_before"] & ~changed["eligible_after"]).sum()),
        increased=int((changed["delta_fen"] > 0).sum()),
        decreased=int((changed["delta_fen"] < 0).sum()),
        total_before_fen=int(before["amount_fen"].sum()),
        total_after_fen=int(after["amount_fen"].sum()),
        persons_changed=int(persons),
        by_clause=by_clause,
        by_type=by_type,
        rows=rows,
    )


def diff_compiled(
    events: pl.DataFrame, cs_before: CompiledSet, cs_after: CompiledSet, *, history: pl.DataFrame | None = None
) -> DiffReport:
    before = evaluate_compiled(events, cs_before, history=history)
    after = evaluate_compiled(events, cs_after, history=history)
    return compare(before, after, cs_before, cs_after)


def diff_versions(
    events: pl.DataFrame, *, policy_set: str, from_version: int, to_version: int, history: pl.DataFrame | None = None
) -> DiffReport:
    return diff_compiled(
        events,
        compiled_for(policy_set, version=from_version),
        compiled_for(policy_set, version=to_version),
        history=history,
    )


def diff_csv_frame(report: DiffReport) -> pl.DataFrame:
    return report.rows.select(
        "event_id",
        "event_type",
        "person_id",
        "org_id",
        "eligible_before",
        "eligible_after",
        "reason_before",
        "reason_after",
        "amount_before",
        "amount_after",
        "delta_fen",
        "trace_before",
        "trace_after",
    )


__all__ = ["compare", "csv_frame", "diff_versions", "render_results", "summary", "write_csv"]
