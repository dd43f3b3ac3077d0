"""Routes of the feeds: load the talks, write the calendar; the answer cache keeps the bytes."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from sqlalchemy import or_

from ..database import utcnow
from ..dataversion import SITE, SITE_WIDE, series_scopes_of_slug, talk_scopes
from ..extensions import db
from ..markdown import markdown_to_text
from ..models import (
    Listing,
    Series,
    Talk,
    past_clause,
    public_talk,
    public_talks,
    upcoming_clause,
    visible_series,
)
from ..pagecache import body_etag, public_answer
from .ical import FeedInfo, join_names, talks_to_ical
from .rows import FeedTalk, feed_talks

bp = Blueprint("feeds", __name__)

# Past talks a feed keeps by default: Google Calendar silently drops events of very large feeds.
PAST_WINDOW = timedelta(days=365)
# The feed of every series is bounded on a site of any size (README, "Calendar feeds"): the
# next SITE_FEED_TALKS talks, then as many of the past window's as still fit, newest first,
# and never more than SITE_FEED_BYTES. 50,000 talks in 2,000 series made 8.8 MB without it.
SITE_FEED_TALKS = 500
SITE_FEED_BYTES = 900_000
# Series whose feed addresses the help page lists one by one.
HELP_SERIES = 20


def _talk_url(talk: Talk | FeedTalk) -> str:
    return url_for("schedule.talk_page", talk_id=talk.id, slug=talk.slug, _external=True)


def _past_cutoff() -> datetime | None:
    """Start of the window of past talks, moved once a day so a day's builds agree; None: all."""
    if request.args.get("past") == "all":
        return None
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    return today - PAST_WINDOW


def _feed_talks(series: Series | None, cutoff: datetime | None) -> list[FeedTalk]:
    query = public_talks(series).order_by(Talk.start, Talk.id)
    if cutoff is not None:
        # Every upcoming talk (pinned ones too) and whatever ended inside the window.
        query = query.where(or_(Talk.listing == Listing.UPCOMING, Talk.end >= cutoff))
    return feed_talks(query)


def _info(name: str | None, description: str, timezone: str) -> FeedInfo:
    minutes = current_app.config["FEED_REFRESH_MINUTES"]
    return FeedInfo(name, description, timezone, timedelta(minutes=minutes))


def _respond(build, filename: str | None = None) -> Response:
    """The calendar `build` writes, or 304 when the client already holds it."""
    body = build()
    if body is None:
        abort(404)
    response = Response(body, mimetype="text/calendar")
    # The ETag the answer cache gives the same bytes, for answers it does not keep.
    response.set_etag(body_etag(body).strip('"'))
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["FEED_CACHE_SECONDS"]
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response.make_conditional(request)


@bp.get("/calendar.ics")
@public_answer(SITE_WIDE)
def all_series():
    """The next talks of every series, then the latest past ones, within the site feed's bound."""
    limit = int(current_app.config.get("SITE_FEED_TALKS", SITE_FEED_TALKS))
    cutoff = _past_cutoff()

    def build() -> bytes:
        series = list(db.session.scalars(visible_series().order_by(Series.id).limit(9)))
        name = series[0].name if len(series) == 1 else "Seminars"
        if len(series) > 8:
            description = "Talks of every series."
        else:
            description = f"Talks of {join_names([s.name for s in series])}." if series else ""
        timezone = series[0].timezone if series else "UTC"
        now = utcnow()
        # Soonest first, then the latest past ones: what a bound leaves out is the furthest.
        talks = feed_talks(
            public_talks().where(upcoming_clause(now)).order_by(Talk.start, Talk.id).limit(limit)
        )
        if len(talks) < limit:
            past = public_talks().where(past_clause(now))
            if cutoff is not None:
                past = past.where(Talk.end >= cutoff)
            talks += feed_talks(
                past.order_by(Talk.start.desc(), Talk.id.desc()).limit(limit - len(talks))
            )
        return talks_to_ical(
            talks,
            _info(name, description, timezone),
            site_host=current_app.config["SITE_HOST"],
            talk_url=_talk_url,
            max_bytes=int(current_app.config.get("SITE_FEED_BYTES", SITE_FEED_BYTES)),
        )

    return _respond(build)


@bp.get("/series/<slug>/calendar.ics")
@public_answer(series_scopes_of_slug)
def series_feed(slug: str):
    """Every published talk of one series."""
    cutoff = _past_cutoff()

    def build() -> bytes | None:
        series = db.session.scalar(visible_series().where(Series.slug == slug))
        if series is None:
            return None
        description = markdown_to_text(series.description) or series.name
        return talks_to_ical(
            _feed_talks(series, cutoff),
            _info(series.name, description, series.timezone),
            site_host=current_app.config["SITE_HOST"],
            talk_url=_talk_url,
        )

    return _respond(build)


@bp.get("/my.ics")
@public_answer(SITE_WIDE)
def my_feed():
    """A reader's selection across series (`?series=a,b&talks=12,40`), as one calendar."""
    from ..public.my_calendar import Selection  # the selection belongs to the my-calendar page

    selection = Selection.from_args(request.args)
    cutoff = _past_cutoff()

    def build() -> bytes | None:
        if not selection:
            return None
        query = selection.talks_query().order_by(Talk.start, Talk.id)
        if cutoff is not None:
            query = query.where(or_(Talk.listing == Listing.UPCOMING, Talk.end >= cutoff))
        talks = feed_talks(query)
        names = list(
            db.session.scalars(
                visible_series()
                .with_only_columns(Series.name)
                .where(Series.slug.in_(selection.series))
                .order_by(Series.id)
            )
        )
        description = "Talks of " + join_names(names) if names else "Chosen talks"
        if names and selection.talks:
            description += " and single talks of other series"
        zones = [talk.series.timezone for talk in talks]
        timezone = max(set(zones), key=zones.count) if zones else "UTC"
        return talks_to_ical(
            talks,
            _info("My seminars", description + ".", timezone),
            site_host=current_app.config["SITE_HOST"],
            talk_url=_talk_url,
        )

    return _respond(build)


@bp.get("/talks/<int:talk_id>.ics")
@public_answer(lambda talk_id: talk_scopes(talk_id))
def talk_file(talk_id: int):
    """One talk, past or upcoming, as a file to import."""

    def build() -> bytes | None:
        talk = public_talk(talk_id)
        if talk is None:
            return None
        return talks_to_ical(
            [talk],
            FeedInfo(None),
            site_host=current_app.config["SITE_HOST"],
            talk_url=_talk_url,
        )

    return _respond(build, filename=f"talk-{talk_id}.ics")


@bp.get("/calendar/help")
@public_answer(frozenset({SITE}))
def help_page():
    """How to subscribe in Google, Apple, Outlook and Thunderbird."""
    # The addresses of a few series; a site of thousands points to each series' page.
    series = db.session.scalars(visible_series().order_by(Series.id).limit(HELP_SERIES + 1)).all()
    return render_template(
        "feeds/help.html",
        all_series=series,
        help_series=HELP_SERIES,
        site_feed_talks=int(current_app.config.get("SITE_FEED_TALKS", SITE_FEED_TALKS)),
        site_feed_kilobytes=int(current_app.config.get("SITE_FEED_BYTES", SITE_FEED_BYTES)) // 1000,
    )
