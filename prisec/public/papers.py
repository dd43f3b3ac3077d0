"""The /papers page: every paper discussed at a talk, filtered by category and year."""

from __future__ import annotations

from flask import Blueprint, Flask, request, url_for
from sqlalchemy import extract, select

from ..dataversion import SITE_WIDE
from ..extensions import db
from ..pagecache import public_answer
from ..papers.models import CATEGORY_NAMES, Paper
from ..rendering import render, wants_fragment

bp = Blueprint("papers", __name__)


@bp.get("/papers")
@public_answer(SITE_WIDE)
def papers():
    """Every paper, newest first, filtered by category and year."""
    category = request.args.get("category", "").strip().upper()[:16]
    year_arg = request.args.get("year", "")
    year = int(year_arg) if year_arg.isdigit() and 1900 <= int(year_arg) <= 2999 else None
    query = select(Paper).order_by(Paper.published_on.desc(), Paper.id.desc())
    if category:
        query = query.where(Paper.category == category)
    if year:
        query = query.where(extract("year", Paper.published_on) == year)
    categories = db.session.scalars(select(Paper.category).distinct().order_by(Paper.category))
    days = db.session.scalars(select(Paper.published_on)).all()
    response = render(
        "papers/index.html",
        "partials/_paper_list.html",
        papers=db.session.scalars(query).all(),
        category=category,
        year=year,
        category_choices=[c for c in categories if c],
        category_names=CATEGORY_NAMES,
        year_choices=sorted({day.year for day in days}, reverse=True),
        filtered=bool(category or year),
        any_papers=bool(days),
    )
    if wants_fragment():
        # The address bar shows the tidy URL (no empty filters), which also works without JS.
        response.headers["HX-Push-Url"] = url_for(
            "papers.papers", category=category or None, year=year
        )
    return response


def init_app(app: Flask) -> None:
    """Register the blueprint; papers come in with `flask import papers` (prisec.importers)."""
    app.register_blueprint(bp)
