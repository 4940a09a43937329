"""Subscribers to the change records, called inside the writing transaction.

Every service records its changes through :mod:`gongjiang.core.audit`, inside its own transaction. An
app above core that keeps something derived from a model (the monitoring rollup's change queue) does
not import the services that write it: it subscribes here, from its ``AppConfig.ready()``, to the model
labels it follows, and its handler is called with what each :func:`~gongjiang.core.audit.record_change`,
:func:`~gongjiang.core.audit.record_many` or :func:`~gongjiang.core.audit.record_set` recorded, on the
same connection and in the same transaction as the change itself: a write that rolls back takes the
handler's own writes with it, and one that commits commits them.

A handler must be quick (it runs inside every write of its models) and must not call back into the
audit API for the models it follows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Change:
    """What was recorded for one object (``object_id`` its key) or, by :func:`record_set`, for a set of
    ``count`` rows (``object_id`` empty, ``detail`` the set's parameters)."""

    model: str  # the model label, "credentials.Certificate"
    action: str  # a ChangeRecord.Action value
    object_id: str = ""
    before: dict[str, Any] | None = None  # the object's snapshot before an update
    count: int = 1
    detail: dict[str, Any] | None = None


Handler = Callable[[Sequence[Change]], object]  # what it returns is ignored

_handlers: dict[str, list[Handler]] = {}


def subscribe(labels: Iterable[str], handler: Handler) -> None:
    """Call ``handler`` with the changes recorded for the models ``labels``; subscribing twice is one
    subscription (``ready()`` may run more than once)."""
    for label in labels:
        handlers = _handlers.setdefault(label, [])
        if handler not in handlers:
            handlers.append(handler)


def unsubscribe(labels: Iterable[str], handler: Handler) -> None:
    for label in labels:
        if handler in _handlers.get(label, ()):
            _handlers[label].remove(handler)


def followed(label: str) -> bool:
    """Whether anything subscribes to ``label`` (the audit API builds no :class:`Change` otherwise)."""
    return bool(_handlers.get(label))


def publish(changes: Sequence[Change]) -> None:
    """Hand ``changes`` to the subscribers of their models, each handler once with all of its changes
    in the order recorded."""
    calls: dict[Handler, list[Change]] = {}
    for change in changes:
        for handler in _handlers.get(change.model, ()):
            calls.setdefault(handler, []).append(change)
    for handler, mine in calls.items():
        handler(mine)
