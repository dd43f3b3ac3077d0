"""The read API: published talks as JSON under /api/v1, open to any origin for GET."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin

from flask import Blueprint, Flask, Response, abort, jsonify, request, url_for
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException

from .database import utcnow
from .dataversion import SITE_WIDE, talk_scopes
from .extensions import csrf, db
from .markdown import render_markdown, safe_url
from .models import Series, Talk, past_clause, public_talks, upcoming_clause, visible_series
from .pagecache import public_answer
from .public.seo import local_iso

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 100


def _link(url: str) -> str | None:
    """A stored link as an API client can follow it: a path on this site made absolute."""
    safe = safe_url(url)
    if safe.startswith("/"):
        return urljoin(request.host_url, safe)
    return safe or None


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def talk_json(talk: Talk, now: datetime) -> dict[str, Any]:
    """One talk as the API shows it: times in the series' zone with offset, and in UTC."""
    zone = talk.series.timezone
    return {
        "id": talk.id,
        "url": url_for("schedule.talk_page", talk_id=talk.id, slug=talk.slug, _external=True),
        "api_url": url_for("api.talk", talk_id=talk.id, _external=True),
        "title": talk.title,
        "series": {
            "slug": talk.series.slug,
            "name": talk.series.name,
            "timezone": zone,
            "url": url_for("schedule.series_page", slug=talk.series.slug, _external=True),
        },
        "speakers": [
            {
                "name": speaker.name,
                "honorific": speaker.honorific,
                "display_name": speaker.display_name,
                "affiliation": speaker.affiliation,
                "homepage": _link(speaker.homepage),
                "photo": url_for("uploads.photo", name=speaker.photo, _external=True)
                if speaker.photo
                else None,
            }
            for speaker in talk.speakers
        ],
        "timezone": zone,
        "start": local_iso(talk.start, zone),
        "end": local_iso(talk.end, zone),
        "start_utc": _utc(talk.start),
        "end_utc": _utc(talk.end),
        "previous_starts": [
            {"start": local_iso(start, zone), "start_utc": _utc(start)}
            for start in talk.previous_starts
        ],
        "status": talk.status.value,
        "listing": "upcoming" if talk.is_upcoming(now) else "past",
        "abstract": talk.abstract,
        "abstract_html": str(render_markdown(talk.abstract)),
        "bio": talk.bio,
        "bio_html": str(render_markdown(talk.bio)),
        "event": {"name": talk.event_name, "url": _link(talk.event_url)},
        "links": {
            name: _link(getattr(talk, f"{name}_url"))
            for name in ("registration", "livestream", "recording", "slides", "code", "paper")
        },
        "updated_at": _utc(talk.updated_at),
    }


def parse_instant(value: str) -> datetime:
    """An ISO 8601 date or date-time as a UTC instant; a bare date or naive time is UTC."""
    value = value.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an ISO 8601 date or date-time") from exc
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)


def _positive(name: str, default: int, highest: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= highest:
        abort(400, f"{name} must be a whole number from 1 to {highest}")
    return int(value)


# The query parameters /api/v1/talks understands, besides `page`.
TALKS_PARAMETERS = ("series", "listing", "since", "until", "per_page")


@bp.get("/talks")
@public_answer(SITE_WIDE)
def talks():
    """Published talks, filtered by series, listing and time range, a page at a time."""
    now = utcnow()
    query = public_talks()
    listing = request.args.get("listing", "")
    series_slug = request.args.get("series")
    if series_slug:
        series = db.session.scalar(visible_series().where(Series.slug == series_slug))
        if series is None:
            abort(404, f"no series {series_slug!r}")
        query = query.where(Talk.series_id == series.id)
    if listing == "upcoming":
        query = query.where(upcoming_clause(now))
    elif listing == "past":
        query = query.where(past_clause(now))
    elif listing:
        abort(400, "listing must be 'upcoming' or 'past'")
    for name, compare in (("since", Talk.start.__ge__), ("until", Talk.start.__lt__)):
        if request.args.get(name):
            try:
                query = query.where(compare(parse_instant(request.args[name])))
            except ValueError as exc:
                abort(400, f"{name}: {exc}")
    page = _positive("page", 1, 1_000_000)
    per_page = _positive("per_page", 20, MAX_PER_PAGE)
    total = db.session.scalar(
        select(func.count()).select_from(query.with_only_columns(Talk.id).subquery())
    )
    # Past talks newest first, as the schedule lists them; otherwise soonest first.
    order = [Talk.start.desc(), Talk.id.desc()] if listing == "past" else [Talk.start, Talk.id]
    rows = db.session.scalars(
        query.order_by(*order).offset((page - 1) * per_page).limit(per_page)
    ).all()
    # Only what this endpoint reads travels on: an unknown parameter is ignored, not echoed
    # into a Link header that many of them would make too long for clients to read.
    args = {key: request.args[key] for key in TALKS_PARAMETERS if request.args.get(key)}

    def page_url(number: int) -> str:
        return url_for("api.talks", **args, page=number, _external=True)

    next_url = page_url(page + 1) if page * per_page < (total or 0) else None
    previous_url = page_url(page - 1) if page > 1 else None
    response = jsonify(
        talks=[talk_json(talk, now) for talk in rows],
        page=page,
        per_page=per_page,
        total=total,
        next=next_url,
        previous=previous_url,
    )
    links = [
        f'<{url}>; rel="{rel}"' for rel, url in (("next", next_url), ("prev", previous_url)) if url
    ]
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


@bp.get("/talks/<int:talk_id>")
@public_answer(lambda talk_id: talk_scopes(talk_id))
def talk(talk_id: int):
    """One published talk."""
    found = db.session.scalar(public_talks().where(Talk.id == talk_id))
    if found is None:
        abort(404, f"no published talk {talk_id}")
    return jsonify(talk=talk_json(found, utcnow()))


@bp.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str):
    """Anything else under /api/v1: JSON errors, never the HTML error page."""
    if request.method != "GET":
        abort(405, "the API is read-only: use GET")
    abort(404, f"no such API address: /api/v1/{rest}")


@bp.errorhandler(HTTPException)
def _error(error: HTTPException) -> Response:
    response = jsonify(error={"status": error.code, "message": error.description})
    response.status_code = error.code or 500
    return response


@bp.after_request
def _open_to_any_origin(response: Response) -> Response:
    # Read-only and cookie-free: any site may read it from the browser.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET"
    return response


def init_app(app: Flask) -> None:
    """Register the blueprint; the API changes nothing, so it needs no CSRF token."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
