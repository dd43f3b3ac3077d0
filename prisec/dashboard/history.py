"""A talk's history in words: what each revision changed, in form labels and the series' zone."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import select

from .. import wallclock
from ..extensions import db
from ..models import Listing, Series, Speaker, Talk, TalkRevision, TalkStatus
from ..titles import title_html
from .forms import TalkForm

EMPTY = Markup('<span class="empty">(empty)</span>')
# Long texts (abstract, bio) are shown as their beginning: the revision is there to restore.
SHOWN_CHARACTERS = 200

LISTING_WORDS = {
    Listing.AUTO.value: "automatic",
    Listing.UPCOMING.value: "pinned to upcoming",
    Listing.PAST.value: "pinned to past",
}
STATUS_WORDS = {TalkStatus.SCHEDULED.value: "takes place", TalkStatus.CANCELLED.value: "cancelled"}

# Stored fields in the order the talk form shows them; `start` and `end` are its Date, Starts
# and Ends, `listing` and `published` its Listing.
_ORDER = (
    "title", "speaker_ids", "start", "end", "abstract", "bio", "registration_url",
    "livestream_url", "recording_url", "slides_url", "code_url", "paper_url", "event_name",
    "event_url", "location", "listing", "status", "series_id",
)  # fmt: skip
PAIR = ("published", "listing")
_OWN_LABELS = {
    "speaker_ids": "Speakers",
    "status": "Status",
    "series_id": "Series",
    "cancel_note": "Note for attendees",
}
_HINT = re.compile(r"\s*\(.*\)\s*$")


@dataclass(frozen=True)
class Change:
    """One line of a revision: 'Date: 9 June 2027, 09:00 PDT → 16 June 2027, 10:00 PDT'."""

    label: str
    before: Markup
    after: Markup

    @property
    def sentence(self) -> str:
        """The line as plain text."""
        return f"{self.label}: {_plain(self.before)} → {_plain(self.after)}"


@dataclass(frozen=True)
class RevisionEntry:
    """A revision as the history page shows it."""

    revision: TalkRevision
    when: str
    changes: list[Change]
    first: bool


def _plain(value: Markup) -> str:
    return value.striptags()


def form_label(field: str) -> str:
    """The talk form's own label of a stored field, without its hint: 'Registration link'."""
    if field in _OWN_LABELS:
        return _OWN_LABELS[field]
    if field == "start":
        field = "date"
    elif field == "end":
        field = "end_time"
    unbound = getattr(TalkForm, field, None)
    args = getattr(unbound, "args", ())
    if args and isinstance(args[0], str):
        return _HINT.sub("", args[0]) or args[0]
    return field.replace("_url", " link").replace("_", " ").capitalize()


def when_in_zone(instant: datetime, zone_name: str) -> str:
    """'9 June 2027, 09:00 PDT': a moment on the series' wall clock, its zone named."""
    local = wallclock.in_zone(instant, zone_name)
    return (
        f"{wallclock.format_date(local)}, {wallclock.format_time(local)} "
        f"{wallclock.zone_abbreviation(local)}"
    )


def _instant(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _ends(start: datetime | None, end: datetime | None, zone_name: str) -> Markup:
    """An end as its time alone when it falls on the start's day, else in full."""
    if end is None:
        return EMPTY
    local_end = wallclock.in_zone(end, zone_name)
    if start is not None and wallclock.in_zone(start, zone_name).date() == local_end.date():
        return escape(
            f"{wallclock.format_time(local_end)} {wallclock.zone_abbreviation(local_end)}"
        )
    return escape(when_in_zone(end, zone_name))


def _text(value: Any) -> Markup:
    if value is None or value == "":
        return EMPTY
    text = str(value)
    if len(text) > SHOWN_CHARACTERS:
        text = text[: SHOWN_CHARACTERS - 1].rstrip() + "…"
    return escape(text)


def _names(ids: Sequence[int] | None, speaker_names: Mapping[int, str]) -> Markup:
    if not ids:
        return EMPTY
    names = [speaker_names.get(i, "a removed speaker") for i in ids]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return escape(joined)


def _listing_words(published: Any, listing: Any, which: set[str]) -> str:
    words = []
    if "published" in which:
        words.append("published" if published else "draft")
    if "listing" in which:
        words.append(LISTING_WORDS.get(listing, str(listing)))
    return ", ".join(words)


def describe_changes(
    changes: Mapping[str, Sequence[Any]],
    zone_name: str,
    speaker_names: Mapping[int, str],
    series_names: Mapping[int, str],
    before: Mapping[str, Any] | None = None,
) -> list[Change]:
    """The lines of one revision, in the order of the talk form.

    `changes` maps a stored field to [before, after]; `before` is the whole earlier
    snapshot, from which an unchanged start is read to word a changed end.
    """
    before = before or {}
    lines: list[Change] = []
    old_start = _instant(changes["start"][0] if "start" in changes else before.get("start"))
    new_start = _instant(changes["start"][1] if "start" in changes else before.get("start"))
    for field in _ORDER:
        if field == "listing":
            # Published or draft, and the listing: one line, naming only what changed.
            which = {key for key in PAIR if key in changes}
            if which:
                old_pair = [changes[key][0] if key in changes else None for key in PAIR]
                new_pair = [changes[key][1] if key in changes else None for key in PAIR]
                lines.append(
                    Change(
                        form_label("listing"),
                        escape(_listing_words(*old_pair, which)),
                        escape(_listing_words(*new_pair, which)),
                    )
                )
            continue
        if field not in changes:
            continue
        old, new = changes[field]
        if field == "start":
            lines.append(
                Change(
                    form_label("start"),
                    escape(when_in_zone(old_start, zone_name)) if old_start else EMPTY,
                    escape(when_in_zone(new_start, zone_name)) if new_start else EMPTY,
                )
            )
        elif field == "end":
            old_end, new_end = _instant(old), _instant(new)
            # A move that keeps the length says it all in its Date line.
            if (
                "start" in changes
                and old_end
                and new_end
                and old_start
                and new_start
                and old_end - old_start == new_end - new_start
            ):
                continue
            lines.append(
                Change(
                    form_label("end"),
                    _ends(old_start, old_end, zone_name),
                    _ends(new_start, new_end, zone_name),
                )
            )
        elif field == "title":
            lines.append(
                Change(
                    form_label("title"),
                    title_html(old) if old else EMPTY,
                    title_html(new) if new else EMPTY,
                )
            )
        elif field == "speaker_ids":
            lines.append(
                Change(form_label(field), _names(old, speaker_names), _names(new, speaker_names))
            )
        elif field == "status":
            lines.append(
                Change(
                    form_label(field),
                    escape(STATUS_WORDS.get(old, str(old))),
                    escape(STATUS_WORDS.get(new, str(new))),
                )
            )
        elif field == "series_id":
            lines.append(
                Change(
                    form_label(field),
                    _text(series_names.get(old, "another series")),
                    _text(series_names.get(new, "another series")),
                )
            )
        else:
            lines.append(Change(form_label(field), _text(old), _text(new)))
    known = {*_ORDER, "published"}
    # Fields a later version may add are shown too, under a readable name.
    for field in changes:
        if field not in known:
            old, new = changes[field]
            lines.append(Change(form_label(field), _text(old), _text(new)))
    return lines


def describe_revisions(
    revisions: Sequence[TalkRevision],
    zone_name: str,
    speaker_names: Mapping[int, str],
    series_names: Mapping[int, str],
) -> list[RevisionEntry]:
    """Every revision (oldest first in, newest first out) in words; the first has no changes."""
    entries: list[RevisionEntry] = []
    previous: Mapping[str, Any] = {}
    for position, revision in enumerate(revisions):
        first = position == 0
        changes = (
            []
            if first
            else describe_changes(
                revision.changes or {}, zone_name, speaker_names, series_names, previous
            )
        )
        entries.append(
            RevisionEntry(
                revision=revision,
                when=when_in_zone(revision.created_at, zone_name),
                changes=changes,
                first=first,
            )
        )
        previous = revision.snapshot or {}
    return list(reversed(entries))


def history_of(talk: Talk) -> list[RevisionEntry]:
    """The talk's revisions in words, newest first, with the speakers and series they name."""
    revisions = list(talk.revisions)
    speaker_ids = {
        i
        for revision in revisions
        for pair in [(revision.changes or {}).get("speaker_ids") or [[], []]]
        for side in pair
        for i in side or []
    }
    series_ids = {
        i
        for revision in revisions
        for i in (revision.changes or {}).get("series_id") or []
        if i is not None
    }
    speakers = {
        s.id: s.display_name
        for s in db.session.scalars(select(Speaker).where(Speaker.id.in_(speaker_ids)))
    }
    series = {
        s.id: s.name for s in db.session.scalars(select(Series).where(Series.id.in_(series_ids)))
    }
    return describe_revisions(revisions, talk.series.timezone, speakers, series)
