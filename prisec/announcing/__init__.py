"""Announcements of talks by e-mail: the series' template, composing, sending, reminders.

The organizers' pages for it are in the dashboard (prisec/dashboard/announcement_views.py).
"""

from __future__ import annotations

from flask import Flask

from . import models  # noqa: F401  (tables)
from .compose import DEFAULT_TEMPLATE, VARIABLES
from .remind import remind_command


def init_app(app: Flask) -> None:
    """Register `flask remind`, and the template help the series settings show."""
    app.cli.add_command(remind_command)
    app.jinja_env.globals["announcement_variables"] = VARIABLES
    app.jinja_env.globals["announcement_default_template"] = DEFAULT_TEMPLATE
