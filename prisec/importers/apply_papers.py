"""Storing parsed paper lists: find or create each paper, change only what differs."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select

from ..extensions import db
from ..models import Talk
from ..papers.models import ET_AL, Paper, TalkPaper
from .apply import ImportReport
from .papers import PaperEntry, ParsedPapers, arxiv_id

# Paper fields a list fills; a value the list leaves empty never blanks one already stored.
PAPER_FIELDS = ("category", "abstract", "url", "pdf_url", "code_url")


def _folded(text: str) -> str:
    """Text compared without case, accents' encoding or runs of spaces mattering."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _identity(title: str, authors: list[str]) -> tuple[str, str]:
    first = next((name for name in authors if name != ET_AL), "")
    return _folded(title), _folded(first)


def _stored_authors(entry: PaperEntry, stored: list[str]) -> list[str]:
    """The list's authors, unless it shortens a longer list already stored to 'et al.'."""
    names = entry.authors + ([ET_AL] if entry.more_authors else [])
    if (
        entry.more_authors
        and len(stored) > len(entry.authors)
        and stored[: len(entry.authors)] == entry.authors
    ):
        return stored
    return names


class PaperImporter:
    """Applies parsed papers, finding stored ones by arXiv id, address or title and first author."""

    def __init__(self, *, talk: Talk | None = None, dry_run: bool = False) -> None:
        self.talk = talk
        self.report = ImportReport(dry_run=dry_run, subject="papers")
        self.by_identity: dict[tuple[str, str], Paper] = {}
        self.by_address: dict[str, Paper] = {}
        for paper in db.session.scalars(select(Paper)):
            self._remember(paper)
        self.linked: set[int] = set()
        self.position = 0
        if talk is not None:
            links = db.session.scalars(select(TalkPaper).where(TalkPaper.talk_id == talk.id))
            for link in links:
                self.linked.add(link.paper_id)
                self.position = max(self.position, link.position + 1)

    def _remember(self, paper: Paper) -> None:
        self.by_identity[_identity(paper.title, paper.authors or [])] = paper
        for address in (paper.url, paper.pdf_url):
            if address:
                self.by_address[arxiv_id(address) or address] = paper

    def _existing(self, entry: PaperEntry) -> Paper | None:
        for address in (entry.url, entry.pdf_url):
            if address and (arxiv_id(address) or address) in self.by_address:
                return self.by_address[arxiv_id(address) or address]
        return self.by_identity.get(_identity(entry.title, entry.authors))

    def paper(self, entry: PaperEntry) -> Paper | None:
        """Create or update the paper of one entry; None when the entry has no date."""
        if entry.published is None:
            return None
        label = f"paper {entry.title[:80]!r}"
        paper = self._existing(entry)
        if paper is None:
            paper = Paper(
                title=entry.title,
                published_on=entry.published,
                authors=_stored_authors(entry, []),
            )
            for name in PAPER_FIELDS:
                setattr(paper, name, getattr(entry, name))
            db.session.add(paper)
            db.session.flush()
            self._remember(paper)
            self.report.count_created(f"{label} ({entry.published.isoformat()})")
        else:
            changed = [
                name
                for name in PAPER_FIELDS
                if getattr(entry, name) and getattr(entry, name) != getattr(paper, name)
            ]
            for name in changed:
                setattr(paper, name, getattr(entry, name))
            # Found by its arXiv id or address under another title: the paper was retitled.
            # A difference of case alone is one list's style, not a change.
            if _folded(entry.title) != _folded(paper.title):
                paper.title = entry.title
                changed.insert(0, "title")
                self._remember(paper)
            authors = _stored_authors(entry, paper.authors or [])
            if entry.authors and authors != paper.authors:
                paper.authors = authors
                changed.append("authors")
            # A date the list gave without its year is a guess; a stored date stands.
            if entry.year is not None and entry.published != paper.published_on:
                paper.published_on = entry.published
                changed.append("date")
            self.report.count_existing(label, changed)
        self._link(paper, label)
        return paper

    def _link(self, paper: Paper, label: str) -> None:
        if self.talk is None or paper.id in self.linked:
            return
        db.session.add(TalkPaper(talk_id=self.talk.id, paper_id=paper.id, position=self.position))
        self.linked.add(paper.id)
        self.position += 1
        self.report.created.append(f"{label} listed on talk {self.talk.id}")


def import_papers(
    parsed: ParsedPapers, *, talk: Talk | None = None, dry_run: bool = False
) -> ImportReport:
    """Store parsed papers (linked to `talk` when given); a dry run writes nothing."""
    importer = PaperImporter(talk=talk, dry_run=dry_run)
    importer.report.problems.extend(parsed.problems)
    for entry in parsed.papers:
        importer.paper(entry)
    return importer.report.finish()
