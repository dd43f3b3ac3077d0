"""What search engines and link previews read: Event JSON-LD, preview tags, sitemap, robots.txt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, url_for
from markupsafe import escape
from sqlalchemy import func, select

from .. import wallclock
from ..dataversion import SITE_WIDE
from ..extensions import db
from ..markdown import safe_url
from ..models import Series, Speaker, Talk, in_visible_series, slugify, visible_series
from ..pagecache import public_answer
from ..papers.models import Paper
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


# The sitemaps protocol allows 50,000 addresses a file; 10,000 keep each file quick to build
# cold (a tenth of a second) and small to keep. Talks go to files by ranges of their
# ids, so an edit changes one file's content and a file never holds more than its range.
SITEMAP_FILE_ADDRESSES = 10_000
_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _file_size() -> int:
    return int(current_app.config.get("SITEMAP_FILE_ADDRESSES", SITEMAP_FILE_ADDRESSES))


def _public_talk_columns(*columns):
    return select(*columns).where(
        Talk.published.is_(True), Talk.deleted_at.is_(None), in_visible_series()
    )


def _talk_files() -> list[tuple[int, datetime | None]]:
    """The numbers of the talk files that hold any talk, with the last change of each."""
    size = _file_size()
    number = ((Talk.id - 1) // size + 1).label("number")
    return [
        (int(file_number), changed)
        for file_number, changed in db.session.execute(
            _public_talk_columns(number, func.max(Talk.updated_at))
            .group_by(number)
            .order_by(number)
        )
    ]


def sitemap_files() -> list[tuple[str, datetime | None]]:
    """The sitemap files of the index, with their last change: the pages, then talks by range."""
    pages_changed = db.session.scalar(
        visible_series().with_only_columns(func.max(Series.updated_at))
    )
    files = [(url_for("seo.sitemap_pages", _external=True), pages_changed)]
    for number, changed in _talk_files():
        files.append((url_for("seo.sitemap_talks", number=number, _external=True), changed))
    return files


def sitemap_addresses() -> list[str]:
    """The site-relative addresses of the sitemap index and its files (for publishing)."""
    urls = current_app.url_map.bind("localhost")
    return [
        urls.build("seo.sitemap"),
        urls.build("seo.sitemap_pages"),
        *(urls.build("seo.sitemap_talks", {"number": number}) for number, _ in _talk_files()),
    ]


def _lastmod(changed: datetime | None) -> str:
    # isoformat, not strftime: a tenth of the cost, and a W3C datetime as sitemaps want.
    return f"<lastmod>{changed.isoformat(timespec='seconds')}</lastmod>" if changed else ""


def _xml(kind: str, entries: list[str]) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{kind} xmlns="{_SITEMAP_NS}">\n' + "".join(entries) + f"</{kind}>\n"
    )
    return Response(body, mimetype="application/xml")


@bp.get("/sitemap.xml")
@public_answer(SITE_WIDE, follows_clock=False)
def sitemap() -> Response:
    """The sitemap index: one file of the site's pages, then files of talks."""
    return _xml(
        "sitemapindex",
        [
            f"<sitemap><loc>{escape(loc)}</loc>{_lastmod(changed)}</sitemap>\n"
            for loc, changed in sitemap_files()
        ],
    )


@bp.get("/sitemap/pages.xml")
@public_answer(SITE_WIDE, follows_clock=False)
def sitemap_pages() -> Response:
    """The home page, the list of series, the archive, papers and every series' schedule."""
    series = db.session.execute(
        visible_series().with_only_columns(Series.slug, Series.updated_at).order_by(Series.id)
    ).all()
    pages = [url_for("schedule.index", _external=True)]
    if len(series) > 1:
        pages.append(url_for("public.series_list", _external=True))
    pages.append(url_for("archive.talks", _external=True))
    if db.session.scalar(select(Paper.id).limit(1)) is not None:
        pages.append(url_for("papers.papers", _external=True))
    entries = [f"<url><loc>{escape(loc)}</loc></url>\n" for loc in pages]
    for slug, changed in series:
        loc = url_for("schedule.series_page", slug=slug, _external=True)
        entries.append(f"<url><loc>{escape(loc)}</loc>{_lastmod(changed)}</url>\n")
    return _xml("urlset", entries)


@bp.get("/sitemap/talks-<int:number>.xml")
@public_answer(SITE_WIDE, follows_clock=False)
def sitemap_talks(number: int) -> Response:
    """The talk pages whose ids fall in the file's range."""
    size = _file_size()
    rows = db.session.execute(
        _public_talk_columns(Talk.id, Talk.title, Talk.updated_at)
        .where(Talk.id > (number - 1) * size, Talk.id <= number * size)
        .order_by(Talk.id)
    ).all()
    if not rows:
        abort(404)
    # One url_for for the pattern, not one per talk: 50,000 of them cost a second.
    marker_id, marker_slug = 987654321, "SLUG"
    pattern = escape(
        url_for("schedule.talk_page", talk_id=marker_id, slug=marker_slug, _external=True)
    )
    head, middle, tail = _split_pattern(str(pattern), str(marker_id), marker_slug)
    entries = [
        f"<url><loc>{head}{talk_id}{middle}{slugify(title) or 'talk'}{tail}</loc>"
        f"{_lastmod(changed)}</url>\n"
        for talk_id, title, changed in rows
    ]
    return _xml("urlset", entries)


def _split_pattern(pattern: str, first: str, second: str) -> tuple[str, str, str]:
    head, rest = pattern.split(first, 1)
    middle, tail = rest.split(second, 1)
    return head, middle, tail


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
