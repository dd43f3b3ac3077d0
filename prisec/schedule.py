"""The public schedule: the series page, talk pages and the health check."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, request, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .database import utcnow
from .dataversion import SITE_WIDE, series_scopes, series_scopes_of_slug, talk_scopes
from .extensions import db
from .models import (
    Series,
    Talk,
    past_clause,
    public_talks,
    site_needs_setup,
    upcoming_clause,
    visible_series,
)
from .pagecache import public_answer
from .papers import papers_of
from .recordings import is_pdf, media_sources, recording_link, video_embed
from .rendering import render
from .security import allow
from .seo import preview_text, talk_event, talk_images
from .site import home_series, public_series

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
    series = home_series(public_series())
    return series_scopes(series.id) if series else SITE_WIDE


@bp.get("/")
@public_answer(_home_scopes)
def index():
    """The schedule of the default (or only) series; on a site of several, the list of series."""
    all_series = public_series()
    if not all_series:
        if site_needs_setup():
            # A new, empty site: its first visitor is the one setting it up.
            return redirect(url_for("setup.setup"))
        return render("schedule/empty.html", "schedule/empty.html")
    series = home_series(all_series)
    if series is None:
        from .public import series_list_page  # the list's own room; it imports this one's models

        return series_list_page()
    return _schedule(series, "schedule.index")


@bp.get("/series/<slug>")
@public_answer(series_scopes_of_slug)
def series_page(slug: str):
    """The schedule of one series."""
    series = db.session.scalar(visible_series().where(Series.slug == slug)) or abort(404)
    return _schedule(series, "schedule.series_page", slug=slug)


@bp.get("/talks/<int:talk_id>")
@bp.get("/talks/<int:talk_id>/<slug>")
@public_answer(lambda talk_id, slug=None: talk_scopes(talk_id))
def talk_page(talk_id: int, slug: str | None = None):
    """One talk's own page; any other slug redirects to the canonical URL."""
    talk = db.session.scalar(public_talks().where(Talk.id == talk_id)) or abort(404)
    if slug != talk.slug:
        return redirect(url_for("schedule.talk_page", talk_id=talk.id, slug=talk.slug), 301)
    now = utcnow()
    page_url = url_for("schedule.talk_page", talk_id=talk.id, slug=talk.slug, _external=True)
    recording_url = recording_link(talk, now)
    recording = video_embed(recording_url)
    slides_pdf = is_pdf(talk.slides_url)
    for directive, sources in media_sources(
        recording, talk.slides_url if slides_pdf else ""
    ).items():
        allow(directive, *sources)
    images = talk_images(talk)
    event = talk_event(
        talk,
        page_url=page_url,
        series_url=url_for("schedule.series_page", slug=talk.series.slug, _external=True),
        image_urls=images,
    )
    return render(
        "schedule/talk.html",
        "schedule/talk.html",
        talk=talk,
        series=talk.series,
        now=now,
        page_url=page_url,
        event=event,
        preview=preview_text(talk),
        preview_image=images[0] if images else None,
        recording_url=recording_url,
        recording=recording,
        slides_pdf=slides_pdf,
        papers=papers_of(talk),
    )


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
