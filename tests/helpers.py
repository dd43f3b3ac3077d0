"""Helpers shared by the tests: building the app and reading the database directly.

By default every instance folder holds its own SQLite file. When PRISEC_TEST_DATABASE_URL
names a PostgreSQL server (`make test-postgres`), every instance folder gets its own
database on that server instead, so tests keep their isolation and their meaning.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from prisec import create_app

TEST_DATABASE_URL = os.environ.get("PRISEC_TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres", "postgresql"))
# One migrated template per test process: `make test` runs two (pytest-xdist).
TEMPLATE_DATABASE = f"prisec_migrated_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@cache
def _admin() -> Engine:
    """A connection to the server's maintenance database, outside any transaction."""
    return create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def database_name(instance: Path) -> str:
    """The PostgreSQL database that stands for `instance`'s SQLite file."""
    digest = hashlib.sha1(str(Path(instance).resolve()).encode()).hexdigest()[:20]
    return f"t_{digest}"


def database_url(name: str) -> str:
    """The URL of database `name` on the test server."""
    return make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)


def create_database(name: str, template: str | None = None) -> None:
    """A new database, empty or a copy of `template`; an old one of that name is dropped."""
    with _admin().connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        copy = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))


def drop_database(name: str) -> None:
    """Drop database `name`, closing connections still open on it."""
    with _admin().connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def instance_database_url(instance: Path) -> str:
    """The database URL of `instance`, creating its (empty) database on first use."""
    if not ON_POSTGRES:
        return f"sqlite:///{Path(instance).resolve() / 'prisec.db'}"
    name = database_name(instance)
    with _admin().connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
    if not exists:
        create_database(name)
    return database_url(name)


def install_migrated(migrated: Path | str, instance: Path) -> None:
    """Give `instance` a freshly migrated database: a copy of the session's template."""
    if isinstance(migrated, Path):
        shutil.copyfile(migrated, instance / "prisec.db")
    else:
        create_database(database_name(instance), template=migrated)


def instance_env(instance: Path) -> dict[str, str]:
    """Environment for a `flask` command or server over `instance`, on the test database."""
    env = {**os.environ, "PRISEC_INSTANCE_PATH": str(instance)}
    if ON_POSTGRES:
        env["DATABASE_URL"] = instance_database_url(instance)
    return env


# Every app a test built, so its connections are closed before its database is dropped.
_made: list[Flask] = []


def make_app(instance: Path, **config: Any) -> Flask:
    """The real application over the instance folder `instance`."""
    if ON_POSTGRES and "SQLALCHEMY_DATABASE_URI" not in config:
        config["SQLALCHEMY_DATABASE_URI"] = instance_database_url(instance)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance), **config})
    _made.append(app)
    return app


def close_connections() -> None:
    """Close the pooled connections of every app built since the last call."""
    from prisec.extensions import db

    while _made:
        with _made.pop().app_context():
            db.engine.dispose()


def sqlite_path(app: Flask) -> str:
    """The file behind the app's database."""
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def raw_sql(app: Flask, sql: str) -> list[tuple]:
    """Run SQL on the database directly, bypassing the app's engine: what is really stored."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///"):
        with sqlite3.connect(sqlite_path(app)) as connection:
            return connection.execute(sql).fetchall()
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(sql))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def csrf_token(html: str) -> str:
    """The CSRF token a page carries in its forms, as a browser would submit it."""
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def wait_until(condition: Callable[[], object], seconds: float = 10, what: str = "") -> None:
    """Wait for `condition()` to hold, asking again every 20 ms; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    pause = threading.Event()
    while not condition():
        assert time.monotonic() < deadline, f"not {what or 'true'} within {seconds} s"
        pause.wait(0.02)
