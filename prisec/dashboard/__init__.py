"""The organizer area (/dashboard): talks of a series, the talk form, actions, announcements,
speaker links and proposals, settings, planning, papers and the trash."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from . import (  # noqa: F401  (tables, and routes on bp)
    actions_views,
    announcement_views,
    models,
    papers_views,
    planning_views,
    settings_views,
    site_views,
    speaker_link_views,
    trash_views,
)
from .views import bp


def init_app(app: Flask) -> None:
    """Register the pages."""
    app.register_blueprint(bp)
    # Revisions store instants as ISO text; the history view turns them back into times.
    app.jinja_env.filters["fromiso"] = datetime.fromisoformat
