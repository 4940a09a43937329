"""Payments other than training claims, paid through the same payment batches.

A payment batch (``PaymentBatch``) holds lines; a line pays either a training claim or one item of a
*payable kind* that another app registers here from its ``AppConfig.ready()`` (the award instalments of
``honours``), so that training never imports the apps above it. A kind supplies:

* ``batchable(region_code)``: the items of the region's subtree ready to be paid and in no batch, locked
  for update (``select_for_update``) by the caller's transaction, as :class:`PayableRow` in a stable order;
* ``mark(ids, status)``: moves the listed items to ``"batched"`` or ``"paid"`` and returns how many moved
  (a batch is refused when fewer than listed were free to move);
* ``label``: the kind's name on the batch's page; ``count(region_code)``: how many are ready, for the list.

The database holds the once-only rule for every kind: a line's (kind, source id) is unique, so an item is
in at most one batch, ever (``training_line_source_once``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CLAIM = "claim"


@dataclass(frozen=True)
class PayableRow:
    source_id: int
    amount_fen: int
    payee_name: str
    bank_name: str
    bank_account_enc: str


@dataclass(frozen=True)
class Payable:
    kind: str
    label: Any
    batchable: Callable[[str], list[PayableRow]]
    mark: Callable[[list[int], str], int]
    link: Callable[[int], str] | None = None
    count: Callable[[str], int] | None = None  # how many are ready to pay (no lock), for the batch list


_kinds: dict[str, Payable] = {}


def register_payable(payable: Payable) -> None:
    if payable.kind == CLAIM:
        raise ValueError("the kind 'claim' is the training claims' own")
    _kinds[payable.kind] = payable


def payables() -> list[Payable]:
    return [_kinds[k] for k in sorted(_kinds)]


def payable(kind: str) -> Payable | None:
    return _kinds.get(kind)
