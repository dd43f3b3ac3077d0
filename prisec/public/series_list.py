"""/series: every public series with its next talk (also what / shows on a site of several)."""

from __future__ import annotations

from flask import Blueprint, Flask
from sqlalchemy import func, select

from ..database import utcnow
from ..dataversion import SITE_WIDE
from ..extensions import db
from ..models import Series, Talk, public_talks, upcoming_clause
from ..pagecache import public_answer
from ..rendering import render
from .site import public_series

bp = Blueprint("public", __name__)


def next_talks(series: list[Series]) -> dict[int, Talk]:
    """The next upcoming public talk of each series, by series id."""
    now = utcnow()
    first = (
        select(Talk.series_id, func.min(Talk.start).label("start"))
        .where(Talk.published.is_(True), Talk.deleted_at.is_(None), upcoming_clause(now))
        .group_by(Talk.series_id)
        .subquery()
    )
    talks = db.session.scalars(
        public_talks()
        .join(first, (Talk.series_id == first.c.series_id) & (Talk.start == first.c.start))
        .where(Talk.series_id.in_([s.id for s in series]))
        .order_by(Talk.id)
    ).all()
    found: dict[int, Talk] = {}
    for talk in talks:
        found.setdefault(talk.series_id, talk)
    return found


def series_list_page():
    """Every public series with its next talk (also what / shows on a site of several)."""
    all_series = public_series()
    return render(
        "schedule/series_list.html",
        "schedule/series_list.html",
        all_series=all_series,
        next_of=next_talks(all_series),
        now=utcnow(),
    )


@bp.get("/series")
@public_answer(SITE_WIDE)
def series_list():
    """The list of series."""
    return series_list_page()


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
