"""What a list page costs besides its rows' query: a table body written in one pass that is what
django-tables2's template writes, queries that do not grow with the rows shown, and a numbered page
read by its keys first that holds the rows the plain offset gives."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from gongjiang.core import listing, pages
from gongjiang.core.audit import audit_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(make_person, make_org, make_certificate):  # type: ignore[no-untyped-def]
    """Twelve persons and organisations of 张家港, each person with a certificate and an employment (every
    third one ended)."""
    from gongjiang.registry.services import employment_create

    orgs = [make_org(region="320582") for _ in range(12)]
    persons = [make_person(region="320582", name=f"张{i}") for i in range(12)]
    with audit_context(source="cli"):
        for i, p in enumerate(persons):
            end = datetime.date(2024, 1, 1) if i % 3 == 0 else None
            employment_create(actor=None, person=p, organisation=orgs[i], start=datetime.date(2020, 1, 1 + i), end=end)
    certs = [make_certificate(p, issue_date=datetime.date(2023, 1, 1 + i)) for i, p in enumerate(persons)]
    return persons, certs, orgs


def _body(html: str) -> str:
    """The table's body, whitespace between elements dropped."""
    body = re.search(r"<tbody.*?</tbody>", html, re.S)
    assert body is not None
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", body.group(0))).strip()


def test_table_body_is_what_the_library_template_writes(district, make_user) -> None:  # type: ignore[no-untyped-def]
    """Every register table of the people, certificate and change-log lists, on a page of rows and when
    empty, written by core.tablebody and by django-tables2's own Bootstrap template: the same HTML (row
    classes, cell attributes, links, dates, defaults of empty cells)."""
    import django_tables2 as tables

    from gongjiang.core.models import ChangeRecord
    from gongjiang.core.tables import ChangeRecordTable
    from gongjiang.credentials.models import Certificate
    from gongjiang.credentials.tables import CertificateTable
    from gongjiang.registry.models import Employment, Organisation, Person
    from gongjiang.registry.tables import EmploymentTable, OrganisationTable, PersonTable

    class Computed(PersonTable):  # a cell attribute and a row attribute computed per record
        name = tables.Column(attrs={"td": {"data-n": lambda record: record.pk % 3}})

        class Meta(PersonTable.Meta):
            row_attrs = {"data-id": lambda record: record.pk}

    request = RequestFactory().get("/")
    request.user = make_user("viewer", region_code="320582")
    cases = [
        (PersonTable, Person.objects.order_by("-pk")),
        (Computed, Person.objects.order_by("-pk")),
        (OrganisationTable, Organisation.objects.order_by("-pk")),
        (EmploymentTable, Employment.objects.select_related("person", "organisation", "occupation").order_by("-pk")),
        (CertificateTable, Certificate.objects.select_related("person", "occupation", "level").order_by("-pk")),
        (ChangeRecordTable, ChangeRecord.objects.order_by("-pk")[:20]),
        (PersonTable, Person.objects.none()),
    ]
    for table_class, qs in cases:
        written = []
        for template in ("tables/bootstrap5.html", "django_tables2/bootstrap5.html"):
            table = table_class(list(qs), template_name=template)
            tables.RequestConfig(request, paginate=False).configure(table)
            written.append(_body(render_to_string("core/_register_table.html", {"table": table}, request)))
        assert written[0] == written[1], table_class.__name__
        assert written[0].count("<tr") == max(1, len(list(qs)))


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    "url", ["/registry/persons/", "/registry/employments/", "/credentials/certificates/", "/registry/organisations/"]
)
def test_list_page_queries_do_not_grow_with_its_rows(district, make_user, client, monkeypatch, url) -> None:  # type: ignore[no-untyped-def]
    """A list page's queries are as many for 2 rows as for 10, on its first page and on a later numbered
    page (read by its keys, then its rows): no query per row."""
    client.force_login(make_user("district", region_code="320582"))
    counts = {}
    for per_page in (2, 10):
        monkeypatch.setattr(pages, "PER_PAGE", per_page)
        body = client.get(url).content.decode().split('id="register-table"', 1)[1]
        shown = len(re.findall(r"<tr [^>]*class=\"(?:even|odd)", body))
        assert shown == per_page
        counts[per_page] = (_queries(client, url), _queries(client, url + "?page=2"))
    assert counts[2] == counts[10]
    first, second = counts[2]
    assert second == first + 1  # a later page: its keys, then its rows


def test_numbered_page_by_keys_holds_the_offsets_rows(district, make_user) -> None:  # type: ignore[no-untyped-def]
    """Every numbered page, the last one included, holds the rows of the plain offset, in its order, for
    the default order and for a sorted one."""
    from gongjiang.core.scope import restrict
    from gongjiang.credentials.models import Certificate
    from gongjiang.registry.models import Employment

    user = make_user("offsets", region_code="320500")
    for model, ordering in (
        (Certificate, ["-pk"]),
        (Certificate, ["issue_date", "-pk"]),
        (Employment, ["-pk"]),
        (Employment, ["end", "-start", "pk"]),
    ):
        qs = listing.scope_ordered(restrict(model.objects.select_related("person"), user), user, ordering)
        every = list(qs)
        assert len(every) == 12
        for start in range(0, 13, 5):
            assert listing.offset_rows(qs, start, 5) == every[start : start + 5], (model, ordering, start)
        assert listing.offset_rows(qs, 11, 5) == every[11:]  # the last page, part full
        assert listing.offset_rows(qs, 12, 5) == []
