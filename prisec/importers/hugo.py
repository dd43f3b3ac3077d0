"""Reading Hugo Academic talk pages (YAML front matter) into plain records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

from .records import Problem, SpeakerEntry, TalkEntry
from .repair import repair_text

_LINK_FIELDS = {
    "url_slides": "slides_url",
    "url_video": "recording_url",
    "url_code": "code_url",
    "url_pdf": "paper_url",
}
_PHOTO_NAMES = ("featured.jpg", "featured.jpeg", "featured.png", "featured.webp")


@dataclass
class ParsedTalkPage:
    """One Hugo talk page: its talk (None when unreadable) and its problems."""

    talk: TalkEntry | None
    problems: list[Problem] = field(default_factory=list)


def _key_line(lines: list[str], key: str) -> int:
    """The 1-based line where `key:` is set, for reports; 1 when not found."""
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    return next((i + 1 for i, line in enumerate(lines) if pattern.match(line)), 1)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _link(value: str, base_url: str) -> tuple[str, bool]:
    """A web address, resolved against `base_url` when relative; ('', False) when unusable."""
    if not value:
        return "", True
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc:
        return value, True
    if base_url and not parts.scheme:
        return urljoin(base_url, value), True
    return "", False


def _start(value: object) -> tuple[date, time | None, str | None] | None:
    """The day, time of day (None: the series' default) and zone of a front-matter date."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
            return value.date(), value.time().replace(second=0, microsecond=0), "Etc/UTC"
        return value.date(), value.time().replace(second=0, microsecond=0), None
    if isinstance(value, date):
        return value, None, None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return _start(parsed if len(value.strip()) > 10 else parsed.date())
    return None


def parse_talk_page(text: str, *, source: str = "", base_url: str = "") -> ParsedTalkPage:
    """The talk of a Hugo Academic talk page; `base_url` resolves relative links."""
    text = repair_text(text)
    lines = text.splitlines()
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(line, message, source))

    if not lines or lines[0].strip() != "---":
        problem(1, "no YAML front matter (a first line '---'); file skipped")
        return ParsedTalkPage(None, problems)
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        problem(1, "front matter is not closed by '---'; file skipped")
        return ParsedTalkPage(None, problems)
    try:
        front = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem(line, f"front matter is not valid YAML ({getattr(exc, 'problem', exc)}); skipped")
        return ParsedTalkPage(None, problems)
    if not isinstance(front, dict):
        problem(2, "front matter is not a set of 'key: value' lines; file skipped")
        return ParsedTalkPage(None, problems)
    body = "\n".join(lines[end + 1 :]).strip()

    when = _start(front.get("date"))
    if when is None:
        problem(_key_line(lines, "date"), f"no readable date ({front.get('date')!r}); skipped")
        return ParsedTalkPage(None, problems)
    day, at, zone = when

    authors = front.get("authors") or []
    if isinstance(authors, str):
        authors = [authors]
    names = [_text(a) for a in authors if _text(a)]
    if not names:
        problem(_key_line(lines, "authors"), "no authors (the speakers); talk skipped")
        return ParsedTalkPage(None, problems)

    event = _text(front.get("event"))
    title = _text(front.get("title"))
    if event and title.endswith(f"@{event}"):
        # Hugo sites often append the event to the title: 'Talk @Reading Group'.
        title = title[: -len(event) - 1].rstrip(" @")
    talk = TalkEntry(
        line=_key_line(lines, "date"),
        day=day,
        at=at,
        zone=zone,
        speakers=[SpeakerEntry(name=name) for name in names],
        title=title,
        abstract=_text(front.get("abstract")) or body,
        event_name=event,
        published=not front.get("draft", False),
        source=source,
    )
    event_url, usable = _link(_text(front.get("event_url")), base_url)
    talk.event_url = event_url
    if not usable:
        problem(_key_line(lines, "event_url"), "event_url is not a web address; left empty")
    for key, target in _LINK_FIELDS.items():
        value = _text(front.get(key))
        url, usable = _link(value, base_url)
        if not usable:
            problem(
                _key_line(lines, key),
                f"{key} {value!r} is a file of the old site, not a web address; left empty "
                "(give --base-url to link to it)",
            )
        setattr(talk, target, url)
    date_end = _start(front.get("date_end"))
    if date_end is not None and date_end[1] is not None and at is not None:
        start_dt, end_dt = datetime.combine(day, at), datetime.combine(date_end[0], date_end[1])
        minutes = int((end_dt - start_dt).total_seconds() // 60)
        if minutes > 0:
            talk.duration_minutes = minutes
        else:
            problem(_key_line(lines, "date_end"), "date_end is not after date; ignored")
    image = front.get("image")
    if isinstance(image, dict) and image.get("filename"):
        talk.speakers[0].photo = _text(image["filename"])
    return ParsedTalkPage(talk, problems)


def talk_files(path: Path) -> list[Path]:
    """The talk pages under `path`: the file itself, or each index.md or other .md in a tree.

    `_index.md` files are Hugo's section list pages, and other .md files in a folder that
    has an index.md are resources of that page, not talks.
    """
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.rglob("*.md")
        if p.name != "_index.md" and (p.name == "index.md" or not (p.parent / "index.md").exists())
    )


def featured_image(page: Path) -> str:
    """The page bundle's featured image (Hugo's 'featured.jpg' beside index.md), '' if none."""
    if page.name != "index.md":
        return ""
    return next((name for name in _PHOTO_NAMES if (page.parent / name).is_file()), "")
