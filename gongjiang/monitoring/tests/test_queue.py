"""The rollup's change queue (in the test's transaction): service writes queue what the rollup reads in
their own transaction and nothing when they roll back, and an update applies each queued change exactly
once, giving what a full rebuild gives."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction

from gongjiang.core.audit import audit_context
from gongjiang.monitoring.changequeue import KEPT
from gongjiang.monitoring.incremental import rollup_update
from gongjiang.monitoring.models import RollupChange
from gongjiang.monitoring.rollup import rollup_rebuild
from gongjiang.monitoring.tests.test_rollup import _facts
from gongjiang.registry.services import organisation_update, person_update

pytestmark = pytest.mark.django_db

D = datetime.date


def equals_rebuild() -> None:
    """The stored facts are those a full rebuild gives (on the periods both keep)."""
    incremental = _facts()
    rollup_rebuild()
    rebuilt = _facts()
    both = {k[1] for k in incremental} & {k[1] for k in rebuilt}
    incremental = {k: v for k, v in incremental.items() if k[1] in both}
    rebuilt = {k: v for k, v in rebuilt.items() if k[1] in both}
    diff = {
        k: (incremental.get(k), rebuilt.get(k))
        for k in set(incremental) | set(rebuilt)
        if incremental.get(k) != rebuilt.get(k)
    }
    assert not diff, sorted(diff.items())[:8]


def test_service_writes_queue_what_the_rollup_reads(world, make_cert, make_org) -> None:  # type: ignore[no-untyped-def]
    rollup_rebuild()
    assert not RollupChange.objects.exists()
    cert = make_cert(world["zjg_b"], level="level3", national_level=3, issue_date=D(2024, 5, 5))
    employer = make_org(region="320582", industry="C")  # a new employer changes no fact: not queued
    with audit_context(source="cli"):
        person_update(actor=None, person=world["zjg_a"], residence_region_code="320412")
        organisation_update(actor=None, organisation=employer, industry_code="F")
    rows = list(RollupChange.objects.order_by("id").values_list("model", "action", "object_id", "before"))
    assert [r[:3] for r in rows] == [
        ("credentials.Certificate", "create", cert.pk),
        ("registry.Person", "update", world["zjg_a"].pk),
        ("registry.Organisation", "update", employer.pk),
    ]
    # The fields the rollup reads, as they were; nothing else of the record (no names).
    assert rows[1][3] == {"residence_region_code": "320582", "sex": world["zjg_a"].sex, "birth_date": "1985-03-01"}
    assert set(rows[1][3]) == set(KEPT["registry.Person"])
    assert rows[2][3] == {"industry_id": rows[2][3]["industry_id"]} and rows[2][3]["industry_id"]


def test_a_rolled_back_write_leaves_no_queue_row(world, make_cert) -> None:  # type: ignore[no-untyped-def]
    rollup_rebuild()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_cert(world["zjg_b"], level="level3", national_level=3, issue_date=D(2024, 5, 5))
        assert RollupChange.objects.count() == 1  # written with the certificate, in its transaction
        raise RuntimeError("the batch fails")
    assert not RollupChange.objects.exists()
    assert rollup_update().facts == 0


def test_each_queued_change_is_applied_exactly_once(world, make_cert) -> None:  # type: ignore[no-untyped-def]
    rollup_rebuild()
    make_cert(world["zjg_b"], level="level3", national_level=3, issue_date=D(2024, 5, 5))
    make_cert(world["wujin"], level="level2", national_level=2, issue_date=D(2024, 7, 1))
    first = rollup_update()
    assert first.mode == "incremental" and first.changes == 2 and first.facts > 0
    assert not RollupChange.objects.exists()
    after_first = _facts()
    second = rollup_update()
    assert (second.changes, second.facts) == (0, 0)
    assert _facts() == after_first
    equals_rebuild()
