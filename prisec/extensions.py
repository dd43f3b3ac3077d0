"""Flask extensions, created once here and bound to the app in create_app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask_htmx import HTMX
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base of every prisec model."""

    # Named constraints, so that migrations can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
login = LoginManager()
htmx = HTMX()


MIGRATIONS = Path(__file__).parent / "migrations"


def init_migrations(app: Flask) -> None:
    """Bind Flask-Migrate to `app`: for `flask db` and code that migrates, never for serving.

    Flask-Migrate brings Alembic, which costs a server process some 11 MB it never uses.
    """
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate

    # Batch mode lets later migrations alter columns on SQLite, which lacks ALTER COLUMN.
    Migrate(render_as_batch=True, compare_type=True).init_app(app, db, directory=str(MIGRATIONS))


class LazyMigrationCommands(click.Group):
    """`flask db …`: Flask-Migrate's own command group, loaded only when it is run."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations (Flask-Migrate).")
        self._app = app

    def _real(self) -> click.Group:
        init_migrations(self._app)  # also puts the real group in place of this one
        from flask_migrate.cli import db as group

        return group

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # The real group parses its own options (-d, -x) and runs its subcommands.
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._real().get_command(ctx, cmd_name)
