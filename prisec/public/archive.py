"""The archive: every published talk at /talks, filtered by series, year and speaker, searchable."""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask import Blueprint, Flask, current_app, request, url_for
from sqlalchemy import extract, select

from ..database import utcnow
from ..dataversion import SITE_WIDE
from ..extensions import db
from ..models import Series, Speaker, Talk, TalkSpeaker, in_visible_series, visible_series
from ..pagecache import memoised, public_answer
from ..rendering import render, wants_fragment
from ..search import SearchFilters, refresh_search_index, search_talks

bp = Blueprint("archive", __name__)


def _int_arg(name: str, low: int, high: int) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() and low <= int(value) <= high else None


def _public_talk_ids():
    return select(Talk.id).where(
        Talk.published.is_(True), Talk.deleted_at.is_(None), in_visible_series()
    )


@dataclass(frozen=True)
class Choice:
    """One entry of a filter menu: a series (with its slug) or a speaker."""

    id: int
    name: str
    slug: str = ""


def archive_choices() -> dict:
    """The series, years and speakers the filter menus offer: only those with public talks.

    Kept until any series changes: every search and page of the archive shows the same
    menus, and working them out scans every talk (a tenth of a second at 10,000 talks).
    """
    return memoised("archive-choices", SITE_WIDE, _archive_choices)


def _archive_choices() -> dict:
    public = _public_talk_ids()
    series = db.session.execute(
        select(Series.id, Series.name, Series.slug)
        .where(Series.id.in_(select(Talk.series_id).where(Talk.id.in_(public))))
        .order_by(Series.name)
    ).all()
    # Years counted by the database: loading every start made this grow with the archive.
    years = db.session.scalars(
        select(extract("year", Talk.start)).where(Talk.id.in_(public)).distinct()
    ).all()
    speakers = db.session.execute(
        select(Speaker.id, Speaker.name)
        .where(
            Speaker.id.in_(select(TalkSpeaker.speaker_id).where(TalkSpeaker.talk_id.in_(public)))
        )
        .order_by(Speaker.name)
    ).all()
    return {
        "series_choices": tuple(Choice(*row) for row in series),
        "year_choices": tuple(sorted({int(year) for year in years}, reverse=True)),
        "speaker_choices": tuple(Choice(*row) for row in speakers),
    }


@bp.get("/talks")
@public_answer(SITE_WIDE)
def talks():
    """Every published talk, newest first, or the best matches of the search words."""
    text = request.args.get("q", "")[:200]
    series_slug = request.args.get("series", "")
    series = (
        db.session.scalar(visible_series().where(Series.slug == series_slug))
        if series_slug
        else None
    )
    filters = SearchFilters(
        series_id=series.id if series else None,
        year=_int_arg("year", 1900, 2999),
        speaker_id=_int_arg("speaker", 1, 2**31),
    )
    page = _int_arg("page", 1, 100_000) or 1
    results = search_talks(
        text, filters, page=page, per_page=current_app.config["ARCHIVE_PAGE_SIZE"]
    )
    # Links to other pages keep every filter; empty ones are left out of the URL.
    kept = {
        "q": text.strip() or None,
        "series": series.slug if series else None,
        "year": filters.year,
        "speaker": filters.speaker_id,
    }
    kept = {key: value for key, value in kept.items() if value}

    def page_url(number: int) -> str:
        return url_for("archive.talks", **kept, page=number if number > 1 else None)

    response = render(
        "archive/talks.html",
        "partials/_archive_results.html",
        results=results,
        text=text,
        filters=filters,
        selected_series=series,
        filtered=bool(kept),
        page_url=page_url,
        now=utcnow(),
        **archive_choices(),
    )
    if wants_fragment():
        # The address bar shows the tidy URL (no empty filters), which also works without JS.
        response.headers["HX-Push-Url"] = page_url(results.page)
    return response


@click.command("search-reindex")
def search_reindex_command() -> None:
    """Rebuild the search index of every talk (after changing talks with raw SQL)."""
    refresh_search_index(db.session.connection())
    db.session.commit()
    click.echo("Search index rebuilt.")


def init_app(app: Flask) -> None:
    """Register the blueprint and the reindex command."""
    app.register_blueprint(bp)
    app.cli.add_command(search_reindex_command)
