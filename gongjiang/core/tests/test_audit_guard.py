"""The audit guard itself: it catches a write without a change record, and only that."""

from __future__ import annotations

import pytest
from django.db import transaction

from gongjiang.core.audit import audit_context, record_change
from gongjiang.core.tests.audit_guard import guarded, unaudited
from gongjiang.imports.models import ImportJob
from gongjiang.registry.models import EmploymentStat
from gongjiang.registry.services import employment_stat_set

pytestmark = [pytest.mark.django_db, pytest.mark.audit_unguarded]


def test_a_write_without_its_record_is_caught() -> None:
    with guarded() as guard, transaction.atomic():
        EmploymentStat.objects.create(region_code="320582", year=2020, employed=5)
    assert len(guard.violations) == 1
    assert guard.violations[0].startswith("registry.EmploymentStat written without a change record: INSERT INTO")


def test_a_record_of_another_model_does_not_count() -> None:
    with guarded() as guard, audit_context(source="cli"), transaction.atomic():
        stat = EmploymentStat.objects.create(region_code="320582", year=2020, employed=5)
        record_change(action="create", instance=stat)
        EmploymentStat.objects.filter(pk=stat.pk).update(employed=6)
    assert guard.violations == []  # same model recorded in the same unit
    with guarded() as guard, audit_context(source="cli"), transaction.atomic():
        stat = EmploymentStat.objects.create(region_code="320505", year=2020, employed=5)
        other = ImportJob.objects.create(kind="persons", original_name="x.csv", region_code="320505")
        record_change(action="create", instance=other)
        assert stat.pk
    assert [v.split(" written")[0] for v in guard.violations] == ["registry.EmploymentStat"]


def test_services_pass_and_rolled_back_work_is_ignored() -> None:
    with guarded() as guard, audit_context(source="cli"):
        employment_stat_set(actor=None, region_code="320582", year=2021, employed=10)
        employment_stat_set(actor=None, region_code="320582", year=2021, employed=11)  # the update path
        with pytest.raises(RuntimeError), transaction.atomic():
            EmploymentStat.objects.create(region_code="320582", year=2019, employed=5)
            raise RuntimeError("rolled back")
        with unaudited(), transaction.atomic():
            EmploymentStat.objects.filter(year=2021).delete()
    assert guard.violations == []


def test_a_write_nested_inside_a_unit_is_judged_with_the_unit() -> None:
    with guarded() as guard, audit_context(source="cli"), transaction.atomic():
        with transaction.atomic():
            stat = EmploymentStat.objects.create(region_code="320582", year=2020, employed=5)
        record_change(action="create", instance=stat)
    assert guard.violations == []
    with guarded() as guard, transaction.atomic(), transaction.atomic():
        EmploymentStat.objects.create(region_code="320582", year=2018, employed=5)
    assert len(guard.violations) == 1
