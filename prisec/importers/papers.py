"""Reading paper lists into plain records: a copied publications page, or BibTeX."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import bibtexparser
from bibtexparser import middlewares

from .records import Problem
from .repair import repair_text


@dataclass
class PaperEntry:
    """One paper as a list gives it."""

    line: int
    title: str
    authors: list[str] = field(default_factory=list)
    # True when the list shortens the authors to 'et al.'.
    more_authors: bool = False
    abstract: str = ""
    # arXiv's subject code as the list shows it ('LG', 'CR', 'CV'), or the BibTeX type.
    category: str = ""
    published: date | None = None
    year: int | None = None
    venue: str = ""
    url: str = ""
    doi: str = ""
    has_code: bool = False
    code_url: str = ""
    key: str = ""


@dataclass
class ParsedPapers:
    """The papers of a list, and the lines that could not be read."""

    papers: list[PaperEntry]
    problems: list[Problem] = field(default_factory=list)


# 'LGMar 1, 2022' or 'CVDec 6, 2023Code' or, for this year's papers, 'CRJan 19'.
_HEADER = re.compile(
    r"^(?P<category>[A-Z]{2,4})(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2})"
    r"(?:, (?P<year>\d{4}))?(?P<code>Code)?\s*$"
)
_PARTICLES = r"(?:de|da|di|del|della|der|den|van|von|la|le|du|dos|das|bin|al|ter|zu)"
_FIRST_TOKEN = r"(?:[A-Z][a-zà-öø-ÿ'’\-]+|[A-Z]\.)"
_TOKEN = rf"(?:[A-ZÀ-Ö][\w'’\-]*\.?|{_PARTICLES})"
_NAME = rf"{_FIRST_TOKEN}(?: {_TOKEN})+"
_AUTHORS = re.compile(rf"^(?P<names>{_NAME}(?:, {_NAME})*)(?P<etal> et al\.)?$")
_RUN_TOGETHER = re.compile(r"[a-zà-ÿ][A-ZÀ-Ö]")
_URL = re.compile(r"https?://[^\s)>\]]+")


def split_title_authors(text: str) -> tuple[str, list[str], bool] | None:
    """'Oktoberfest Food DatasetAlexander Ziller, Julius Hansjakob et al.' -> title, authors.

    The list runs the title into the first author's name; the split is the first place
    where a capital letter follows without a space and the rest reads as a list of names.
    """
    for index in range(1, len(text)):
        # 'Real-World' is a title word, not the start of a name.
        if not text[index].isupper() or text[index - 1].isspace() or text[index - 1] == "-":
            continue
        match = _AUTHORS.match(text[index:])
        # A word running into a capital ('AttacksAnneliese') is where the title ends, not a name.
        if match and not _RUN_TOGETHER.search(match.group("names").replace("Mc", "")):
            names = [n.strip() for n in match.group("names").split(", ")]
            return text[:index].strip(), names, bool(match.group("etal"))
    return None


def parse_publications(text: str) -> ParsedPapers:
    """Every paper of a list copied from a publications page (header, title+authors, abstract)."""
    lines = repair_text(text).splitlines()
    papers: list[PaperEntry] = []
    problems: list[Problem] = []
    current: PaperEntry | None = None
    abstract: list[str] = []

    def finish() -> None:
        if current is not None:
            current.abstract = "\n".join(abstract).strip()
            urls = _URL.findall(current.abstract)
            if current.has_code and urls:
                current.code_url = urls[-1].rstrip(".,;")
            papers.append(current)

    index = 0
    while index < len(lines):
        number, line = index + 1, lines[index].strip()
        header = _HEADER.match(line)
        if not header:
            if current is None and line:
                problems.append(Problem(number, f"expected a paper header, found {line[:50]!r}"))
            elif line:
                abstract.append(line)
            index += 1
            continue
        finish()
        abstract = []
        year = int(header.group("year")) if header.group("year") else None
        published = None
        if year is not None:
            try:
                published = datetime.strptime(
                    f"{header.group('day')} {header.group('month')} {year}", "%d %b %Y"
                ).date()
            except ValueError:
                problems.append(Problem(number, f"date {line!r} is not a calendar date"))
        else:
            problems.append(Problem(number, "the date has no year; left empty"))
        title_line = lines[index + 1].strip() if index + 1 < len(lines) else ""
        split = split_title_authors(title_line)
        if split is None:
            problems.append(
                Problem(number + 1, "title and authors could not be told apart; kept as the title")
            )
            title, authors, more = title_line, [], False
        else:
            title, authors, more = split
        current = PaperEntry(
            line=number,
            title=title,
            authors=authors,
            more_authors=more,
            category=header.group("category"),
            published=published,
            year=year,
            has_code=bool(header.group("code")),
        )
        index += 2
    finish()
    return ParsedPapers(papers, problems)


def _latex_text(value: str) -> str:
    return re.sub(r"\s+", " ", value.replace("{", "").replace("}", "")).strip()


def parse_bibtex(text: str) -> ParsedPapers:
    """Every entry of a BibTeX file; entries that fail to parse are reported by line."""
    library = bibtexparser.parse_string(
        repair_text(text),
        append_middleware=[
            middlewares.LatexDecodingMiddleware(),
            middlewares.MonthIntMiddleware(True),
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
            middlewares.MergeNameParts("first"),
        ],
    )
    problems = [
        Problem(block.start_line + 1, "BibTeX entry could not be read; skipped")
        for block in library.failed_blocks
    ]
    papers = []
    for entry in library.entries:
        fields = {key.lower(): value.value for key, value in entry.fields_dict.items()}
        title = _latex_text(str(fields.get("title", "")))
        if not title:
            problems.append(Problem(entry.start_line + 1, f"entry {entry.key!r} has no title"))
            continue
        authors = fields.get("author", [])
        authors = [authors] if isinstance(authors, str) else list(authors)
        more = bool(authors) and authors[-1].strip().lower() == "others"
        year_text = str(fields.get("year", "")).strip()
        year = int(year_text) if year_text.isdigit() else None
        published = None
        month = fields.get("month")
        if year and isinstance(month, int) and 1 <= month <= 12:
            published = date(year, month, 1)
        code_url = str(fields.get("code", "") or fields.get("code_url", ""))
        url = str(fields.get("url", ""))
        if not code_url and "github.com" in url:
            code_url = url
        papers.append(
            PaperEntry(
                line=entry.start_line + 1,
                title=title,
                authors=[_latex_text(a) for a in authors if a.strip().lower() != "others"],
                more_authors=more,
                abstract=_latex_text(str(fields.get("abstract", ""))),
                category=entry.entry_type,
                published=published,
                year=year,
                venue=_latex_text(
                    str(fields.get("journal") or fields.get("booktitle") or fields.get("venue", ""))
                ),
                url=url,
                doi=str(fields.get("doi", "")),
                has_code=bool(code_url),
                code_url=code_url,
                key=entry.key,
            )
        )
    return ParsedPapers(papers, problems)
