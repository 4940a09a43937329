"""Pages, API, command line and exports of the monitoring app, with region scope for every role."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gongjiang.core.audit import audit_context
from gongjiang.core.models import ChangeRecord
from gongjiang.core.templatetags.gongjiang import comparison_sign
from gongjiang.monitoring import selectors
from gongjiang.monitoring.api.serializers import TargetSerializer
from gongjiang.monitoring.measures import build_store
from gongjiang.monitoring.models import (
    Boundary,
    Carrier,
    EarlyWarning,
    Indicator,
    RollupRun,
    RollupState,
    Target,
    TargetEvaluation,
)
from gongjiang.monitoring.selectors import demo_map_collections
from gongjiang.monitoring.services import (
    boundaries_load,
    carrier_create,
    monitoring_rebuild,
    monitoring_update,
    targets_load,
)
from gongjiang.registry.services import employment_stat_set

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(make_person, make_certificate, make_user, make_org):  # type: ignore[no-untyped-def]
    for region, n in (("320582", 3), ("320505", 2), ("320412", 2), ("320411", 1)):
        for i in range(n):
            p = make_person(region=region, birth=D(1980 + i, 1, 1))
            make_certificate(p, level="level3" if i % 2 == 0 else "level4", national_level=3 if i % 2 == 0 else 4,
                             issue_date=D(2023, 3, 1))  # fmt: skip
            make_certificate(p, level="level5", national_level=5, issue_date=D(2024, 6, 1))
    make_org(region="320582", kind="evaluation")
    with audit_context(source="cli"):
        for region, employed in (("320582", 20), ("320505", 10), ("320412", 10), ("320411", 10)):
            for year in (2023, 2024):
                employment_stat_set(actor=None, region_code=region, year=year, employed=employed)
        targets_load(actor=None)
        boundaries_load(actor=None, collections=demo_map_collections(), source="test", licence="test")
        carrier_create(
            actor=None,
            kind="master_studio",
            name="张家港数控技能大师工作室",
            region_code="320582",
            level="municipal",
            since=D(2018, 1, 1),
        )
        monitoring_rebuild(actor=None)
    users = {
        "province": make_user("province", region_code="320000"),
        "suzhou": make_user("suzhou", region_code="320500"),
        "zhangjiagang": make_user("zhangjiagang", region_code="320582"),
        "changzhou": make_user("changzhou", region_code="320400"),
        "auditor": make_user("auditor", role="auditor", region_code="320500"),
        "enterprise": make_user("enterprise", role="organisation", organisation=make_org(region="320582")),
        "unplaced": make_user("unplaced", region_code=""),
    }
    return users


def api(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def test_every_target_of_the_documents_is_loaded(world) -> None:  # type: ignore[no-untyped-def]
    assert Target.objects.count() == 33
    by_doc = {
        d: Target.objects.filter(document_id=d).count()
        for d in ("JS-2024-37", "CZ-2025-14", "SZ-digital-10", "ZJG-opinion")
    }
    assert by_doc == {"JS-2024-37": 3, "CZ-2025-14": 15, "SZ-digital-10": 8, "ZJG-opinion": 7}
    # Every target carries its document and clause; indicators the platform lacks are marked, not faked.
    assert not Target.objects.filter(clause="").exists()
    # Order classes, apprentices and graduates retained are counted from the labour app.
    missing = Indicator.objects.filter(source="not_collected")
    # Training is counted from the rosters; apprentices, order classes and graduates from the labour app.
    assert missing.count() == 0
    assert Indicator.objects.filter(source="training").count() == 5
    for ev in TargetEvaluation.objects.filter(target__indicator__source="not_collected"):
        assert ev.status == "no_data" and ev.value is None
        assert EarlyWarning.objects.filter(target=ev.target, region_code=ev.region_code, kind="missing_data").exists()
    # Loading again changes nothing.
    with audit_context(source="cli"):
        ind, tgt = targets_load(actor=None)
    assert (ind.created, ind.updated, tgt.created, tgt.updated) == (0, 0, 0, 0)


def test_bad_target_file_names_the_entry_and_writes_nothing(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "targets.yaml"
    bad.write_text(
        "documents: {X: 某文件}\ntargets:\n"
        "  - {key: a, indicator: nope, region: '320500', kind: level, value: 1, baseline_year: 2024,\n"
        "     horizon: 2027, document_id: X, clause: 一}\n"
        "  - {key: b, indicator: new_skilled, region: '320599', kind: cumulative, value: 1,\n"
        "     baseline_year: 2027, horizon: 2027, document_id: Y}\n",
        encoding="utf-8",
    )
    before = (Target.objects.count(), ChangeRecord.objects.count())
    with pytest.raises(ValidationError) as err, audit_context(source="cli"):
        targets_load(actor=None, path=bad)
    text = " ".join(err.value.messages)
    for fragment in ("targets[0] a", "nope", "targets[1] b", "320599", "window_start", "Y"):
        assert fragment in text
    assert (Target.objects.count(), ChangeRecord.objects.count()) == before


def test_dashboard_api_follows_region_scope(world) -> None:  # type: ignore[no-untyped-def]
    province = api(world["province"]).get("/api/monitoring/dashboard/", {"region": "320000"})
    assert province.status_code == 200
    body = province.json()
    assert {k["target"] for k in body["kpis"]} >= {"JS-2024-37/skilled-share-employed", "JS-2024-37/high-share-skilled"}
    assert {c["code"] for c in body["children"]} >= {"320400", "320500"}
    # Warnings are routed up: the province sees Changzhou's and Zhangjiagang's.
    assert {w["region"] for w in body["warnings"]} >= {"320400", "320582"}
    suzhou = api(world["suzhou"])
    assert suzhou.get("/api/monitoring/dashboard/", {"region": "320400"}).status_code == 404
    sz = suzhou.get("/api/monitoring/dashboard/", {"region": "320500"}).json()
    assert all(w["region"].startswith("3205") for w in sz["warnings"])
    assert "320582" in {w["region"] for w in sz["warnings"]}  # a district's warning, seen by its city
    zjg = api(world["zhangjiagang"])
    for region in ("320500", "320505", "320000"):
        assert zjg.get("/api/monitoring/dashboard/", {"region": region}).status_code == 404
    mine = zjg.get("/api/monitoring/warnings/", {"region": "320582"}).json()["warnings"]
    assert mine and {w["region"] for w in mine} == {"320582"}
    assert api(world["auditor"]).get("/api/monitoring/dashboard/", {"region": "320582"}).status_code == 200
    for name in ("enterprise", "unplaced"):
        assert api(world[name]).get("/api/monitoring/dashboard/", {"region": "320582"}).status_code in (403, 404)
    assert APIClient().get("/api/monitoring/dashboard/", {"region": "320582"}).status_code in (401, 403)
    bad = api(world["province"]).get("/api/monitoring/dashboard/", {"region": "32"})
    assert bad.status_code == 400 and "region" in bad.json()
    bad = api(world["province"]).get("/api/monitoring/values/", {"region": "320000", "year": "20x5"})
    assert bad.status_code == 400 and "year" in bad.json()


def test_targets_and_carriers_api(world) -> None:  # type: ignore[no-untyped-def]
    keys = {t["key"] for t in api(world["zhangjiagang"]).get("/api/monitoring/targets/").json()["results"]}
    assert keys and all(k.startswith("ZJG-opinion/") for k in keys)
    row = next(t for t in api(world["province"]).get("/api/monitoring/targets/").json()["results"] if t["evaluation"])
    assert row["evaluation"]["status"] in {
        "on_track",
        "at_risk",
        "off_track",
        "achieved",
        "missed",
        "no_data",
        "monitored",
    }
    payload = {"kind": "public_training_base", "name": "武进智能制造公共实训基地", "region_code": "320412",
               "level": "provincial", "since": "2024-05-01", "digital": True}  # fmt: skip
    assert api(world["suzhou"]).post("/api/monitoring/carriers/", payload, format="json").status_code == 403
    assert api(world["auditor"]).post("/api/monitoring/carriers/", payload, format="json").status_code == 403
    created = api(world["changzhou"]).post("/api/monitoring/carriers/", payload, format="json")
    assert created.status_code == 201, created.content
    again = api(world["changzhou"]).post("/api/monitoring/carriers/", payload, format="json")
    assert again.status_code == 400 and "name" in again.json()
    late = dict(payload, name="x", since="2024-05-01", until="2023-01-01")
    assert api(world["changzhou"]).post("/api/monitoring/carriers/", late, format="json").status_code == 400
    assert Carrier.objects.filter(region_code="320412").count() == 1
    assert ChangeRecord.objects.filter(model="monitoring.Carrier", region_code="320412").count() == 1


def test_values_cli_and_api_agree(world) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("indicators", "show", "--region", "320582", "--year", "2024", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["region"]["code"] == "320582" and data["year"] == 2024
    rows = {r["code"]: r for r in data["indicators"]}
    share = rows["skilled_share_employed"]
    assert (share["numerator"], share["denominator"], share["value"]) == (3, 20, 15.0)
    assert rows["high_share_skilled"]["value"] == pytest.approx(200 / 3, abs=1e-3)
    assert rows["master_studios"]["value"] == 1
    # Every indicator of the documents is counted from the platform's records now; the youth trainees of
    # the rosters (none in this world) are a real zero, not a missing figure.
    assert all(r["collected"] for r in rows.values())
    assert rows["youth_trainees"]["value"] == 0
    targets = {t["target"]: t for t in rows["high_share_skilled"]["targets"]}
    # Zhangjiagang's own 2020 target: nobody held a certificate there in 2020 in this world.
    assert targets["ZJG-opinion/high-share-skilled"]["status"] == "no_data"
    assert "一(二)1" in targets["ZJG-opinion/high-share-skilled"]["source"]
    # Jiangsu's 35% (2025), inherited and judged at the end of 2024 against its trajectory: 66.7% meets it.
    inherited = targets["JS-2024-37/high-share-skilled"]
    assert inherited["inherited"] and inherited["region"] == "320000" and inherited["status"] == "on_track"
    # each target says whether its horizon has passed, and the year its value belongs to
    assert targets["ZJG-opinion/high-share-skilled"]["expired"] and not inherited["expired"]
    assert targets["ZJG-opinion/high-share-skilled"]["value_year"] == 2020 and inherited["value_year"] == 2024
    assert inherited["judgement"] in {"on_track", "on_track_forecast_miss"}
    via_api = api(world["zhangjiagang"]).get("/api/monitoring/values/", {"region": "320582", "year": 2024}).json()
    assert {r["code"]: r["value"] for r in via_api["indicators"]} == {r["code"]: r["value"] for r in data["indicators"]}
    # A quarter: stocks on its last day, flows within it; the year so far for targets.
    q = api(world["zhangjiagang"]).get("/api/monitoring/values/", {"region": "320582", "quarter": "2024Q1"}).json()
    qrows = {r["code"]: r for r in q["indicators"]}
    assert q["as_of"] == "2024-03-31" and q["period"] == "2024Q1"
    assert qrows["skilled_workers"]["value"] == 3 and qrows["new_skilled"]["value"] == 0
    assert qrows["high_skilled_workers"]["value"] == 2  # the 2024 初级 certificates come later
    bad = api(world["zhangjiagang"]).get("/api/monitoring/values/", {"region": "320582", "quarter": "2024Q5"})
    assert bad.status_code == 400 and "quarter" in bad.json()
    digital = api(world["province"]).get("/api/monitoring/breakdowns/", {"region": "320000", "scope": "digital"})
    assert digital.status_code == 200 and set(digital.json()["breakdowns"]) == {
        "industry",
        "occupation",
        "level",
        "sex",
        "age",
    }
    levels = api(world["province"]).get("/api/monitoring/breakdowns/", {"region": "320582", "year": 2024}).json()
    assert {r["member"]: r["skilled"] for r in levels["breakdowns"]["level"]} == {"2": 1, "3": 2}
    # An earlier year is judged as of its own end.
    out = io.StringIO()
    call_command("indicators", "show", "--region", "320582", "--year", "2023", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["as_of"] == "2023-12-31"


def test_incremental_update_reaches_the_dashboard(world, make_person, make_certificate) -> None:  # type: ignore[no-untyped-def]
    before = api(world["province"]).get("/api/monitoring/values/", {"region": "320505"}).json()
    skilled = {r["code"]: r["value"] for r in before["indicators"]}["skilled_workers"]
    p = make_person(region="320505", birth=D(1999, 9, 9))
    make_certificate(p, level="level2", national_level=2, issue_date=D(2024, 12, 1))
    with audit_context(source="cli"):
        rollup, refresh = monitoring_update(actor=None)
    assert rollup.mode == "incremental" and "320505" in rollup.affected_regions and refresh.evaluations > 0
    after = api(world["province"]).get("/api/monitoring/values/", {"region": "320505"}).json()
    assert {r["code"]: r["value"] for r in after["indicators"]}["skilled_workers"] == skilled + 1
    # The API asks for a background update (officers only) and shows its state.
    assert api(world["auditor"]).post("/api/monitoring/rollup/update/").status_code == 403
    response = api(world["changzhou"]).post("/api/monitoring/rollup/update/")
    assert response.status_code == 202 and response.json()["enqueued"]
    # One task waits at a time: asking again enqueues nothing.
    again = api(world["changzhou"]).post("/api/monitoring/rollup/update/").json()
    assert not again["enqueued"] and again["status"] == "queued"
    status = api(world["auditor"]).get("/api/monitoring/rollup/")
    assert status.status_code == 200 and status.json()["status"] == "queued"
    assert api(world["zhangjiagang"]).get("/api/monitoring/rollup/").json()["queued_changes"] == 0


def test_the_overview_refreshes_in_the_background(world, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["auditor"])
    page = client.get("/monitoring/region/320500/")
    assert page.context["rollup"]["status"] == "current"
    assert b'id="rollup-status"' in page.content and b'id="rollup-refresh"' not in page.content
    assert client.post("/monitoring/rollup/refresh/").status_code == 403
    client.force_login(world["suzhou"])
    assert b'id="rollup-refresh"' in client.get("/monitoring/region/320500/").content
    response = client.post("/monitoring/rollup/refresh/", {"next": "/monitoring/region/320500/"})
    assert response.status_code == 302 and response.url == "/monitoring/region/320500/"
    assert DBTaskResult.objects.filter(task_path__endswith="rollup_update_task").count() == 1
    # While it waits for a worker the fragment says so and polls; asking again enqueues nothing.
    fragment = client.get("/monitoring/rollup/")
    assert fragment.context["rollup"]["status"] == "queued" and b"hx-trigger" in fragment.content
    assert client.post("/monitoring/rollup/refresh/", {"next": "https://elsewhere.example/"}).url == "/monitoring/"
    assert DBTaskResult.objects.filter(task_path__endswith="rollup_update_task").count() == 1
    client.force_login(world["enterprise"])
    assert client.get("/monitoring/rollup/").status_code == 403


EXPORT_URLS = [
    "/monitoring/region/320500/",
    "/monitoring/map/320500/",
    "/monitoring/warnings/320500/",
    "/monitoring/forecasts/320500/",
    "/monitoring/targets/",
    "/monitoring/indicators/",
    "/monitoring/carriers/",
]


def test_every_view_exports_xlsx_and_pdf(world, client) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    client.force_login(world["suzhou"])
    for url in EXPORT_URLS:
        assert client.get(url).status_code == 200, url
        xlsx = client.get(url, {"format": "xlsx"})
        assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats"), url
        assert len(load_workbook(io.BytesIO(xlsx.content)).sheetnames) >= 2, url
        pdf = client.get(url, {"format": "pdf"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and b"STSong-Light" in pdf.content, url


def test_dashboard_export_content_and_formula_neutralised(world, client) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from gongjiang.monitoring.exports import Report, to_xlsx

    client.force_login(world["changzhou"])
    book = load_workbook(io.BytesIO(client.get("/monitoring/region/320400/", {"format": "xlsx"}).content))
    first = book.worksheets[1]
    values = [c for row in first.iter_rows(values_only=True) for c in row if c]
    assert "常政办发〔2025〕14号 一" in values
    report = Report(title="t", slug="t")
    report.add("x", ["a"], [["=HYPERLINK(1)"], ["+1"], ["@x"], ["ok"]])
    sheet = load_workbook(io.BytesIO(to_xlsx(report))).worksheets[1]
    assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == ["'=HYPERLINK(1)", "'+1", "'@x", "ok"]


def test_pages_follow_scope(world, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["zhangjiagang"])
    assert client.get("/monitoring/").url == "/monitoring/region/320582/"
    for url in ("/monitoring/region/320500/", "/monitoring/map/320500/", "/monitoring/forecasts/320505/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/monitoring/map/320582/").context["data"]["values"][0]["region"] == "320582"
    client.force_login(world["enterprise"])
    assert client.get("/monitoring/").status_code == 403
    assert client.get("/monitoring/targets/").status_code == 403
    sign_in(client, world["province"])  # the province officer past the second factor too
    page = client.get("/monitoring/map/320000/", {"indicator": "skilled_workers"})
    assert len(page.context["data"]["geojson"]["features"]) == 13
    # An indicator whose data the platform does not hold has no map.
    Indicator.objects.filter(code="youth_trainees").update(source="not_collected")
    assert client.get("/monitoring/map/320000/", {"indicator": "youth_trainees"}).status_code == 404


def test_map_loading(world) -> None:  # type: ignore[no-untyped-def]
    # The demonstration boundaries carry 海门区 as 320684; it is stored under today's code.
    assert Boundary.objects.filter(region_code="320614", parent_code="320600").exists()
    assert not Boundary.objects.filter(region_code="320684").exists()
    assert Boundary.objects.filter(parent_code="320000").count() == 13
    point = {"type": "Feature", "properties": {"name": "x"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}
    bad = {"type": "FeatureCollection", "features": [point]}
    with pytest.raises(ValidationError) as err, audit_context(source="cli"):
        boundaries_load(actor=None, collections=[bad], source="s", licence="l")
    assert "feature 1" in " ".join(err.value.messages)
    with pytest.raises(ValidationError):
        boundaries_load(actor=None, collections=demo_map_collections(), source="", licence="")


def test_zhangjiagang_cards_put_current_targets_first_and_expired_apart(world, client) -> None:  # type: ignore[no-untyped-def]
    body = api(world["zhangjiagang"]).get("/api/monitoring/dashboard/", {"region": "320582"}).json()
    kpis = body["kpis"]
    flags = [k["expired"] for k in kpis]
    assert flags == sorted(flags)  # current first, then expired
    expired = {k["target"] for k in body["kpis_expired"]}
    assert {k["target"] for k in kpis if k["target"].startswith("ZJG-opinion/")} <= expired
    assert all(k["value_year"] == 2020 and k["judgement"] in {"achieved", "missed", "no_data"}
               for k in body["kpis_expired"] if k["target"].startswith("ZJG-opinion/"))  # fmt: skip
    assert all(not k["expired"] for k in body["kpis_current"])
    # The same indicator on two cards (张家港's 2020 opinion and Jiangsu's target, inherited): each card
    # names its document, horizon and the year of its value, so the two values do not contradict.
    by_indicator: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for k in kpis:
        by_indicator.setdefault(k["indicator"], []).append(k)
    for cards in by_indicator.values():
        if len(cards) > 1:
            labels = {(k["source"], k["horizon"], k["value_year"], k["kind"]) for k in cards}
            assert len(labels) == len(cards)
            same_year = {}
            for k in cards:
                if k["kind"] != "cumulative" and k["value"] is not None:
                    assert same_year.setdefault(k["value_year"], k["value"]) == k["value"]
    client.force_login(world["zhangjiagang"])
    page = client.get("/monitoring/region/320582/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "已到期" in page and page.index('id="kpi-cards"') < page.index('id="kpi-expired"')
    assert "2020年数值" in page and "到期未完成" in page


def test_an_officer_changes_a_target_of_the_region_on_a_new_decision(world, client, sign_in) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.core.models import ChangeRecord
    from gongjiang.monitoring.models import Target, TargetEvaluation

    target = Target.objects.filter(region_code__startswith="3205", value__isnull=False).order_by("pk").first()
    foreign = Target.objects.filter(region_code__startswith="3204").order_by("pk").first()
    assert target is not None and foreign is not None
    sign_in(client, world["suzhou"])
    listed = client.get("/monitoring/targets/").content.decode()
    assert f"/monitoring/targets/{target.pk}/edit/" in listed
    assert f"/monitoring/targets/{foreign.pk}/edit/" not in listed
    assert client.get(f"/monitoring/targets/{foreign.pk}/edit/").status_code == 404
    url = f"/monitoring/targets/{target.pk}/edit/"
    refused = client.post(url, {"value": "-5", "horizon": target.baseline_year, "document": "文", "clause": "三"})
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"value", "horizon"}
    assert (
        client.post(url, {"value": "5", "horizon": 2030, "document": "", "clause": "三"})
        .context["form"]
        .errors["document"]
    )
    target.refresh_from_db()
    before = (target.value, target.horizon)
    done = client.post(
        url, {"value": str(before[0] + 1), "horizon": before[1] + 2, "document": "苏人社发〔2026〕8号", "clause": "二"}
    )
    assert done.status_code == 302
    target.refresh_from_db()
    assert (target.value, target.horizon, target.document, target.clause) == (
        before[0] + 1,
        before[1] + 2,
        "苏人社发〔2026〕8号",
        "二",
    )
    assert ChangeRecord.objects.filter(model="monitoring.Target", object_id=str(target.pk), action="update").exists()
    # The judgement was refreshed for the new figure and horizon (the background task, run at once here).
    assert TargetEvaluation.objects.filter(target=target, region_code=target.region_code).exists()
    client.logout()
    sign_in(client, world["auditor"])
    assert client.get(url).status_code == 404


# The targets API reads the page's evaluations in one query, with the answer of one query per target; the
# map reads only its indicator's sources, with the values of a store of every source.


def _targets(user) -> tuple[int, list[dict]]:  # type: ignore[no-untyped-def]
    client = api(user)
    client.get("/api/monitoring/targets/")  # the token's first use
    with CaptureQueriesContext(connection) as ctx:
        answer = client.get("/api/monitoring/targets/")
    assert answer.status_code == 200
    return len(ctx.captured_queries), answer.json()["results"]


def test_targets_api_evaluations_equal_one_query_per_target(world) -> None:  # type: ignore[no-untyped-def]
    _, rows = _targets(world["province"])
    assert rows and any(r["evaluation"] for r in rows)
    for row in rows:
        target = Target.objects.select_related("indicator").get(pk=row["id"])
        # Without the list's prefetch the serializer reads the evaluation by its own query.
        assert row["evaluation"] == TargetSerializer().get_evaluation(target), row["key"]


@pytest.mark.audit_unguarded  # the test removes targets directly, to list fewer
def test_targets_api_queries_do_not_grow_with_the_targets(world) -> None:  # type: ignore[no-untyped-def]
    many, rows = _targets(world["province"])
    assert len(rows) >= 6
    Target.objects.filter(pk__in=[r["id"] for r in rows[3:]]).delete()
    few, rows = _targets(world["province"])
    assert len(rows) < 6
    assert many == few


def test_map_values_equal_those_of_a_store_of_every_source(world) -> None:  # type: ignore[no-untyped-def]
    st = selectors.state()
    assert st is not None and st.data_as_of is not None
    checked = 0
    for code in ("320000", "320500", "320582"):
        for ind in Indicator.objects.exclude(source="not_collected"):
            data = selectors.map_data(code, ind.code)
            codes = [v["region"] for v in data["values"]]
            assert codes
            full = build_store(codes, with_organisations=ind.source == "organisations")
            assert full is not None
            expected = [selectors._round(full.value(ind, c, str(data["year"])).value) for c in codes]
            assert [v["value"] for v in data["values"]] == expected, (code, ind.code)
            checked += sum(1 for v in expected if v is not None)
    assert checked > 0
    assert Boundary.objects.exists()


UTC_EVENING = datetime.datetime(2026, 12, 7, 18, 50, tzinfo=datetime.UTC)  # 2026-12-08 02:50 in 张家港


def test_the_overview_shows_the_rollup_time_in_local_time_and_signs_as_maths(world, client) -> None:  # type: ignore[no-untyped-def]
    assert RollupState.objects.filter(pk=1).update(built_at=UTC_EVENING) == 1
    client.force_login(world["zhangjiagang"])
    with translation.override("zh-hans"):
        page = client.get("/monitoring/region/320582/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "汇总生成于2026-12-08 02:50" in page and "2026-12-07 18:50" not in page
        assert "目标 ≥" in page and "&gt;=" not in page and "&lt;=" not in page
        started = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=5)
        RollupRun.objects.update_or_create(pk=1, defaults={"running": "update", "started_at": started})
        fragment = client.get("/monitoring/rollup/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"自{timezone.localtime(started):%Y-%m-%d %H:%M}起" in fragment and started.isoformat()[:16] not in fragment


def test_comparison_signs() -> None:
    assert [comparison_sign(c) for c in (">=", ">", "<=", "<")] == ["≥", ">", "≤", "<"]
