"""What search engines and link previews read: Event JSON-LD, preview tags, sitemap, robots.txt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, render_template, url_for

from .. import wallclock
from ..dataversion import SITE_WIDE
from ..extensions import db
from ..markdown import safe_url
from ..models import Series, Speaker, Talk, public_talks, visible_series
from ..pagecache import public_answer
from ..titles import plain_title

bp = Blueprint("seo", __name__)

_SCHEMA = "https://schema.org/"


def local_iso(instant: datetime, zone_name: str) -> str:
    """ISO 8601 with the zone's offset: '2021-11-17T13:30:00+00:00'."""
    return wallclock.in_zone(instant, zone_name).isoformat(timespec="seconds")


def preview_text(talk: Talk, limit: int = 300) -> str:
    """A short plain description of a talk for previews and search results."""
    text = " ".join(talk.plain_abstract.split())
    if not text:
        return "Abstract to be announced."
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text


def event_status(talk: Talk) -> str:
    """schema.org's status: cancelled wins over rescheduled, which wins over scheduled."""
    if talk.cancelled:
        return _SCHEMA + "EventCancelled"
    if talk.reschedules:
        return _SCHEMA + "EventRescheduled"
    return _SCHEMA + "EventScheduled"


def talk_event(
    talk: Talk,
    *,
    page_url: str,
    series_url: str,
    image_urls: list[str],
) -> dict[str, Any]:
    """The schema.org Event of a talk, as Google's Event rich result reads it."""
    zone = talk.series.timezone
    event: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": plain_title(talk.title or "Title to be announced"),
        "description": preview_text(talk, 1000),
        "url": page_url,
        "startDate": local_iso(talk.start, zone),
        "endDate": local_iso(talk.end, zone),
        "eventStatus": event_status(talk),
        "eventAttendanceMode": _SCHEMA + "OnlineEventAttendanceMode",
        "location": {
            "@type": "VirtualLocation",
            "url": safe_url(talk.livestream_url) or safe_url(talk.registration_url) or page_url,
        },
        "organizer": {"@type": "Organization", "name": talk.series.name, "url": series_url},
        "performer": [_person(speaker) for speaker in talk.speakers],
        "isAccessibleForFree": True,
    }
    if talk.reschedules:
        previous = [local_iso(start, zone) for start in talk.previous_starts]
        # One earlier date is a plain value; several are a list, as schema.org allows.
        event["previousStartDate"] = previous[0] if len(previous) == 1 else previous
    if image_urls:
        event["image"] = image_urls
    if safe_url(talk.registration_url) and not talk.cancelled:
        event["offers"] = {
            "@type": "Offer",
            "url": safe_url(talk.registration_url),
            "price": 0,
            "availability": _SCHEMA + "InStock",
        }
    if talk.event_name:
        event["superEvent"] = {"@type": "Event", "name": talk.event_name}
        if safe_url(talk.event_url):
            event["superEvent"]["url"] = safe_url(talk.event_url)
    return event


def _person(speaker: Speaker) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "name": speaker.display_name}
    if speaker.affiliation:
        person["affiliation"] = {"@type": "Organization", "name": speaker.affiliation}
    if safe_url(speaker.homepage):
        person["url"] = safe_url(speaker.homepage)
    return person


def talk_images(talk: Talk) -> list[str]:
    """Absolute URLs of the speakers' photos (needs a request context)."""
    return [
        url_for("uploads.photo", name=speaker.photo, _external=True)
        for speaker in talk.speakers
        if speaker.photo
    ]


@bp.get("/sitemap.xml")
@public_answer(SITE_WIDE)
def sitemap() -> Response:
    """Every public page a search engine should know: schedules, the archive, talks."""
    series = db.session.scalars(visible_series().order_by(Series.id)).all()
    talks = db.session.scalars(public_talks().order_by(Talk.start.desc(), Talk.id.desc())).all()
    body = render_template("seo/sitemap.xml", series=series, talks=talks)
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> Response:
    """Crawl everything public; skip the machine endpoints; point at the sitemap."""
    lines = [
        "User-agent: *",
        "Disallow: /api/",
        "Disallow: /embed/",
        "Allow: /",
        f"Sitemap: {url_for('seo.sitemap', _external=True)}",
    ]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
