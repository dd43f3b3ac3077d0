"""Organizer accounts: login, logout, the login limit, invitations, password reset, the own
account page and `flask organizer`."""

from __future__ import annotations

from flask import Flask

from ..extensions import login
from . import (
    lockout,
    models,  # noqa: F401  (the tables must be known to migrations)
    own,  # noqa: F401  (its pages join the blueprint)
    reset,  # noqa: F401  (its pages join the blueprint)
    securitylog,
)
from .cli import organizer_cli
from .sessions import SessionCookie, load_organizer
from .views import bp


def init_app(app: Flask) -> None:
    """Register the pages and the command; anonymous visitors of organizer pages log in first."""
    login.login_view = "auth.login"
    login.login_message = "Log in to see that page."
    login.login_message_category = "info"
    login.user_loader(load_organizer)
    app.session_interface = SessionCookie()
    securitylog.init_app()
    app.register_blueprint(bp)
    app.cli.add_command(organizer_cli)
    lockout.install(app)
