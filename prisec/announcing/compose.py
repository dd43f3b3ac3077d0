"""Announcement text and HTML of a talk, made from the series' sandboxed Jinja template."""

from __future__ import annotations

import functools
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import FrameType
from typing import Any

from flask import current_app
from jinja2 import StrictUndefined, TemplateError
from jinja2.compiler import CodeGenerator, Frame
from jinja2.nodes import Concat
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from .. import wallclock
from ..feeds.ical import FeedInfo, talks_to_ical
from ..markdown import render_markdown
from ..models import Talk
from ..titles import plain_title
from .mail import CalendarAttachment
from .plaintext import markdown_to_mail_text

DEFAULT_ZONES = ("Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Shanghai")

# Markdown once rendered: the plain-text part is this text, the HTML part its Markdown.
DEFAULT_TEMPLATE = """\
{{ series_name }}: {{ speaker_names }}, "{{ title }}"

**When:** {{ when }}

{% for line in zone_lines %}
- {{ line }}
{% endfor %}
- {{ utc_line }}

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
    "zone_lines": (
        "one line per chosen zone, start and end: "
        "'Wednesday 28 October 2026, 10:00–11:00 EDT (New York)'"
    ),
    "utc_line": "start and end in UTC: 'Wednesday 28 October 2026, 14:00–15:00 UTC'",
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


class AnnouncementTemplateError(ValueError):
    """An organizer's template that does not compile or render, in plain words."""


# An announcement is a page of text; a template that writes more, or takes longer, is wrong.
OUTPUT_LIMIT = 200_000  # bytes of rendered text (200 KB)
TIME_LIMIT_SECONDS = 2.0
# Numbers given to filters and methods: enough for any width or length a mail needs.
NUMBER_LIMIT = 10_000
_OUTPUT_MESSAGE = (
    f"The template writes more than {OUTPUT_LIMIT // 1000} KB; an announcement is shorter."
)
_TIME_MESSAGE = f"The template takes longer than {TIME_LIMIT_SECONDS:g} seconds to write."
# A width or precision of six digits or more in a format string ('%999999d', '{:>999999}').
_WIDE_FORMAT = re.compile(r"\d{6,}")


class TemplateLimitError(AnnouncementTemplateError):
    """A template past the output or the time bound."""


class _OutOfTime(BaseException):
    """Raised into a template past its time; not an Exception, so no `except` swallows it."""


def _weight(value: Any, budget: int = OUTPUT_LIMIT) -> int:
    """Characters and items a value holds, counted until past the budget (so always cheap)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        value = [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset)):
        total = len(value)
        for item in value:
            if total > budget:
                break
            total += _weight(item, budget - total)
        return total
    return 1


def _check_weight(value: Any) -> Any:
    if _weight(value) > OUTPUT_LIMIT:
        raise TemplateLimitError(_OUTPUT_MESSAGE)
    return value


def _check_arguments(value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse, before it runs, a call whose arguments could make a value past the bound."""
    if isinstance(value, str) and _WIDE_FORMAT.search(value):
        raise TemplateLimitError(_OUTPUT_MESSAGE)
    size = _weight(value)
    for arg in (*args, *kwargs.values()):
        if isinstance(arg, bool):
            continue
        if isinstance(arg, int) and abs(arg) > NUMBER_LIMIT:
            raise TemplateLimitError(
                f"The template uses the number {arg}; numbers in filters go up to {NUMBER_LIMIT}."
            )
        # A replacement or separator may be written once per character or item of the value.
        if isinstance(arg, str) and (size + 1) * len(arg) > OUTPUT_LIMIT and len(arg) > 1:
            raise TemplateLimitError(_OUTPUT_MESSAGE)
        _check_weight(arg)


def _bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    # Filters that take the environment or context first have the value second.
    skip = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        if len(args) > skip:
            _check_arguments(args[skip], args[skip + 1 :], kwargs)
        return _check_weight(function(*args, **kwargs))

    return bounded


class _BoundedCodeGenerator(CodeGenerator):
    """Jinja's code generator, with `a ~ b` joined by the environment so that it is bounded."""

    def visit_Concat(self, node: Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedEnvironment(SandboxedEnvironment):
    """The sandbox, where no operator, filter, method or `~` can make a value past the bound."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Output formats and lorem ipsum have no place in an announcement, and each can
        # write far more than it is given.
        for name in ("tojson", "pprint", "xmlattr", "urlize"):
            self.filters.pop(name, None)
        self.globals.pop("lipsum", None)
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """The operator, refused when its result would be past the bound."""
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                repeated = isinstance(times, int) and not isinstance(sequence, (int, float))
                if repeated and _weight(sequence) * max(times, 0) > OUTPUT_LIMIT:
                    raise TemplateLimitError(_OUTPUT_MESSAGE)
        elif operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 64:
                raise TemplateLimitError("The template raises a number to a power above 64.")
        elif operator == "+":
            if not isinstance(left, (int, float)) and _weight(left) + _weight(right) > OUTPUT_LIMIT:
                raise TemplateLimitError(_OUTPUT_MESSAGE)
        elif operator == "%" and isinstance(left, str):
            _check_arguments(left, right if isinstance(right, tuple) else (right,), {})
        if (
            isinstance(left, int)
            and isinstance(right, int)
            and max(abs(left), abs(right)) > 10**100
        ):
            raise TemplateLimitError("The template computes with numbers above a googol.")
        return _check_weight(super().call_binop(context, operator, left, right))

    # Jinja's own signature: these names cannot clash with the keyword arguments passed on.
    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """A call from the template (a method such as `title.center(80)`), bounded."""
        # The sandbox hands out str.format wrapped; the string is the wrapped method's owner.
        method = getattr(__obj, "__wrapped__", __obj)
        _check_arguments(getattr(method, "__self__", None), args, kwargs)
        return _check_weight(super().call(__context, __obj, *args, **kwargs))

    def bounded_join(self, values: tuple[Any, ...]) -> str:
        """`a ~ b ~ c`, refused past the bound before it is joined."""
        pieces = [str(value) for value in values]
        if sum(len(piece) for piece in pieces) > OUTPUT_LIMIT:
            raise TemplateLimitError(_OUTPUT_MESSAGE)
        return "".join(pieces)


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Stop the code running in this thread once `seconds` have passed.

    A template loop such as two nested `range(100000)` never calls anything that could
    stop it, so a trace function checks the clock at every line it runs.
    """
    end = time.monotonic() + seconds

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > end:
            raise _OutOfTime
        return local

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        return local(frame, event, arg)

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        yield
    finally:
        sys.settrace(previous)


_environment = BoundedEnvironment(
    undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
)


@dataclass(frozen=True)
class Announcement:
    """What goes out for a talk: subject, plain text, HTML and the talk's calendar file."""

    subject: str
    text: str
    html: Markup
    calendar: CalendarAttachment


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


def span_in(start: datetime, end: datetime, zone_name: str) -> str:
    """'Tuesday 9 June 2027, 13:00–14:00 BST (London)': start and end on a zone's wall clock.

    An end on another local day, or after a change of the clocks, is written out in full.
    """
    first, last = wallclock.in_zone(start, zone_name), wallclock.in_zone(end, zone_name)
    abbreviation = wallclock.zone_abbreviation(first)
    if first.date() == last.date() and wallclock.zone_abbreviation(last) == abbreviation:
        span = (
            f"{first:%A} {wallclock.format_date(first)}, "
            f"{wallclock.format_time(first)}–{wallclock.format_time(last)} {abbreviation}"
        )
    else:
        span = f"{when_in(start, zone_name)} – {when_in(end, zone_name)}"
    label = zone_label(zone_name)
    # "UTC (UTC)" says nothing twice.
    return span if label == abbreviation else f"{span} ({label})"


def zone_lines(start: datetime, end: datetime, zone_names: list[str]) -> list[str]:
    """One line per zone with the local date, start, end and abbreviation (which follows DST)."""
    return [span_in(start, end, name) for name in zone_names]


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
        "title": plain_title(talk.title.strip()) or "Title to be announced",
        "speaker_names": join_names(names) or "Speaker to be announced",
        "speakers": [
            {"name": s.display_name, "affiliation": s.affiliation, "homepage": s.homepage}
            for s in talk.speakers
        ],
        "when": when_in(talk.start, series.timezone),
        "when_utc": when_in(talk.start, "UTC"),
        "zone_lines": zone_lines(talk.start, talk.end, zones),
        "utc_line": span_in(talk.start, talk.end, "UTC"),
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
    # As long as the talk form allows, so that a template past the bound on a real talk
    # is refused when it is saved rather than when the talk is announced.
    sample.update(title="T" * 300, abstract="Abstract text.\n" * 1250, bio="Bio text.\n" * 1000)
    sample["speakers"] = [{"name": "Dr. Sample", "affiliation": "", "homepage": ""}]
    sample["zone_lines"] = ["Wednesday 28 October 2026, 14:00–15:00 GMT (London)"]
    try:
        render_body(source, sample)
    except AnnouncementTemplateError as exc:
        return str(exc)
    return None


def render_body(source: str, context: dict[str, Any]) -> str:
    """The template rendered in the sandbox; any failure becomes AnnouncementTemplateError."""
    try:
        with _deadline(TIME_LIMIT_SECONDS):
            template = _environment.from_string(source or DEFAULT_TEMPLATE)
            pieces, written = [], 0
            # Written piece by piece, so that a template past the bound stops there.
            for piece in template.generate(context):
                written += len(piece.encode())
                if written > OUTPUT_LIMIT:
                    raise TemplateLimitError(_OUTPUT_MESSAGE)
                pieces.append(piece)
        return "".join(pieces).strip() + "\n"
    except _OutOfTime as exc:
        raise TemplateLimitError(_TIME_MESSAGE) from exc
    except TemplateLimitError:
        raise
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
    title = plain_title(talk.title.strip()) or "Title to be announced"
    who = f"{names}, " if names else ""
    subject = f"{talk.series.name}: {who}“{title}” ({when_in(talk.start, talk.series.timezone)})"
    # A line break (possible in imported titles) must not reach a mail header.
    return " ".join(subject.split())


def calendar_file(talk: Talk, site_host: str, page_url: str) -> bytes:
    """The talk's .ics exactly as its feed writes it (same UID and SEQUENCE), METHOD:PUBLISH."""
    return talks_to_ical([talk], FeedInfo(None), site_host=site_host, talk_url=lambda _: page_url)


def compose(talk: Talk, links: dict[str, str], *, site_host: str | None = None) -> Announcement:
    """The talk's announcement from its series' template; raises AnnouncementTemplateError.

    The template writes Markdown: the HTML part is it rendered, the text part it written
    out as plain text (links as bare addresses, maths as Unicode). The calendar file's UID
    names `site_host`, by default the app's SITE_HOST, as the feeds do.
    """
    if site_host is None:
        site_host = current_app.config["SITE_HOST"]
    source = render_body(talk.series.announcement_template, talk_context(talk, links))
    return Announcement(
        subject=subject_of(talk),
        text=markdown_to_mail_text(source),
        html=render_markdown(source),
        calendar=CalendarAttachment(
            f"talk-{talk.id}.ics", calendar_file(talk, site_host, links["talk_url"])
        ),
    )


def default_zones_text() -> str:
    """The zones a new series states times in, as the settings field shows them."""
    return "\n".join(DEFAULT_ZONES)


def series_zone_errors(text: str) -> list[str]:
    """Names in the zones field that are not IANA zones."""
    return [name for name in parse_zones(text) if not wallclock.is_valid_zone(name)]
