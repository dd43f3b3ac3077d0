"""The demo banner: while the demo series is shown, every page says so and how to remove it."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..dataversion import SITE
from ..extensions import db
from ..models import Series, site_needs_setup
from ..pagecache import memoised


@dataclass(frozen=True)
class DemoBanner:
    """The demo series on show, and whether the site still has no account to remove it with."""

    series_name: str
    needs_setup: bool


def demo_banner() -> DemoBanner | None:
    """What the banner says, or None when no demo series is shown."""
    try:
        # A series and the first account both raise the site's scope: one stamp to read.
        return memoised("demo-banner", frozenset({SITE}), _read_banner)
    except SQLAlchemyError:
        # An error page rendered because the database is away still renders.
        return None


def _read_banner() -> DemoBanner | None:
    name = db.session.scalar(
        select(Series.name).where(Series.is_demo.is_(True), Series.deleted_at.is_(None)).limit(1)
    )
    return None if name is None else DemoBanner(name, site_needs_setup())


def init_app(app: Flask) -> None:
    """Let base.html ask, only when a whole page renders (fragments never include it)."""
    app.jinja_env.globals["demo_banner"] = demo_banner
