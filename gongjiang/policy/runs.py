"""Evaluation and diff runs for the pages and the API: reading uploads, samples, shaping results."""

from __future__ import annotations

import datetime
from typing import Any

import polars as pl

from gongjiang.policy.inputs import read_events_csv
from gongjiang.policy.models import PolicySet
from gongjiang.policy.selectors import fill_digital
from gongjiang.policy.synthetic import SET_REGIONS, synthetic_events

SHOWN_ROWS = 500


def events_from_upload(upload: Any) -> pl.DataFrame:
    data = b"".join(upload.chunks()) if hasattr(upload, "chunks") else upload.read()
    return fill_digital(read_events_csv(data))


def sample_events(policy_set: str, size: int, *, seed: int = 1) -> pl.DataFrame:
    """Synthetic events in the set's regions, dated 2023–2026, many persons with several events."""
    regions = SET_REGIONS.get(policy_set)
    if regions is None:
        ps = PolicySet.objects.filter(name=policy_set).first()
        regions = [ps.region_code] if ps else ["320000"]
    return synthetic_events(
        size,
        seed=seed,
        regions=regions,
        persons=max(1, size // 3),
        start=datetime.date(2023, 1, 1),
        end=datetime.date(2026, 12, 31),
        id_prefix="S",
    )


def result_rows(results: pl.DataFrame, limit: int = SHOWN_ROWS) -> list[dict[str, Any]]:
    rows = []
    for r in results.head(limit).iter_rows(named=True):
        r["amount_yuan"] = f"{r['amount_fen'] // 100}.{r['amount_fen'] % 100:02d}"
        r["event_date"] = r["event_date"].isoformat() if r["event_date"] else ""
        r.pop("trace", None)
        rows.append(r)
    return rows


def api_rows(results: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in results.iter_rows(named=True):
        trace = r.pop("trace", None) or {}
        r["trace"] = r.pop("trace_keys", "")
        r["trace_atoms"] = [trace[k] for k in trace] if trace else []
        r["event_date"] = r["event_date"].isoformat() if r["event_date"] else None
        r["event_type"] = str(r["event_type"])
        r["reason"] = str(r["reason"])
        r["payee"] = str(r["payee"])
        r.pop("base_fen", None)
        r.pop("quantity", None)
        r.pop("trace_atoms", None)
        out.append(r)
    return out
