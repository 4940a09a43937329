"""Each import kind: validation with row and column, references, scope, idempotency, updates with change records."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.core.models import ChangeRecord
from gongjiang.credentials.models import Certificate
from gongjiang.imports.processing import import_file
from gongjiang.imports.tests.files import PERSON_HEADER, csv_file, new_cert, new_id, new_uscc, person_rows, xlsx_file
from gongjiang.registry.models import Employment, EmploymentStat, Organisation, Person

pytestmark = pytest.mark.django_db


def run(kind: str, rows: list[list], *, user=None, mode: str = "import", partial: bool = False, xlsx: bool = False):  # type: ignore[no-untyped-def]
    data = xlsx_file(rows) if xlsx else csv_file(rows)
    return import_file(
        kind=kind, data=data, filename="f.xlsx" if xlsx else "f.csv", actor=user, mode=mode, partial=partial
    )


def errors(result) -> dict[tuple[int, str], str]:  # type: ignore[no-untyped-def]
    return {(r, c): m for r, c, _v, m in result.errors.iter_rows()}


# ------------------------------------------------------------------------------------------------
# persons
# ------------------------------------------------------------------------------------------------


def test_persons_dry_run_writes_nothing_then_import_then_same_file_changes_nothing(reference):  # type: ignore[no-untyped-def]
    rows = [PERSON_HEADER, *person_rows(5)]
    check = run("persons", rows, mode="check")
    assert check.status == "checked" and check.created == 5 and Person.objects.count() == 0
    first = run("persons", rows)
    assert first.status == "imported" and first.created == 5
    assert Person.objects.count() == 5
    records = ChangeRecord.objects.count()
    again = run("persons", rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert ChangeRecord.objects.count() == records  # nothing changed, nothing recorded
    person = Person.objects.get(name="测试0")
    assert person.id_number == rows[1][1] and person.phone == rows[1][3] and person.household_region_code == "320582"
    bulk = ChangeRecord.objects.get(action="bulk_create", model="registry.Person")
    assert bulk.after["rows"] == 5 and rows[1][1] not in str(bulk.after)


def test_persons_changed_row_is_an_update_with_a_redacted_change_record(reference):  # type: ignore[no-untyped-def]
    rows = [PERSON_HEADER, *person_rows(3)]
    run("persons", rows)
    rows[2] = ["新名字", rows[2][1], "320505", "13900000000"]
    result = run("persons", rows)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    person = Person.objects.get(id_index=Person.objects.get(name="新名字").id_index)
    assert person.residence_region_code == "320505" and person.phone == "13900000000"
    record = ChangeRecord.objects.get(action="update", model="registry.Person")
    assert record.object_id == str(person.pk) and record.region_code == "320505"
    assert "name" in record.changed_fields() and "residence_region_code" in record.changed_fields()
    assert record.after["phone_enc"] == "[redacted, changed]" and record.after["id_number_enc"] == "[redacted]"
    assert "13900000000" not in str(record.after) and rows[2][1] not in str(record.after)


def test_persons_blank_optional_cells_keep_registered_values(reference):  # type: ignore[no-untyped-def]
    rows = [PERSON_HEADER, *person_rows(1)]
    run("persons", rows)
    result = run("persons", [["姓名", "身份证号码", "居住地区划代码"], rows[1][:3]])
    assert result.unchanged == 1
    assert Person.objects.get().phone == rows[1][3]


def test_persons_errors_name_row_and_column_and_mask_values(reference):  # type: ignore[no-untyped-def]
    good = new_id()
    rows = [
        PERSON_HEADER,
        ["", good, "320582", ""],
        ["李四", good[:17] + ("0" if good[17] != "0" else "1"), "320582", ""],
        ["王五", new_id(), "999999", "123"],
        ["赵六", new_id(), "320684", ""],  # 海门市: retired in 2020
        ["+钱七", new_id(), "320582", ""],
    ]
    result = run("persons", rows)
    assert result.status == "rejected" and Person.objects.count() == 0
    found = errors(result)
    assert set(found) == {
        (2, "姓名"),
        (3, "身份证号码"),
        (4, "居住地区划代码"),
        (4, "手机号码"),
        (5, "居住地区划代码"),
        (6, "姓名"),
    }
    values = {(r, c): v for r, c, v, _m in result.errors.iter_rows()}
    assert "*" in values[(3, "身份证号码")] and values[(3, "身份证号码")][:4] == good[:4]
    assert values[(4, "手机号码")] == "***"
    assert "2020" in found[(5, "居住地区划代码")] or "320684" in found[(5, "居住地区划代码")]


def test_persons_duplicate_in_file_names_both_rows(reference):  # type: ignore[no-untyped-def]
    number = new_id()
    result = run("persons", [PERSON_HEADER, ["甲", number, "320582", ""], ["乙", number, "320582", ""]])
    found = errors(result)
    assert set(found) == {(2, "身份证号码"), (3, "身份证号码")}
    assert "2, 3" in found[(2, "身份证号码")]


def test_persons_scope_rows_outside_the_officers_region_are_errors(reference, make_user):  # type: ignore[no-untyped-def]
    officer = make_user("zjg", region_code="320582")
    rows = [PERSON_HEADER, *person_rows(2), *person_rows(1, region="320412")]
    result = run("persons", rows, user=officer)
    assert result.status == "rejected"
    assert list(errors(result)) == [(4, "居住地区划代码")]
    partial = run("persons", rows, user=officer, partial=True)
    assert partial.status == "partial" and Person.objects.count() == 2
    # A person registered in 常州 cannot be overwritten from 张家港 (moving them here is the 常州 officer's call).
    run("persons", [PERSON_HEADER, rows[3]])
    moved = run("persons", [PERSON_HEADER, [rows[3][0], rows[3][1], "320582", ""]], user=officer)
    assert "outside your region" in errors(moved)[(2, "身份证号码")]


def test_auditors_and_organisation_users_cannot_import(reference, make_user, make_org):  # type: ignore[no-untyped-def]
    from django.core.exceptions import PermissionDenied

    for user in (
        make_user("aud", role="auditor", region_code="320500"),
        make_user("org", role="organisation", organisation=make_org()),
        make_user("nowhere", region_code=""),
    ):
        with pytest.raises(PermissionDenied):
            run("persons", [PERSON_HEADER, *person_rows(1)], user=user)


# ------------------------------------------------------------------------------------------------
# organisations
# ------------------------------------------------------------------------------------------------

ORG_HEADER = ["统一社会信用代码", "单位名称", "单位类型", "所在地区划代码", "行业代码", "自主评价"]


def test_organisations_import_update_and_errors(reference):  # type: ignore[no-untyped-def]
    a, b = new_uscc(), new_uscc()
    rows = [ORG_HEADER, [a, "精工机械", "企业", "320582", "C", "是"], [b, "职业培训学校", "training", "320505", "", ""]]
    result = run("organisations", rows)
    assert result.status == "imported" and result.created == 2
    org = Organisation.objects.get(uscc=a)
    assert org.kind == "enterprise" and org.self_evaluation and org.industry and org.industry.code == "C"
    rows[1] = [a, "精工机械股份", "企业", "320582", "", ""]
    again = run("organisations", rows)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    org.refresh_from_db()
    assert org.name == "精工机械股份" and org.self_evaluation and org.industry  # blanks keep values
    bad = run(
        "organisations",
        [
            ORG_HEADER,
            [a[:-1] + "I", "x", "公司", "320582", "ZZ", "也许"],
            [new_uscc(), "y", "火星机构", "320582", "", ""],
        ],
    )
    found = errors(bad)
    assert set(found) == {(2, "统一社会信用代码"), (2, "行业代码"), (2, "自主评价"), (3, "单位类型")}


# ------------------------------------------------------------------------------------------------
# employment
# ------------------------------------------------------------------------------------------------

JOB_HEADER = ["身份证号码", "统一社会信用代码", "入职日期", "离职日期", "职业编码"]


def test_employment_references_dates_and_natural_key(reference, make_person, make_org):  # type: ignore[no-untyped-def]
    person, org = make_person(), make_org()
    number = person.id_number
    rows = [
        JOB_HEADER,
        [number, org.uscc, "2020/3/1", "", "6-31-01-03"],
        [number, org.uscc, "2015年1月1日", "2018-12-31", ""],
    ]
    result = run("employment", rows)
    assert result.status == "imported" and result.created == 2
    assert Employment.objects.filter(person=person, organisation=org).count() == 2
    rows[1][3] = "2024-06-30"
    again = run("employment", rows)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    job = Employment.objects.get(person=person, start=datetime.date(2020, 3, 1))
    assert job.end == datetime.date(2024, 6, 30) and job.occupation and job.occupation.code == "6-31-01-03"
    record = ChangeRecord.objects.get(action="update", model="registry.Employment")
    assert (
        record.before["end"] is None and record.after["end"] == "2024-06-30" and record.region_code == org.region_code
    )
    bad = run(
        "employment",
        [
            JOB_HEADER,
            [new_id(), org.uscc, "2020-01-01", "", ""],
            [number, new_uscc(), "2020-01-01", "", ""],
            [number, org.uscc, "45413", "", ""],
            [number, org.uscc, "2021-01-01", "2020-01-01", "9-99-99-99"],
        ],
    )
    found = errors(bad)
    assert "import the person first" in found[(2, "身份证号码")]
    assert "import the organisation first" in found[(3, "统一社会信用代码")]
    assert "number, not a date" in found[(4, "入职日期")]
    assert set(found) >= {(5, "离职日期"), (5, "职业编码")}


# ------------------------------------------------------------------------------------------------
# certificates
# ------------------------------------------------------------------------------------------------

CERT_HEADER = ["证书编号", "身份证号码", "姓名", "职业编码", "等级", "发证日期", "证书来源", "发证机构统一社会信用代码"]


def test_certificates_import_cross_checks_and_update(reference, make_person, make_org):  # type: ignore[no-untyped-def]
    person = make_person(name="陈建国")
    issuer = make_org(kind="evaluation")
    number = new_cert(year=2024, level=3)
    rows = [CERT_HEADER, [number, person.id_number, "陈建国", "6-31-01-03", "高级工", "2024-06-01", "", issuer.uscc]]
    result = run("certificates", rows, xlsx=True)
    assert result.status == "imported" and result.created == 1
    cert = Certificate.objects.get(number=number)
    assert cert.person == person and cert.level.code == "level3" and cert.source == "third_party"
    assert cert.issuer == issuer and cert.status == "valid"
    assert run("certificates", rows).unchanged == 1
    rows[1][3] = "6-18-02-04"
    assert run("certificates", rows).updated == 1
    cert.refresh_from_db()
    assert cert.occupation.code == "6-18-02-04"
    bad = run(
        "certificates",
        [
            CERT_HEADER,
            [new_cert(level=3), person.id_number, "陈建华", "6-31-01-03", "技师", "2023-06-01", "", ""],
            [new_cert(evaluator="Y"), person.id_number, "", "6-31-01-03", "三级", "2024-06-01", "第三方评价", ""],
            [number, make_person().id_number, "", "6-31-01-03", "level3", "2024-06-01", "", ""],
            ["1.6E+15", person.id_number, "", "6-31-01-03", "3", "2024-06-01", "", ""],
        ],
    )
    found = errors(bad)
    assert "does not match" in found[(2, "姓名")]
    assert "level" in found[(2, "等级")].lower() or "等级" in found[(2, "等级")]
    assert (2, "发证日期") in found
    assert (3, "证书来源") in found
    assert "another holder" in found[(4, "证书编号")]
    assert "scientific notation" in found[(5, "证书编号")]
    assert Certificate.objects.count() == 1


def test_certificates_scope_follows_the_holder(reference, make_person, make_user):  # type: ignore[no-untyped-def]
    officer = make_user("suzhou", region_code="320500")
    inside, outside = make_person(region="320505"), make_person(region="320412")
    rows = [
        CERT_HEADER,
        [new_cert(), inside.id_number, "", "6-31-01-03", "高级工", "2024-06-01", "", ""],
        [new_cert(), outside.id_number, "", "6-31-01-03", "高级工", "2024-06-01", "", ""],
    ]
    result = run("certificates", rows, user=officer)
    assert list(errors(result)) == [(3, "身份证号码")]


# ------------------------------------------------------------------------------------------------
# employment statistics
# ------------------------------------------------------------------------------------------------


def test_employment_stats_codes_as_of_the_year_and_updates(reference, make_user):  # type: ignore[no-untyped-def]
    header = ["区划代码", "年度", "就业人数", "数据来源"]
    rows = [header, ["320684", "2019", '"560,000"', "统计年鉴"], ["320614", "2021", "561000.0", ""]]
    result = run("employment_stats", rows)
    assert result.status == "imported" and result.created == 2
    assert EmploymentStat.objects.get(region_code="320684", year=2019).employed == 560000
    bad = run(
        "employment_stats",
        [header, ["320684", "2023", "1", ""], ["320614", "2018", "1", ""], ["320582", "x", "-1", ""]],
    )
    found = errors(bad)
    assert set(found) == {(2, "区划代码"), (3, "区划代码"), (4, "年度"), (4, "就业人数")}
    rows[1][2] = "570000"
    again = run("employment_stats", rows)
    assert (again.updated, again.unchanged) == (1, 1)
    stat = EmploymentStat.objects.get(region_code="320684", year=2019)
    assert stat.employed == 570000 and stat.source == "统计年鉴"
    officer = make_user("cz", region_code="320400")
    scoped = run("employment_stats", [header, ["320412", "2023", "1", ""], ["320582", "2023", "1", ""]], user=officer)
    assert list(errors(scoped)) == [(3, "区划代码")]


def _constraints(model) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: (tuple(c["columns"]), c["unique"], c["index"], c["foreign_key"], c["check"]) for name, c in found.items()
    }


def test_a_first_large_load_rebuilds_every_index_and_foreign_key(reference, monkeypatch):  # type: ignore[no-untyped-def]
    from gongjiang.core import bulk

    monkeypatch.setattr(bulk, "DEFER_FROM_ROWS", 1)
    before = _constraints(Person)
    people = person_rows(3)
    result = run("persons", [PERSON_HEADER, *people])
    assert result.created == 3 and Person.objects.count() == 3
    assert _constraints(Person) == before
    again = run("persons", [PERSON_HEADER, *person_rows(2)])  # the table is no longer empty
    assert again.created == 2 and _constraints(Person) == before
    certificates = _constraints(Certificate)
    assert any(c[3] for c in certificates.values()), "certificates carry foreign keys"
    rows = [[new_cert(), p[1], p[0], "6-31-01-03", "高级工", "2024-06-01", "", ""] for p in people[:2]]
    issued = run("certificates", [CERT_HEADER, *rows])
    assert issued.created == 2 and _constraints(Certificate) == certificates


def test_a_first_large_load_still_refuses_a_dangling_reference(reference, monkeypatch):  # type: ignore[no-untyped-def]
    from django.db import IntegrityError, connection, transaction

    from gongjiang.core import bulk

    monkeypatch.setattr(bulk, "DEFER_FROM_ROWS", 1)
    before = _constraints(Certificate)
    frame = _certificate_frame(987654, "S000032000001243000001")  # no such person
    frame = frame.with_columns(id=1)  # keys given, as a first load from a file gives them
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.copy_frame(Certificate, frame)
        if connection.vendor == "sqlite":  # SQLite checks deferred foreign keys at the commit
            connection.check_constraints()
    assert Certificate.objects.count() == 0 and _constraints(Certificate) == before


def _certificate_frame(person_id: int, number: str):  # type: ignore[no-untyped-def]
    import polars as pl

    from gongjiang.reference.models import Occupation, SkillLevel

    occupation = Occupation.objects.filter(kind="occupation").first()
    level = SkillLevel.objects.get(code="level3")
    return pl.DataFrame(
        {
            "number": [number],
            "person_id": [person_id],
            "region_code": ["320582"],
            "occupation_id": [occupation.pk],
            "level_id": [level.pk],
            "issue_date": ["2024-05-01"],
            "status": ["valid"],
            "revoke_reason": [""],
            "source": ["third_party"],
            "created": ["2024-05-01 00:00:00"],
            "updated": ["2024-05-01 00:00:00"],
        }
    ).with_columns(pl.col("issue_date").str.to_date())


def test_a_load_into_filled_tables_builds_indexes_and_checks_references_once_at_the_end(reference):  # type: ignore[no-untyped-def]
    from django.db import connection, transaction

    from gongjiang.core import bulk

    run("persons", [PERSON_HEADER, *person_rows(2)])
    person = Person.objects.order_by("pk").first()
    bulk.copy_frame(Certificate, _certificate_frame(person.pk, "S000032000001243000001"))  # now filled
    persons, certificates = _constraints(Person), _constraints(Certificate)
    secondary = {name for name, c in persons.items() if c[2] and not c[1]}  # non-unique indexes
    assert secondary, "persons carry secondary indexes"
    with transaction.atomic(), bulk.checks_after_load(Person, Certificate):
        during = _constraints(Person)
        assert not secondary & set(during), "secondary indexes are dropped for the block"
        assert all(c[1] for c in during.values() if c[2]), "unique indexes stay"
        bulk.copy_frame(Certificate, _certificate_frame(person.pk, "S000032000001243000002"))
    assert _constraints(Person) == persons and _constraints(Certificate) == certificates
    assert Certificate.objects.count() == 2

    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        with bulk.checks_after_load(Person, Certificate):
            bulk.copy_frame(Certificate, _certificate_frame(987654, "S000032000001243000003"))  # no such person
        if connection.vendor == "sqlite":  # SQLite checks deferred foreign keys at the commit
            connection.check_constraints()
    assert Certificate.objects.count() == 2
    assert _constraints(Person) == persons and _constraints(Certificate) == certificates


def test_checks_after_load_needs_a_transaction(transactional_db):  # type: ignore[no-untyped-def]
    from gongjiang.core import bulk

    with pytest.raises(RuntimeError, match="inside a transaction"), bulk.checks_after_load(Person):
        pass
