"""Public certificate verification, page and API: answers, masking, no enumeration oracle, the rate
limit (also as a counter shared through Redis), the client address behind a proxy, and the log."""

from __future__ import annotations

import datetime
import json
import logging
import uuid

import pytest
from django.core.cache import caches
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from gongjiang.core.models import ChangeRecord
from gongjiang.credentials.models import VerificationEvent
from gongjiang.credentials.services import certificate_revoke
from gongjiang.portal import ratelimit
from gongjiang.portal import redis_counter as counter_module

API = "/api/verify/"
PAGE = "/verify/"


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def holder(make_person, make_org, make_certificate):  # type: ignore[no-untyped-def]
    person = make_person(name="欧阳明华", birth=datetime.date(1968, 4, 12))
    org = make_org(kind="evaluation", name="张家港市技能鉴定中心")
    cert = make_certificate(person, issuer=org)
    return person, cert


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def _post(api: APIClient, **data: object):  # type: ignore[no-untyped-def]
    return api.post(API, data, format="json")


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------


def test_valid_by_name_answers_the_certificate_masked(api, holder) -> None:  # type: ignore[no-untyped-def]
    person, cert = holder
    r = _post(api, number=cert.number, name="欧阳明华")
    assert r.status_code == 200
    body = r.json()
    assert body["result"] == "valid"
    c = body["certificate"]
    assert c["number"] == cert.number and c["status"] == "valid" and c["revoked_on"] is None
    assert c["occupation"] == {"code": "6-31-01-03", "name": cert.occupation.name}
    assert c["level"]["name"] == cert.level.name
    assert c["issuer"] == "张家港市技能鉴定中心"
    assert c["issue_date"] == "2024-06-01"
    assert c["holder_name_masked"] == "欧**华"
    full_id = person.id_number
    assert c["holder_id_number_masked"] == full_id[:4] + "*" * 10 + full_id[-4:]
    # The ID number that was not supplied is never confirmed in full, nor is any internal id given.
    text = r.content.decode()
    assert full_id not in text and full_id[4:14] not in text
    assert "person" not in c and "id" not in c


def test_valid_by_id_number_never_confirms_the_name(api, holder) -> None:  # type: ignore[no-untyped-def]
    person, cert = holder
    r = _post(api, number=cert.number.lower(), id_number=person.id_number.lower())
    assert r.json()["result"] == "valid"
    text = r.content.decode()
    assert "欧阳明华" not in text
    assert person.id_number not in text  # not even the one supplied is echoed


def test_a_first_generation_15_digit_id_number_is_accepted(api, holder) -> None:  # type: ignore[no-untyped-def]
    person, cert = holder
    id18 = person.id_number
    id15 = id18[:6] + id18[8:17]
    assert _post(api, number=cert.number, id_number=id15).json()["result"] == "valid"


def test_name_and_id_number_must_both_match_when_both_given(api, holder, make_person) -> None:  # type: ignore[no-untyped-def]
    person, cert = holder
    other = make_person(name="欧阳明华", birth=datetime.date(1970, 1, 2))
    assert _post(api, number=cert.number, name="欧阳明华", id_number=person.id_number).json()["result"] == "valid"
    assert _post(api, number=cert.number, name="欧阳明华", id_number=other.id_number).json() == {"result": "not_found"}


def test_revoked_answers_revoked_with_the_date(api, holder) -> None:  # type: ignore[no-untyped-def]
    _, cert = holder
    certificate_revoke(actor=None, certificate=cert, revoked_on=datetime.date(2025, 3, 4), reason="舞弊")
    body = _post(api, number=cert.number, name="欧阳明华").json()
    assert body["result"] == "revoked"
    assert body["certificate"]["status"] == "revoked"
    assert body["certificate"]["revoked_on"] == "2025-03-04"
    assert "舞弊" not in json.dumps(body, ensure_ascii=False)  # the reason is internal


def test_no_oracle_wrong_name_and_unknown_number_answer_identically(api, holder, make_person, make_certificate) -> None:  # type: ignore[no-untyped-def]
    _, cert = holder
    unknown = cert.number[:-6] + "999999"
    wrong_name = _post(api, number=cert.number, name="欧阳明")
    wrong_id = _post(api, number=cert.number, id_number=make_person(name="李四").id_number)
    missing = _post(api, number=unknown, name="欧阳明华")
    assert wrong_name.status_code == wrong_id.status_code == missing.status_code == 200
    assert wrong_name.content == wrong_id.content == missing.content == b'{"result":"not_found"}'
    headers = {k for k in wrong_name.headers if k.lower() not in ("x-request-id", "date")}
    assert headers == {k for k in missing.headers if k.lower() not in ("x-request-id", "date")}
    # The log does not tell them apart either: no certificate id for a mismatch.
    events = list(VerificationEvent.objects.order_by("id").values_list("outcome", "certificate_id"))
    assert events == [("not_found", None)] * 3


def test_a_name_is_not_confirmed_by_prefix_or_spacing(api, holder) -> None:  # type: ignore[no-untyped-def]
    _, cert = holder
    for name in ("欧阳", "欧阳明华华", "欧*华", "%"):
        assert _post(api, number=cert.number, name=name).json() == {"result": "not_found"}
    assert _post(api, number=cert.number, name="  欧阳明华 ").json()["result"] == "valid"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"number": "", "name": "张三"}, "number"),
        ({"number": "ABC123", "name": "张三"}, "number"),
        ({"number": "S00003290000124300000１", "name": "张三"}, "number"),  # a full-width digit
        ({"number": "S000032900001243000001"}, "name"),
        ({"number": 32900001243000001, "name": "张三"}, "number"),
        ({"number": "S000032900001243000001", "name": ["张三"]}, "name"),
        ({"number": "S000032900001243000001", "name": "张" * 61}, "name"),
        ({"number": "S000032900001243000001", "id_number": "32058219900101123"}, "id_number"),
    ],
)
def test_bad_queries_are_400_naming_the_field(api, reference, data, field) -> None:  # type: ignore[no-untyped-def]
    r = _post(api, **data)
    assert r.status_code == 400
    assert field in r.json()
    assert VerificationEvent.objects.get().outcome == "invalid"


def test_only_json_bodies_are_queries(api, holder) -> None:  # type: ignore[no-untyped-def]
    _, cert = holder
    form = api.post(API, {"number": cert.number, "name": "欧阳明华"})  # multipart, as a cross-site form could
    assert form.status_code == 415
    plain = api.post(API, json.dumps({"number": cert.number, "name": "欧阳明华"}), content_type="text/plain")
    assert plain.status_code == 415
    broken = api.post(API, "{not json", content_type="application/json")
    assert broken.status_code == 400 and "detail" in broken.json()
    assert not VerificationEvent.objects.filter(outcome="valid").exists()


def test_get_is_not_a_query(api, holder) -> None:  # type: ignore[no-untyped-def]
    _, cert = holder
    assert api.get(API, {"number": cert.number, "name": "欧阳明华"}).status_code == 405


def test_no_login_and_no_csrf_needed(holder) -> None:  # type: ignore[no-untyped-def]
    _, cert = holder
    strict = APIClient(enforce_csrf_checks=True)
    assert _post(strict, number=cert.number, name="欧阳明华").json()["result"] == "valid"


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


def test_page_answers_valid_masked_and_does_not_echo_the_query(client, holder) -> None:  # type: ignore[no-untyped-def]
    person, cert = holder
    assert client.get(PAGE).status_code == 200
    r = client.post(PAGE, {"number": cert.number, "name": "", "id_number": person.id_number})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-result="valid"' in html
    assert "欧**华" in html and "欧阳明华" not in html
    assert person.id_number not in html
    assert 'name="viewport"' in html


def test_page_not_found_and_revoked(client, holder) -> None:  # type: ignore[no-untyped-def]
    _, cert = holder
    html = client.post(PAGE, {"number": cert.number, "name": "别人"}).content.decode()
    assert 'data-result="not_found"' in html and "answer-details" not in html
    certificate_revoke(actor=None, certificate=cert, revoked_on=datetime.date(2025, 1, 2), reason="x")
    html = client.post(PAGE, {"number": cert.number, "name": "欧阳明华"}).content.decode()
    assert 'data-result="revoked"' in html and "2025-01-02" in html


def test_page_bad_input_is_400_with_the_message(client, reference) -> None:  # type: ignore[no-untyped-def]
    r = client.post(PAGE, {"number": "123", "name": "张三"})
    assert r.status_code == 400
    assert "is-invalid" in r.content.decode()


def test_page_speaks_english_on_request(client, reference) -> None:  # type: ignore[no-untyped-def]
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html and "Certificate verification" in html
    assert '<html lang="zh-hans">' in client.get(PAGE).content.decode()


# ---------------------------------------------------------------------------------------------
# Rate limit
# ---------------------------------------------------------------------------------------------


def test_api_rate_limit_answers_429_with_retry_after(api, holder, settings, rate_clock) -> None:  # type: ignore[no-untyped-def]
    settings.VERIFY_RATE_LIMIT = 3
    settings.VERIFY_RATE_WINDOW = 60
    _, cert = holder
    for _ in range(3):
        assert _post(api, number=cert.number, name="欧阳明华").status_code == 200
    r = _post(api, number=cert.number, name="欧阳明华")
    assert r.status_code == 429
    retry = int(r["Retry-After"])
    assert 1 <= retry <= 60
    assert r.json()["retry_after"] == retry and "Try again" in r.json()["detail"]
    _post(api, number=cert.number, name="欧阳明华")  # refused again, logged once per window
    outcomes = list(VerificationEvent.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == ["valid"] * 3 + ["rate_limited"]
    # Another client is not affected.
    other = APIClient(REMOTE_ADDR="10.1.2.3")
    assert _post(other, number=cert.number, name="欧阳明华").status_code == 200


def test_page_rate_limit_is_a_clear_429_page(client, holder, settings, rate_clock) -> None:  # type: ignore[no-untyped-def]
    settings.VERIFY_RATE_LIMIT = 1
    _, cert = holder
    assert client.post(PAGE, {"number": cert.number, "name": "欧阳明华"}).status_code == 200
    r = client.post(PAGE, {"number": cert.number, "name": "欧阳明华"})
    assert r.status_code == 429 and r["Retry-After"].isdigit()
    assert 'id="rate-limited"' in r.content.decode()
    assert client.get(PAGE).status_code == 200  # the empty form is not a query


def test_the_window_resets(api, holder, settings, rate_clock) -> None:  # type: ignore[no-untyped-def]
    settings.VERIFY_RATE_LIMIT = 1
    settings.VERIFY_RATE_WINDOW = 60
    _, cert = holder
    now = rate_clock
    now[0] += 20  # 50 s into the window
    assert _post(api, number=cert.number, name="欧阳明华").status_code == 200
    r = _post(api, number=cert.number, name="欧阳明华")
    assert r.status_code == 429 and r["Retry-After"] == "10"
    now[0] += 10
    assert _post(api, number=cert.number, name="欧阳明华").status_code == 200


def _request(remote: str, **headers: str):  # type: ignore[no-untyped-def]
    return RequestFactory().post(API, REMOTE_ADDR=remote, **{f"HTTP_{k}": v for k, v in headers.items()})


def test_proxy_header_ignored_unless_configured(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_HEADER = ""
    assert ratelimit.client_address(_request("127.0.0.1", X_FORWARDED_FOR="203.0.113.9")) == "127.0.0.1"


def test_proxy_header_honoured_only_from_trusted_proxies(settings) -> None:  # type: ignore[no-untyped-def]
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The right-most entry is the one our proxy appended; what the client wrote before it is ignored.
    req = _request("10.0.0.5", X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    assert ratelimit.client_address(req) == "203.0.113.9"
    # From an untrusted peer the header is a forgery.
    assert ratelimit.client_address(_request("198.51.100.7", X_FORWARDED_FOR="203.0.113.9")) == "198.51.100.7"
    # A garbled header falls back to the peer.
    assert ratelimit.client_address(_request("10.0.0.5", X_FORWARDED_FOR="nonsense")) == "10.0.0.5"


def test_ipv6_clients_are_counted_per_64() -> None:
    a = ratelimit.client_address(_request("2001:db8:1:2:aaaa::1"))
    b = ratelimit.client_address(_request("2001:db8:1:2:bbbb::2"))
    assert a == b == "2001:db8:1:2::/64"
    assert ratelimit.client_address(_request("::ffff:192.0.2.1")) == "192.0.2.1"


def test_forged_forwarded_for_does_not_escape_the_limit(api, holder, settings, rate_clock) -> None:  # type: ignore[no-untyped-def]
    settings.VERIFY_RATE_LIMIT = 2
    settings.TRUSTED_PROXY_HEADER = ""
    _, cert = holder
    codes = [
        api.post(
            API, {"number": cert.number, "name": "x"}, format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}"
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 429, 429]


def test_redis_counter_is_shared_between_workers(settings, rate_clock) -> None:  # type: ignore[no-untyped-def]
    """Two cache clients stand for two gunicorn workers: the count is one, kept by Redis."""
    from django.core.cache.backends.redis import RedisCache

    url = "redis://127.0.0.1:6379/0"
    prefix = f"gj-test-{uuid.uuid4().hex}"
    settings.VERIFY_RATE_LIMIT = 5
    settings.VERIFY_RATE_WINDOW = 60
    worker_a = RedisCache(url, {"KEY_PREFIX": prefix})
    worker_b = RedisCache(url, {"KEY_PREFIX": prefix})
    request = _request("192.0.2.44")
    decisions = []
    original = caches["default"]
    try:
        for i in range(7):
            caches._connections.default = worker_a if i % 2 == 0 else worker_b  # type: ignore[attr-defined]
            decisions.append(ratelimit.hit(request))
        assert [d.count for d in decisions] == [1, 2, 3, 4, 5, 6, 7]
        assert [d.allowed for d in decisions] == [True] * 5 + [False] * 2
        assert decisions[5].first_refusal and not decisions[6].first_refusal
        # The key expires on its own, a little after its window.
        client = worker_a._cache.get_client(write=True)
        keys = client.keys(f"{prefix}:*")
        assert len(keys) == 1 and 60 <= client.ttl(keys[0]) <= 65
    finally:
        caches._connections.default = original  # type: ignore[attr-defined]
        client = worker_a._cache.get_client(write=True)
        for key in client.keys(f"{prefix}:*"):
            client.delete(key)


@pytest.fixture
def redis_counter(settings):  # type: ignore[no-untyped-def]
    """The default cache swapped for a Redis cache with its own key prefix (limit 10): yields the redis
    client and the prefix, and deletes the test's keys afterwards."""
    from django.core.cache.backends.redis import RedisCache

    prefix = f"gj-test-{uuid.uuid4().hex}"
    settings.VERIFY_RATE_LIMIT = 10
    backend = RedisCache("redis://127.0.0.1:6379/0", {"KEY_PREFIX": prefix})
    client = backend._cache.get_client(write=True)
    original = caches["default"]
    caches._connections.default = backend  # type: ignore[attr-defined]
    try:
        yield client, prefix
    finally:
        caches._connections.default = original  # type: ignore[attr-defined]
        for key in client.keys(f"{prefix}:*"):
            client.delete(key)


def test_redis_counter_survives_a_lost_connection_and_a_forgotten_script(redis_counter, rate_clock) -> None:  # type: ignore[no-untyped-def]
    """The counter's own connection: killed by the server, or the server restarted without its scripts,
    the next query reconnects or reloads the script and still counts exactly once."""
    client, prefix = redis_counter
    request = _request("192.0.2.45")
    counts = [ratelimit.hit(request).count]
    first = counter_module._local.conn
    host, port = first._sock.getsockname()[:2]
    assert client.client_kill_filter(_type=None, addr=f"{host}:{port}") == 1
    counts.append(ratelimit.hit(request).count)  # through the client, which reconnects
    assert counter_module._local.conn is None  # the broken connection was dropped
    client.script_flush()
    counts.append(ratelimit.hit(request).count)  # loads the script again
    counts.append(ratelimit.hit(request).count)
    assert counts == [1, 2, 3, 4]
    keys = client.keys(f"{prefix}:*")
    assert len(keys) == 1 and client.get(keys[0]) == b"4"
    assert counter_module._local.conn is not None and counter_module._local.conn is not first


def test_cache_setting_selects_redis(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import importlib

    import gongjiang.settings as gj_settings

    monkeypatch.setenv("GONGJIANG_CACHE_URL", "redis://127.0.0.1:6379/1")
    try:
        reloaded = importlib.reload(gj_settings)
        assert reloaded.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
        assert reloaded.CACHES["default"]["LOCATION"] == "redis://127.0.0.1:6379/1"
    finally:
        monkeypatch.delenv("GONGJIANG_CACHE_URL")
        assert importlib.reload(gj_settings).CACHES["default"]["BACKEND"].endswith("LocMemCache")


# ---------------------------------------------------------------------------------------------
# The log holds no personal data
# ---------------------------------------------------------------------------------------------


def test_every_verification_is_logged_without_personal_data(api, client, holder, caplog, settings, rate_clock) -> None:  # type: ignore[no-untyped-def]
    person, cert = holder
    settings.VERIFY_RATE_LIMIT = 6
    changes_before = ChangeRecord.objects.count()
    secrets = [person.name, person.id_number, cert.number, "127.0.0.1"]
    with caplog.at_level(logging.DEBUG):
        _post(api, number=cert.number, name=person.name)
        _post(api, number=cert.number, id_number=person.id_number)
        _post(api, number=cert.number, name="王二小")
        wrong = "1" if person.id_number.endswith("0") else "0"
        _post(api, number=cert.number, id_number=person.id_number[:-1] + wrong)  # bad check digit: 400
        client.post(PAGE, {"number": cert.number, "name": person.name})
        client.post(PAGE, {"number": cert.number, "id_number": person.id_number})
        _post(api, number=cert.number, name=person.name)  # the 7th: rate limited
    events = list(VerificationEvent.objects.order_by("id"))
    assert [(e.channel, e.method, e.outcome) for e in events] == [
        ("api", "name", "valid"),
        ("api", "id_number", "valid"),
        ("api", "name", "not_found"),
        ("api", "id_number", "invalid"),
        ("page", "name", "valid"),
        ("page", "id_number", "valid"),
        ("api", "name", "rate_limited"),
    ]
    assert [e.certificate_id for e in events] == [cert.pk, cert.pk, None, None, cert.pk, cert.pk, None]
    assert len({e.client_hash for e in events}) == 1 and len(events[0].client_hash) == 16
    stored = json.dumps(list(VerificationEvent.objects.values()), default=str, ensure_ascii=False)
    logged = caplog.text
    for secret in [*secrets, person.id_number[:14], person.name[1:]]:
        assert secret not in stored, secret
        assert secret not in logged, secret
    assert "outcome=valid" in logged and "outcome=not_found" in logged
    assert ChangeRecord.objects.count() == changes_before  # a verification is a read, not a change


@pytest.mark.django_db(transaction=True)
def test_log_written_outside_a_transaction_by_the_fast_path(reference) -> None:  # type: ignore[no-untyped-def]
    """Requests run outside transactions: on PostgreSQL the row goes in by one asynchronous-commit statement."""
    from django.db import connection

    from gongjiang.credentials.verification import verification_log

    assert not connection.in_atomic_block
    verification_log(channel="api", method="name", outcome="not_found", client_hash="0123456789abcdef")
    event = VerificationEvent.objects.get()
    assert (event.channel, event.method, event.outcome, event.certificate_id) == ("api", "name", "not_found", None)
    assert event.time is not None and event.key_id == ""


@pytest.mark.django_db(transaction=True)
def test_lookup_and_its_log_outside_a_transaction(api, holder, rate_clock) -> None:  # type: ignore[no-untyped-def]
    """As requests run: the lookup and its log row (on PostgreSQL one statement) agree on every outcome."""
    from django.db import connection

    person, cert = holder
    assert not connection.in_atomic_block
    answers = [
        _post(api, number=cert.number, name="欧阳明华").json()["result"],
        _post(api, number=cert.number, name="欧阳明").json()["result"],
        _post(api, number=cert.number, id_number=person.id_number).json()["result"],
    ]
    certificate_revoke(actor=None, certificate=cert, revoked_on=datetime.date(2025, 3, 4), reason="舞弊")
    answers.append(_post(api, number=cert.number, name="欧阳明华").json()["result"])
    page = Client().post(PAGE, {"number": cert.number, "name": "欧阳明华"})
    assert answers == ["valid", "not_found", "valid", "revoked"] and page.status_code == 200
    events = list(
        VerificationEvent.objects.order_by("id").values_list("channel", "method", "outcome", "certificate_id", "key_id")
    )
    assert events == [
        ("api", "name", "valid", cert.pk, ""),
        ("api", "name", "not_found", None, ""),
        ("api", "id_number", "valid", cert.pk, ""),
        ("api", "name", "revoked", cert.pk, ""),
        ("page", "name", "revoked", cert.pk, ""),
    ]
    assert all(event.time is not None for event in VerificationEvent.objects.all())


def test_a_verified_certificate_cannot_be_deleted(api, holder, rate_clock) -> None:  # type: ignore[no-untyped-def]
    """The log refers to certificates without a database constraint (checking it would lock the row on
    every query); deleting a certificate that has been verified is still refused, and nothing changes."""
    from django.db.models import ProtectedError

    _, cert = holder
    assert _post(api, number=cert.number, name="欧阳明华").json()["result"] == "valid"
    with pytest.raises(ProtectedError):
        cert.delete()
    assert VerificationEvent.objects.get().certificate_id == cert.pk
    cert.refresh_from_db()


def test_redis_counter_error_reply_raises_and_drops_the_connection(redis_counter, rate_clock) -> None:  # type: ignore[no-untyped-def]
    """An error answer (here: the counter's key holds a list) is raised as the client's error, not read as
    a count; the connection is dropped and the next query counts normally."""
    from redis.exceptions import ResponseError

    client, prefix = redis_counter
    request = _request("192.0.2.46")
    assert ratelimit.hit(request).count == 1
    (key,) = client.keys(f"{prefix}:*")
    client.delete(key)
    client.rpush(key, "not a counter")
    with pytest.raises(ResponseError):
        ratelimit.hit(request)
    assert counter_module._local.conn is None
    client.delete(key)
    assert [ratelimit.hit(request).count for _ in range(2)] == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_hot_path_statements_survive_a_new_connection_and_raise_django_errors() -> None:
    """The lookup's statements are prepared once per connection: a new connection prepares them again, and
    a failing statement raises Django's own error and leaves the connection usable."""
    from django.db import DataError, connection

    from gongjiang.credentials.verification import _execute

    sql = "SELECT CAST(%s AS INTEGER) + 1, %s"
    assert [str(v) for v in _execute(sql, ["41", "欧阳"], fetch=True)] == ["42", "欧阳"]
    connection.close()
    assert [str(v) for v in _execute(sql, ["1", "明华"], fetch=True)] == ["2", "明华"]
    if connection.vendor == "postgresql":  # SQLite reads 'x' as 0
        with pytest.raises(DataError):
            _execute(sql, ["x", ""], fetch=True)
        assert [str(v) for v in _execute(sql, ["2", ""], fetch=True)] == ["3", ""]
