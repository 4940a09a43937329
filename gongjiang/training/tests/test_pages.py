"""The training pages: each role sees its own part, steps go through forms, refusals explain themselves."""

from __future__ import annotations

import datetime
import io

from django.utils import translation
from openpyxl import load_workbook

from gongjiang.core.audit import audit_context
from gongjiang.core.models import PiiAccess
from gongjiang.training import services
from gongjiang.training.models import (
    Application,
    BatchStatus,
    CatalogEntry,
    Claim,
    ClaimStatus,
    ClassStatus,
    Finding,
    PaymentBatch,
    TrainingClass,
    TrainingNeed,
)
from gongjiang.training.tests.conftest import OCCUPATION, ZJG, roster_csv


def _post(client, url, data, status=302):  # type: ignore[no-untyped-def]
    response = client.post(url, data)
    assert response.status_code == status, (response.status_code, _flash(response))
    return response


def _flash(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]] if response.context else []


def _errors(form) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for messages in form.errors.values() for m in messages]


def _steps(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [step.name for step in response.context["steps"]]


def test_the_workflow_through_the_pages(client, tw, make_certificate, policy_sets) -> None:
    # 列清单: the district officer lists and publishes a need.
    client.force_login(tw.zjg)
    assert client.get("/training/").status_code == 200
    response = _post(
        client,
        "/training/needs/new/",
        {
            "region_code": ZJG,
            "year": 2025,
            "occupation_code": "6-18-02-04",
            "level": "level3",
            "places": 20,
            "price": "2400.50",
            "note": "焊工紧缺",
        },
    )
    need = TrainingNeed.objects.get(occupation__code="6-18-02-04")
    assert response["Location"] == f"/training/needs/{need.pk}/"
    assert need.price_fen == 240050 and need.stages == ["county", "city"]
    _post(client, f"/training/needs/{need.pk}/publish/", {})

    # 提申请: the institution applies; a form error is shown, not a 500.
    client.force_login(tw.inst_user)
    page = client.get(f"/training/needs/{need.pk}/")
    assert page.status_code == 200 and "apply" in page.context["actions"]
    bad = client.post(
        f"/training/needs/{need.pk}/apply/",
        {
            "start_date": "2025-03-03",
            "end_date": "2025-04-25",
            "class_hours": 50,
            "practical_hours": 40,
            "places": 20,
            "price": "2400",
        },
    )
    assert bad.status_code == 200 and any("56" in m for m in _errors(bad.context["actions"]["apply"]))
    assert not Application.objects.filter(need=need).exists()
    _post(
        client,
        f"/training/needs/{need.pk}/apply/",
        {
            "start_date": "2025-03-03",
            "end_date": "2025-04-25",
            "class_hours": 80,
            "practical_hours": 50,
            "places": 20,
            "price": "2400",
            "plan": "实操为主",
        },
    )
    application = Application.objects.get(need=need)
    # The institution cannot decide its own application.
    assert "decide" not in _steps(client.get(f"/training/applications/{application.pk}/"))
    assert client.post(f"/training/applications/{application.pk}/decide/", {"decision": "approve"}).status_code == 403

    # 组评审: district, then city.
    client.force_login(tw.suzhou)
    assert "decide" not in _steps(client.get(f"/training/applications/{application.pk}/"))
    client.force_login(tw.zjg)
    home = client.get("/training/")
    assert [a.pk for a in home.context["awaiting"]] == [application.pk]
    _post(client, f"/training/applications/{application.pk}/decide/", {"decision": "approve", "comment": "同意"})
    client.force_login(tw.suzhou)
    assert [a.pk for a in client.get("/training/").context["awaiting"]] == [application.pk]
    _post(client, f"/training/applications/{application.pk}/decide/", {"decision": "approve", "comment": "市级同意"})
    tc = TrainingClass.objects.get(application=application)

    # The roster, by the institution.
    client.force_login(tw.inst_user)
    upload = io.BytesIO(roster_csv(tw.persons[:3]))
    upload.name = "roster.csv"
    _post(client, f"/training/classes/{tc.pk}/roster/", {"file": upload})
    page = client.get(f"/training/classes/{tc.pk}/")
    html = page.content.decode()
    assert tw.persons[0].name in html and tw.persons[0].id_number not in html
    assert "6222 **** 0001" in html and "6222021500000000001" not in html
    _post(client, f"/training/classes/{tc.pk}/end/", {})

    # 发补贴: results, claims, approval, batch.
    for p in tw.persons[:2]:
        make_certificate(
            p, level="level3", national_level=3, issue_date=datetime.date(2025, 5, 30), occupation="6-18-02-04"
        )
    client.force_login(tw.zjg)
    _post(client, f"/training/classes/{tc.pk}/match/", {})
    _post(client, f"/training/classes/{tc.pk}/compute/", {})
    tc.refresh_from_db()
    assert tc.status == ClassStatus.CLAIMED
    page = client.get(f"/training/classes/{tc.pk}/")
    claims = [row.record for row in page.context["claims"].rows]
    assert len(claims) == 2 and all(c.trace for c in claims)
    assert claims[0].trace in page.content.decode()
    _post(client, f"/training/classes/{tc.pk}/approve/", {})
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.APPROVED}
    _post(client, "/training/batches/new/", {"region_code": ZJG, "purpose": "2025年焊工项目制培训补贴"})
    batch = PaymentBatch.objects.get()
    page = client.get(f"/training/batches/{batch.pk}/")
    assert "approve" not in _steps(page)  # drafted by this officer
    client.force_login(tw.suzhou)
    _post(client, f"/training/batches/{batch.pk}/approve/", {})
    response = client.post(f"/training/batches/{batch.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.active.max_row == 3
    assert PiiAccess.objects.filter(model="training.PaymentBatch", user=tw.suzhou).count() == 1
    assert client.get(f"/training/batches/{batch.pk}/export/").status_code == 405  # never a GET link
    _post(client, f"/training/batches/{batch.pk}/pay/", {"voucher": "ICBC-0042", "paid_on": datetime.date.today()})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PAID

    # 做检验: a sample with a recorded seed.
    _post(client, f"/training/batches/{batch.pk}/sample/", {"size": 1, "seed": 7})
    assert batch.samples.get().seed == 7


def test_scope_of_the_pages(client, tw, claimed_class, make_org, make_user) -> None:
    claim = Claim.objects.order_by("pk").first()
    other = make_org(region=ZJG, kind="training", name="别家学校", industry="P")
    other_user = make_user("t_other", role="organisation", organisation=other)
    for user, visible in (
        (tw.zjg, True),
        (tw.suzhou, True),
        (tw.huqiu, False),
        (tw.inst_user, True),
        (other_user, False),
    ):
        client.force_login(user)
        for url in (
            f"/training/classes/{claimed_class.pk}/",
            f"/training/claims/{claim.pk}/",
            f"/training/applications/{claimed_class.application_id}/",
        ):
            assert client.get(url).status_code == (200 if visible else 404), (user.username, url)
        listed = [c.pk for c in client.get("/training/claims/").context["records"]]
        assert listed == (sorted(Claim.objects.values_list("pk", flat=True), reverse=True) if visible else [])
    # Institutions see their classes and claims, never findings, batches or the catalog.
    client.force_login(tw.inst_user)
    for url in ("/training/findings/", "/training/batches/", "/training/catalog/"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/training/classes/{claimed_class.pk}/approve/", {}).status_code == 403
    assert Claim.objects.filter(status=ClaimStatus.COMPUTED).count() == 3


def test_catalog_upload_page(client, tw) -> None:
    client.force_login(tw.zjg)
    upload = io.BytesIO(
        "occupation_code,tier,shortage,clause\n6-31-01-03,A,1,ZJG-opinion 二(七)\n9-99-99-99,D,2,\n".encode()
    )
    upload.name = "catalog.csv"
    with translation.override("zh-hans"):
        response = client.post(
            "/training/catalog/upload/",
            {"region_code": ZJG, "year": 2025, "file": upload},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    assert response.status_code == 200
    errors = response.context["actions"]["upload"].errors["file"]
    for column in ("职业编码", "类别", "紧缺"):  # each error names its row and column, by the column's header
        assert any(m.startswith(f"第3行{column}列：") for m in errors), (column, errors)
    assert not CatalogEntry.objects.exists()
    upload = io.BytesIO("occupation_code,tier,shortage\n6-31-01-03,A,1\n6-31-07-01,B,0\n".encode("gb18030"))
    upload.name = "catalog.csv"
    _post(
        client,
        "/training/catalog/upload/",
        {"region_code": ZJG, "year": 2025, "file": upload, "clause": "ZJG 2025 目录"},
    )
    entries = {e.occupation.code: e for e in CatalogEntry.objects.select_related("occupation")}
    assert entries[OCCUPATION].shortage and entries[OCCUPATION].tier == "A"
    assert entries["6-31-07-01"].digital and not entries["6-31-07-01"].shortage  # digital from the reference list
    assert entries["6-31-07-01"].clause == "ZJG 2025 目录"


def test_catalog_with_chinese_headers_and_its_template(client, tw) -> None:
    client.force_login(tw.zjg)
    template = client.get("/training/catalog/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    headers = [c.value for c in next(load_workbook(io.BytesIO(template.content)).active.iter_rows())]
    assert headers == ["职业编码", "类别", "数字技能", "紧缺", "依据条款"]
    assert 'id="catalog-template"' in client.get("/training/catalog/").content.decode()
    upload = io.BytesIO("职业编码,类别,数字技能,紧缺\n6-31-01-03,A,,是\n6-31-07-01,B,,否\n".encode())
    upload.name = "目录.csv"
    _post(
        client,
        "/training/catalog/upload/",
        {"region_code": ZJG, "year": 2025, "file": upload, "clause": "ZJG 2025 目录"},
    )
    entries = {e.occupation.code: e for e in CatalogEntry.objects.select_related("occupation")}
    assert entries[OCCUPATION].shortage and not entries["6-31-07-01"].shortage
    assert entries["6-31-07-01"].digital  # a blank cell keeps the reference list's value


def test_roster_with_chinese_headers_from_its_template(client, tw, open_class) -> None:
    client.force_login(tw.inst_user)
    page = client.get(f"/training/classes/{open_class.pk}/").content.decode()
    assert 'id="roster-template"' in page
    template = client.get("/training/classes/roster-template.xlsx")
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook.active
    assert [c.value for c in next(sheet.iter_rows())] == ["身份证号码", "姓名", "银行账号", "开户银行", "学员群体"]
    for i, person in enumerate(tw.persons[:2], start=1):
        sheet.append([person.id_number, person.name, f"62220215{i:011d}", "中国工商银行张家港支行"])
    sheet.append([tw.persons[2].id_number, tw.persons[2].name, "6222021500000000009", "", "", "多余"])
    buf = io.BytesIO()
    workbook.save(buf)
    upload = io.BytesIO(buf.getvalue())
    upload.name = "名册.xlsx"
    response = _post(client, f"/training/classes/{open_class.pk}/roster/", {"file": upload}, status=200)
    errors = " ".join(response.context["actions"]["roster"].errors.get("file", []))
    assert "4" in errors and not open_class.enrolments.exists()  # the ragged row 4
    sheet.delete_rows(4)
    buf = io.BytesIO()
    workbook.save(buf)
    upload = io.BytesIO(buf.getvalue())
    upload.name = "名册.xlsx"
    _post(client, f"/training/classes/{open_class.pk}/roster/", {"file": upload})
    assert open_class.enrolments.count() == 2


def test_findings_pages_review(client, tw, claimed_class) -> None:
    claim = Claim.objects.order_by("pk").first()
    finding = Finding.objects.create(
        kind="age",
        fingerprint="f" * 64,
        region_code=ZJG,
        explanation="x",
        details={"person": "陈*国", "class": claimed_class.code, "age": 15, "min": 16, "max": 70},
    )
    finding.claims.add(claim)
    client.force_login(tw.zjg)
    page = client.get(f"/training/findings/{finding.pk}/")
    assert "15" in page.context["sentence"] and claimed_class.code in page.context["sentence"]
    bad = client.post(f"/training/findings/{finding.pk}/review/", {"status": "dismissed", "note": ""})
    assert bad.status_code == 200 and "note" in bad.context["form"].errors
    _post(
        client, f"/training/findings/{finding.pk}/review/", {"status": "dismissed", "note": "出生日期登记有误，已更正"}
    )
    finding.refresh_from_db()
    assert finding.status == "dismissed" and finding.reviewer == tw.zjg
    _post(client, "/training/findings/run/", {})


def test_sample_results_recorded_on_the_page(client, tw, claimed_class, make_user) -> None:
    with audit_context(source="web", actor=tw.zjg):
        services.claims_approve(actor=tw.zjg, claims=Claim.objects.all())
        batch = services.payment_batch_create(actor=tw.zjg, region_code=ZJG, purpose="2025年项目制培训补贴")
    with audit_context(source="web", actor=tw.suzhou):
        services.payment_batch_approve(actor=tw.suzhou, batch=batch)
        services.payment_batch_export(actor=tw.suzhou, batch=batch)
        services.payment_batch_mark_paid(
            actor=tw.suzhou, batch=batch, voucher="ICBC-0042", paid_on=datetime.date.today()
        )
        sample = services.audit_sample_draw(actor=tw.suzhou, region_code=ZJG, batch=batch, size=2, seed=5)
    item = sample.items.order_by("pk").first()
    url = f"/training/samples/{sample.pk}/record/"
    # An auditor reads the sample and is offered no form; posting one is refused.
    client.force_login(make_user("t_sample_auditor", role="auditor", region_code=ZJG))
    assert "record" not in client.get(f"/training/samples/{sample.pk}/").context["actions"]
    assert client.post(url, {"item": item.pk, "result": "confirmed"}).status_code == 403
    client.force_login(tw.zjg)
    assert "record" in client.get(f"/training/samples/{sample.pk}/").context["actions"]
    assert client.get(url).status_code == 405
    bad = client.post(url, {"item": item.pk, "result": "problem", "note": ""})
    assert bad.status_code == 200 and bad.context["actions"]["record"].errors["note"]
    item.refresh_from_db()
    assert item.result == "pending"
    _post(client, url, {"item": item.pk, "result": "problem", "note": "收款账户非学员本人"})
    item.refresh_from_db()
    assert (item.result, item.checked_by) == ("problem", tw.zjg)
    assert client.get(f"/training/batches/{batch.pk}/").context["samples"] is not None
