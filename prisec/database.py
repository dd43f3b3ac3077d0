"""Database plumbing: the database URL, SQLite pragmas and a UTC-only datetime column type."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always hands back aware UTC datetimes.

    SQLite keeps no offset, so a naive value would be ambiguous; naive input is refused
    rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def normalise_database_url(url: str) -> str:
    """A PostgreSQL URL as hosting providers write it, made to use the psycopg 3 driver.

    `postgres://` and `postgresql://` would pick psycopg2, which prisec does not install.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def engine_options(url: str, options: dict) -> dict:
    """The engine's options, with the pool handing out the connection given back last.

    A render then finds a connection whose SQLite page cache (up to 2 MB) is warm, instead
    of warming every pooled connection's in turn: a worker of 10,000 talks peaks some 7 MB
    lower. An in-memory SQLite database has one shared connection and no such pool.
    """
    parsed = make_url(url)
    in_memory = not parsed.database or parsed.database == ":memory:" or "mode=memory" in url
    if parsed.get_backend_name() == "sqlite" and in_memory:
        return dict(options)
    return {"pool_use_lifo": True, **options}


def utcnow() -> datetime:
    """The current instant, timezone-aware."""
    return datetime.now(UTC)


_busy_timeout_ms = 5000


def configure_sqlite(busy_timeout_seconds: float) -> None:
    """Set the busy timeout that new SQLite connections get."""
    global _busy_timeout_ms
    _busy_timeout_ms = int(busy_timeout_seconds * 1000)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # WAL lets readers go on while one organizer saves; the busy timeout makes a second
    # writer wait instead of failing at once.
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={_busy_timeout_ms:d}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
