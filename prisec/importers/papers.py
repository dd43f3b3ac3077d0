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
    # None when the list left the year out and `published` is a guess.
    year: int | None = None
    url: str = ""
    pdf_url: str = ""
    has_code: bool = False
    code_url: str = ""


@dataclass
class ParsedPapers:
    """The papers of a list, and the lines that could not be read."""

    papers: list[PaperEntry]
    problems: list[Problem] = field(default_factory=list)


# 'LGMar 1, 2022' or 'CVDec 6, 2023Code' (the list had a code link) or, for this year's
# papers, 'CRJan 19'.
_HEADER = re.compile(
    r"^(?P<category>[A-Z]{2,4})(?P<month>[A-Z][a-z]{2}) (?P<day>\d{1,2})"
    r"(?:, (?P<year>\d{4}))?(?P<code>Code)?\s*$"
)
_PARTICLES = {
    "de", "da", "di", "del", "della", "der", "den", "van", "von", "la", "le", "du", "dos",
    "das", "bin", "al", "ter", "zu", "y",
}  # fmt: skip
# A capital inside a surname is fine after these ('LeCun', 'McDonald', 'DeVries'); after
# anything else ('AttacksAnneliese') it is a title word running into a name.
_SURNAME_PREFIXES = {"Mc", "Mac", "Le", "La", "De", "Di", "Da", "Du", "Van", "Von", "O'", "D'"}
_INNER_CAPITAL = re.compile(r"(?<=[a-zà-ÿ'’])(?=[A-ZÀ-Ö])")
# Two capitals in a row are an acronym of the title ('SGDMoritz'), never part of a name.
_ACRONYM = re.compile(r"[A-ZÀ-Ö]{2}")
_URL = re.compile(r"https?://[^\s)>\]]+")
_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7}")
_ARXIV = re.compile(rf"arxiv\.org/(?:abs|pdf)/({_ARXIV_ID.pattern})", re.IGNORECASE)
_ET_AL = " et al."


def _is_name_word(word: str) -> bool:
    if any(ch.isdigit() or ch in ':;?!()[]<>{}/"$&' for ch in word):
        return False
    if not word[0].isupper() or len(word) < 2 or _ACRONYM.search(word):
        return False
    # 'Jean-Luc' and 'Passerat-Palmbach' are one word; each part is checked alone.
    for part in word.split("-"):
        pieces = _INNER_CAPITAL.split(part)
        if any(piece not in _SURNAME_PREFIXES for piece in pieces[:-1]):
            return False
    return True


def _is_name(text: str) -> bool:
    """'Stefan Kolek Martinez de Azagra' or 'Tamara T. Mueller': two to six words."""
    words = text.split()
    if not 2 <= len(words) <= 6 or not _is_name_word(words[0]):
        return False
    return all(word in _PARTICLES or _is_name_word(word) for word in words[1:])


def split_title_authors(text: str) -> tuple[str, list[str], bool] | None:
    """'Oktoberfest Food DatasetAlexander Ziller, Julius Hansjakob et al.' -> title, authors.

    The list runs the title into the first author's name; the split is the first place
    where a capital letter follows without a space and the rest reads as a list of names.
    """
    for index in range(1, len(text)):
        # 'Real-World' is a title word, not the start of a name.
        if not text[index].isupper() or text[index - 1].isspace() or text[index - 1] == "-":
            continue
        title, rest = text[:index].strip(), text[index:].strip()
        more = rest.endswith(_ET_AL)
        names = [name.strip() for name in rest.removesuffix(_ET_AL).split(",")]
        if title and all(_is_name(name) for name in names):
            return title, names, more
    return None


def _undated_day(month: str, day: str, today: date) -> date:
    """The latest such day not after today: a list leaves out the year of this year's papers."""
    for year in (today.year, today.year - 1):
        try:
            candidate = datetime.strptime(f"{day} {month} {year}", "%d %b %Y").date()
        except ValueError:  # 29 Feb in a year without one
            continue
        if candidate <= today:
            return candidate
    raise ValueError(f"{month} {day} is not a calendar date")


def parse_publications(text: str, today: date | None = None) -> ParsedPapers:
    """Every paper of a list copied from a publications page (header, title+authors, abstract).

    A date without a year is taken as the latest such day up to `today`, and reported.
    """
    today = today or date.today()
    lines = repair_text(text).splitlines()
    papers: list[PaperEntry] = []
    problems: list[Problem] = []
    current: PaperEntry | None = None
    abstract: list[str] = []

    def finish() -> None:
        if current is not None:
            current.abstract = "\n\n".join(abstract).strip()
            urls = _URL.findall(current.abstract)
            if current.has_code and urls:
                current.code_url = urls[-1].rstrip(".,;")
            if current.published is not None:
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
        try:
            if year is None:
                published = _undated_day(header.group("month"), header.group("day"), today)
                problems.append(
                    Problem(
                        number,
                        f"the date has no year; taken as {published:%b} "
                        f"{published.day}, {published.year}",
                    )
                )
            else:
                published = datetime.strptime(
                    f"{header.group('day')} {header.group('month')} {year}", "%d %b %Y"
                ).date()
        except ValueError:
            problems.append(Problem(number, f"date {line!r} is not a calendar date; skipped"))
        title_line = lines[index + 1].strip() if index + 1 < len(lines) else ""
        split = split_title_authors(title_line)
        if split is None:
            problems.append(
                Problem(number + 1, "title and authors could not be told apart; kept as the title")
            )
            title, authors, more = title_line, [], False
        else:
            title, authors, more = split
        if not title:
            problems.append(Problem(number + 1, "the paper has no title; skipped"))
            published = None
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


def arxiv_id(url: str) -> str:
    """'2203.00324' from an arXiv abstract or PDF address (version dropped); '' for others."""
    match = _ARXIV.search(url)
    return match.group(1) if match else ""


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
        line = entry.start_line + 1
        fields = {key.lower(): value.value for key, value in entry.fields_dict.items()}
        title = _latex_text(str(fields.get("title", "")))
        if not title:
            problems.append(Problem(line, f"entry {entry.key!r} has no title; skipped"))
            continue
        year_text = str(fields.get("year", "")).strip()
        if not year_text.isdigit():
            problems.append(Problem(line, f"entry {entry.key!r} has no year; skipped"))
            continue
        year = int(year_text)
        month = fields.get("month")
        # A paper is listed by day; BibTeX gives the month at best, so the 1st stands for it.
        published = date(year, month if isinstance(month, int) and 1 <= month <= 12 else 1, 1)
        authors = fields.get("author", [])
        authors = [authors] if isinstance(authors, str) else list(authors)
        more = bool(authors) and authors[-1].strip().lower() == "others"
        eprint = str(fields.get("eprint", "")).strip()
        url = str(fields.get("url", "")).strip()
        if not url and eprint and _ARXIV_ID.fullmatch(eprint):
            url = f"https://arxiv.org/abs/{eprint}"
        if not url and fields.get("doi"):
            url = f"https://doi.org/{fields['doi']}"
        ident = arxiv_id(url)
        code_url = str(fields.get("code", "") or fields.get("code_url", ""))
        if not code_url and "github.com" in url:
            code_url = url
        # arXiv's 'primaryClass = {cs.LG}' is the category a paper list shows as 'LG'.
        category = str(fields.get("primaryclass", "")).rpartition(".")[2].upper()[:16]
        papers.append(
            PaperEntry(
                line=line,
                title=title,
                authors=[_latex_text(a) for a in authors if a.strip().lower() != "others"],
                more_authors=more,
                abstract=_latex_text(str(fields.get("abstract", ""))),
                category=category,
                published=published,
                year=year,
                url=url,
                pdf_url=f"https://arxiv.org/pdf/{ident}" if ident else "",
                has_code=bool(code_url),
                code_url=code_url,
            )
        )
    return ParsedPapers(papers, problems)
