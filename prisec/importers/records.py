"""What the parsers return: plain dataclasses, independent of the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time


@dataclass(frozen=True)
class Problem:
    """A line the parser could not read, or read only in part."""

    line: int
    message: str
    # The file, when an import reads several.
    source: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else ""
        if self.source:
            where = f"{self.source}, {where}" if where else self.source
        return f"{where}: {self.message}" if where else self.message


@dataclass
class SpeakerEntry:
    """A speaker as a page names them."""

    name: str
    honorific: str = ""
    affiliation: str = ""
    homepage: str = ""
    # The photo as the page refers to it (a path relative to the page), empty when none.
    photo: str = ""


@dataclass
class TalkEntry:
    """One talk read from a page: wall-clock date and time in a zone, with its history."""

    line: int
    day: date
    speakers: list[SpeakerEntry]
    title: str = ""
    # None means the series' default start time / the series' time zone.
    at: time | None = None
    zone: str | None = None
    # Earlier dates of the talk, oldest first, at the same time of day.
    previous_days: list[date] = field(default_factory=list)
    abstract: str = ""
    bio: str = ""
    registration_url: str = ""
    livestream_url: str = ""
    recording_url: str = ""
    slides_url: str = ""
    code_url: str = ""
    paper_url: str = ""
    event_name: str = ""
    event_url: str = ""
    # None means the series' default duration.
    duration_minutes: int | None = None
    published: bool = True
    # The file the talk came from, when an import reads several.
    source: str = ""


@dataclass
class OrganizerEntry:
    """One entry of a series' organizer list."""

    name: str
    honorific: str = ""
    affiliation: str = ""
    homepage: str = ""


@dataclass
class SeriesEntry:
    """What a page says about its series."""

    name: str = ""
    description: str = ""
    mailing_list_url: str = ""
    youtube_url: str = ""
    calendar_html_url: str = ""
    calendar_ics_url: str = ""
    organizers: list[OrganizerEntry] = field(default_factory=list)


@dataclass
class ParsedSchedule:
    """A page's talks and series details, and the lines that could not be read."""

    series: SeriesEntry
    talks: list[TalkEntry]
    problems: list[Problem] = field(default_factory=list)
