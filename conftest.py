"""Shared fixtures: reference data, users of every role, and registry objects made through services."""

from __future__ import annotations

import datetime
import itertools
import time

import pytest

from gongjiang.core.audit import audit_context

# Every test: no valid ID number or mobile number in a log line or an address (core/tests/pii_watch.py).
pytest_plugins = ["gongjiang.core.tests.pii_watch"]

_seq = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from gongjiang.reference.services import reference_load

    with django_db_blocker.unblock(), audit_context(source="cli"):
        reference_load(actor=None)


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):  # type: ignore[no-untyped-def]
    """Background tasks run at once in the process that queues them. They are queued when the service's
    transaction commits, which inside a test's own transaction is never: a test that must see a task run
    wraps the call in ``django_capture_on_commit_callbacks(execute=True)``. The worker's own tests set the
    database backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fresh_cache():  # type: ignore[no-untyped-def]
    """Counters kept in the cache (look-up misses) start from nothing in every test: user ids repeat."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _audit_guard(request):  # type: ignore[no-untyped-def]
    """Every database test: a service's write without a change record of the model fails the test
    (gongjiang/core/tests/audit_guard.py)."""
    if "_django_db_helper" not in request.fixturenames or request.node.get_closest_marker("audit_unguarded"):
        yield None
        return
    request.getfixturevalue("_django_db_helper")  # the test's own transaction is open before the guard
    from gongjiang.core.tests.audit_guard import guarded

    with guarded() as guard:
        yield guard
    assert not guard.violations, "\n".join(guard.violations)


@pytest.fixture
def reference(db):  # type: ignore[no-untyped-def]
    """Reference data, reloaded if a transactional test flushed it."""
    from gongjiang.reference.models import SkillLevel
    from gongjiang.reference.services import reference_load

    if not SkillLevel.objects.exists():
        with audit_context(source="cli"):
            reference_load(actor=None)


@pytest.fixture
def make_user(db):  # type: ignore[no-untyped-def]
    from gongjiang.core.models import User

    def factory(
        username: str | None = None,
        *,
        role: str = "officer",
        region_code: str = "",
        organisation=None,
        superuser: bool = False,
        password: str = "correct-horse-battery",
    ) -> User:
        user = User.objects.create_user(
            username=username or f"user{next(_seq)}",
            password=password,
            role=role,
            region_code=region_code,
            organisation=organisation,
            is_superuser=superuser,
            is_staff=superuser,
        )
        return user

    return factory


def _sign_in(client, user):  # type: ignore[no-untyped-def]
    """Sign a test client in as ``user`` past both steps a person takes: the password (force_login) and, for a
    user who must give a one-time code (a province officer, core.second_factor), a device and a session
    that has given its code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from gongjiang.core import second_factor

    client.force_login(user)
    device = second_factor.confirmed_device(user)
    if device is None and second_factor.required(user):
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def sign_in(db):  # type: ignore[no-untyped-def]
    """``sign_in(client, user)``: see :func:`_sign_in`."""
    return _sign_in


@pytest.fixture
def make_person(reference):  # type: ignore[no-untyped-def]
    from gongjiang.registry.services import person_create
    from gongjiang.synth.ids import make_id_number

    def factory(
        *,
        region: str = "320582",
        name: str = "张三丰",
        birth: datetime.date = datetime.date(1990, 5, 17),
        phone: str = "13812345678",
        area: str | None = None,
    ):
        n = next(_seq)
        number = make_id_number(area or region, birth, n % 1000)
        with audit_context(source="cli"):
            return person_create(actor=None, name=name, id_number=number, residence_region_code=region, phone=phone)

    return factory


@pytest.fixture
def make_org(reference):  # type: ignore[no-untyped-def]
    from gongjiang.registry.services import organisation_create
    from gongjiang.synth.ids import make_uscc

    def factory(*, region: str = "320582", kind: str = "enterprise", name: str | None = None, industry: str = "C"):
        n = next(_seq)
        with audit_context(source="cli"):
            return organisation_create(
                actor=None,
                uscc=make_uscc(region, 500000 + n),
                name=name or f"测试企业{n}",
                kind=kind,
                region_code=region,
                industry_code=industry,
            )

    return factory


@pytest.fixture
def make_certificate(reference):  # type: ignore[no-untyped-def]
    from gongjiang.credentials.services import certificate_issue
    from gongjiang.synth.ids import make_certificate_number

    def factory(
        person,
        *,
        level: str = "level3",
        national_level: int = 3,
        issue_date=datetime.date(2024, 6, 1),
        occupation: str = "6-31-01-03",
        issuer=None,
    ):
        n = next(_seq)
        number = make_certificate_number(
            evaluator="S", station=900000 + n % 1000, year=issue_date.year, national_level=national_level, serial=n
        )
        with audit_context(source="cli"):
            return certificate_issue(
                actor=None,
                number=number,
                person=person,
                occupation_code=occupation,
                level_code=level,
                issue_date=issue_date,
                source="third_party",
                issuer=issuer,
            )

    return factory


def today() -> datetime.date:
    return datetime.date.today()


@pytest.fixture
def rate_clock(monkeypatch):  # type: ignore[no-untyped-def]
    """Pins the verification rate limiter's clock half a minute into an hour, the middle of a 60-second
    window, so that a test's queries all fall in one window. Returns a one-item list: the pinned time,
    which a test may move."""
    from gongjiang.portal import ratelimit

    now = [time.time() // 3600 * 3600 + 30]
    monkeypatch.setattr(ratelimit, "_now", lambda: now[0])
    return now


@pytest.fixture
def shot():  # type: ignore[no-untyped-def]
    """Save what a browser test's page shows as docs/screenshots/<name>.png for the user guide, only when
    GONGJIANG_SCREENSHOTS is set (`make screenshots`); otherwise nothing is written."""
    import os
    from pathlib import Path

    folder = Path(__file__).resolve().parent / "docs" / "screenshots"
    enabled = bool(os.environ.get("GONGJIANG_SCREENSHOTS"))

    def take(page, name: str) -> None:  # type: ignore[no-untyped-def]
        if not enabled:
            return
        folder.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1280, "height": 800})
        page.wait_for_load_state("load")
        if page.locator("canvas").count():
            page.wait_for_timeout(1500)  # the charts' drawing animation
        page.screenshot(path=str(folder / f"{name}.png"), type="png")

    return take
