"""The survey: its frame and sample from the registry, the enterprises' rows (entered, uploaded,
imported) validated by row and column with nothing saved on error, submission, and who sees what."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from gongjiang.core.scope import restrict
from gongjiang.imports.processing import import_file
from gongjiang.wages import services
from gongjiang.wages.models import EmployeeRecord, Response, ResponseStatus, Stratum
from gongjiang.wages.tests.conftest import WELDER, employees_of, survey_csv

pytestmark = pytest.mark.django_db


def test_frame_and_sample_come_from_the_registry(world) -> None:  # type: ignore[no-untyped-def]
    strata = Stratum.objects.filter(survey=world.survey)
    assert {(s.industry_section, s.size_class, s.region_code) for s in strata} == {
        ("C", "micro", "320582"),
        ("C", "micro", "320506"),
    }
    assert sum(s.population_enterprises for s in strata) == 6
    # fraction 1: every enterprise drawn, each once, pending
    responses = Response.objects.filter(survey=world.survey)
    assert sorted(r.organisation_id for r in responses) == sorted(o.pk for o in world.orgs)
    assert {r.status for r in responses} == {ResponseStatus.PENDING}
    with pytest.raises(ValidationError) as exc:
        services.survey_create(
            actor=world.officer,
            region_code="320500",
            year=2025,
            as_of=datetime.date(2025, 12, 31),
            sampling_fraction=Decimal("0.5"),
        )
    assert "year" in exc.value.message_dict


def test_sample_is_drawn_deterministically(world, make_user) -> None:  # type: ignore[no-untyped-def]
    def drawn(year: int) -> list[int]:
        survey = services.survey_create(
            actor=world.officer,
            region_code="320500",
            year=year,
            as_of=datetime.date(2024, 12, 31),
            sampling_fraction=Decimal("0.1"),
            seed=7,
        )
        return sorted(survey.responses.values_list("organisation_id", flat=True))

    first = drawn(2023)
    # at least two per stratum even at a small fraction, and never more than the stratum holds
    assert len(first) == 4
    assert first == sorted(Response.objects.filter(survey__year=2023).values_list("organisation_id", flat=True))


def test_enterprise_sees_only_its_own_response_officers_their_region(world) -> None:  # type: ignore[no-untyped-def]
    own = world.response(world.orgs[0])
    assert list(restrict(Response.objects.all(), world.enterprise_user)) == [own]
    assert restrict(Response.objects.all(), world.officer).count() == 6
    assert restrict(Response.objects.all(), world.other_city).count() == 0
    other = world.response(world.orgs[1])
    with pytest.raises(PermissionDenied):
        services.response_upload(
            actor=world.enterprise_user, response=other, data=survey_csv(employees_of(2, base=60000)), filename="a.csv"
        )
    with pytest.raises(PermissionDenied):
        services.response_submit(actor=world.other_city, response=own)


def test_upload_errors_name_row_and_column_and_save_nothing(world) -> None:  # type: ignore[no-untyped-def]
    own = world.response(world.orgs[0])
    rows = [
        ("E1", WELDER, "高级工", "中专", 12, 174, 60000, 0, 0, 0),
        ("E2", "6-18-02-99", "高级工", "中专", 12, 174, 60000, 0, 0, 0),  # row 3: unknown occupation
        ("E3", WELDER, "特级", "中专", 12, 174, 60000, 0, 0, 0),  # row 4: unknown level
        ("E4", WELDER, "高级工", "中专", 13, 174, 60000, 0, 0, 0),  # row 5: months
        ("E5", WELDER, "高级工", "中专", 12, 174, 6000000, 0, 0, 0),  # row 6: 500,000 a month
        ("E1", WELDER, "高级工", "中专", 12, 174, 60000, 0, 0, 0),  # row 7: duplicate key of row 2
        ("320582199001011234", WELDER, "高级工", "中专", 12, 174, 60000, 0, 0, 0),  # row 8: an ID number
    ]
    with pytest.raises(ValidationError) as exc:
        services.response_upload(actor=world.enterprise_user, response=own, data=survey_csv(rows), filename="s.csv")
    messages = exc.value.message_dict["file"]
    text = "\n".join(messages)
    for row, column in (
        (3, "职业编码"),
        (4, "技能等级"),
        (5, "工作月数"),
        (6, "基本工资"),
        (2, "员工编号"),
        (7, "员工编号"),
        (8, "员工编号"),
    ):
        assert any(re.search(rf"(?<![0-9]){row}(?![0-9]).*{column}", m) for m in messages), (row, column)
    assert "200,000" in text
    assert not EmployeeRecord.objects.exists()


def test_enterprise_uploads_enters_and_submits(world) -> None:  # type: ignore[no-untyped-def]
    own = world.response(world.orgs[0])
    n = services.response_upload(
        actor=world.enterprise_user, response=own, data=survey_csv(employees_of(5, base=60000)), filename="s.csv"
    )
    assert n == 5
    record = services.employee_add(
        actor=world.enterprise_user,
        response=own,
        employee_key="E900",
        occupation_code=WELDER,
        skill_level="level4",
        education="vocational",
        months_worked=6,
        hours_per_month=Decimal("174"),
        base_pay=Decimal("30000.50"),
    )
    assert record.base_pay == 3_000_050
    with pytest.raises(ValidationError) as exc:
        services.employee_add(
            actor=world.enterprise_user,
            response=own,
            employee_key="E901",
            occupation_code=WELDER,
            skill_level="level4",
            education="vocational",
            months_worked=12,
            hours_per_month=Decimal("174"),
            base_pay=Decimal("1000"),
        )
    assert "base_pay" in exc.value.message_dict
    services.response_submit(actor=world.enterprise_user, response=own)
    own.refresh_from_db()
    assert own.status == ResponseStatus.SUBMITTED and own.submitted_by == world.enterprise_user
    with pytest.raises(ValidationError):
        services.response_upload(
            actor=world.enterprise_user, response=own, data=survey_csv(employees_of(2, base=60000)), filename="s.csv"
        )
    # the enterprise cannot reopen; the officer can
    with pytest.raises(PermissionDenied):
        services.response_reopen(actor=world.enterprise_user, response=own)
    services.response_reopen(actor=world.officer, response=own)
    own.refresh_from_db()
    assert own.status == ResponseStatus.PENDING


def test_import_kind_checks_by_row_and_column_then_imports(world) -> None:  # type: ignore[no-untyped-def]
    head = "调查年度,统一社会信用代码,员工编号,职业编码,技能等级,学历,工作月数,月均工作小时,"
    head += "基本工资,奖金,津贴补贴,加班工资"
    uscc = world.orgs[1].uscc
    good = [(2025, uscc, *r) for r in employees_of(3, base=50000)]
    bad = [*good, (2025, world.orgs[2].uscc, "X1", "6-18-02-04", "高级工", "本科", 0, 174, 50000, 0, 0, 0)]
    result = import_file(kind="wage_survey", data=survey_csv(bad, head), filename="s.csv", actor=world.officer)
    errors = result.errors.to_dicts()
    assert [(e["row"], e["column"]) for e in errors] == [(5, "工作月数")]
    assert not EmployeeRecord.objects.exists()
    # an officer of another city may import, but not these enterprises
    result = import_file(kind="wage_survey", data=survey_csv(good, head), filename="s.csv", actor=world.other_city)
    assert {e["column"] for e in result.errors.to_dicts()} == {"统一社会信用代码"}
    result = import_file(
        kind="wage_survey", data=survey_csv(good, head), filename="s.csv", actor=world.officer, mode="import"
    )
    assert result.ok and result.created == 3
    again = import_file(
        kind="wage_survey", data=survey_csv(good, head), filename="s.csv", actor=world.officer, mode="import"
    )
    assert again.created == 0 and again.unchanged == 3
    assert EmployeeRecord.objects.filter(response__organisation=world.orgs[1]).count() == 3
