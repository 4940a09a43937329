"""The rollup's change queue (:class:`RollupChange`): written inside every write of the models the rollup
follows, read and emptied by the incremental update.

The audit API calls the subscribers of :mod:`gongjiang.core.changefeed` with every change it records, in
the writing transaction; monitoring subscribes :func:`queue_changes` (through its tasks, which also
enqueue the update) for :data:`TRACKED`. A write that rolls back leaves no queue row; one that commits
leaves its rows for the next update, which sees exactly the rows committed before its snapshot and
deletes those in the transaction that applies them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gongjiang.core.changefeed import Change
from gongjiang.credentials.models import Certificate
from gongjiang.monitoring.frames import chunks
from gongjiang.monitoring.models import RollupChange
from gongjiang.monitoring.reading import Reader, is_pg
from gongjiang.registry.models import Employment, Organisation, Person

CERT_MODEL = Certificate._meta.label
PERSON_MODEL = Person._meta.label
EMPLOYMENT_MODEL = Employment._meta.label
ORGANISATION_MODEL = Organisation._meta.label
TRACKED = (CERT_MODEL, PERSON_MODEL, EMPLOYMENT_MODEL, ORGANISATION_MODEL)

# The fields the rollup reads, kept from an update's ``before`` snapshot (the rest of the change record
# stays in the audit log only).
KEPT = {
    CERT_MODEL: ("person_id", "level_id", "occupation_id", "source", "issue_date", "revoked_on"),
    PERSON_MODEL: ("residence_region_code", "sex", "birth_date"),
    EMPLOYMENT_MODEL: ("person_id", "organisation_id", "start", "end"),
    ORGANISATION_MODEL: ("industry_id",),
}
BATCH = 5000


def relevant(change: Change) -> bool:
    """Whether ``change`` can move a fact: an employer matters only through its industry, so only its
    updates are queued; a region copied onto rows (``registry.regions.copy_region``) is no field the
    rollup reads (it follows the person's or the employer's own change, which is queued)."""
    if change.detail and "copied" in change.detail:
        return False
    return change.model in KEPT and (change.model != ORGANISATION_MODEL or change.action == "update")


def queue_changes(changes: Sequence[Change]) -> int:
    """Put ``changes`` on the queue, in the caller's transaction (one bulk insert); the rows queued."""
    rows = []
    for change in changes:
        if not relevant(change):
            continue
        before: dict[str, Any] | None = None
        if change.before is not None:
            before = {k: change.before[k] for k in KEPT[change.model] if k in change.before}
        object_id = int(change.object_id) if change.object_id else None
        rows.append(RollupChange(model=change.model, action=change.action, object_id=object_id, before=before))
    RollupChange.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def queued() -> list[dict[str, Any]]:
    """Every row of the queue this transaction sees, in the order written."""
    rows = RollupChange.objects.order_by("id").values("id", "model", "action", "object_id", "before")
    return [dict(r) for r in rows]


def queued_ids(reader: Reader) -> list[int]:
    """The ids of the rows ``reader``'s snapshot sees (a full rebuild's)."""
    table = RollupChange._meta.db_table
    with reader.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table}")  # noqa: S608
        return [int(r[0]) for r in cursor.fetchall()]


def consume(ids: list[int], *, own_snapshot: bool) -> int:
    """Delete the queue rows ``ids`` (all the rows a rollup saw), in the transaction that applies them.

    With ``own_snapshot`` (an update's repeatable-read transaction on PostgreSQL, or SQLite, whose
    writers take turns, so that ids grow in commit order) one range delete up to the highest id
    removes exactly those rows: rows that other transactions commit later, even with a lower id, are not
    in the snapshot. Otherwise (a full rebuild deletes in a later transaction than the one it read in,
    a rollup inside a caller's transaction on PostgreSQL) the ids are deleted one chunk at a time."""
    if not ids:
        return 0
    if own_snapshot or not is_pg():
        return RollupChange.objects.filter(id__lte=max(ids)).delete()[0]
    return sum(RollupChange.objects.filter(id__in=chunk).delete()[0] for chunk in chunks(sorted(ids)))
