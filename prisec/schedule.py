"""The public schedule: the series page, talk pages and the health check."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, jsonify, redirect, request, url_for
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from .database import utcnow
from .dataversion import series_scopes, series_scopes_of_slug, talk_scopes
from .extensions import db
from .models import Series, Talk, past_clause, public_talks, upcoming_clause
from .pagecache import public_answer
from .papers import papers_of
from .recordings import is_pdf, media_sources, video_embed
from .rendering import render
from .security import allow
from .seo import preview_text, talk_event, talk_images

bp = Blueprint("schedule", __name__)


def default_series() -> Series | None:
    """The series shown at /: the configured one, else the oldest."""
    slug = current_app.config.get("DEFAULT_SERIES")
    query = select(Series).order_by(Series.id).limit(1)
    if slug:
        query = select(Series).where(Series.slug == slug)
    return db.session.scalar(query)


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


def _default_series_scopes() -> frozenset[str]:
    series = default_series()
    return series_scopes(series.id) if series else frozenset({"site"})


@bp.get("/")
@public_answer(_default_series_scopes)
def index():
    """The schedule of the default series."""
    series = default_series()
    if series is None:
        return render("schedule/empty.html", "schedule/empty.html")
    return _schedule(series, "schedule.index")


@bp.get("/series/<slug>")
@public_answer(series_scopes_of_slug)
def series_page(slug: str):
    """The schedule of one series."""
    series = db.session.scalar(select(Series).where(Series.slug == slug)) or abort(404)
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
    # A past talk's live stream on YouTube or Vimeo is where its recording stays.
    recording_url = talk.recording_url
    if not recording_url and not talk.is_upcoming(now) and video_embed(talk.livestream_url):
        recording_url = talk.livestream_url
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
    """Register the blueprint."""
    app.register_blueprint(bp)
