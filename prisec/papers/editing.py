"""Organizers' changes to the papers a talk discusses: add, edit, take off the list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..extensions import db
from ..models import Talk
from .models import Paper, TalkPaper


def arxiv_id(url: str) -> str:
    """The arXiv id an address names, read as `flask import papers` reads it ('' for others)."""
    # Imported here: the importers' parsers (bibtexparser, ftfy) stay out of serving processes.
    from ..importers.papers import arxiv_id as read_arxiv_id

    return read_arxiv_id(url)


@dataclass(frozen=True)
class PaperFields:
    """What an organizer types about a paper."""

    title: str
    authors: list[str]
    url: str
    arxiv_id: str = ""
    published_on: date | None = None


def arxiv_date(identifier: str) -> date | None:
    """The month an arXiv id of the 2007 scheme names ('2101.01234': January 2021)."""
    head = identifier.split(".", 1)[0]
    if len(head) != 4 or not head.isdigit() or not 1 <= int(head[2:]) <= 12:
        return None
    return date(2000 + int(head[:2]), int(head[2:]), 1)


def _apply(paper: Paper, fields: PaperFields, today: date) -> None:
    paper.title = fields.title
    paper.authors = fields.authors
    paper.url = fields.url
    # An arXiv address says which paper it is; a typed id stands when the address is elsewhere.
    paper.arxiv_id = arxiv_id(fields.url) or fields.arxiv_id
    if paper.arxiv_id and not paper.pdf_url:
        paper.pdf_url = f"https://arxiv.org/pdf/{paper.arxiv_id}"
    if paper.arxiv_id and not paper.url:
        paper.url = f"https://arxiv.org/abs/{paper.arxiv_id}"
    paper.published_on = (
        fields.published_on or paper.published_on or arxiv_date(paper.arxiv_id) or today
    )


def add_paper(talk: Talk, fields: PaperFields, today: date) -> Paper:
    """A paper listed last on the talk: the one already stored with that arXiv id, or a new one."""
    found = arxiv_id(fields.url) or fields.arxiv_id
    paper = (
        db.session.scalar(select(Paper).where(Paper.arxiv_id == found).limit(1)) if found else None
    )
    if paper is None:
        paper = Paper(title=fields.title)
        db.session.add(paper)
    _apply(paper, fields, today)
    db.session.flush()
    listed = db.session.scalar(
        select(TalkPaper).where(TalkPaper.talk_id == talk.id, TalkPaper.paper_id == paper.id)
    )
    if listed is None:
        last = db.session.scalar(
            select(func.max(TalkPaper.position)).where(TalkPaper.talk_id == talk.id)
        )
        db.session.add(TalkPaper(talk_id=talk.id, paper_id=paper.id, position=(last or 0) + 1))
    return paper


def update_paper(paper: Paper, fields: PaperFields, today: date) -> None:
    """Change a paper (on every talk that lists it)."""
    _apply(paper, fields, today)


def remove_paper(talk: Talk, paper: Paper) -> None:
    """Take a paper off a talk's list; a paper no talk lists any more is deleted."""
    db.session.execute(
        TalkPaper.__table__.delete().where(
            TalkPaper.talk_id == talk.id, TalkPaper.paper_id == paper.id
        )
    )
    still_listed = db.session.scalar(
        select(TalkPaper.id).where(TalkPaper.paper_id == paper.id).limit(1)
    )
    if still_listed is None:
        db.session.delete(paper)
