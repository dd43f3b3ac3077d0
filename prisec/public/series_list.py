"""/series: every public series with its next talk (also what / shows on a site of several)."""

from __future__ import annotations

from flask import Blueprint, Flask, request, url_for
from sqlalchemy import func, select

from ..database import utcnow
from ..dataversion import SITE_WIDE
from ..extensions import db
from ..models import Series, Talk, public_talks, upcoming_clause, visible_series
from ..pagecache import public_answer
from ..rendering import render

bp = Blueprint("public", __name__)

# Series a page of the list shows: a site of 2,000 series is forty pages, not one of 1.8 MB.
SERIES_PAGE_SIZE = 50


def next_talks(series: list[Series]) -> dict[int, Talk]:
    """The next upcoming public talk of each series, by series id."""
    now = utcnow()
    ids = [s.id for s in series]
    first = (
        select(Talk.series_id, func.min(Talk.start).label("start"))
        .where(
            Talk.published.is_(True),
            Talk.deleted_at.is_(None),
            upcoming_clause(now),
            Talk.series_id.in_(ids),
        )
        .group_by(Talk.series_id)
        .subquery()
    )
    talks = db.session.scalars(
        public_talks()
        .join(first, (Talk.series_id == first.c.series_id) & (Talk.start == first.c.start))
        .where(Talk.series_id.in_(ids))
        .order_by(Talk.id)
    ).all()
    found: dict[int, Talk] = {}
    for talk in talks:
        found.setdefault(talk.series_id, talk)
    return found


def series_list_page():
    """The public series with their next talks, a page at a time (also / on a site of several)."""
    page_arg = request.args.get("page", "1")
    page = int(page_arg) if page_arg.isdigit() and 0 < int(page_arg) < 100_000 else 1
    # One extra row tells whether a further page exists without counting.
    shown = list(
        db.session.scalars(
            visible_series()
            .order_by(Series.id)
            .offset((page - 1) * SERIES_PAGE_SIZE)
            .limit(SERIES_PAGE_SIZE + 1)
        )
    )
    more = len(shown) > SERIES_PAGE_SIZE
    shown = shown[:SERIES_PAGE_SIZE]
    endpoint = request.endpoint or "public.series_list"
    return render(
        "schedule/series_list.html",
        "schedule/series_list.html",
        all_series=shown,
        next_of=next_talks(shown),
        now=utcnow(),
        previous_url=url_for(endpoint, page=page - 1 if page > 2 else None) if page > 1 else None,
        next_url=url_for(endpoint, page=page + 1) if more else None,
    )


@bp.get("/series")
@public_answer(SITE_WIDE)
def series_list():
    """The list of series."""
    return series_list_page()


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
