"""The first start: the setup page and `flask setup`, the console's setup link, the demo banner."""

from __future__ import annotations

import sys

import click
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import site_needs_setup
from . import banner
from .cli import setup_command
from .token import issue_token, setup_lock
from .views import bp, console_message


def announce(app: Flask) -> None:
    """On a server's start: when no account exists, print the setup link with its token."""
    with app.app_context(), setup_lock(app.instance_path):
        try:
            needed = site_needs_setup()
        except SQLAlchemyError:
            # Not migrated yet: the first visit to /setup issues the token and prints it.
            db.session.rollback()
            return
        finally:
            db.session.remove()
        if not needed:
            return
        token, _ = issue_token(app.instance_path)
        message = console_message(token, app.instance_path)
    print(message, file=sys.stderr, flush=True)


def _starting_a_server() -> bool:
    # A WSGI server (waitress, gunicorn) imports the app outside any click command; the
    # flask CLI builds it for every command, where only `flask run` serves.
    context = click.get_current_context(silent=True)
    return context is None or context.info_name == "run"


def init_app(app: Flask) -> None:
    """Register the setup page, `flask setup`, the demo banner, and announce the setup link."""
    app.register_blueprint(bp)
    app.cli.add_command(setup_command)
    banner.init_app(app)
    if not app.config.get("TESTING") and _starting_a_server():
        context = click.get_current_context(silent=True)
        if context is not None and not app.config.get("SETUP_BASE_URL"):
            # `flask run --port 8000`: the link names the address it serves on.
            host, port = context.params.get("host", "127.0.0.1"), context.params.get("port", 5000)
            app.config["SETUP_BASE_URL"] = f"http://{host}:{port}"
        announce(app)
