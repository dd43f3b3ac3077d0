"""The iCalendar document of a list of talks: a pure (memoised) function from talks to bytes."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vDuration, vText

from ..models import Talk
from ..pagecache import BoundedStore
from ..textcleaning import clean_text
from ..titles import plain_title
from ..wallclock import format_date, format_time, in_zone, zone_abbreviation
from .vtimezone import vtimezone

PRODID = "-//prisec//Seminar calendar//EN"


@dataclass(frozen=True)
class FeedInfo:
    """What the calendar says about itself; `name` is None for a single talk's download."""

    name: str | None
    description: str = ""
    timezone: str = "UTC"
    refresh: timedelta = timedelta(hours=1)


def talk_uid(talk: Talk, site_host: str) -> str:
    """The UID of a talk's event: stable for the talk's life, unique across installations."""
    return f"talk-{talk.id}@{site_host}"


def join_names(names: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def talk_summary(talk: Talk) -> str:
    """'Speaker Name: Talk title', marked when the talk is cancelled."""
    title = plain_title(talk.title.strip()) or "Title to be announced"
    speakers = join_names([speaker.name for speaker in talk.speakers])
    summary = f"{speakers}: {title}" if speakers else title
    # Some clients hide STATUS; the word in the title tells every reader.
    return clean_text(f"Cancelled: {summary}" if talk.cancelled else summary)


def talk_location(talk: Talk) -> str:
    """Where to join: the registration or meeting link, else the room."""
    return clean_text(talk.registration_url or talk.location)


def _when(instant: datetime, zone_name: str) -> str:
    local = in_zone(instant, zone_name)
    return f"{local:%A} {format_date(local)}, {format_time(local)} {zone_abbreviation(local)}"


def talk_description(talk: Talk, page_url: str) -> str:
    """Plain text: status, earlier dates, speakers, links, then the abstract."""
    zone_name = talk.series.timezone
    lines: list[str] = []
    if talk.cancelled:
        lines.append("This talk is cancelled.")
        if talk.cancel_note:
            lines.append(talk.cancel_note)
    if talk.previous_starts:
        earlier = "; ".join(_when(start, zone_name) for start in talk.previous_starts)
        lines.append(f"Rescheduled from {earlier}.")
        reason = talk.reschedule_reason
        if reason:
            lines.append(f"Why: {reason}")
    for speaker in talk.speakers:
        affiliation = f" ({speaker.affiliation})" if speaker.affiliation else ""
        lines.append(f"Speaker: {speaker.display_name}{affiliation}")
    if talk.registration_url:
        lines.append(f"Registration: {talk.registration_url}")
    if talk.livestream_url:
        lines.append(f"Live stream: {talk.livestream_url}")
    if talk.location and talk.location != talk_location(talk):
        lines.append(f"Location: {talk.location}")
    lines.append(f"Talk page: {page_url}")
    lines += ["", talk.plain_abstract or "Abstract: TBA"]
    return clean_text("\n".join(lines))


def zoned(instant: datetime, zone_name: str) -> datetime:
    """The instant on the series' wall clock, or in UTC where the wall clock is ambiguous.

    On an autumn night one local hour happens twice. iCalendar means the first, but
    vobject (through dateutil) reads the second, so such a time is written in UTC,
    which every parser reads alike.
    """
    local = in_zone(instant, zone_name)
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        return instant.astimezone(UTC)
    return local


def talk_event(talk: Talk, site_host: str, page_url: str) -> Event:
    """The VEVENT of one talk."""
    event = Event()
    event.add("uid", talk_uid(talk, site_host))
    # The last change rather than the moment of the request, so that the same data always
    # gives the same bytes: every worker then serves one ETag.
    event.add("dtstamp", talk.updated_at.astimezone(UTC))
    event.add("created", talk.created_at.astimezone(UTC))
    event.add("last-modified", talk.updated_at.astimezone(UTC))
    event.add("sequence", talk.sequence)
    event.add("dtstart", zoned(talk.start, talk.series.timezone))
    event.add("dtend", zoned(talk.end, talk.series.timezone))
    event.add("summary", talk_summary(talk))
    event.add("description", talk_description(talk, page_url))
    event.add("url", page_url)
    if location := talk_location(talk):
        event.add("location", location)
    event.add("status", "CANCELLED" if talk.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if talk.cancelled else "OPAQUE")
    event.add("categories", [clean_text(talk.series.name)])
    return event


def fold_line(line: str, limit: int = 75) -> str:
    """An RFC 5545 content line folded as icalendar folds it, in slices rather than per character.

    Each piece holds at most limit - 1 octets, never splits a UTF-8 character, and never ends
    in a backslash or caret (the start of an escape) unless it is one character long.
    """
    if len(line) < limit and len(line.encode()) < limit:
        return line
    return fold_octets(line.encode(), limit).decode()


def fold_octets(line: bytes, limit: int = 75) -> bytes:
    """`fold_line` of a line already encoded as UTF-8: slices of bytes, no re-encoding."""
    size = len(line)
    if size < limit:
        return line
    pieces: list[bytes] = []
    start, room = 0, limit - 1
    while start < size:
        end = min(size, start + room)
        # Back off over UTF-8 continuation bytes (10xxxxxx) to the start of a character.
        while end < size and line[end] & 0xC0 == 0x80:
            end -= 1
        # More than one byte ending in an ASCII backslash or caret is more than one character.
        if end < size and end - start > 1 and line[end - 1] in b"\\^":
            end -= 1
        pieces.append(line[start:end])
        start = end
    return b"\r\n ".join(pieces)


def event_bytes(event: Event) -> bytes:
    """`event.to_ical()`, with the folding (most of its cost) done by `fold_line`."""
    lines = event.content_lines()
    return b"\r\n".join(fold_line(str(line)).encode() for line in lines if line) + b"\r\n"


# Zone names icalendar writes as UTC ("Z") rather than with a TZID: left to icalendar.
_UTC_LIKE = re.compile(r"UTC|UCT|GMT|Universal|Zulu|Greenwich", re.IGNORECASE)


def _text(value: str) -> str:
    # RFC 5545 TEXT escaping, in icalendar's order (the order matters).
    return (
        value.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


def _utc_stamp(instant: datetime) -> str:
    return f"{instant.astimezone(UTC):%Y%m%dT%H%M%S}Z"


def _time_line(name: str, instant: datetime, zone_name: str) -> str | None:
    local = zoned(instant, zone_name)
    if local.tzinfo is UTC:
        return f"{name}:{local:%Y%m%dT%H%M%S}Z"
    key = getattr(local.tzinfo, "key", None)
    if not key or _UTC_LIKE.search(key) or any(c in key for c in ',;:"'):
        return None
    return f"{name};TZID={key}:{local:%Y%m%dT%H%M%S}"


def quick_event_bytes(talk: Talk, site_host: str, page_url: str) -> bytes | None:
    """The bytes `event_bytes(talk_event(...))` gives, written directly; None where unsure.

    Building an icalendar Event and serialising it cost most of a cold feed; the tests
    compare both ways byte for byte.
    """
    zone_name = talk.series.timezone
    start = _time_line("DTSTART", talk.start, zone_name)
    end = _time_line("DTEND", talk.end, zone_name)
    if start is None or end is None:
        return None
    # icalendar's order: its canonical properties first, then the others by name.
    lines = [
        "BEGIN:VEVENT",
        "SUMMARY:" + _text(talk_summary(talk)),
        start,
        end,
        "DTSTAMP:" + _utc_stamp(talk.updated_at),
        "UID:" + _text(talk_uid(talk, site_host)),
        f"SEQUENCE:{int(talk.sequence)}",
        "CATEGORIES:" + _text(clean_text(talk.series.name)),
        "CREATED:" + _utc_stamp(talk.created_at),
        "DESCRIPTION:" + _text(talk_description(talk, page_url)),
        "LAST-MODIFIED:" + _utc_stamp(talk.updated_at),
    ]
    if location := talk_location(talk):
        lines.append("LOCATION:" + _text(location))
    lines += [
        "STATUS:" + ("CANCELLED" if talk.cancelled else "CONFIRMED"),
        "TRANSP:" + ("TRANSPARENT" if talk.cancelled else "OPAQUE"),
        "URL:" + page_url,
        "END:VEVENT",
    ]
    return b"\r\n".join([fold_octets(line.encode()) for line in lines]) + b"\r\n"


# Bytes of events already written, by everything they are made of: a feed built again after
# an edit writes only the events that changed and copies the rest. About 4,000 events of a
# kilobyte or two: a year of four weekly series many times over.
_events = BoundedStore(size=16_384, max_bytes=8 * 2**20)


def _event_key(talk: Talk, site_host: str, page_url: str) -> Hashable:
    # Every value the event is written from. The talk's own columns all raise its version
    # (updated_at too, for writes that bypass the ORM); speakers and the series live in
    # their own rows, so what the event shows of them is part of the key.
    return (
        talk.id,
        talk.version,
        talk.updated_at,
        talk.series.name,
        talk.series.timezone,
        tuple((s.name, s.honorific, s.affiliation) for s in talk.speakers),
        tuple(talk.previous_starts),
        talk.reschedule_reason,
        site_host,
        page_url,
    )


def talks_to_ical(
    talks: Sequence[Talk],
    feed: FeedInfo,
    *,
    site_host: str,
    talk_url: Callable[[Talk], str],
    max_bytes: int | None = None,
) -> bytes:
    """The whole iCalendar document: calendar properties, one VTIMEZONE per zone, the events.

    With `max_bytes`, the talks are taken in the order given until the document would grow
    past it: the caller puts first what matters most.
    """
    events = []
    for talk in talks:
        page_url = talk_url(talk)
        events.append(
            _events.get_or_make(
                _event_key(talk, site_host, page_url),
                lambda talk=talk, page_url=page_url: (
                    quick_event_bytes(talk, site_host, page_url)
                    or event_bytes(talk_event(talk, site_host, page_url))
                ),
            )
        )
    kept = len(events)
    while True:
        head = _head(feed, talks[:kept])
        size = len(head) + sum(len(event) for event in events[:kept])
        if max_bytes is None or size <= max_bytes or kept == 0:
            break
        # Leave out the last events until the rest fits (the time zones may then shrink).
        over = size - max_bytes
        while over > 0 and kept > 0:
            kept -= 1
            over -= len(events[kept])
    return b"".join([head[: -len(_END)], *events[:kept], _END])


def _head(feed: FeedInfo, talks: Sequence[Talk]) -> bytes:
    """The calendar without its events: its properties and the time zones `talks` need."""
    spans: dict[str, tuple[int, int]] = {}
    for talk in talks:
        first, last = spans.get(talk.series.timezone, (talk.start.year, talk.end.year))
        spans[talk.series.timezone] = (min(first, talk.start.year), max(last, talk.end.year))
    # Time zones are written for whole years: a talk's own file shares its head with every
    # other talk of that zone and year.
    return _head_of(feed, tuple(sorted(spans.items())))


@functools.lru_cache(maxsize=512)
def _head_of(feed: FeedInfo, spans: tuple[tuple[str, tuple[int, int]], ...]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if feed.name is not None:
        # Only a subscribed calendar names itself: a single talk's file then joins the
        # reader's own calendar instead of opening a new one in Outlook and Apple Calendar.
        # Typed as TEXT: an X- property is otherwise written unescaped, newlines and all.
        calendar.add("x-wr-calname", vText(clean_text(feed.name)))
        calendar.add("x-wr-caldesc", vText(clean_text(feed.description)))
        calendar.add("x-wr-timezone", feed.timezone)
        calendar.add("refresh-interval", vDuration(feed.refresh), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(feed.refresh))
    for zone_name, (first, last) in spans:
        calendar.add_component(vtimezone(zone_name, first, last))
    head = calendar.to_ical()
    assert head.endswith(_END)
    return head


_END = b"END:VCALENDAR\r\n"
