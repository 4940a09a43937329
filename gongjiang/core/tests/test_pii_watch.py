"""The suite-wide watch for personal numbers in log lines and addresses (pii_watch.py) sees what it must:
the ID number of an old-style GET search, a mobile number logged, a number in a redirect; and the platform
refuses an address that holds one."""

from __future__ import annotations

import logging

import pytest

from gongjiang.core.validators import personal_numbers_in


def test_personal_numbers_in_text() -> None:
    import datetime

    from gongjiang.synth.ids import make_id_number

    valid = make_id_number("320582", datetime.date(1990, 5, 17), 12)
    assert personal_numbers_in(f"GET /api/persons/?id_number={valid} 200") == [valid]
    assert personal_numbers_in("call +8613812345678 now") == ["13812345678"]
    # Near misses stay quiet: a wrong check digit, a certificate number, a credit code, 12 digits.
    wrong = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    assert personal_numbers_in(f"{wrong} S3205000000241000001 91320582MA1XXXXX0X 138123456789") == []


@pytest.mark.django_db
def test_the_watch_sees_an_id_number_in_a_get_search_and_the_platform_refuses_it(
    client, make_user, make_person, pii_watch
) -> None:  # type: ignore[no-untyped-def]
    person = make_person(region="320582")
    client.force_login(make_user(region_code="320582"))
    with pii_watch.expected() as seen:
        response = client.get("/api/persons/", {"id_number": person.id_number})
    assert any(person.id_number in line and line.startswith("address") for line in seen)
    assert response.status_code == 400
    assert "POST /api/persons/search/" in response.json()["detail"]
    with pii_watch.expected() as seen:
        page = client.get(f"/registry/persons/?q=&id_number={person.id_number}")
    assert seen and page.status_code == 400
    with pii_watch.expected() as seen:
        assert client.get("/registry/persons/", {"q": "13812345678"}).status_code == 400
    assert any("13812345678" in line for line in seen)


def test_the_watch_sees_numbers_logged(pii_watch) -> None:  # type: ignore[no-untyped-def]
    with pii_watch.expected() as seen:
        logging.getLogger("gongjiang.anything").warning("holder phone %s", "15912345678")
        logging.getLogger("django.server").info('"GET /x?p=%s HTTP/1.1" 200', "13912345678")
    assert len(seen) == 2 and all(line.startswith("log ") for line in seen)
    with pii_watch.expected() as seen:
        logging.getLogger("gongjiang.anything").warning("request %s done", "0123456789abcdef")
    assert seen == []


def test_a_finding_outside_expected_fails_the_test(pii_watch) -> None:  # type: ignore[no-untyped-def]
    """What the autouse check does at the end of every test, done here by hand."""
    pii_watch.see("log test", "phone 13812345678")
    found = pii_watch.take()
    assert found and "13812345678" in found[0]
