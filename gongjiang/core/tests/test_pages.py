"""The page kit (core/pages.py) through the registers built on it: create and edit forms call the services,
refusals land on the field they concern and write nothing, workflow steps are confirmed then run, lists
follow scope and refresh in place, history names fields as people do, and pickers search in scope."""

from __future__ import annotations

import datetime

import pytest

from gongjiang.core.models import ChangeRecord
from gongjiang.credentials.models import Certificate
from gongjiang.monitoring.models import Carrier
from gongjiang.registry.models import Employment, EmploymentStat, Person
from gongjiang.synth.ids import make_certificate_number, make_id_number

ZJG, HUQIU, WUJIN = "320582", "320505", "320412"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def suzhou(make_user):  # type: ignore[no-untyped-def]
    return make_user("pages_suzhou", role="officer", region_code="320500", password="x" * 12)


@pytest.fixture
def auditor(make_user):  # type: ignore[no-untyped-def]
    return make_user("pages_auditor", role="auditor", region_code="320500")


def test_register_a_person_and_edit_on_the_pages(client, suzhou, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(suzhou)
    number = make_id_number(ZJG, datetime.date(1991, 3, 4), 11)
    response = client.post(
        "/registry/persons/new/",
        {"name": "林晓峰", "id_number": number, "phone": "13912345678", "residence_region_code": ZJG},
    )
    person = Person.objects.get(name="林晓峰")
    assert response.status_code == 302 and response["Location"] == f"/registry/persons/{person.pk}/"
    page = client.get(f"/registry/persons/{person.pk}/").content.decode()
    assert "林晓峰" in page and number not in page
    client.post(f"/registry/persons/{person.pk}/edit/", {"name": "林晓锋", "residence_region_code": HUQIU})
    person.refresh_from_db()
    assert (person.name, person.residence_region_code, person.id_number) == ("林晓锋", HUQIU, number)
    history = client.get(f"/registry/persons/{person.pk}/").context["history"]
    assert history[0].actor == "pages_suzhou"
    assert set(history[0].fields) == {"姓名", "常住地区"}  # the model's names, not its columns


def test_a_region_outside_scope_is_refused_on_its_field_and_nothing_is_written(client, suzhou, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(suzhou)
    records = ChangeRecord.objects.count()
    number = make_id_number(WUJIN, datetime.date(1991, 3, 4), 12)
    response = client.post(
        "/registry/persons/new/", {"name": "钱多多", "id_number": number, "residence_region_code": WUJIN}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["residence_region_code"] == ["地区320412不在您的权限范围内。"]
    assert not Person.objects.filter(name="钱多多").exists()
    assert ChangeRecord.objects.count() == records


def test_employment_registered_then_ended_with_confirmation(client, suzhou, make_person, make_org) -> None:  # type: ignore[no-untyped-def]
    person, org = make_person(region=ZJG), make_org(region=ZJG)
    client.force_login(suzhou)
    response = client.post(
        "/registry/employments/new/",
        {"person": person.pk, "organisation": org.pk, "start": "2022-03-01", "occupation_code": "6-31-01-03"},
    )
    job = Employment.objects.get(person=person)
    assert response["Location"] == f"/registry/employments/{job.pk}/"
    detail = client.get(f"/registry/employments/{job.pk}/")
    assert [s.name for s in detail.context["steps"]] == ["end"]
    confirm = client.get(f"/registry/employments/{job.pk}/end/")
    assert confirm.status_code == 200 and "雇用关系在所填日期结束" in confirm.content.decode()
    client.post(f"/registry/employments/{job.pk}/end/", {"end": "2024-12-31"})
    job.refresh_from_db()
    assert job.end == datetime.date(2024, 12, 31)
    assert client.get(f"/registry/employments/{job.pk}/").context["steps"] == []
    # Asked again, the step is refused and nothing changes.
    again = client.post(f"/registry/employments/{job.pk}/end/", {"end": "2025-01-31"})
    assert again.status_code == 200 and again.context["form"].non_field_errors()
    job.refresh_from_db()
    assert job.end == datetime.date(2024, 12, 31)


def test_employment_cannot_name_a_person_out_of_scope(client, suzhou, make_person, make_org) -> None:  # type: ignore[no-untyped-def]
    away, org = make_person(region=WUJIN), make_org(region=ZJG)
    client.force_login(suzhou)
    response = client.post(
        "/registry/employments/new/", {"person": away.pk, "organisation": org.pk, "start": "2022-03-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["person"] == ["所选人员不在您的管辖范围内或不存在。"]
    assert not Employment.objects.filter(person=away).exists()


def test_employment_statistic_recorded_on_the_page(client, suzhou, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(suzhou)
    client.post("/registry/employment-stats/new/", {"region_code": ZJG, "year": 2024, "employed": 980000})
    stat = EmploymentStat.objects.get(region_code=ZJG, year=2024)
    assert stat.employed == 980000
    listed = client.get("/registry/employment-stats/", {"year": 2024}).context["records"]
    assert [s.pk for s in listed] == [stat.pk]


def test_certificate_issued_and_revoked_on_the_pages(client, suzhou, auditor, make_person) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region=ZJG)
    number = make_certificate_number(evaluator="S", station=900123, year=2024, national_level=3, serial=77)
    client.force_login(suzhou)
    response = client.post(
        "/credentials/certificates/new/",
        {
            "number": number,
            "person": person.pk,
            "occupation_code": "6-31-01-03",
            "level_code": "level3",
            "issue_date": "2024-06-01",
            "source": "third_party",
        },
    )
    cert = Certificate.objects.get(number=number)
    assert response["Location"] == f"/credentials/certificates/{cert.pk}/"
    # The auditor reads it but is offered no step and may not take one.
    client.force_login(auditor)
    assert client.get(f"/credentials/certificates/{cert.pk}/").context["steps"] == []
    refused = client.post(f"/credentials/certificates/{cert.pk}/revoke/", {"reason": "x"})
    assert refused.status_code == 403 and refused.context["refusal"] == "您的账号无权进行此操作。"
    client.force_login(suzhou)
    empty = client.post(f"/credentials/certificates/{cert.pk}/revoke/", {"revoked_on": "2024-07-01", "reason": ""})
    assert "reason" in empty.context["form"].errors
    cert.refresh_from_db()
    assert cert.status == "valid"
    no_document = {"revoked_on": "2024-07-01", "reason": "冒名顶替"}
    assert "document" in client.post(f"/credentials/certificates/{cert.pk}/revoke/", no_document).context["form"].errors
    cert.refresh_from_db()
    assert cert.status == "valid"
    client.post(f"/credentials/certificates/{cert.pk}/revoke/", {**no_document, "document": "苏人社鉴〔2024〕7号"})
    cert.refresh_from_db()
    assert (cert.status, cert.revoke_reason, cert.revoke_document) == ("revoked", "冒名顶替", "苏人社鉴〔2024〕7号")


def test_carrier_recognised_and_withdrawn_on_the_pages(client, suzhou, make_user, make_org) -> None:  # type: ignore[no-untyped-def]
    org = make_org(region=ZJG)
    client.force_login(make_user("pages_org", role="organisation", organisation=org))
    assert client.get("/monitoring/carriers/new/").status_code == 403
    client.force_login(suzhou)
    client.post(
        "/monitoring/carriers/new/",
        {"kind": "master_studio", "name": "张家港焊接技能大师工作室", "region_code": ZJG, "level": "municipal",
         "since": "2023-05-01", "organisation": org.pk, "source": "苏人社〔2023〕1号"},
    )  # fmt: skip
    carrier = Carrier.objects.get(name="张家港焊接技能大师工作室")
    assert carrier.organisation == org
    # A withdrawal names its reason and clause; without them nothing changes.
    client.post(
        f"/monitoring/carriers/{carrier.pk}/withdraw/", {"until": "2025-01-01", "clause": "苏政办发〔2024〕37号 (八)"}
    )
    carrier.refresh_from_db()
    assert carrier.until is None
    client.post(
        f"/monitoring/carriers/{carrier.pk}/withdraw/",
        {"until": "2025-01-01", "reason": "年度考核不合格", "clause": "苏政办发〔2024〕37号 (八)"},
    )
    carrier.refresh_from_db()
    assert carrier.until == datetime.date(2025, 1, 1)
    assert [d.kind for d in carrier.decisions.all()] == ["recognise", "withdraw"]
    assert "张家港焊接技能大师工作室" in client.get("/monitoring/carriers/").content.decode()
    assert client.get("/monitoring/carriers/", {"current": "true"}).context["records"] == []


def test_the_filter_refreshes_the_table_in_place(client, suzhou, make_person) -> None:  # type: ignore[no-untyped-def]
    make_person(region=ZJG, name="周海燕")
    make_person(region=HUQIU, name="吴晓明")
    client.force_login(suzhou)
    partial = client.get(
        "/registry/persons/", {"q": "周"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="register-table"
    ).content.decode()
    assert "周海燕" in partial and "吴晓明" not in partial
    assert '<nav class="navbar' not in partial and 'id="person-table"' in partial


def test_pickers_search_in_scope(client, suzhou, make_person, make_org) -> None:  # type: ignore[no-untyped-def]
    make_person(region=ZJG, name="陈建国")
    make_person(region=WUJIN, name="陈志强")
    make_org(region=WUJIN, name="武进纺织")
    make_org(region=ZJG, name="张家港精工")
    client.force_login(suzhou)
    regions = client.get("/pick/regions/", {"field": "region_code", "region_code": "张家港"}).content.decode()
    assert 'data-pick="320582"' in regions
    persons = client.post("/pick/persons/", {"field": "person", "person": "陈"}).content.decode()
    assert "陈建国" in persons and "陈志强" not in persons
    assert "32058219" not in persons  # ID numbers only masked
    # Names are not searched through an address.
    assert "陈建国" not in client.get("/pick/persons/", {"field": "person", "person": "陈"}).content.decode()
    orgs = client.get("/pick/organisations/", {"field": "organisation", "organisation": "精工"}).content.decode()
    assert "张家港精工" in orgs
    assert "武进纺织" not in client.get("/pick/organisations/", {"field": "o", "o": "纺织"}).content.decode()
    occupations = client.get("/pick/occupations/", {"field": "o", "o": "6-31-01"}).content.decode()
    assert 'data-pick="6-31-01-03"' in occupations
    assert client.get("/pick/nothing/").status_code == 404


def test_change_log_speaks_plain_names(client, suzhou, make_person) -> None:  # type: ignore[no-untyped-def]
    make_person(region=ZJG)
    client.force_login(suzhou)
    page = client.get("/audit/")
    choices = dict(page.context["filter"].form.fields["model"].choices)
    assert choices["training.PaymentBatch"] == "拨付批次" and choices["registry.Person"] == "人员"
    record = page.context["records"][0]
    detail = client.get(f"/audit/{record.pk}/").content.decode()
    assert "身份证号码" in detail and "id_number_enc" not in detail and "[redacted]" in detail


def test_a_register_exports_its_filtered_list(client, suzhou, make_person, make_org) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.registry.models import Organisation
    from gongjiang.registry.services import employment_create

    org = make_org(region=ZJG, name="精工")
    # A formula-like name stored before the services refused them (core.plausible): the export neutralises it.
    Organisation.objects.filter(pk=org.pk).update(name="=HYPERLINK(1)")
    org.refresh_from_db()
    for name in ("周海燕", "吴晓明"):
        employment_create(
            actor=None, person=make_person(region=ZJG, name=name), organisation=org, start=datetime.date(2022, 1, 1)
        )
    client.force_login(suzhou)
    response = client.get("/registry/employments/", {"q": "HYPER", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith('"#","人员","单位"') and len(lines) == 3
    assert "'=HYPERLINK(1)" in text  # a formula is neutralised
    assert "周海燕" in text and "吴晓明" in text
    xlsx = client.get("/registry/employments/", {"export": "xlsx"})
    assert xlsx["Content-Disposition"].endswith('.xlsx"') and xlsx.content[:2] == b"PK"


def test_an_address_matching_no_page_reads_in_chinese_with_debug_on(client, make_user, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = True
    client.force_login(make_user(region_code="320500"))
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and 'id="error-page"' in page and "页面不存在" in page
    assert "Using the URLconf" not in page  # Django's page for developers
    api = client.get("/api/no-such-endpoint/")
    assert api.status_code == 404 and 'id="error-page"' not in api.content.decode()
