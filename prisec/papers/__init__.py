"""Papers: the /papers list, the papers a talk discusses, and importing a paper list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import Blueprint, Flask, request, url_for
from sqlalchemy import extract, select

from ..extensions import db
from ..models import Talk
from ..rendering import render, wants_fragment
from .listing import parse_paper_list
from .models import CATEGORY_NAMES, ET_AL, Paper, TalkPaper

bp = Blueprint("papers", __name__)


def papers_of(talk: Talk) -> list[Paper]:
    """The papers a talk discusses, in their listed order."""
    return list(
        db.session.scalars(
            select(Paper)
            .join(TalkPaper)
            .where(TalkPaper.talk_id == talk.id)
            .order_by(TalkPaper.position, Paper.id)
        )
    )


@bp.get("/papers")
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
    )
    if wants_fragment():
        # The address bar shows the tidy URL (no empty filters), which also works without JS.
        response.headers["HX-Push-Url"] = url_for(
            "papers.papers", category=category or None, year=year
        )
    return response


def import_papers(
    text: str, talk: Talk | None = None, today: date | None = None
) -> tuple[int, int]:
    """Add the papers of a list, updating ones already there (same title and date).

    With a talk, the papers are also listed as discussed in it. Returns (added, updated).
    """
    added = updated = 0
    position = len(papers_of(talk)) if talk else 0
    for listed in parse_paper_list(text, today):
        paper = db.session.scalar(
            select(Paper).where(
                Paper.title == listed.title, Paper.published_on == listed.published_on
            )
        )
        if paper is None:
            paper = Paper(title=listed.title, published_on=listed.published_on)
            db.session.add(paper)
            added += 1
        else:
            updated += 1
        paper.category = listed.category
        paper.authors = listed.authors + ([ET_AL] if listed.more_authors else [])
        paper.abstract = listed.abstract
        db.session.flush()
        if talk is not None and not db.session.scalar(
            select(TalkPaper).where(TalkPaper.talk_id == talk.id, TalkPaper.paper_id == paper.id)
        ):
            db.session.add(TalkPaper(talk_id=talk.id, paper_id=paper.id, position=position))
            position += 1
    db.session.commit()
    return added, updated


@click.command("import-papers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--talk", "talk_id", type=int, help="Also list the papers as discussed in this talk.")
def import_papers_command(path: Path, talk_id: int | None) -> None:
    """Import a paper list (category and date, title and authors, abstract per paper)."""
    talk = db.session.get(Talk, talk_id) if talk_id else None
    if talk_id and talk is None:
        raise click.ClickException(f"there is no talk {talk_id}")
    added, updated = import_papers(path.read_text(encoding="utf-8"), talk)
    click.echo(f"Imported {added} new papers, updated {updated}.")


def init_app(app: Flask) -> None:
    """Register the blueprint and the import command."""
    app.register_blueprint(bp)
    app.cli.add_command(import_papers_command)
