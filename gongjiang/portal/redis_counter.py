"""The verification rate limit's counter on Redis: one EVALSHA of an INCR-and-expire script per query,
sent over a connection of this thread's own. Loaded only when the cache is Redis."""

from __future__ import annotations

import os
import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# INCR, and on the first increment of a window set its expiry: one atomic command on the server.
_INCR_EXPIRE = (
    "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n"
)
_scripts: dict[int, tuple[RedisCache, Any]] = {}
_local = threading.local()


def _redis_script(backend: RedisCache) -> Any:
    """The registered INCR-and-expire script, one per cache backend and process (Django would build a new
    redis client on every call). The backend is kept with it, so its id stays unique."""
    entry = _scripts.get(id(backend))
    if entry is None or entry[0] is not backend:
        client = backend._cache.get_client(write=True)
        entry = _scripts[id(backend)] = (backend, client.register_script(_INCR_EXPIRE))
    return entry[1]


def _redis_connection(backend: RedisCache) -> Any:
    """This thread's own connection to the backend's server, made with the pool's settings and kept out
    of the pool: the counter sends one command per query, and the pool's bookkeeping around each command
    (checkout, health and fork checks, retries, metrics) costs about as much as the command itself."""
    conn = getattr(_local, "conn", None)
    if conn is None or _local.backend is not backend or _local.pid != os.getpid():
        if conn is not None and _local.pid == os.getpid():
            conn.disconnect()  # another backend's (a forked child leaves its parent's socket alone)
        conn = backend._cache.get_client(write=True).connection_pool.make_connection()
        _local.conn, _local.backend, _local.pid = conn, backend, os.getpid()
    return conn


def _evalsha(sha: str, key: str, timeout: int) -> bytes:
    """``EVALSHA sha 1 key timeout`` in the Redis protocol (RESP)."""
    parts = [b"EVALSHA", sha.encode(), b"1", key.encode(), str(timeout).encode()]
    return b"*5\r\n" + b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in parts)


def count(backend: Any, key: str, timeout: int) -> int:
    """Increment ``key`` (expiring ``timeout`` seconds after its first increment) on the Redis server."""
    script = _redis_script(backend)
    conn = _redis_connection(backend)
    try:
        if conn._sock is None:
            conn.connect()  # with the pool's settings: authentication, database, protocol version
        sock = conn._sock
        # The command and its one-line answer go straight over the socket: redis-py's packer and reply
        # parser cost as much as the round trip itself (41 against 20 µs per query measured here).
        sock.sendall(_evalsha(script.sha, key, timeout))
        reply = sock.recv(64)
        while not reply.endswith(b"\r\n"):
            more = sock.recv(64)
            if not more:
                raise RedisConnectionError("Connection closed by server.")
            reply += more
        line, _, rest = reply.partition(b"\r\n")
        if line[:1] == b":" and not rest:
            return int(line[1:])
        if not (line.startswith(b"-NOSCRIPT") and not rest):
            # Anything but a count or a forgotten script (an error, a push message): drop the connection
            # and let the client below send the script and raise its error.
            conn.disconnect()
            _local.conn = None
        # else the server restarted and forgot the script: the client loads it again below
    except (OSError, RedisConnectionError, RedisTimeoutError):
        # A broken or timed-out connection: drop it and let the client (with its retries) reconnect. If
        # the server had counted the lost command, this query counts twice, never zero times.
        conn.disconnect()
        _local.conn = None
    return int(script(keys=[key], args=[timeout]))
