"""Operations that change talks: each one writes its revision and keeps the reschedule history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .database import utcnow
from .extensions import db
from .models import Organizer, Reschedule, Series, Speaker, Talk, TalkRevision, TalkSpeaker

# Fields whose change alters the event a calendar shows (when, whether, where, and the
# title on its face), so the feed's SEQUENCE must rise and clients replace their copy.
CALENDAR_FIELDS = ("start", "end", "status", "location", "registration_url", "title")

SNAPSHOT_FIELDS = (
    "title", "abstract", "bio", "start", "end", "registration_url", "livestream_url",
    "recording_url", "slides_url", "code_url", "paper_url", "event_name", "event_url",
    "location", "status", "listing", "published", "series_id",
)  # fmt: skip


def talk_snapshot(talk: Talk, *, with_speakers: bool = True) -> dict[str, Any]:
    """The talk as plain JSON values: what a revision stores."""
    snapshot: dict[str, Any] = {}
    for field in SNAPSHOT_FIELDS:
        value = getattr(talk, field)
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        elif hasattr(value, "value"):
            value = value.value
        snapshot[field] = value
    if with_speakers:
        snapshot["speaker_ids"] = [link.speaker_id for link in talk.speaker_links]
    return snapshot


def record_revision(talk: Talk, organizer: Organizer | None, summary: str) -> TalkRevision:
    """Write the talk's current state as a revision, with the fields changed since the last one.

    The one place revisions are written. Call after the change, before commit.
    """
    # Loading the history must not flush the pending change early: that would make one
    # save two UPDATEs (two versions) once SEQUENCE is raised below.
    with db.session.no_autoflush:
        previous = talk.revisions[-1].snapshot if talk.revisions else {}
    if previous:
        before_flush = talk_snapshot(talk, with_speakers=False)
        if any(previous.get(key) != before_flush[key] for key in CALENDAR_FIELDS):
            # Decided before the flush so that one save is one UPDATE and one version.
            talk.sequence += 1
    db.session.flush()  # assigns ids and bumps the version
    snapshot = talk_snapshot(talk)
    changes = {
        key: [previous.get(key), value]
        for key, value in snapshot.items()
        if previous.get(key) != value
    }
    revision = TalkRevision(
        talk=talk,
        talk_version=talk.version,
        organizer=organizer,
        summary=summary,
        snapshot=snapshot,
        changes=changes,
    )
    db.session.add(revision)
    return revision


def create_talk(
    series: Series,
    speakers: list[Speaker],
    *,
    start: datetime,
    end: datetime,
    organizer: Organizer | None = None,
    **fields: Any,
) -> Talk:
    """A new talk of `series` with its speakers in order and its first revision."""
    if end <= start:
        raise ValueError("a talk must end after it starts")
    talk = Talk(series=series, start=start, end=end, **fields)
    talk.speaker_links = [
        TalkSpeaker(speaker=speaker, position=position) for position, speaker in enumerate(speakers)
    ]
    db.session.add(talk)
    record_revision(talk, organizer, "Created")
    return talk


def reschedule_talk(
    talk: Talk,
    new_start: datetime,
    new_end: datetime | None = None,
    *,
    reason: str = "",
    organizer: Organizer | None = None,
    changed_at: datetime | None = None,
) -> Reschedule:
    """Move a talk; its old start joins the history shown struck through."""
    if new_end is None:
        new_end = new_start + (talk.end - talk.start)
    if new_end <= new_start:
        raise ValueError("a talk must end after it starts")
    if new_start == talk.start and new_end == talk.end:
        raise ValueError("the new time is the current time")
    entry = Reschedule(
        previous_start=talk.start,
        previous_end=talk.end,
        reason=reason,
        changed_by=organizer,
        changed_at=changed_at or utcnow(),
    )
    talk.reschedules.append(entry)
    talk.start, talk.end = new_start, new_end
    record_revision(talk, organizer, f"Rescheduled{': ' + reason if reason else ''}")
    return entry
