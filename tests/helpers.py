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
