"""Per-client rate limit for public verification, counted in Django's cache.

A fixed window: at most ``VERIFY_RATE_LIMIT`` queries per client in each ``VERIFY_RATE_WINDOW`` seconds.
With the Redis cache (``GONGJIANG_CACHE_URL``) the counter is one shared, atomic INCR (with its expiry,
in one server-side script) for all workers and hosts; with the default local-memory cache each worker
process counts on its own.

The client is its address: the peer address, or, when ``GONGJIANG_TRUSTED_PROXY_HEADER`` is set and the
peer is one of ``GONGJIANG_TRUSTED_PROXIES``, the address the proxy put in that header (for
X-Forwarded-For the right-most entry, the one the trusted proxy appended itself). IPv6 clients are
counted per /64, the block one host usually controls. Only a keyed hash of the address is used, in the
cache and in the log.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

REDIS_CACHE_MODULE = "django.core.cache.backends.redis"


@lru_cache(maxsize=1)
def _hash_key(secret: str) -> bytes:
    return hashlib.sha256(b"gongjiang client hash:" + secret.encode("utf-8")).digest()


@lru_cache(maxsize=16)
def _trusted(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _parse_ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The client's address (or its IPv6 /64), honouring the proxy header only from trusted proxies."""
    header = settings.TRUSTED_PROXY_HEADER
    return _client_address(
        request.META.get("REMOTE_ADDR", ""),
        request.headers.get(header, "") if header else "",
        tuple(settings.TRUSTED_PROXIES) if header else (),
    )


@lru_cache(maxsize=4096)
def _client_address(remote: str, forwarded: str, proxies: tuple[str, ...]) -> str:
    peer = _parse_ip(remote)
    address = peer
    if forwarded and peer is not None and any(peer in net for net in _trusted(proxies)):
        candidate = _parse_ip(forwarded.split(",")[-1])
        if candidate is not None:
            address = candidate
    if address is None:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_hash(request: HttpRequest) -> str:
    """A keyed hash of the client address (16 hex characters): stable, not reversible without the key."""
    cached = getattr(request, "_gj_client_hash", None)
    if cached is None:
        cached = _address_hash(settings.SECRET_KEY, client_address(request))
        request._gj_client_hash = cached  # type: ignore[attr-defined]
    return cached


@lru_cache(maxsize=4096)
def _address_hash(secret: str, address: str) -> str:
    return hmac.digest(_hash_key(secret), address.encode("ascii"), "sha256")[:8].hex()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends

    @property
    def first_refusal(self) -> bool:
        """The first refused query of a window (logged once, not on every refused query)."""
        return not self.allowed and self.count == self.limit + 1


def _now() -> float:
    """The clock the windows are cut from (a seam for tests)."""
    return time.time()


def hit(request: HttpRequest, scope: str = "verify") -> Decision:
    """Count one query of this client and decide whether it may proceed."""
    limit = settings.VERIFY_RATE_LIMIT
    window = max(1, settings.VERIFY_RATE_WINDOW)
    now = _now()
    start = int(now // window) * window
    retry_after = max(1, math.ceil(start + window - now))
    count = _count(f"rl:{scope}:{client_hash(request)}:{start}", timeout=window + 5)
    return Decision(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)


def _count(key: str, *, timeout: int) -> int:
    """Increment a counter that expires ``timeout`` seconds after its first increment."""
    backend = caches["default"]
    if type(backend).__module__ == REDIS_CACHE_MODULE:
        # One round trip (EVALSHA), atomic on the server, shared by every worker and host. The module
        # (and redis itself) is loaded only when the cache is Redis.
        from gongjiang.portal import redis_counter

        return redis_counter.count(backend, backend.make_key(key), timeout)
    # Other backends: add() and incr() are each atomic (the local-memory cache holds a lock).
    if backend.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(backend.incr(key))
    except ValueError:  # expired between add() and incr()
        backend.add(key, 1, timeout=timeout)
        return 1
