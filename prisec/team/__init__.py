"""The team: administrators, organizers of named series, the access rule, accounts, activity."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import user_logged_in

from ..extensions import db
from . import cli, models  # noqa: F401  (tables for migrations; commands join `flask organizer`)
from .access import guard_organizer_area
from .accounts import record_login
from .views import bp


def _remember_login(app: Flask, user: Any, **extra: Any) -> None:
    record_login(user)
    db.session.commit()


def init_app(app: Flask) -> None:
    """Register the pages, the access rule of the organizer area, and the commands."""
    app.before_request(guard_organizer_area)
    app.register_blueprint(bp)
    user_logged_in.connect(_remember_login, app, weak=False)
