"""Import in a real browser: upload a CSV with an error, read and download the error report, fix the file,
import it (background job with a progress bar, run by a database worker), and find the rows in the person
list; then export."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker

from gongjiang.synth.ids import make_id_number

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "姓名,身份证号码,居住地区划代码,手机号码"


@pytest.fixture
def worker(settings):  # type: ignore[no-untyped-def]
    """Tasks wait in the database, as in production, for a database worker running in a thread."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    running = Worker(
        queue_names=["default"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-test",
        excluded_queue_names=[],
    )

    def work() -> None:
        try:
            running.run()
        finally:
            connections.close_all()  # this thread's connections

    thread = threading.Thread(target=work, name="task-worker", daemon=True)
    thread.start()
    yield running
    running.running = False
    thread.join(timeout=10)


@pytest.fixture
def officer(reference, make_user, settings, tmp_path, worker):  # type: ignore[no-untyped-def]
    settings.IMPORTS_DIR = tmp_path / "imports"
    return make_user("zhangjiagang", region_code="320582")


def _csv(rows: list[str]) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode("gbk")  # as Windows Excel saves it


def _upload(page, live_server, data: bytes, name: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/imports/")
    page.select_option("#id_kind", "persons")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "text/csv", "buffer": data}])
    page.click("#upload-submit")
    page.wait_for_url("**/imports/*/")


def test_upload_error_report_fix_import_and_find_the_rows(officer, login, live_server, tmp_path):  # type: ignore[no-untyped-def]
    from gongjiang.registry.models import Person

    page = login("zhangjiagang")
    people = [
        ("浏览器甲", make_id_number("320582", datetime.date(1988, 3, 9), 11)),
        ("浏览器乙", make_id_number("320582", datetime.date(1991, 7, 1), 22)),
    ]
    wrong = people[1][1][:17] + ("1" if people[1][1][17] != "1" else "2")  # a typo in the check digit
    _upload(
        page,
        live_server,
        _csv([f"{people[0][0]},{people[0][1]},320582,", f"{people[1][0]},{wrong},320582,"]),
        "名册.csv",
    )

    page.wait_for_selector("#job-invalid")
    rows = page.locator("#error-table tbody tr")
    assert rows.count() == 1
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[0] == "3" and cells[1] == "身份证号码"
    assert wrong not in page.content() and cells[2].startswith(wrong[:4]) and "*" in cells[2]
    with page.expect_download() as info:
        page.click("#report-csv")
    report = tmp_path / "report.csv"
    info.value.save_as(report)
    text = report.read_text(encoding="utf-8-sig")
    assert '"3","身份证号码"' in text and wrong not in text
    assert Person.objects.count() == 0

    _upload(page, live_server, _csv([f"{n},{i},320582,13812345678" for n, i in people]), "名册-修正.csv")
    page.wait_for_selector("#job-valid")
    assert page.locator("#count-new").inner_text() == "2"
    assert Person.objects.count() == 0  # checked, not yet imported
    page.click("#confirm-import")
    page.wait_for_selector("#job-imported", timeout=30000)
    assert Person.objects.count() == 2

    page.goto(f"{live_server.url}/registry/persons/")
    names = set(page.locator("#person-table tbody tr td:nth-child(2)").all_inner_texts())
    assert {"浏览器甲", "浏览器乙"} <= names

    with page.expect_download() as info:
        page.click("#export-csv")
    exported = tmp_path / "persons.csv"
    info.value.save_as(exported)
    text = exported.read_text(encoding="utf-8-sig")
    assert "浏览器甲" in text and people[0][1] not in text and people[0][1][:4] + "**" in text
