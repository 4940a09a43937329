"""A pytest plugin that watches the whole suite for personal numbers where they must never be: every log
record any logger handles (its message as formatted, before any redacting filter), and every address a
request of the tests reaches (the test client's and the live server's: path and query) or is sent to (a
redirect's Location). A valid resident ID number (checksum, birth date, province) or a mainland mobile
number found there fails the test that caused it; one found outside any test fails the session.

A test that puts a number in an address on purpose (to show that the platform refuses it) says so with the
``pii_watch`` fixture: ``with pii_watch.expected() as seen: ...``; what is seen inside is handed to the
test instead of failing it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import pytest


@dataclass
class Watch:
    findings: list[str] = field(default_factory=list)
    expecting: list[list[str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def see(self, where: str, text: str) -> None:
        from gongjiang.core.validators import personal_numbers_in

        try:
            numbers = personal_numbers_in(text)
        except Exception:  # before Django is set up, or a text that is no text: nothing to say
            return
        if not numbers:
            return
        line = f"{where}: {', '.join(numbers)} in {text[:300]!r}"
        with self.lock:
            (self.expecting[-1] if self.expecting else self.findings).append(line)

    def take(self) -> list[str]:
        with self.lock:
            found, self.findings = self.findings, []
        return found

    @contextmanager
    def expected(self) -> Iterator[list[str]]:
        """Numbers seen inside are the test's to check, not a failure."""
        seen: list[str] = []
        with self.lock:
            self.expecting.append(seen)
        try:
            yield seen
        finally:
            with self.lock:
                self.expecting.remove(seen)


WATCH = Watch()


def _address(environ: dict[str, Any]) -> str:
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    return unquote_plus(f"{path}?{query}" if query else path)


def _see_response(response: Any) -> None:
    location = getattr(response, "headers", {}).get("Location") if response is not None else None
    if location:
        WATCH.see("redirect", unquote_plus(location))


def _install() -> None:
    from django.core.handlers.wsgi import WSGIHandler
    from django.test.client import ClientHandler

    handle = logging.Logger.handle

    def watched_handle(self: logging.Logger, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        WATCH.see(f"log {record.name}", message)
        handle(self, record)

    logging.Logger.handle = watched_handle  # type: ignore[method-assign]

    client_call = ClientHandler.__call__

    def watched_client(self: Any, environ: dict[str, Any]) -> Any:
        WATCH.see("address", _address(environ))
        response = client_call(self, environ)
        _see_response(response)
        return response

    ClientHandler.__call__ = watched_client  # type: ignore[method-assign]

    server_call = WSGIHandler.__call__

    def watched_server(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        WATCH.see("address", _address(environ))
        response = server_call(self, environ, start_response)
        _see_response(response)
        return response

    WSGIHandler.__call__ = watched_server  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    _install()


@pytest.fixture
def pii_watch() -> Watch:
    return WATCH


@pytest.fixture(autouse=True)
def _no_personal_numbers_in_logs_or_addresses() -> Iterator[None]:
    stray = WATCH.take()  # seen between tests (a fixture of wider scope): failed at the session's end
    if stray:
        _STRAY.extend(stray)
    yield
    found = WATCH.take()
    if found:
        pytest.fail("a personal number reached a log line or an address:\n" + "\n".join(found), pytrace=False)


_STRAY: list[str] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stray = _STRAY + WATCH.take()
    if stray:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("personal numbers reached a log line or an address outside any test:", red=True)
            for line in stray:
                reporter.write_line(f"  {line}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
