"""The regions copied onto rows scoped through another table stay right on every write path: the holder's
residence region on each certificate, the employer's region on each employment. Written with the row
(one certificate, a batch, an import, the generator) and brought along when the person or organisation
moves (a service, an import); the scope reads the copy."""

from __future__ import annotations

import datetime

import polars as pl
import pytest

from gongjiang.core.audit import audit_context
from gongjiang.core.scope import restrict
from gongjiang.credentials.batches import batch_issue
from gongjiang.credentials.models import Certificate
from gongjiang.imports.processing import import_file
from gongjiang.imports.tests.files import csv_file, new_cert
from gongjiang.reference.models import Occupation, SkillLevel
from gongjiang.registry.models import Employment, Organisation, Person
from gongjiang.registry.services import employment_create, organisation_update, person_update

pytestmark = pytest.mark.django_db

CERT_HEADER = ["证书编号", "身份证号码", "姓名", "职业编码", "等级", "发证日期", "证书来源", "发证机构统一社会信用代码"]
JOB_HEADER = ["身份证号码", "统一社会信用代码", "入职日期", "离职日期", "职业编码"]
PERSON_HEADER = ["姓名", "身份证号码", "居住地区划代码", "手机号码"]
ORG_HEADER = ["统一社会信用代码", "单位名称", "单位类型", "所在地区划代码", "行业代码", "自主评价"]


def _all_copies_right() -> None:
    """Every certificate carries its holder's residence region, every employment its employer's region."""
    wrong_certs = [
        (c.pk, c.region_code, c.person.residence_region_code)
        for c in Certificate.objects.select_related("person")
        if c.region_code != c.person.residence_region_code
    ]
    wrong_jobs = [
        (e.pk, e.region_code, e.organisation.region_code)
        for e in Employment.objects.select_related("organisation")
        if e.region_code != e.organisation.region_code
    ]
    assert wrong_certs == [] and wrong_jobs == []


def _import(kind: str, rows: list[list], user=None):  # type: ignore[no-untyped-def]
    result = import_file(kind=kind, data=csv_file(rows), filename="f.csv", actor=user, mode="import", partial=False)
    assert result.status == "imported", result.errors
    return result


def test_services_write_the_copy_and_bring_it_along_when_a_person_or_organisation_moves(  # type: ignore[no-untyped-def]
    make_person, make_org, make_certificate
):
    person = make_person(region="320582")
    other = make_person(region="320412")
    org = make_org(region="320505")
    certs = [
        make_certificate(person),
        make_certificate(person, level="level4", national_level=4),
        make_certificate(other),
    ]
    assert [c.region_code for c in certs] == ["320582", "320582", "320412"]
    with audit_context(source="cli"):
        job = employment_create(actor=None, person=person, organisation=org, start=datetime.date(2020, 1, 1))
    assert job.region_code == "320505"
    _all_copies_right()
    with audit_context(source="cli"):
        person_update(actor=None, person=person, residence_region_code="320506")
        organisation_update(actor=None, organisation=org, region_code="320411")
        person_update(actor=None, person=other, name="改名字")  # not a move: nothing else changes
    assert set(Certificate.objects.filter(person=person).values_list("region_code", flat=True)) == {"320506"}
    assert Certificate.objects.get(pk=certs[2].pk).region_code == "320412"
    assert Employment.objects.get(pk=job.pk).region_code == "320411"
    _all_copies_right()


def test_scope_reads_the_copy(make_person, make_org, make_certificate, make_user):  # type: ignore[no-untyped-def]
    person, org = make_person(region="320582"), make_org(region="320412")
    cert = make_certificate(person)
    with audit_context(source="cli"):
        job = employment_create(actor=None, person=person, organisation=org, start=datetime.date(2020, 1, 1))
    zjg, suzhou, changzhou = (
        make_user("c-zjg", region_code="320582"),
        make_user("c-sz", region_code="320500"),
        make_user("c-cz", region_code="320400"),
    )
    for user, sees_cert, sees_job in ((zjg, True, False), (suzhou, True, False), (changzhou, False, True)):
        assert restrict(Certificate.objects.all(), user).filter(pk=cert.pk).exists() is sees_cert
        assert restrict(Employment.objects.all(), user).filter(pk=job.pk).exists() is sees_job
    with audit_context(source="cli"):
        person_update(actor=None, person=person, residence_region_code="320412")
    assert not restrict(Certificate.objects.all(), suzhou).filter(pk=cert.pk).exists()
    assert restrict(Certificate.objects.all(), changzhou).filter(pk=cert.pk).exists()


def test_imports_write_the_copy_and_moves_by_import_bring_it_along(make_person, make_org):  # type: ignore[no-untyped-def]
    person, org = make_person(region="320582"), make_org(region="320505")
    _import(
        "certificates", [CERT_HEADER, [new_cert(), person.id_number, "", "6-31-01-03", "高级工", "2024-06-01", "", ""]]
    )
    _import("employment", [JOB_HEADER, [person.id_number, org.uscc, "2020-03-01", "", ""]])
    assert Certificate.objects.get(person=person).region_code == "320582"
    assert Employment.objects.get(person=person).region_code == "320505"
    # The person moves by import, and so does the employer.
    _import("persons", [PERSON_HEADER, [person.name, person.id_number, "320583", ""]])
    _import("organisations", [ORG_HEADER, [org.uscc, org.name, "企业", "320412", "", ""]])
    assert Person.objects.get(pk=person.pk).residence_region_code == "320583"
    assert Organisation.objects.get(pk=org.pk).region_code == "320412"
    assert Certificate.objects.get(person=person).region_code == "320583"
    assert Employment.objects.get(person=person).region_code == "320412"
    _all_copies_right()


def test_a_batch_writes_each_holders_region(make_person, make_org):  # type: ignore[no-untyped-def]
    """The bulk path of evaluation plans and competitions: one COPY of the batch's certificates."""
    people = [make_person(region=r) for r in ("320582", "320505", "320412", "320582")]
    institution = make_org(kind="evaluation", region="320582")
    occupation = Occupation.objects.get(code="6-31-01-03")
    level = SkillLevel.objects.get(code="level4")
    rows = pl.DataFrame(
        {
            "person_id": [p.pk for p in people],
            "occupation_id": [occupation.pk] * 4,
            "occupation_code": [occupation.code] * 4,
            "level_id": [level.pk] * 4,
            "level_code": [level.code] * 4,
            "national_level": [4] * 4,
        }
    )
    with audit_context(source="cli"):
        issued = batch_issue(
            rows=rows,
            source="third_party",
            issue_date=datetime.date(2024, 6, 1),
            station_code="000123",
            region_code="320582",
            issuer=institution,
        )
    got = dict(Certificate.objects.filter(batch=issued.batch).values_list("person_id", "region_code"))
    assert got == {p.pk: p.residence_region_code for p in people}
    _all_copies_right()


def test_the_generator_writes_the_copies(reference):  # type: ignore[no-untyped-def]
    from gongjiang.synth.generator import synthesize

    synthesize(region="320400", scale=0.002, seed=3)
    assert Certificate.objects.exists() and Employment.objects.exists()
    assert not Certificate.objects.filter(region_code="").exists()
    _all_copies_right()
