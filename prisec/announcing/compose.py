"""Announcement text and HTML of a talk, made from the series' sandboxed Jinja template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .. import wallclock
from ..markdown import render_markdown
from ..models import Talk

DEFAULT_ZONES = ("Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Shanghai")

# Markdown once rendered: the plain-text part is this text, the HTML part its Markdown.
DEFAULT_TEMPLATE = """\
{{ series_name }}: {{ speaker_names }}, "{{ title }}"

**When:** {{ when }}

{% for line in zone_lines %}
- {{ line }}
{% endfor %}
- UTC: {{ when_utc }}

{% if registration_url %}
**Register:** <{{ registration_url }}>

{% endif %}
{% if livestream_url %}
**Live stream:** <{{ livestream_url }}>

{% endif %}
{% if location %}
**Where:** {{ location }}

{% endif %}
## Abstract

{{ abstract }}

{% if bio %}
## About the speaker

{{ bio }}

{% endif %}
**Talk page:** <{{ talk_url }}>

**Add to your calendar:** <{{ ics_url }}> (calendar file),
<{{ google_calendar_url }}> (Google Calendar),
or subscribe to every talk of the series: <{{ series_feed_url }}>
"""

# What a template may use, shown beside the field in the settings.
VARIABLES = {
    "series_name": "the series' name",
    "title": "the talk's title ('Title to be announced' when empty)",
    "speaker_names": "the speakers' names, joined with commas and 'and'",
    "speakers": "a list of speakers, each with name, affiliation and homepage",
    "when": "date and time in the series' zone, e.g. 'Wednesday 28 October 2026, 14:00 GMT'",
    "when_utc": "the same in UTC",
    "zone_lines": "one line per chosen zone: 'New York: Wednesday 28 October 2026, 10:00 EDT'",
    "registration_url": "the registration link (may be empty)",
    "livestream_url": "the live-stream link (may be empty)",
    "location": "the room (may be empty)",
    "abstract": "the abstract (Markdown; 'TBA' when empty)",
    "bio": "the speaker's bio (may be empty)",
    "talk_url": "the talk's public page",
    "ics_url": "the talk as a calendar file",
    "google_calendar_url": "Google Calendar's form to add the talk",
    "series_feed_url": "the calendar feed of the whole series",
}

_environment = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
)


class AnnouncementTemplateError(ValueError):
    """An organizer's template that does not compile or render, in plain words."""


@dataclass(frozen=True)
class Announcement:
    """What goes out for a talk: subject, plain text and HTML."""

    subject: str
    text: str
    html: Markup


def parse_zones(text: str) -> list[str]:
    """Zone names from the settings field: one per line or separated by commas."""
    names = [part.strip() for line in text.splitlines() for part in line.split(",")]
    return [name for name in names if name]


def when_in(instant: datetime, zone_name: str) -> str:
    """'Wednesday 28 October 2026, 10:00 EDT': the instant on the wall clock of a zone."""
    local = wallclock.in_zone(instant, zone_name)
    return (
        f"{local:%A} {wallclock.format_date(local)}, "
        f"{wallclock.format_time(local)} {wallclock.zone_abbreviation(local)}"
    )


def zone_label(zone_name: str) -> str:
    """'New York' for America/New_York: the city part, readable."""
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


def zone_lines(instant: datetime, zone_names: list[str]) -> list[str]:
    """One line per zone with the local date, time and abbreviation (which follows DST)."""
    return [f"{zone_label(name)}: {when_in(instant, name)}" for name in zone_names]


def join_names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def talk_context(talk: Talk, links: dict[str, str]) -> dict[str, Any]:
    """The documented template variables for a talk; `links` holds the absolute URLs."""
    series = talk.series
    zones = [z for z in parse_zones(series.announcement_zones or "") if wallclock.is_valid_zone(z)]
    names = [speaker.display_name for speaker in talk.speakers]
    return {
        "series_name": series.name,
        "title": talk.title.strip() or "Title to be announced",
        "speaker_names": join_names(names) or "Speaker to be announced",
        "speakers": [
            {"name": s.display_name, "affiliation": s.affiliation, "homepage": s.homepage}
            for s in talk.speakers
        ],
        "when": when_in(talk.start, series.timezone),
        "when_utc": when_in(talk.start, "UTC"),
        "zone_lines": zone_lines(talk.start, zones),
        "registration_url": talk.registration_url,
        "livestream_url": talk.livestream_url,
        "location": talk.location,
        "abstract": talk.abstract.strip() or "TBA",
        "bio": talk.bio.strip(),
        **links,
    }


def check_template(source: str) -> str | None:
    """The message for a template that would fail, or None when it renders a sample talk."""
    sample = {name: "" if name not in ("speakers", "zone_lines") else [] for name in VARIABLES}
    sample["speakers"] = [{"name": "Dr. Sample", "affiliation": "", "homepage": ""}]
    sample["zone_lines"] = ["London: Wednesday 28 October 2026, 14:00 GMT"]
    try:
        render_body(source, sample)
    except AnnouncementTemplateError as exc:
        return str(exc)
    return None


def render_body(source: str, context: dict[str, Any]) -> str:
    """The template rendered in the sandbox; any failure becomes AnnouncementTemplateError."""
    try:
        template = _environment.from_string(source or DEFAULT_TEMPLATE)
        return template.render(context).strip() + "\n"
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {line})" if line else ""
        raise AnnouncementTemplateError(f"The template has an error{where}: {exc.message}") from exc
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        # The sandbox lets ordinary Python errors through, e.g. {{ 1 / 0 }} or {{ title + 1 }}.
        raise AnnouncementTemplateError(f"The template failed while rendering: {exc}") from exc


def subject_of(talk: Talk) -> str:
    """'Series: Speaker, "Title" (Wednesday 28 October 2026, 14:00 GMT)'."""
    names = join_names([speaker.display_name for speaker in talk.speakers])
    title = talk.title.strip() or "Title to be announced"
    who = f"{names}, " if names else ""
    subject = f"{talk.series.name}: {who}“{title}” ({when_in(talk.start, talk.series.timezone)})"
    # A line break (possible in imported titles) must not reach a mail header.
    return " ".join(subject.split())


def compose(talk: Talk, links: dict[str, str]) -> Announcement:
    """The talk's announcement from its series' template; raises AnnouncementTemplateError."""
    text = render_body(talk.series.announcement_template, talk_context(talk, links))
    return Announcement(subject=subject_of(talk), text=text, html=render_markdown(text))


def default_zones_text() -> str:
    """The zones a new series states times in, as the settings field shows them."""
    return "\n".join(DEFAULT_ZONES)


def series_zone_errors(text: str) -> list[str]:
    """Names in the zones field that are not IANA zones."""
    return [name for name in parse_zones(text) if not wallclock.is_valid_zone(name)]
