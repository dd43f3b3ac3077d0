"""Embedding: a page of next talks for other sites' iframes (no other page may be framed)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, abort, request

from ..database import utcnow
from ..dataversion import series_scopes_of_query
from ..extensions import db
from ..models import Series, Talk, public_talks, upcoming_clause, visible_series
from ..pagecache import public_answer
from ..rendering import render
from ..security import allow_framing

bp = Blueprint("embed", __name__, url_prefix="/embed")


@bp.get("/upcoming")
@public_answer(lambda: series_scopes_of_query())
def upcoming() -> Response:
    """The next talks of one series (`?series=<slug>`) or of all, for an iframe."""
    slug = request.args.get("series", "")
    series = None
    if slug:
        series = db.session.scalar(visible_series().where(Series.slug == slug)) or abort(404)
    limit_arg = request.args.get("limit", "5")
    limit = min(int(limit_arg), 20) if limit_arg.isdigit() and int(limit_arg) > 0 else 5
    now = utcnow()
    talks = db.session.scalars(
        public_talks(series).where(upcoming_clause(now)).order_by(Talk.start, Talk.id).limit(limit)
    ).all()
    allow_framing()
    return render("embed/upcoming.html", "embed/upcoming.html", series=series, talks=talks, now=now)


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
