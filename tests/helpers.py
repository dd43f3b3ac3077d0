"""Helpers shared by the tests: building the app and reading the database file directly."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask

from prisec import create_app


def make_app(instance: Path, **config: Any) -> Flask:
    """The real application over the instance folder `instance`."""
    return create_app({"TESTING": True, "INSTANCE_PATH": str(instance), **config})


def sqlite_path(app: Flask) -> str:
    """The file behind the app's database."""
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def raw_sql(app: Flask, sql: str) -> list[tuple]:
    """Run SQL on the database file directly, bypassing the ORM: what is really stored."""
    with sqlite3.connect(sqlite_path(app)) as connection:
        return connection.execute(sql).fetchall()


def csrf_token(html: str) -> str:
    """The CSRF token a page carries in its forms, as a browser would submit it."""
    import re

    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)
