"""The registry's real events for the policy pages: what the apps above record (training claims, say) turned
into engine events, so that a draft version's effect is measured on what happened, not on a sample.

An app registers a source from its ``AppConfig.ready()``; the policy app imports none of them. A source takes
a region code and a period and returns the engine events of that period in that region's subtree and who
each person is (for the page: the person's name by id)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

Source = Callable[[str, datetime.date, datetime.date], tuple[pl.DataFrame, dict[int, str]]]
_sources: list[Source] = []


def register_event_source(source: Source) -> None:
    if source not in _sources:
        _sources.append(source)


@dataclass
class RegistryEvents:
    events: pl.DataFrame
    names: dict[int, str] = field(default_factory=dict)
    start: datetime.date | None = None
    end: datetime.date | None = None


def registry_events(region_code: str, start: datetime.date, end: datetime.date) -> RegistryEvents:
    """Every registered source's events from ``start`` to ``end`` (inclusive) in the region's subtree."""
    frames: list[pl.DataFrame] = []
    names: dict[int, str] = {}
    for source in _sources:
        frame, who = source(region_code, start, end)
        if frame.height:
            frames.append(frame)
        names.update(who)
    events = pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()
    return RegistryEvents(events, names, start, end)
