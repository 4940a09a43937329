"""Exports of the filtered lists: scope, masking, formula neutralisation, CSV and XLSX."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from gongjiang.core.tabular import neutralise

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_person, make_org, make_certificate, make_user):  # type: ignore[no-untyped-def]
    from gongjiang.registry.models import Organisation, Person

    zjg = make_person(region="320582", name="张家港人", phone="13812345678")
    huqiu = make_person(region="320505", name="虎丘人", phone="")
    changzhou = make_person(region="320412", name="武进人")
    org = make_org(region="320582", name="精工")
    # Names stored before the services refused formula-like names (core.plausible): exports must still
    # neutralise them. Written straight to the table, as such older data came.
    Person.objects.filter(pk=zjg.pk).update(name='=HYPERLINK("http://evil","x")')
    Organisation.objects.filter(pk=org.pk).update(name="-2+3 精工")
    zjg.refresh_from_db()
    org.refresh_from_db()
    make_org(region="320412", name="武进纺织")
    make_certificate(zjg, issuer=org)
    make_certificate(changzhou)
    return {
        "zjg": zjg,
        "huqiu": huqiu,
        "changzhou": changzhou,
        "org": org,
        "suzhou": make_user("sz", region_code="320500"),
        "changzhou_officer": make_user("cz", region_code="320400"),
        "org_user": make_user("orguser", role="organisation", organisation=org),
    }


def _csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_neutralise_covers_formula_starts() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝1"):
        assert neutralise(text) == "'" + text
    assert neutralise("张三") == "张三" and neutralise(5) == 5 and neutralise(None) is None


def test_person_export_is_scoped_masked_and_neutralised(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["suzhou"])
    response = client.get("/imports/export/persons/?format=csv")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    rows = _csv(response)
    names = {row[1] for row in rows[1:]}
    assert names == {'\'=HYPERLINK("http://evil","x")', "虎丘人"}
    text = str(rows)
    for person in (world["zjg"], world["huqiu"]):
        assert person.id_number not in text and person.id_number_masked in text
    assert "13812345678" not in text and "138****5678" in text


def test_filters_of_the_list_page_apply(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["suzhou"])
    rows = _csv(client.get("/imports/export/persons/", {"region": "320505", "format": "csv", "page": "3"}))
    assert [row[1] for row in rows[1:]] == ["虎丘人"]
    # A filter never widens the scope.
    assert len(_csv(client.get("/imports/export/persons/", {"region": "320412"}))) == 1


def test_xlsx_export_cells_are_text_not_formulas(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["suzhou"])
    response = client.get("/imports/export/organisations/?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert [v[2] for v in values[1:]] == ["'-2+3 精工"]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    persons = load_workbook(io.BytesIO(client.get("/imports/export/persons/?format=xlsx").content)).active
    names = [row[1].value for row in persons.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://evil","x")' in names


def test_certificate_export_masks_the_holder(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["suzhou"])
    rows = _csv(client.get("/imports/export/certificates/"))
    assert len(rows) == 2
    assert world["zjg"].name not in str(rows) and world["zjg"].id_number not in str(rows)
    client.force_login(world["changzhou_officer"])
    rows = _csv(client.get("/imports/export/certificates/"))
    assert len(rows) == 2 and "武*人" in rows[1]


def test_organisation_user_exports_only_their_records(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["org_user"])
    assert len(_csv(client.get("/imports/export/persons/"))) == 1  # no employees linked in this world
    orgs = _csv(client.get("/imports/export/organisations/"))
    assert [row[1] for row in orgs[1:]] == [world["org"].uscc]


def test_export_limits_and_anonymous(client, world, settings):  # type: ignore[no-untyped-def]
    assert client.get("/imports/export/persons/").status_code == 302
    client.force_login(world["suzhou"])
    settings.EXPORT_MAX_ROWS = 1
    assert client.get("/imports/export/persons/").status_code == 400
    assert client.get("/imports/export/secrets/").status_code == 403


def test_list_pages_carry_export_buttons_with_the_filters(client, world):  # type: ignore[no-untyped-def]
    client.force_login(world["suzhou"])
    for url, kind in (
        ("/registry/persons/?region=320505", "persons"),
        ("/registry/organisations/", "organisations"),
        ("/credentials/certificates/", "certificates"),
    ):
        html = client.get(url).content.decode()
        assert f"/imports/export/{kind}/?" in html and "format=xlsx" in html
    html = client.get("/registry/persons/?region=320505").content.decode()
    assert 'href="/imports/export/persons/?region=320505&amp;format=xlsx"' in html


def test_employment_export_is_streamed_in_scope(client, world, make_org):  # type: ignore[no-untyped-def]
    import datetime

    from gongjiang.core.audit import audit_context
    from gongjiang.registry.services import employment_create

    wujin_org = make_org(region="320412", name="武进纺织二厂")
    with audit_context(source="cli"):
        for person, org in (
            (world["zjg"], world["org"]),
            (world["huqiu"], world["org"]),
            (world["changzhou"], wujin_org),
        ):
            employment_create(actor=None, person=person, organisation=org, start=datetime.date(2024, 3, 1))
    client.force_login(world["suzhou"])
    rows = _csv(client.get("/imports/export/employments/?format=csv"))
    assert len(rows[0]) == 8 and all(len(row) == 8 for row in rows)
    assert sorted(row[1] for row in rows[1:]) == sorted(['\'=HYPERLINK("http://evil","x")', "虎丘人"])
    assert {row[2] for row in rows[1:]} == {"'-2+3 精工"} and all(row[6] == "2024-03-01" for row in rows[1:])
    client.force_login(world["changzhou_officer"])
    rows = _csv(client.get("/imports/export/employments/?format=csv"))
    assert [row[1:3] for row in rows[1:]] == [["武进人", "武进纺织二厂"]]
