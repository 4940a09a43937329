"""Migrating to the change queue: the change records the last rollup had not applied yet (after its
position, or pending) are copied to the queue, with the fields the rollup reads."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("monitoring", "0003_region_fact_fillfactor")]
AFTER = [("monitoring", "0004_rollup_change_queue")]
CORE = ("core", "0002_changerecord_append_only")


def test_unapplied_change_records_are_queued() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state([*BEFORE, CORE]).apps
    record = old.get_model("core", "ChangeRecord")

    def change(model: str, action: str, object_id: str, before: dict | None = None) -> int:
        return record.objects.create(
            source="cli", request_id="m", action=action, model=model, object_id=object_id, before=before
        ).id

    applied = change("credentials.Certificate", "create", "1")
    pending = change("registry.Person", "update", "7", {"name": "张*", "sex": "F", "birth_date": "1990-01-01"})
    position = change("credentials.Certificate", "create", "2")
    change("registry.Organisation", "create", "3")  # changes no fact
    change("monitoring.Target", "update", "4", {})  # not followed
    after = change("registry.Employment", "update", "5", {"person_id": 7, "organisation_id": 3, "end": None})
    old.get_model("monitoring", "RollupState").objects.create(
        pk=1, built_at=timezone.now(), mode="full", change_id=position, pending_change_ids=[[pending, 0]]
    )
    assert applied < pending < position < after
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = list(new.get_model("monitoring", "RollupChange").objects.order_by("id").values_list(
        "model", "action", "object_id", "before"
    ))  # fmt: skip
    assert rows == [
        ("registry.Person", "update", 7, {"sex": "F", "birth_date": "1990-01-01"}),
        ("registry.Employment", "update", 5, {"person_id": 7, "organisation_id": 3, "end": None}),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
