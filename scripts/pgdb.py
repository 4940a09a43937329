"""Create or drop a PostgreSQL database named by a URL (used by CI for a fresh database)."""

from __future__ import annotations

import sys
from urllib.parse import urlparse

import psycopg
from psycopg import sql


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in {"create", "drop"}:
        print("usage: pgdb.py create|drop postgres://user@host:port/name", file=sys.stderr)
        return 2
    url = urlparse(sys.argv[2])
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier("test_" + name)))
        if sys.argv[1] == "create":
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
