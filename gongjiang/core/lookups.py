"""Exact look-ups of identifiers (an ID number, a certificate number) by signed-in users: answered without
saying where, logged, and throttled when they keep missing.

A look-up reads through the user's scope, so a number held outside it is answered exactly as a number
held nowhere ("not found in your region"), never with the region that holds it. Each miss counts against
the user in a window of ``LOOKUP_MISS_WINDOW`` seconds; past ``LOOKUP_MISS_LIMIT`` misses every further
look-up is refused (:class:`TooManyLookups`: a 429 answer) until the window ends. A miss whose number is
held outside the user's scope is a probe: it is logged on ``gongjiang.security`` with the user and the
kind of number (never the number), so that repeated probing shows in the log. A write that is refused
because the number is already registered outside the user's scope (a new person with a known ID number)
counts and is logged the same way.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

log = logging.getLogger("gongjiang.security")


class TooManyLookups(Exception):
    """The user has missed too many look-ups in the window; answered 429 on pages and in the API."""

    def __init__(self) -> None:
        super().__init__(_("Too many look-ups found nothing; wait a few minutes before searching again."))
        self.message = str(self.args[0])


def _limit() -> int:
    return int(getattr(settings, "LOOKUP_MISS_LIMIT", 20))


def _window() -> int:
    return int(getattr(settings, "LOOKUP_MISS_WINDOW", 600))


def _key(user: Any) -> str:
    return f"gj-lookup-miss:{user.pk}:{int(time.time()) // _window()}"


def check(user: Any) -> None:
    """Refuse (:class:`TooManyLookups`) a look-up by a user past the limit of misses in this window."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    if int(cache.get(_key(user), 0)) >= _limit():
        log.warning("look-ups refused: user %s missed more than %d in %d s", user.pk, _limit(), _window())
        raise TooManyLookups


def miss(user: Any, *, kind: str, held_elsewhere: bool) -> None:
    """Count a look-up that found nothing in ``user``'s scope; log it as a probe where the number is held
    outside that scope. ``kind`` names the kind of number ("id_number", "certificate_number")."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    key = _key(user)
    cache.add(key, 0, _window() + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, _window() + 5)
        count = 1
    if held_elsewhere:
        log.warning(
            "probe: user %s looked up a %s held outside their scope (%d misses in this window)", user.pk, kind, count
        )
    elif count >= _limit():
        log.warning("look-ups: user %s has missed %d in this window", user.pk, count)


def probed(user: Any, *, kind: str, count: int) -> None:
    """``count`` numbers of a file ``user`` imports are held outside their scope (the rows are refused):
    counted as misses and logged, as that many look-ups would be."""
    if count <= 0 or user is None or not getattr(user, "is_authenticated", False):
        return
    key = _key(user)
    cache.add(key, 0, _window() + 5)
    try:
        total = cache.incr(key, count)
    except ValueError:
        cache.set(key, count, _window() + 5)
        total = count
    log.warning(
        "probe: user %s imported %d %s(s) held outside their scope (%d misses in this window)",
        user.pk,
        count,
        kind,
        total,
    )


def not_found_message() -> str:
    return _("Not found in your region.")
