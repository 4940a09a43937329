"""Import jobs through the pages and the API: upload, check, report, confirm, scope, and the background
task that runs them (at once in these tests, once the request's transaction commits; through the
database backend and ``gongjiang worker`` in the worker's tests)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import translation
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gongjiang.core.audit import audit_context
from gongjiang.core.models import ChangeRecord
from gongjiang.imports import storage
from gongjiang.imports.models import ImportJob
from gongjiang.imports.services import import_job_create
from gongjiang.imports.tasks import import_job_task, import_jobs_recover
from gongjiang.imports.tests.files import PERSON_HEADER, csv_file, new_id, person_rows
from gongjiang.registry.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user, reference):  # type: ignore[no-untyped-def]
    return make_user("zjg_officer", region_code="320582")


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """``with run_tasks():`` the tasks the block queues run when it ends, as after a request's commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _upload(client, run_tasks, data: bytes, name: str = "people.csv", kind: str = "persons"):  # type: ignore[no-untyped-def]
    upload = io.BytesIO(data)
    upload.name = name
    with run_tasks():
        return client.post("/imports/upload/", {"kind": kind, "file": upload})


def _post(client, run_tasks, url: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    with run_tasks():
        return client.post(url, data or {})


def test_upload_check_report_fix_and_import(client, run_tasks, officer):  # type: ignore[no-untyped-def]
    client.force_login(officer)
    bad_id = new_id()[:17] + "Z"
    rows = [PERSON_HEADER, *person_rows(3), ["错误行", bad_id, "320582", ""]]
    response = _upload(client, run_tasks, csv_file(rows))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert job.status == "rejected" and job.mode == "check" and job.error_rows == 1 and job.total_rows == 4
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert bad_id[:4] + "*" in page and bad_id not in page and 'id="report-csv"' in page
    report = client.get(f"/imports/{job.pk}/report.csv")
    text = report.content.decode("utf-8-sig")
    assert report.status_code == 200 and "5" in text and bad_id not in text and bad_id[:4] in text
    xlsx = client.get(f"/imports/{job.pk}/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert Person.objects.count() == 0
    # Confirming a rejected file as a whole is refused; the page offers its valid rows only.
    _post(client, run_tasks, f"/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "rejected" and Person.objects.count() == 0

    rows[4] = ["修正行", new_id(), "320582", ""]
    _upload(client, run_tasks, csv_file(rows))
    fixed = ImportJob.objects.latest("id")
    assert fixed.status == "checked" and fixed.create_count == 4 and not fixed.report_name
    assert Person.objects.count() == 0
    _post(client, run_tasks, f"/imports/{fixed.pk}/confirm/")
    fixed.refresh_from_db()
    assert fixed.status == "imported" and fixed.mode == "import" and Person.objects.count() == 4
    assert not fixed.stored_name  # the upload is deleted once imported
    assert ChangeRecord.objects.filter(action="bulk_create", actor=officer, source="task").count() == 1
    people = client.get("/registry/persons/").content.decode()
    assert "修正行" in people


def test_partial_import_from_the_page(client, run_tasks, officer):  # type: ignore[no-untyped-def]
    client.force_login(officer)
    _upload(client, run_tasks, csv_file([PERSON_HEADER, *person_rows(2), ["坏", "1", "320582", ""]]))
    job = ImportJob.objects.get()
    assert "confirm-partial" in client.get(f"/imports/{job.pk}/").content.decode()
    _post(client, run_tasks, f"/imports/{job.pk}/confirm/", {"partial": "1"})
    job.refresh_from_db()
    assert job.status == "partial" and job.create_count == 2 and Person.objects.count() == 2


def test_uploads_are_encrypted_at_rest_and_discarded(client, run_tasks, officer, settings):  # type: ignore[no-untyped-def]
    client.force_login(officer)
    rows = [PERSON_HEADER, *person_rows(2)]
    _upload(client, run_tasks, csv_file(rows))
    job = ImportJob.objects.get()
    raw = (settings.IMPORTS_DIR / job.stored_name).read_bytes()
    assert rows[1][1].encode() not in raw and "测试".encode() not in raw
    assert storage.load(job.stored_name) == csv_file(rows)
    _post(client, run_tasks, f"/imports/{job.pk}/discard/")
    job.refresh_from_db()
    assert not job.stored_name and not job.can_confirm


def test_file_level_errors_are_shown(client, run_tasks, officer):  # type: ignore[no-untyped-def]
    client.force_login(officer)
    _upload(client, run_tasks, b"\xff\xfe\xfa\xfb", "x.csv")
    job = ImportJob.objects.get()
    assert job.status == "rejected" and job.summary["file_errors"]
    assert "file-error" in client.get(f"/imports/{job.pk}/").content.decode()


def test_job_pages_follow_scope(client, run_tasks, officer, make_user):  # type: ignore[no-untyped-def]
    client.force_login(officer)
    _upload(client, run_tasks, csv_file([PERSON_HEADER, *person_rows(1)]))
    job = ImportJob.objects.get()
    assert job.region_code == "320582"
    for user, visible in (
        (make_user("sz", region_code="320500"), True),
        (make_user("aud", role="auditor", region_code="320500"), True),
        (make_user("cz", region_code="320400"), False),
    ):
        client.force_login(user)
        assert client.get(f"/imports/{job.pk}/").status_code == (200 if visible else 404)
        assert client.get(f"/imports/{job.pk}/report.csv").status_code in ((200, 400) if visible else (404,))
    auditor = make_user("aud2", role="auditor", region_code="320582")
    client.force_login(auditor)
    assert _upload(client, run_tasks, csv_file([PERSON_HEADER, *person_rows(1)])).status_code == 403
    assert _post(client, run_tasks, f"/imports/{job.pk}/confirm/").status_code == 403
    job.refresh_from_db()
    assert job.mode == "check"


def test_status_endpoint_and_progress_file(client, run_tasks, officer):  # type: ignore[no-untyped-def]
    client.force_login(officer)
    _upload(client, run_tasks, csv_file([PERSON_HEADER, *person_rows(1)]))
    job = ImportJob.objects.get()
    status = client.get(f"/imports/{job.pk}/status/").json()
    assert status["finished"] and status["percent"] == 100 and status["status"] == "checked"
    writer = storage.ProgressWriter(12345, interval=0)
    writer("validating", 0.5)
    assert storage.read_progress(12345)["percent"] == 50


def test_a_queued_job_runs_once(client, run_tasks, officer, settings):  # type: ignore[no-untyped-def]
    settings.TASKS = DATABASE_TASKS
    client.force_login(officer)
    _upload(client, run_tasks, csv_file([PERSON_HEADER, *person_rows(2)]))
    job = ImportJob.objects.get()
    task = DBTaskResult.objects.get()
    assert job.status == "queued" and task.task_path == "gongjiang.imports.tasks.import_job_task"
    assert task.args_kwargs == {"args": [], "kwargs": {"job_id": job.pk}}
    assert import_job_task.call(job_id=job.pk) == "checked"
    assert import_job_task.call(job_id=job.pk) == "not queued"  # the claim (queued → running) is taken once
    job.refresh_from_db()
    assert job.status == "checked" and job.create_count == 2


def test_nothing_is_queued_when_the_upload_rolls_back(client, run_tasks, officer, settings, monkeypatch):  # type: ignore[no-untyped-def]
    settings.TASKS = DATABASE_TASKS
    client.force_login(officer)

    def refuse(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the change log is down")

    monkeypatch.setattr("gongjiang.imports.services.record_change", refuse)
    with pytest.raises(RuntimeError):
        _upload(client, run_tasks, csv_file([PERSON_HEADER, *person_rows(1)]))
    assert not ImportJob.objects.exists() and not DBTaskResult.objects.exists()
    assert not list(settings.IMPORTS_DIR.glob("*.upload"))


def test_interrupted_jobs_are_marked_failed(client, run_tasks, officer):  # type: ignore[no-untyped-def]
    client.force_login(officer)
    _upload(client, run_tasks, csv_file([PERSON_HEADER, *person_rows(2)]))
    job = ImportJob.objects.get()
    an_hour_ago = job.created - datetime.timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(status="running", started=an_hour_ago)
    storage.ProgressWriter(job.pk, interval=0)("validating", 0.4)  # a worker still reporting: not stalled
    assert import_jobs_recover() == 0
    storage.clear_progress(job.pk)
    with translation.override("en"):  # the request above left its own language active
        assert import_jobs_recover() == 1
    job.refresh_from_db()
    assert job.status == "failed" and "interrupted" in job.summary["file_errors"][0]
    status = client.get(f"/imports/{job.pk}/status/").json()
    assert status["finished"] and status["status"] == "failed"


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_queued_jobs_from_the_database(reference, make_user, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.TASKS = DATABASE_TASKS
    user = make_user("worker_officer", region_code="320582")
    with audit_context(source="web", actor=user):
        job = import_job_create(
            actor=user, kind="persons", data=csv_file([PERSON_HEADER, *person_rows(2)]), filename="t.csv"
        )
    job.refresh_from_db()
    assert job.status == "queued" and DBTaskResult.objects.get().status == "READY"
    with audit_context(source="web", actor=user):
        lost = import_job_create(
            actor=user, kind="persons", data=csv_file([PERSON_HEADER, *person_rows(1)]), filename="lost.csv"
        )
    DBTaskResult.objects.filter(args_kwargs__kwargs__job_id=lost.pk).delete()  # its queue lost the task
    stuck = ImportJob.objects.create(
        kind="persons",
        original_name="died.csv",
        status="running",
        started=job.created - datetime.timedelta(hours=1),
        region_code="320582",
    )
    out = io.StringIO()
    call_command("worker", "--batch", stdout=out)
    for j in (job, lost, stuck):
        j.refresh_from_db()
    assert job.status == "checked" and job.create_count == 2
    assert lost.status == "checked" and lost.create_count == 1
    assert stuck.status == "failed" and "marked 1 interrupted jobs as failed" in out.getvalue()
    assert "queued 2 waiting jobs again" in out.getvalue()
    results = sorted(r.return_value for r in DBTaskResult.objects.all())
    assert results == ["checked", "checked", "not queued"]  # the job whose task was waiting ran once
    out = io.StringIO()
    call_command("worker", "--start-only", stdout=out)
    assert out.getvalue() == ""  # nothing left to repair


def test_api_upload_poll_confirm_and_report(officer, run_tasks):  # type: ignore[no-untyped-def]
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=officer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    upload = io.BytesIO(csv_file([PERSON_HEADER, *person_rows(2), ["坏", "1", "320582", ""]]))
    upload.name = "p.csv"
    with run_tasks():
        response = api.post("/api/imports/", {"kind": "persons", "file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "queued"
    job_id = response.json()["id"]
    body = api.get(f"/api/imports/{job_id}/").json()
    assert body["status"] == "rejected" and body["error_rows"] == 1 and body["report_csv"].endswith("/report/")
    assert body["summary"]["errors_preview"][0]["row"] == 4
    report = api.get(f"/api/imports/{job_id}/report/")
    assert report.status_code == 200 and '"4","身份证号码"' in report.content.decode("utf-8-sig")
    refused = api.post(f"/api/imports/{job_id}/confirm/", {"partial": False}, format="json")
    assert refused.status_code == 400 and Person.objects.count() == 0
    with run_tasks():
        done = api.post(f"/api/imports/{job_id}/confirm/", {"partial": True}, format="json")
    assert done.status_code == 202 and done.json()["status"] == "queued"  # the answer comes before the task
    assert api.get(f"/api/imports/{job_id}/").json()["status"] == "partial" and Person.objects.count() == 2
    assert api.get("/api/imports/").json()["results"][0]["id"] == job_id


def test_api_refuses_auditors_and_oversized_files(make_user, reference, settings):  # type: ignore[no-untyped-def]
    auditor = make_user("api_aud", role="auditor", region_code="320500")
    api = APIClient()
    token, _ = Token.objects.get_or_create(user=auditor)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    upload = io.BytesIO(csv_file([PERSON_HEADER, *person_rows(1)]))
    upload.name = "p.csv"
    assert api.post("/api/imports/", {"kind": "persons", "file": upload}, format="multipart").status_code == 403
    officer = make_user("api_zjg", region_code="320582")
    token, _ = Token.objects.get_or_create(user=officer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    upload = io.BytesIO(csv_file([PERSON_HEADER, *person_rows(5)]))
    upload.name = "p.csv"
    response = api.post("/api/imports/", {"kind": "persons", "file": upload}, format="multipart")
    assert response.status_code == 413 and ImportJob.objects.count() == 0


def test_cli_exit_status_and_report(reference, tmp_path):  # type: ignore[no-untyped-def]
    good = tmp_path / "good.csv"
    good.write_bytes(csv_file([PERSON_HEADER, *person_rows(2)]))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file([PERSON_HEADER, *person_rows(2), ["坏", "1", "320582", ""]]))
    out = io.StringIO()
    call_command("import", "persons", str(good), "--dry-run", stdout=out, stderr=io.StringIO())
    assert "valid" in out.getvalue() and Person.objects.count() == 0
    call_command("import", "persons", str(good), stdout=io.StringIO(), stderr=io.StringIO())
    assert Person.objects.count() == 2
    for report in ("r.csv", "r.xlsx"):
        with pytest.raises(SystemExit) as info:
            call_command(
                "import",
                "persons",
                str(bad),
                "--report",
                str(tmp_path / report),
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
        assert info.value.code == 1 and (tmp_path / report).stat().st_size > 0
    assert '"4","身份证号码","*"' in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    with pytest.raises(SystemExit) as info:
        call_command("import", "persons", str(bad), "--partial", stdout=io.StringIO(), stderr=io.StringIO())
    assert info.value.code == 2


def test_template_and_columns_pages(client, officer):  # type: ignore[no-untyped-def]
    client.force_login(officer)
    assert "统一社会信用代码" in client.get("/imports/columns/").content.decode()
    template = client.get("/imports/template/persons.csv").content.decode("utf-8-sig")
    assert template.startswith('"姓名","身份证号码"')
    assert client.get("/imports/template/certificates.xlsx").content[:2] == b"PK"
