"""The public schedule: the home page, a series' page, and the health check."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, request, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..database import utcnow
from ..dataversion import SITE_WIDE, series_scopes, series_scopes_of_slug
from ..extensions import db
from ..models import (
    Series,
    Talk,
    past_clause,
    public_talks,
    site_needs_setup,
    upcoming_clause,
    visible_series,
)
from ..pagecache import public_answer
from ..recordings import is_pdf, recording_link
from ..rendering import render
from .series_list import series_list_page
from .site import home_series, series_count

bp = Blueprint("schedule", __name__)


def default_series() -> Series | None:
    """The series shown at /: the configured one, else the oldest."""
    slug = current_app.config.get("DEFAULT_SERIES")
    chosen = db.session.scalar(visible_series().where(Series.slug == slug)) if slug else None
    return chosen or db.session.scalar(visible_series().order_by(Series.id).limit(1))


def _page_number() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1


def _schedule(series: Series, page_endpoint: str, **endpoint_args):
    now = utcnow()
    page = _page_number()
    size = current_app.config["PAST_PAGE_SIZE"]
    upcoming = db.session.scalars(
        public_talks(series).where(upcoming_clause(now)).order_by(Talk.start, Talk.id)
    ).all()
    # One extra row tells whether a further page exists without counting.
    past = db.session.scalars(
        public_talks(series)
        .where(past_clause(now))
        .order_by(Talk.start.desc(), Talk.id.desc())
        .offset((page - 1) * size)
        .limit(size + 1)
    ).all()
    more_url = None
    if len(past) > size:
        past = past[:size]
        more_url = url_for(page_endpoint, page=page + 1, **endpoint_args)
    return render(
        "schedule/index.html",
        "partials/_past_page.html",
        series=series,
        upcoming=upcoming,
        past=past,
        page=page,
        now=now,
        more_url=more_url,
        first_page_url=url_for(page_endpoint, **endpoint_args),
    )


def _home_scopes() -> frozenset[str]:
    # One series' schedule, or the list of every series with its next talk.
    series = home_series()
    return series_scopes(series.id) if series else SITE_WIDE


@bp.get("/")
@public_answer(_home_scopes)
def index():
    """The schedule of the default (or only) series; on a site of several, the list of series."""
    if not series_count():
        if site_needs_setup():
            # A new, empty site: its first visitor is the one setting it up.
            return redirect(url_for("setup.setup"))
        return render("schedule/empty.html", "schedule/empty.html")
    series = home_series()
    if series is None:
        return series_list_page()
    return _schedule(series, "schedule.index")


@bp.get("/series/<slug>")
@public_answer(series_scopes_of_slug)
def series_page(slug: str):
    """The schedule of one series."""
    series = db.session.scalar(visible_series().where(Series.slug == slug)) or abort(404)
    return _schedule(series, "schedule.series_page", slug=slug)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="database unavailable"), 503
    return jsonify(status="ok")


def init_app(app: Flask) -> None:
    """Register the blueprint; cards and talk pages find a talk's recording the same way."""
    app.register_blueprint(bp)
    app.jinja_env.globals.update(recording_link=recording_link, slides_are_pdf=is_pdf)
