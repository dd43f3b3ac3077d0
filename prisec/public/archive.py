"""The archive: every published talk at /talks, filtered by series, year and speaker, searchable.

The speaker filter is a text field (part of a name), with suggestions from /talks/speakers:
a menu of every speaker grew with the archive (786 KB at 50,000 talks).
"""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask import Blueprint, Flask, current_app, render_template, request, url_for
from sqlalchemy import extract, func, select

from ..database import utcnow
from ..dataversion import SITE_WIDE
from ..extensions import db
from ..models import Series, Speaker, Talk, TalkSpeaker, in_visible_series, visible_series
from ..pagecache import memoised, public_answer
from ..rendering import render, wants_fragment
from ..search import SearchFilters, like_pattern, refresh_search_index, search_talks

bp = Blueprint("archive", __name__)


def _int_arg(name: str, low: int, high: int) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() and low <= int(value) <= high else None


def _public_talk_ids():
    return select(Talk.id).where(
        Talk.published.is_(True), Talk.deleted_at.is_(None), in_visible_series()
    )


# Names the speaker field suggests as the reader types.
SPEAKER_SUGGESTIONS = 12
# The series menu lists up to this many; a site of more leaves it out (each series' own page
# pages its past talks), so the archive stays the size of what it shows (2,000 series: 160 KB).
SERIES_MENU = 50


@dataclass(frozen=True)
class Choice:
    """One entry of a filter menu: a series (with its slug)."""

    id: int
    name: str
    slug: str = ""


def archive_choices() -> dict:
    """The series and years the filter menus offer: only those with public talks.

    Kept until any series changes: every search and page of the archive shows the same
    menus, and working them out scans every talk (a tenth of a second at 10,000 talks).
    """
    return memoised("archive-choices", SITE_WIDE, _archive_choices)


def _archive_choices() -> dict:
    public = _public_talk_ids()
    series_choices: tuple[Choice, ...] = ()
    # Past the menu's size the menu is left out: nothing to work out (2,000 series' probes).
    if db.session.scalar(visible_series().with_only_columns(func.count())) <= SERIES_MENU:
        series = db.session.execute(
            select(Series.id, Series.name, Series.slug)
            .where(Series.id.in_(select(Talk.series_id).where(Talk.id.in_(public))))
            .order_by(Series.name)
        ).all()
        series_choices = tuple(Choice(*row) for row in series)
    return {"series_choices": series_choices, "year_choices": _years()}


def _years() -> tuple[int, ...]:
    """The years with public talks, newest first, read from the talks' listing index alone.

    Asked through the list of public ids, it read every talk's row (a third of a second at
    50,000 talks); one query whatever the archive's size or span.
    """
    years = db.session.scalars(
        select(extract("year", Talk.start))
        .where(Talk.published.is_(True), Talk.deleted_at.is_(None), in_visible_series())
        .distinct()
    ).all()
    return tuple(sorted({int(year) for year in years}, reverse=True))


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
    # A speaker's own link names them by id; the field holds part of a name.
    speaker_arg = request.args.get("speaker", "").strip()[:100]
    speaker_id = _int_arg("speaker", 1, 2**31)
    speaker_name = "" if speaker_arg.isdigit() else speaker_arg
    if speaker_id is not None:
        speaker_name = db.session.scalar(select(Speaker.name).where(Speaker.id == speaker_id)) or ""
    filters = SearchFilters(
        series_id=series.id if series else None,
        year=_int_arg("year", 1900, 2999),
        speaker_id=speaker_id,
        speaker_name="" if speaker_id is not None else speaker_name,
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
        "speaker": filters.speaker_id or filters.speaker_name or None,
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
        speaker_text=speaker_name,
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


@bp.get("/talks/speakers")
@public_answer(SITE_WIDE)
def speakers():
    """Names of speakers of public talks containing `?speaker=`: the speaker field's suggestions."""
    text = request.args.get("speaker", "").strip()[:100]
    names: list[str] = []
    if len(text) >= 2:
        # The names first (a scan of the speakers' name index), then their talks, then which
        # of those are public: a draft's speaker is not announced yet. Asked as one query,
        # SQLite's planner probed every public talk for each speaker (seconds at 50,000).
        candidates = db.session.execute(
            select(Speaker.id, Speaker.name)
            .where(Speaker.name.ilike(like_pattern(text), escape="\\"))
            .order_by(Speaker.name, Speaker.id)
            .limit(SPEAKER_SUGGESTIONS * 8)
        ).all()
        given = db.session.execute(
            select(TalkSpeaker.speaker_id, TalkSpeaker.talk_id).where(
                TalkSpeaker.speaker_id.in_([speaker_id for speaker_id, _ in candidates])
            )
        ).all()
        shown = set(
            db.session.scalars(
                _public_talk_ids().where(Talk.id.in_({talk_id for _, talk_id in given}))
            )
        )
        public = {speaker_id for speaker_id, talk_id in given if talk_id in shown}
        for speaker_id, name in candidates:
            if speaker_id in public and name not in names:
                names.append(name)
        names = names[:SPEAKER_SUGGESTIONS]
    return render_template("partials/_speaker_options.html", names=names)


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
