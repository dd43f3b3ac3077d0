"""Calendar feeds: the iCalendar documents calendar clients subscribe to, and how to subscribe."""

from __future__ import annotations

from flask import Flask

from .links import google_event_url, google_subscribe_url, outlook_event_url, webcal_url
from .views import bp


def init_app(app: Flask) -> None:
    """Register the feed routes and the link helpers templates use."""
    app.register_blueprint(bp)
    app.jinja_env.filters.update(webcal=webcal_url, google_subscribe=google_subscribe_url)
    app.jinja_env.globals.update(
        google_event_url=google_event_url, outlook_event_url=outlook_event_url
    )
