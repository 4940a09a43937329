"""Every page of every role reads in plain Chinese: signed in as each demo role on a small synthetic
Suzhou and Changzhou (registry, training, evaluation, policy and monitoring data made as the demo makes
them), the
crawl opens every page reachable from the home page and every address of the platform that takes no
argument, and fails on any ASCII word on a zh-hans page that is no code (plain_text.ALLOWED); every link
a page offers opens (a menu offers nothing its user may not open); a record outside the user's scope and
an unknown address answer with the platform's own Chinese page and the way back."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from gongjiang.core.tests.plain_text import crawl, leaks, visible_text

ROLES = {
    # username: (role, region), as the demo's accounts (gongjiang/synth/demo.py)
    "province": ("officer", "320000"),
    "suzhou": ("officer", "320500"),
    "zhangjiagang": ("officer", "320582"),
    "zhangjiagang2": ("officer", "320582"),
    "changzhou": ("officer", "320400"),
    "auditor": ("auditor", "320500"),
    "enterprise": ("organisation", ""),
    "school": ("organisation", ""),
    "evaluator": ("organisation", ""),
    "survey": ("organisation", ""),
    "worker": ("worker", ""),
    "college": ("organisation", ""),
}
# Addresses that are no page of the platform's own: the Django admin (system administrators), the API and
# its developer documentation, the language switch and sign-out (POST only), static files.
SKIPPED = ("admin/", "api/", "i18n/", "accounts/logout/", "static/", "healthz/")


def _plain_addresses(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every address of the URL configuration that takes no argument."""
    out = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if any(c in route for c in "<(^$[") or route.startswith(SKIPPED):
            continue
        if isinstance(entry, URLResolver):
            out += _plain_addresses(entry, route)
        elif isinstance(entry, URLPattern) and not entry.default_args:
            out.append("/" + route)
    return out


@pytest.fixture
def world(reference, settings, tmp_path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from gongjiang.core.audit import audit_context
    from gongjiang.synth.competitions_demo import competitions_demo
    from gongjiang.synth.demo import demo_accounts
    from gongjiang.synth.evaluation_demo import evaluation_demo
    from gongjiang.synth.forecast_demo import forecast_demo
    from gongjiang.synth.generator import synthesize
    from gongjiang.synth.honours_demo import honours_demo
    from gongjiang.synth.labour_demo import labour_demo
    from gongjiang.synth.monitoring_demo import monitoring_demo
    from gongjiang.synth.training_demo import training_demo
    from gongjiang.synth.wages_demo import wages_demo

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.VAR_DIR = tmp_path  # the demo accounts' passwords
    with audit_context(source="cli"):
        synthesize(region="320582", scale=0.01, seed=1)
        synthesize(region="320400", scale=0.001, seed=1)
        accounts = {account.username: account for account, _password in demo_accounts()}
        training_demo(lambda message: None)
        evaluation_demo(lambda message: None)
        competitions_demo(lambda message: None)
        wages_demo(lambda message: None)
        honours_demo(lambda message: None)
        labour_demo(lambda message: None)
        forecast_demo(lambda message: None)
        monitoring_demo(cities=["320500", "320400"], seed=1)
    return accounts


@pytest.fixture
def keep_language():  # type: ignore[no-untyped-def]
    with translation.override(translation.get_language()):
        yield


@pytest.mark.usefixtures("keep_language")
def test_every_page_of_every_role_reads_in_plain_chinese(client, world, sign_in) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.core.models import User
    from gongjiang.evaluation.models import ForeignQualification

    assert set(world) == set(ROLES)
    # Account names are what people type to sign in: the change log and the menu show them as they are.
    # A recognised foreign qualification and its awarding body are named as they name themselves (the
    # German AHK trades: Industriemechaniker/-in, 德国工商大会（AHK））.
    foreign = " ".join(
        f"{name} {body}" for name, body in ForeignQualification.objects.values_list("name", "awarding_body")
    )
    allowed_here = set(User.objects.values_list("username", flat=True)) | {token for token, _piece in leaks([foreign])}
    problems: list[str] = []
    counts = {}
    for username in ROLES:
        user = User.objects.get(username=username)
        assert (user.role, user.region_code) == ROLES[username]
        sign_in(client, user)  # the password and, for the province officer, the second factor
        result = crawl(client, ["/", *_plain_addresses()])
        counts[username] = len(result.pages)
        for page in result.pages:
            for token, piece in leaks(visible_text(page.html), allowed_here):
                problems.append(f"{username} {page.url}: {token!r} in {piece[:100]!r}")
        # A link a page offers opens; an address no page links to may refuse, on the platform's page.
        for url, status, found_on in result.broken:
            if found_on:
                problems.append(f"{username} {url}: {status}, linked from {found_on}")
        client.logout()
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(set(problems)))
    # The demo worker is bound to a trainee with certificates and claims, shown on their own page.
    worker = User.objects.get(username="worker")
    assert worker.person is not None and worker.person.certificates.exists()
    assert worker.person.training_claims.exists()
    # Each role reaches its registers and their records (the crawl is not stopped early).
    assert min(counts.values()) >= 20, counts
    assert counts["province"] >= 60, counts


@pytest.mark.usefixtures("keep_language")
def test_refusals_and_missing_pages_are_the_platforms_own_with_the_way_back(client, world) -> None:  # type: ignore[no-untyped-def]
    from gongjiang.core.models import User
    from gongjiang.registry.models import Person

    client.force_login(User.objects.get(username="enterprise"))
    refused = client.get("/audit/", headers={"referer": "http://testserver/registry/persons/"})
    page = refused.content.decode()
    assert refused.status_code == 403 and 'id="error-page"' in page
    assert 'href="http://testserver/registry/persons/"' in page and 'id="error-home"' in page
    assert not leaks(visible_text(page), {"enterprise"})

    client.force_login(User.objects.get(username="changzhou"))
    elsewhere = Person.objects.filter(residence_region_code__startswith="3205").first()
    for url in (f"/registry/persons/{elsewhere.pk}/", "/no-such-page/"):
        missing = client.get(url)
        page = missing.content.decode()
        assert missing.status_code == 404 and 'id="error-page"' in page, url
        assert not leaks(visible_text(page), {"changzhou"})


@pytest.mark.usefixtures("keep_language")
def test_an_error_message_is_shown_as_an_error(client, make_user, make_person, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EXPORT_MAX_ROWS = 0  # every export is refused with an error message
    make_person()  # a change record in the officer's scope
    client.force_login(make_user(region_code="320500"))
    page = client.get("/audit/?export=csv", follow=True).content.decode()
    assert '<div class="alert alert-danger">' in page and "alert-error" not in page
