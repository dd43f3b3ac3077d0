"""Reading a hand-edited Jekyll seminar page (the PriSec-ML format) into plain records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from urllib.parse import parse_qs, urlsplit

import yaml

from .records import OrganizerEntry, ParsedSchedule, Problem, SeriesEntry, SpeakerEntry, TalkEntry
from .repair import repair_text

# timeanddate.com world-clock place ids (the p1 parameter) and their IANA zones.
WORLDCLOCK_ZONES: dict[str, str] = {
    "136": "Europe/London",
    "1440": "Etc/UTC",
    "179": "America/New_York",
    "224": "America/Los_Angeles",
}

HONORIFICS = ("Prof.", "Dr.", "Mr.", "Mrs.", "Ms.", "Mx.", "Prof", "Dr")

_HEADING = re.compile(r"^#{1,6}\s+(?P<text>.*?)\s*#*\s*$")
_IMG = re.compile(r"<img\b[^>]*\bsrc=[\"'](?P<src>[^\"']*)[\"']", re.IGNORECASE)
_STRUCK = re.compile(r"~~(?P<day>[^~]*)~~")
_DATE_LINE = re.compile(
    r"^(?P<day>[^,(]*?)\s*(?:,\s*(?P<at>\d{1,2}[:.]\d{2}))?\s*"
    r"(?:\(\s*\[(?P<label>[^\]]*)\]\((?P<clock>[^)\s]*)\)\s*\))?\s*$"
)
_WEEKDAY = re.compile(r"^(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+", re.IGNORECASE)
_BOLD = re.compile(r"^\*\*(?P<text>.+?)\*\*\s*$")
_LINK = re.compile(r"\[(?P<label>[^\[\]]*)\]\((?P<url>[^()\s]*)\)")
_LINK_OPEN = re.compile(r"\[(?P<label>[^\[\]]*)\]\(")
_DETAILS = re.compile(r"<details>(?P<body>.*?)</details>", re.IGNORECASE | re.DOTALL)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_LONE_LINK = re.compile(r"^\[(?P<label>[^\]]+)\]\((?P<url>https?://[^)\s]+)\)$")
_TBA = re.compile(r"^(tba|tbd|to be announced)\.?$", re.IGNORECASE)

# Which talk field a link's label fills, by the first word found in the label.
_LINK_FIELDS = (
    ("registration", "registration_url"),
    ("register", "registration_url"),
    ("zoom", "registration_url"),
    ("live", "livestream_url"),
    ("stream", "livestream_url"),
    ("recording", "recording_url"),
    ("video", "recording_url"),
    ("slides", "slides_url"),
    ("code", "code_url"),
    ("paper", "paper_url"),
)

_DATE_FORMATS = ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y", "%Y-%m-%d")


def parse_day(text: str) -> date | None:
    """'3 November 2021', 'November 3, 2021' or '2021-11-03' as a date; None when unreadable."""
    cleaned = re.sub(r"\s+", " ", text.replace(",", " ")).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def split_honorific(text: str) -> tuple[str, str]:
    """'Prof. Reza Shokri' -> ('Prof.', 'Reza Shokri')."""
    for honorific in HONORIFICS:
        if text.startswith(honorific + " "):
            canonical = honorific if honorific.endswith(".") else honorific + "."
            return canonical, text[len(honorific) :].strip()
    return "", text.strip()


def parse_person(text: str) -> SpeakerEntry:
    """'Dr. Sara Hooker (Google Brain)' -> a speaker with honorific, name and affiliation."""
    affiliation = ""
    match = re.match(r"^(?P<who>[^(]+?)\s*\((?P<aff>.*)\)\s*$", text.strip())
    if match:
        text, affiliation = match.group("who"), match.group("aff").strip()
    honorific, name = split_honorific(text)
    return SpeakerEntry(name=name, honorific=honorific, affiliation=affiliation)


def split_people(text: str) -> list[str]:
    """Split 'A (X) and B (Y)' or 'A & B' at the joining words outside parentheses."""
    parts, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        char = text[i]
        depth += char == "("
        depth -= char == ")"
        if depth == 0:
            for joiner in (" and ", " & ", "; "):
                if text.startswith(joiner, i):
                    parts.append(text[start:i])
                    start = i + len(joiner)
                    i = start - 1
                    break
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _balance_parentheses(text: str) -> str:
    """Drop stray closing parentheses at the end, as in '[url](url))'."""
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1]
    return text


def _clean_markdown(text: str) -> str:
    text = _BR.sub("\n", text)
    text = "\n".join(line.strip() for line in text.splitlines())
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    text = _balance_parentheses(text)
    return "" if _TBA.match(text) else text


def parse_details(body: str) -> tuple[str, str]:
    """The abstract and bio of a <details> block."""
    abstract, bio = body, ""
    bio_match = re.search(r"\*\*Bio:?\*\*:?", body, re.IGNORECASE)
    if bio_match:
        abstract, bio = body[: bio_match.start()], body[bio_match.end() :]
    abstract = re.sub(r"^\s*(<br\s*/?>\s*)*\*\*Abstract:?\*\*:?", "", abstract, flags=re.IGNORECASE)
    return _clean_markdown(abstract), _clean_markdown(bio)


def worldclock_zone(url: str) -> tuple[str | None, str | None]:
    """The IANA zone of a timeanddate.com link, and the place id when it is not in the table."""
    query = parse_qs(urlsplit(url).query)
    place = (query.get("p1") or [""])[0]
    if not place:
        return None, None
    zone = WORLDCLOCK_ZONES.get(place)
    return zone, None if zone else place


def _web_address(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass
class _Block:
    """The lines of one talk: the date line and those after it up to a blank line."""

    lines: list[tuple[int, str]]
    photo: str = ""
    problems: list[Problem] = field(default_factory=list)


def _parse_links(number: int, text: str, talk: TalkEntry, problems: list[Problem]) -> None:
    for opened in _LINK_OPEN.finditer(text):
        closing = text.find(")", opened.end())
        address = text[opened.end() : closing] if closing >= 0 else text[opened.end() :]
        label = opened.group("label").strip("[] ")
        if closing < 0 or re.search(r"\s", address):
            problems.append(Problem(number, f"link {label!r} is not closed; left empty"))
    for link in _LINK.finditer(text):
        label, url = link.group("label").strip("[] "), link.group("url").strip()
        target = next((f for word, f in _LINK_FIELDS if word in label.lower()), None)
        if target is None:
            problems.append(Problem(number, f"link {label!r} is not a known kind; ignored"))
            continue
        if not url:
            continue  # the page's placeholder for a link not known yet
        if not _web_address(url):
            problems.append(Problem(number, f"link {label!r} is not a web address: {url!r}"))
            continue
        setattr(talk, target, url)


def _parse_block(block: _Block) -> TalkEntry | None:
    problems = block.problems
    number, first = block.lines[0]
    date_text = first[1:].strip() if first.startswith(("-", "*")) else first.strip()
    previous: list[date] = []
    for struck in _STRUCK.finditer(date_text):
        day = parse_day(struck.group("day"))
        if day is None:
            problems.append(Problem(number, f"earlier date {struck.group('day')!r} not read"))
        else:
            previous.append(day)
    match = _DATE_LINE.match(_WEEKDAY.sub("", _STRUCK.sub("", date_text).strip()))
    day = parse_day(match.group("day")) if match else None
    if match is None or day is None:
        problems.append(Problem(number, f"no date found in {date_text!r}; talk skipped"))
        return None
    at = None
    if match.group("at"):
        hours, minutes = re.split(r"[:.]", match.group("at"))
        if int(hours) > 23 or int(minutes) > 59:
            problems.append(Problem(number, f"time {match.group('at')!r} is not a time of day"))
        else:
            at = time(int(hours), int(minutes))
    zone = None
    if match.group("clock"):
        zone, unknown_place = worldclock_zone(match.group("clock"))
        if unknown_place:
            problems.append(
                Problem(
                    number,
                    f"world-clock place p1={unknown_place} is not a known time zone; "
                    "the series' zone is used",
                )
            )
    talk = TalkEntry(line=number, day=day, at=at, zone=zone, speakers=[], previous_days=previous)

    rest = block.lines[1:]
    joined = "\n".join(text for _, text in rest)
    details = _DETAILS.search(joined)
    if details:
        talk.abstract, talk.bio = parse_details(details.group("body"))
    elif "<details" in joined.lower():
        line = next(n for n, text in rest if "<details" in text.lower())
        problems.append(Problem(line, "<details> block is not closed; abstract and bio skipped"))
    in_details = False
    for line_number, text in rest:
        lowered = text.lower()
        outside = text
        if in_details:
            if "</details>" not in lowered:
                continue
            in_details = False
            outside = text[lowered.index("</details>") + len("</details>") :]
        if "<details" in outside.lower():
            in_details = "</details>" not in outside.lower()
            outside = outside[: outside.lower().index("<details")]
        outside = outside.strip()
        if not outside:
            continue
        bold = _BOLD.match(outside)
        if bold and not talk.speakers:
            talk.speakers = [parse_person(p) for p in split_people(bold.group("text"))]
        elif outside.startswith("["):
            _parse_links(line_number, outside, talk, problems)
        elif not talk.title:
            talk.title = "" if _TBA.match(outside) else outside
        else:
            problems.append(Problem(line_number, f"unexpected line {outside[:60]!r}; ignored"))
    if not talk.speakers:
        problems.append(Problem(number, "no speaker (a **bold** line) found; talk skipped"))
        return None
    for speaker in talk.speakers:
        if not speaker.name:
            problems.append(Problem(number, "a speaker has no name; talk skipped"))
            return None
    talk.speakers[0].photo = block.photo
    homepage = _LONE_LINK.match(talk.bio)
    if homepage and len(talk.speakers) == 1:
        talk.speakers[0].homepage = homepage.group("url")
    return talk


def _details_open(block: _Block) -> bool:
    text = " ".join(line for _, line in block.lines).lower()
    return text.count("<details") > text.count("</details>")


def _front_matter(lines: list[str], problems: list[Problem]) -> tuple[dict, int]:
    """The YAML front matter as a dict, and the index of the first line after it."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            try:
                loaded = yaml.safe_load("\n".join(lines[1:end])) or {}
            except yaml.YAMLError as exc:
                problems.append(Problem(1, f"front matter is not valid YAML: {exc}"))
                return {}, end + 1
            return (loaded if isinstance(loaded, dict) else {}), end + 1
    problems.append(Problem(1, "front matter is not closed by '---'"))
    return {}, 0


def _section_kind(heading: str) -> str:
    lowered = heading.lower()
    if "organi" in lowered:
        return "organizers"
    if "mailing" in lowered:
        return "mailing"
    if any(word in lowered for word in ("upcoming", "past", "seminar", "talk", "schedule")):
        return "talks"
    return "other"


def _parse_organizer(text: str) -> OrganizerEntry | None:
    """'[Prof. Emiliano De Cristofaro](https://emilianodc.com/), UCL' or 'Dr. X, Place'."""
    text = text.strip()
    homepage = ""
    link = re.match(r"^\[(?P<who>[^\]]+)\]\((?P<url>[^)\s]*)\)\s*,?\s*(?P<rest>.*)$", text)
    if link:
        who, homepage, affiliation = link.group("who"), link.group("url"), link.group("rest")
    else:
        who, _, affiliation = text.partition(",")
    honorific, name = split_honorific(who.strip())
    if not name:
        return None
    return OrganizerEntry(
        name=name, honorific=honorific, affiliation=affiliation.strip(), homepage=homepage
    )


def _take_series_links(text: str, series: SeriesEntry) -> bool:
    """Fill the calendar, mailing-list and YouTube links found in `text`; whether any was."""
    found = False
    for link in _LINK.finditer(text):
        label, url = link.group("label").strip("[] ").lower(), link.group("url")
        if "calendar" in text.lower() and label == "html":
            series.calendar_html_url, found = url, True
        elif "calendar" in text.lower() and label in ("ics", "ical"):
            series.calendar_ics_url, found = url, True
        elif "mailing list" in label:
            series.mailing_list_url, found = url, True
        elif "youtube" in label and "/embed/" not in url:
            series.youtube_url, found = url, True
    return found


def parse_page(text: str) -> ParsedSchedule:
    """Every talk, the series details and the problems of a Jekyll seminar page."""
    problems: list[Problem] = []
    lines = repair_text(text).splitlines()
    front, body_start = _front_matter(lines, problems)
    series = SeriesEntry(name=str(front.get("title") or "").strip())
    talks: list[TalkEntry] = []
    about: list[list[str]] = [[]]
    kind = "other"
    pending_photo = ""
    block: _Block | None = None

    def finish_block() -> None:
        nonlocal block
        if block is not None:
            talk = _parse_block(block)
            problems.extend(block.problems)
            if talk is not None:
                talks.append(talk)
            block = None

    for index in range(body_start, len(lines)):
        number, raw = index + 1, lines[index]
        line = raw.strip()
        heading = _HEADING.match(line)
        if heading:
            finish_block()
            kind = _section_kind(heading.group("text"))
            about.append([])
            continue
        if not line:
            if block is not None and _details_open(block):
                # A blank line inside an abstract separates paragraphs; the talk goes on.
                block.lines.append((number, ""))
                continue
            finish_block()
            about.append([])
            continue
        image = _IMG.search(line)
        if image and line.lower().startswith("<img"):
            finish_block()
            pending_photo = image.group("src")
            continue
        if block is not None:
            block.lines.append((number, line))
            continue
        if kind == "organizers" and line.startswith(("- ", "* ")):
            organizer = _parse_organizer(line[2:])
            if organizer is None:
                problems.append(Problem(number, f"organizer {line!r} not read"))
            else:
                series.organizers.append(organizer)
            continue
        if kind == "talks" and line.startswith(("- ", "* ")):
            block = _Block(lines=[(number, line)], photo=pending_photo)
            pending_photo = ""
            continue
        if _take_series_links(line, series) or kind == "mailing":
            continue
        if line.lower().startswith(("<iframe", "<", "- ", "* ")):
            continue
        about[-1].append(line)
    finish_block()
    series.description = "\n\n".join(" ".join(p) for p in about if p)
    return ParsedSchedule(series=series, talks=talks, problems=problems)
