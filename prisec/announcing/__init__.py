"""Announcements of talks: the series' template, the preview, sending by mail, reminders."""

from __future__ import annotations

from flask import Flask

from . import models  # noqa: F401  (tables)
from .compose import DEFAULT_TEMPLATE, VARIABLES
from .remind import remind_command
from .views import bp


def init_app(app: Flask) -> None:
    """Register the pages, and the template help the series settings show."""
    app.register_blueprint(bp)
    app.cli.add_command(remind_command)
    app.jinja_env.globals["announcement_variables"] = VARIABLES
    app.jinja_env.globals["announcement_default_template"] = DEFAULT_TEMPLATE
