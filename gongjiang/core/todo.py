"""The home page's to-do list (待办): each app registers, from its ``AppConfig.ready()``, a function giving
the items waiting for a user (what they must decide, approve, confirm or finish), each a count in the
user's scope and the address of the list filtered to those records. Core imports none of the apps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Todo:
    label: str
    count: int
    url: str


Source = Callable[[Any], list[Todo]]
_sources: list[Source] = []


def register_todo(source: Source) -> None:
    if source not in _sources:
        _sources.append(source)


def todos(user: Any) -> list[Todo]:
    """Every item waiting for ``user``, those with nothing waiting left out."""
    out: list[Todo] = []
    for source in _sources:
        out.extend(item for item in source(user) if item.count)
    return out
