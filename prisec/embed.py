"""Embedding: a page of next talks for other sites' iframes; other pages refuse frames."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, request
from sqlalchemy import select

from .database import utcnow
from .extensions import db
from .models import Series, Talk, public_talks, upcoming_clause
from .rendering import render

bp = Blueprint("embed", __name__, url_prefix="/embed")

# Marks a response that may be framed by any site; the default hook leaves it alone.
_FRAMEABLE = "frame-ancestors *"


@bp.get("/upcoming")
def upcoming() -> Response:
    """The next talks of one series (`?series=<slug>`) or of all, for an iframe."""
    slug = request.args.get("series", "")
    series = None
    if slug:
        series = db.session.scalar(select(Series).where(Series.slug == slug)) or abort(404)
    limit_arg = request.args.get("limit", "5")
    limit = min(int(limit_arg), 20) if limit_arg.isdigit() and int(limit_arg) > 0 else 5
    now = utcnow()
    talks = db.session.scalars(
        public_talks(series).where(upcoming_clause(now)).order_by(Talk.start, Talk.id).limit(limit)
    ).all()
    response = render(
        "embed/upcoming.html", "embed/upcoming.html", series=series, talks=talks, now=now
    )
    response.headers["Content-Security-Policy"] = _FRAMEABLE
    return response


def forbid_framing(response: Response) -> Response:
    """Every page refuses to be framed (clickjacking) unless it said otherwise."""
    policy = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors" in policy:
        return response
    response.headers["Content-Security-Policy"] = (
        f"{policy}; frame-ancestors 'none'" if policy else "frame-ancestors 'none'"
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app: Flask) -> None:
    """Register the blueprint and the no-framing default."""
    app.register_blueprint(bp)
    app.after_request(forbid_framing)
