"""Reading a research group's paper list (category, date, title run into authors, abstract)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

# "LGMar 1, 2022", "CRJan 19" (this year), "CVDec 6, 2023Code" (the list had a code link).
_HEADER = re.compile(
    r"^(?P<category>[A-Z]{2,4})(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2})(?:, (?P<year>\d{4}))?"
    r"(?P<code>Code)?$"
)
# Where a title's last word runs straight into the first author's name: "imagingSoroosh",
# "Privacy?Tamara", or after an acronym: "SGDMoritz".
_SEAM = re.compile(r"(?<=[a-z0-9?!)\]’'\"])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_PARTICLES = {"van", "von", "der", "den", "de", "da", "di", "del", "la", "le", "du", "dos", "y"}


@dataclass
class ListedPaper:
    """One paper as the list gives it."""

    category: str
    published_on: date
    title: str
    authors: list[str]
    abstract: str = ""
    had_code_link: bool = False
    more_authors: bool = False
    notes: list[str] = field(default_factory=list)


def _is_name(text: str) -> bool:
    words = text.split()
    if not words or len(words) > 6:
        return False
    for word in words:
        if word.lower() in _PARTICLES:
            continue
        # A name word is capitalised, at least two letters ("W." counts), free of digits
        # and punctuation: "3D Medical ImagesAlexander" is no name.
        if not word[0].isupper() or len(word) < 2 or any(ch in word for ch in ":;?!()[]"):
            return False
        if any(ch.isdigit() for ch in word):
            return False
    return True


def split_authors(line: str) -> tuple[str, list[str], bool] | None:
    """Title, authors and whether 'et al.' followed, from 'A titleAda Lovelace, A. Turing'."""
    for seam in _SEAM.finditer(line):
        title, rest = line[: seam.start()].strip(), line[seam.start() :].strip()
        more = rest.endswith(" et al.")
        names = [name.strip() for name in rest.removesuffix(" et al.").split(",")]
        if title and all(_is_name(name) for name in names):
            return title, names, more
    return None


def _header_date(match: re.Match[str], today: date) -> date:
    year = int(match["year"]) if match["year"] else today.year
    return datetime.strptime(f"{match['month']} {match['day']} {year}", "%b %d %Y").date()


def parse_paper_list(text: str, today: date | None = None) -> list[ListedPaper]:
    """Every paper of the list; a date without a year is taken to be in `today`'s year."""
    today = today or date.today()
    papers: list[ListedPaper] = []
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    current: ListedPaper | None = None
    expect_title = False
    for line in lines:
        if not line:
            continue
        header = _HEADER.match(line)
        if header:
            current = ListedPaper(
                category=header["category"],
                published_on=_header_date(header, today),
                title="",
                authors=[],
                had_code_link=bool(header["code"]),
            )
            papers.append(current)
            expect_title = True
        elif current is not None and expect_title:
            found = split_authors(line)
            if found:
                current.title, current.authors, current.more_authors = found
            else:
                current.title = line
                current.notes.append("authors not recognised")
            expect_title = False
        elif current is not None:
            current.abstract = f"{current.abstract}\n\n{line}".strip()
    return [paper for paper in papers if paper.title]
