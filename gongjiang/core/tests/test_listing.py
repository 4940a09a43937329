"""Lists at province scale: counts capped and estimated, pages numbered within the counted rows and then
continued by key, on the pages and in the API, and the city filter equal to the region-prefix filter."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

from gongjiang.core import listing, pages
from gongjiang.core.scope import region_q
from gongjiang.registry.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_pages(monkeypatch):  # type: ignore[no-untyped-def]
    """Counts capped at 5 rows and pages of 2, so a list of a dozen rows has numbered pages and pages by key."""
    monkeypatch.setattr(listing, "COUNT_CAP", 5)
    monkeypatch.setattr(pages, "PER_PAGE", 2)


@pytest.fixture
def persons(make_person):  # type: ignore[no-untyped-def]
    """Eleven persons in 张家港 and three in 常州: the Suzhou officer's list holds the eleven."""
    here = [make_person(region="320582", name=f"张{i}") for i in range(11)]
    for _ in range(3):
        make_person(region="320402", name="常某")
    return here


def _shown(body: str) -> list[int]:
    """The persons a table shows, in order (a row links its person more than once)."""
    return list(dict.fromkeys(int(i) for i in re.findall(r'href="/registry/persons/(\d+)/"', body)))


def _walk(client: Client, url: str) -> tuple[list[int], list[str]]:
    """Follow a list's "next" links to its end: the ids shown, and the addresses taken."""
    ids: list[int] = []
    taken = [url]
    while True:
        page = client.get(url).content.decode()
        body = page.split('id="register-table"', 1)[1]
        ids += _shown(body)
        found = re.search(r'href="\?([^"]*)" id="pager-next"', body)
        if not found:
            return ids, taken
        url = "/registry/persons/?" + found.group(1).replace("&amp;", "&")
        taken.append(url)


def test_list_count_is_exact_up_to_the_cap_and_honest_above(persons, make_user) -> None:  # type: ignore[no-untyped-def]
    qs = Person.objects.filter(residence_region_code="320582")
    assert listing.list_count(qs, cap=20) == listing.ListCount(11)
    above = listing.list_count(qs, cap=5)
    if connection.vendor == "postgresql":
        # The planner's estimate, whatever it is, is said to be one; or, when it is not above the cap, the cap.
        assert above.kind in ("about", "over") and above.value >= 5
    else:
        assert above == listing.ListCount(5, "over")
    with translation.override("zh-hans"):
        assert str(listing.ListCount(5, "over")) == "超过5条记录"
        assert str(listing.ListCount(2_640_000, "about")) == "约2,640,000条记录"
        assert str(listing.ListCount(11)) == "共11条记录"
        assert listing.ListCount(12_000, "over").figure == "超过12,000"


def test_person_list_walks_by_number_then_by_key_to_the_end(small_pages, persons, make_user, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user("walker", region_code="320500"))
    first = client.get("/registry/persons/").content.decode()
    assert "条记录" in first and ("超过5条记录" in first or "约" in first)
    ids, taken = _walk(client, "/registry/persons/")
    expected = sorted((p.pk for p in persons), reverse=True)
    assert ids == expected  # every person in scope once, newest first, none from 常州
    # Pages 1-3 are numbered (the 5 counted rows at 2 a page); the pages after go on by key.
    assert not any("after=" in u for u in taken[:3]) and all("after=" in u for u in taken[3:])
    assert len(taken) == 6
    deep = client.get(taken[4]).content.decode()
    assert 'id="pager-first"' in deep and "第5页" in deep


def test_a_page_by_key_reads_the_rows_after_the_key(small_pages, persons, make_user, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user("keyed", region_code="320582"))
    middle = sorted(p.pk for p in persons)[6]
    page = client.get(f"/registry/persons/?page=9&after={middle}").content.decode()
    shown = _shown(page.split('id="register-table"', 1)[1])
    assert shown == sorted((p.pk for p in persons if p.pk < middle), reverse=True)[:2]


def test_a_malformed_key_or_page_says_so_and_shows_the_first_page(small_pages, persons, make_user, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_user("bad", region_code="320582"))
    for query in ("after=abc", "page=0", "page=x"):
        page = client.get(f"/registry/persons/?{query}").content.decode()
        assert "翻页地址无效" in page or "页码须为从1开始的整数" in page, query
        shown = _shown(page.split('id="register-table"', 1)[1])
        assert shown == sorted((p.pk for p in persons), reverse=True)[:2]


def test_api_list_goes_on_by_key_past_its_numbered_pages(monkeypatch, persons, make_user, client) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.core.api import ListPagination

    monkeypatch.setattr(listing, "COUNT_CAP", 5)
    monkeypatch.setattr(ListPagination, "page_size", 2)
    client.force_login(make_user("api", region_code="320582"))
    body = client.get("/api/persons/").json()
    assert body["count_kind"] in ("over", "about") and body["previous"] is None
    ids, url, steps = [], "/api/persons/", []
    while url:
        body = client.get(url).json()
        ids += [r["id"] for r in body["results"]]
        url = body["next"] and body["next"].replace("http://testserver", "")
        steps.append(url or "")
    assert ids == sorted(p.pk for p in persons)  # the API's order: by id
    assert any("after=" in s for s in steps) and "page=2" in steps[0]
    assert client.get("/api/persons/?page=0").status_code == 404


def test_city_filter_matches_the_region_prefix(persons, make_person) -> None:  # type: ignore[no-untyped-def]
    make_person(region="320505")
    make_person(region="320100")
    by_city = set(Person.objects.filter(region_q("residence_region_code", "320500")).values_list("pk", flat=True))
    by_prefix = set(Person.objects.filter(residence_region_code__startswith="3205").values_list("pk", flat=True))
    assert by_city == by_prefix and len(by_city) == 12
    district = set(Person.objects.filter(region_q("residence_region_code", "320582")).values_list("pk", flat=True))
    assert district == {p.pk for p in persons}


def test_home_reads_skilled_workers_from_the_rollup(persons, make_certificate, make_user, client) -> None:  # type: ignore[no-untyped-def]
    import datetime

    from gongjiang.core.audit import audit_context
    from gongjiang.monitoring.models import RegionFact, RollupState
    from gongjiang.monitoring.rollup import rollup_rebuild

    make_certificate(persons[0], level="level3", issue_date=datetime.date(2024, 3, 1))
    make_certificate(persons[1], level="level5", national_level=5, issue_date=datetime.date(2024, 3, 1))
    client.force_login(make_user("home", region_code="320500"))
    before = client.get("/").content.decode()
    # No rollup yet: the valid certificates, counted.
    assert 'id="kpi-certificates">2<' in before and "kpi-skilled" not in before
    with audit_context(source="cli"):
        rollup_rebuild()
    state = RollupState.objects.get()
    fact = RegionFact.objects.get(
        region_code="320500", scope="all", dim="all", member="total", period=str(state.data_as_of.year)
    )
    assert (fact.skilled, fact.high) == (2, 1)
    # A certificate issued after the rollup changes the table, not the rollup's figure until its update.
    make_certificate(persons[2], level="level3", issue_date=datetime.date(2024, 3, 2))
    page = client.get("/").content.decode()
    assert 'id="kpi-skilled">2<' in page and 'id="kpi-high-skilled">1<' in page
    assert f"数据截至{state.data_as_of:%Y-%m-%d}" in page and "kpi-certificates" not in page
    assert 'id="kpi-persons">11<' in page


def test_certificates_newest_first_and_on_by_key(small_pages, persons, make_certificate, make_user, client) -> None:  # type: ignore[no-untyped-def]
    import datetime

    certs = [make_certificate(p, issue_date=datetime.date(2024, 1, 1 + i % 20)) for i, p in enumerate(persons * 2)]
    client.force_login(make_user("certs", region_code="320500"))
    url, ids = "/credentials/certificates/", []
    while url:
        body = client.get(url).content.decode().split('id="register-table"', 1)[1]
        ids += list(dict.fromkeys(int(i) for i in re.findall(r'href="/credentials/certificates/(\d+)/"', body)))
        found = re.search(r'href="\?([^"]*)" id="pager-next"', body)
        url = "/credentials/certificates/?" + found.group(1).replace("&amp;", "&") if found else ""
    assert ids == [c.pk for c in sorted(certs, key=lambda c: c.pk, reverse=True)]


def test_region_lists_are_led_by_the_region_key_of_their_index(persons, make_certificate, make_user) -> None:  # type: ignore[no-untyped-def]
    """A district's and a city's default list (newest first) is ordered by the region key its scope holds
    constant and then the id, which only the (code, id) and (city, id) indexes give; the rows are the same
    as by id alone. The province and sorted lists keep their order."""
    from gongjiang.core.listing import scope_ordered
    from gongjiang.core.scope import restrict
    from gongjiang.credentials.models import Certificate
    from gongjiang.registry.models import Person

    for p in persons:
        make_certificate(p)
    city, district, province = (
        make_user("o-city", region_code="320500"),
        make_user("o-district", region_code="320582"),
        make_user("o-province", region_code="320000"),
    )
    for model in (Person, Certificate):
        for user in (city, district, province):
            plain = list(restrict(model.objects.all(), user).order_by("-pk").values_list("pk", flat=True))
            led = scope_ordered(restrict(model.objects.all(), user), user, ["-pk"])
            assert list(led.values_list("pk", flat=True)) == plain
            sql = str(led.query).upper()
            order = sql.rsplit("ORDER BY", 1)[1]
            if user is city:
                assert "SUBSTR" in order and order.index("SUBSTR") < order.index('"ID"')
            elif user is district:
                assert "REGION_CODE" in order and order.index("REGION_CODE") < order.index('"ID"')
            else:
                assert "REGION_CODE" not in order and "SUBSTR" not in order
        sorted_by_name = scope_ordered(
            restrict(model.objects.all(), city), city, ["-issue_date" if model is Certificate else "name", "-pk"]
        )
        assert "SUBSTR" not in str(sorted_by_name.query).upper().rsplit("ORDER BY", 1)[1]


def test_a_district_is_a_range_without_an_index_of_the_code_alone(persons, make_certificate, make_user) -> None:  # type: ignore[no-untyped-def]
    """Certificates and employments have only the (code, id) index of their region: a district officer's
    rows are found by a closed range of the code, so that the database keeps the list's order by (code,
    id) instead of taking the code for a constant; persons (with an index of the code alone) keep the
    equality. The rows are the same either way."""
    from gongjiang.core.scope import restrict
    from gongjiang.credentials.models import Certificate
    from gongjiang.registry.models import Employment, Person

    for p in persons:
        make_certificate(p)
    district = make_user("o-range", region_code="320582")
    for model, path, ranged in (
        (Certificate, "region_code", True),
        (Employment, "region_code", True),
        (Person, "residence_region_code", False),
    ):
        scoped = restrict(model.objects.all(), district)
        where = str(scoped.query).upper().split("WHERE", 1)[1]
        assert (">= 320582" in where and "<= 320582" in where) is ranged, (model, where)
        assert ("= 320582" in where.replace(">= 320582", "").replace("<= 320582", "")) is not ranged
        assert set(scoped.values_list("pk", flat=True)) == set(
            model.objects.filter(**{path: "320582"}).values_list("pk", flat=True)
        )
    assert Certificate.objects.filter(region_code="320582").exists()
