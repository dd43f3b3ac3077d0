"""The Atom feed of announcements at /feed.atom: new talks, reschedules and cancellations."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, request, url_for
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import wallclock
from ..dataversion import series_scopes_of_query
from ..extensions import db
from ..markdown import render_markdown
from ..models import Series, Talk, TalkRevision, TalkStatus, in_visible_series, visible_series
from ..pagecache import public_answer
from ..textcleaning import clean_text
from ..titles import plain_title

bp = Blueprint("atom", __name__)
log = logging.getLogger(__name__)

FEED_LENGTH = 50


@dataclass(frozen=True)
class Announcement:
    """One thing attendees are told about a talk, made from the revision that did it."""

    kind: str  # "new", "rescheduled" or "cancelled"
    talk: Talk
    revision: TalkRevision
    start: datetime
    previous_start: datetime | None = None


def _instant(value: Any) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def classify(revision: TalkRevision, previous: dict[str, Any] | None) -> str | None:
    """What a revision announces, judged from its snapshot and the one before; None for edits."""
    now, before = revision.snapshot, previous or {}
    if not now.get("published"):
        return None  # drafts are never announced
    if now.get("status") == TalkStatus.CANCELLED.value:
        return "cancelled" if before.get("status") != TalkStatus.CANCELLED.value else None
    if not before.get("published"):
        return "new"
    if before.get("start") != now.get("start"):
        return "rescheduled"
    return None


def announcements_of(talk: Talk) -> list[Announcement]:
    """A talk's announcements in the order they happened."""
    found: list[Announcement] = []
    previous: dict[str, Any] | None = None
    for revision in talk.revisions:
        kind = classify(revision, previous)
        if kind:
            found.append(
                Announcement(
                    kind=kind,
                    talk=talk,
                    revision=revision,
                    start=_instant(revision.snapshot.get("start")) or talk.start,
                    previous_start=_instant((previous or {}).get("start"))
                    if kind == "rescheduled"
                    else None,
                )
            )
        previous = revision.snapshot
    return found


def recent_announcements(
    series: Series | None = None, limit: int = FEED_LENGTH
) -> list[Announcement]:
    """The newest announcements of the published talks (of one series), newest first."""
    # Talks touched most recently first; each talk's history is short, so read it whole.
    query = (
        select(Talk)
        .where(Talk.published.is_(True), Talk.deleted_at.is_(None), in_visible_series())
        .options(
            selectinload(Talk.revisions),
            selectinload(Talk.speaker_links),
            selectinload(Talk.reschedules),
        )
        .order_by(Talk.updated_at.desc())
        .limit(limit)
    )
    if series is not None:
        query = query.where(Talk.series_id == series.id)
    found: list[Announcement] = []
    for talk in db.session.scalars(query):
        try:
            found += announcements_of(talk)
        except (ValueError, TypeError, KeyError):
            # A revision stored with an unreadable date: that talk is left out, not the feed.
            log.exception(
                "Atom feed: the revisions of talk %s could not be read; left out", talk.id
            )
    found.sort(key=lambda item: (item.revision.created_at, item.revision.id), reverse=True)
    return found[:limit]


def _when(instant: datetime, zone: str) -> str:
    local = wallclock.in_zone(instant, zone)
    return (
        f"{local:%A}, {wallclock.format_date(local)}, {wallclock.format_time(local)} "
        f"{wallclock.zone_abbreviation(local)}"
    )


_TITLES = {"new": "New talk", "rescheduled": "Rescheduled", "cancelled": "Cancelled"}


def _entry_html(item: Announcement) -> str:
    talk, zone = item.talk, item.talk.series.timezone
    speakers = ", ".join(s.display_name for s in talk.speakers) or "Speaker to be announced"
    when = _when(item.start, zone)
    if item.kind == "rescheduled" and item.previous_start:
        when = f"<del>{_when(item.previous_start, zone)}</del> {when}"
    elif item.kind == "cancelled":
        when = f"<del>{when}</del> (cancelled)"
    abstract = str(render_markdown(clean_text(talk.abstract))) or "<p>Abstract to be announced.</p>"
    why = _why(item)
    note = f"<p>{escape(why)}</p>" if why else ""
    return clean_text(f"<p><strong>{escape(speakers)}</strong><br>{when}</p>{note}{abstract}")


def _why(item: Announcement) -> str:
    """What the organizers told attendees with this change: the cancellation note or the reason."""
    if item.kind == "cancelled":
        return (item.revision.snapshot.get("cancel_note") or "").strip()
    if item.kind == "rescheduled" and item.previous_start:
        reasons = [
            r.reason for r in item.talk.reschedules if r.previous_start == item.previous_start
        ]
        return (reasons[-1] if reasons else "").strip()
    return ""


def announcements_feed(
    items: list[Announcement], *, title: str, feed_url: str, site_url: str, site_host: str
) -> bytes:
    """The Atom document of announcements."""
    # Imported here: feedgen and lxml weigh some 5 MB, for a feed few readers ask for.
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(feed_url)
    feed.title(clean_text(title))
    feed.author({"name": clean_text(title)})
    feed.link(href=feed_url, rel="self")
    feed.link(href=site_url, rel="alternate")
    feed.language("en")
    feed.updated(items[0].revision.created_at if items else datetime(2000, 1, 1, tzinfo=UTC))
    for item in items:
        entry = feed.add_entry(order="append")
        try:
            _fill_entry(entry, item, site_host)
            entry.atom_entry()  # written once here, so that a failure stays with its entry
        except Exception:
            # Stored data must never take the feed down for everyone: this entry is left
            # out, the rest is served, and the log says which talk to look at.
            log.exception(
                "Atom feed: talk %s (revision %s) could not be written; left out",
                item.talk.id,
                item.revision.id,
            )
            feed.remove_entry(entry)
    return feed.atom_str(pretty=True)


def _fill_entry(entry: Any, item: Announcement, site_host: str) -> None:
    talk, revision = item.talk, item.revision
    created = revision.created_at.astimezone(UTC)
    # Tag URIs (RFC 4151) stay the same wherever the site moves.
    entry.id(f"tag:{site_host},{created:%Y-%m-%d}:talk-{talk.id}-revision-{revision.id}")
    entry.title(
        clean_text(f"{_TITLES[item.kind]}: {plain_title(talk.title) or 'Title to be announced'}")
    )
    entry.updated(created)
    entry.published(created)
    entry.link(href=url_for("schedule.talk_page", talk_id=talk.id, slug=talk.slug, _external=True))
    entry.category(term=item.kind)
    entry.content(_entry_html(item), type="html")


@bp.get("/feed.atom")
@public_answer(lambda: series_scopes_of_query())
def feed() -> Response:
    """Announcements of every series, or of one with `?series=<slug>`."""
    slug = request.args.get("series", "")
    series = None
    if slug:
        series = db.session.scalar(visible_series().where(Series.slug == slug)) or abort(404)
    body = announcements_feed(
        recent_announcements(series),
        title=f"{series.name}: announcements" if series else "Talk announcements",
        feed_url=url_for("atom.feed", series=slug or None, _external=True),
        site_url=url_for("schedule.series_page", slug=slug, _external=True)
        if series
        else url_for("schedule.index", _external=True),
        site_host=current_app.config["SITE_HOST"],
    )
    return Response(body, mimetype="application/atom+xml")


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
