"""Template filters that turn stored UTC instants and Markdown into what readers see."""

from __future__ import annotations

from flask import Flask

from . import wallclock
from .markdown import render_markdown, safe_url
from .titles import plain_title, title_html


def init_app(app: Flask) -> None:
    """Register the filters on the app's Jinja environment."""
    app.jinja_env.filters.update(
        in_zone=wallclock.in_zone,
        date_long=wallclock.format_date,
        time_hm=wallclock.format_time,
        zone_abbr=wallclock.zone_abbreviation,
        iso_utc=wallclock.iso_utc,
        worldclock=wallclock.worldclock_url,
        markdown=render_markdown,
        safe_url=safe_url,
        plain_title=plain_title,
        title_html=title_html,
    )
