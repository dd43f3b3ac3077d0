"""Operations that change talks: each one writes its revision and keeps the reschedule history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from . import wallclock
from .database import utcnow
from .extensions import db
from .models import (
    Listing,
    Organizer,
    Reschedule,
    Series,
    Speaker,
    Talk,
    TalkRevision,
    TalkSpeaker,
    TalkStatus,
)

# Fields whose change alters the event a calendar shows (when, whether, where, and the
# title on its face), so the feed's SEQUENCE must rise and clients replace their copy.
CALENDAR_FIELDS = ("start", "end", "status", "location", "registration_url", "title")

SNAPSHOT_FIELDS = (
    "title", "abstract", "bio", "start", "end", "registration_url", "livestream_url",
    "recording_url", "slides_url", "code_url", "paper_url", "event_name", "event_url",
    "location", "status", "cancel_note", "listing", "published", "series_id",
)  # fmt: skip

# What a duplicate keeps of its original: the speakers (set apart), the text and the links
# attendees use to join; what a talk leaves behind (recording, slides, code) stays with it.
DUPLICATED_FIELDS = (
    "title", "abstract", "bio", "registration_url", "livestream_url", "event_name",
    "event_url", "location",
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


def _last_snapshot(talk: Talk) -> dict[str, Any]:
    """The snapshot of the talk's latest revision, or {}; without loading its whole history
    (a talk edited for years has hundreds of revisions)."""
    pending = any(isinstance(obj, TalkRevision) and obj.talk is talk for obj in db.session.new)
    if "revisions" in talk.__dict__ or pending or talk.id is None:
        return talk.revisions[-1].snapshot if talk.revisions else {}
    latest = db.session.scalar(
        select(TalkRevision.snapshot)
        .where(TalkRevision.talk_id == talk.id)
        .order_by(TalkRevision.id.desc())
        .limit(1)
    )
    return latest or {}


def record_revision(talk: Talk, organizer: Organizer | None, summary: str) -> TalkRevision:
    """Write the talk's current state as a revision, with the fields changed since the last one.

    The one place revisions are written. Call after the change, before commit.
    """
    # Loading the history must not flush the pending change early: that would make one
    # save two UPDATEs (two versions) once SEQUENCE is raised below.
    with db.session.no_autoflush:
        previous = _last_snapshot(talk)
    if previous:
        before_flush = talk_snapshot(talk, with_speakers=False)
        if any(
            previous.get(key) != before_flush[key] for key in CALENDAR_FIELDS
        ) or _speakers_differ(talk, previous):
            # Decided before the flush so that one save is one UPDATE and one version.
            talk.sequence += 1
    db.session.flush()  # assigns ids and bumps the version
    snapshot = talk_snapshot(talk)
    changes = {
        key: [previous.get(key), value]
        for key, value in snapshot.items()
        if previous.get(key) != value
        # A field added to snapshots later (cancel_note) is no change while it is empty.
        and not (previous and key not in previous and value in ("", None))
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


def duplicate_talk(
    talk: Talk, *, start: datetime, end: datetime, organizer: Organizer | None = None
) -> Talk:
    """A new draft of the talk's series at `start`, with its speakers, text and links."""
    if end <= start:
        raise ValueError("a talk must end after it starts")
    fields = {name: getattr(talk, name) for name in DUPLICATED_FIELDS}
    speakers = talk.speakers  # read before the copy joins the session
    copy = Talk(
        series=talk.series, start=start, end=end, published=False, listing=Listing.AUTO, **fields
    )
    copy.speaker_links = [
        TalkSpeaker(speaker=speaker, position=position) for position, speaker in enumerate(speakers)
    ]
    db.session.add(copy)
    record_revision(copy, organizer, f"Duplicated from “{talk.title or 'Untitled'}”")
    return copy


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


def _speakers_differ(talk: Talk, previous: dict[str, Any]) -> bool:
    """Whether the talk's speakers (named in the event's summary) are others than before."""
    with db.session.no_autoflush:
        ids = [link.speaker.id if link.speaker else link.speaker_id for link in talk.speaker_links]
    # A speaker created in this save has no id yet: a new name on the event.
    return None in ids or ids != previous.get("speaker_ids", ids)


# What the face of an event shows of its speakers: their names, in the summary.
SPEAKER_CALENDAR_FIELDS = ("name",)


@event.listens_for(Session, "before_flush")
def _renamed_speakers_raise_sequence(session: Session, flush_context, instances) -> None:
    # A speaker's new name shows on the event of every talk they give, whichever talk's form
    # (or the speaker's own form) changed it: each such event is a new SEQUENCE.
    renamed = [
        speaker.id
        for speaker in session.dirty
        if isinstance(speaker, Speaker)
        and speaker.id is not None
        and any(
            inspect(speaker).attrs[name].history.has_changes() for name in SPEAKER_CALENDAR_FIELDS
        )
    ]
    if not renamed:
        return
    with session.no_autoflush:
        talks = session.scalars(
            select(Talk)
            .join(TalkSpeaker, TalkSpeaker.talk_id == Talk.id)
            .where(TalkSpeaker.speaker_id.in_(renamed))
            .distinct()
        )
        for talk in talks:
            talk.sequence += 1


def _touch(talk: Talk) -> None:
    # Marks the row changed even when only speakers changed, so the version rises and a
    # stale form editing the same talk is refused.
    talk.updated_at = utcnow()


def _set_speakers(talk: Talk, speakers: list[Speaker]) -> None:
    # Existing links are kept and reordered: deleting and re-inserting the same speaker in
    # one flush would trip the (talk, speaker) unique constraint.
    existing = {link.speaker_id: link for link in talk.speaker_links if link.speaker_id}
    links = []
    for position, speaker in enumerate(dict.fromkeys(speakers)):
        link = existing.get(speaker.id) if speaker.id else None
        if link is None:
            link = TalkSpeaker(speaker=speaker)
        link.position = position
        links.append(link)
    talk.speaker_links = links


def update_talk(
    talk: Talk,
    *,
    speakers: list[Speaker] | None = None,
    organizer: Organizer | None = None,
    reschedule_reason: str = "",
    **fields: Any,
) -> TalkRevision:
    """Save edited fields of a talk; a published talk whose start moves is rescheduled."""
    start = fields.pop("start", talk.start)
    end = fields.pop("end", talk.end)
    if end <= start:
        raise ValueError("a talk must end after it starts")
    for name, value in fields.items():
        if name not in SNAPSHOT_FIELDS:
            raise ValueError(f"not a talk field: {name}")
        setattr(talk, name, value)
    if speakers is not None:
        _set_speakers(talk, speakers)
    _move(talk, start, end, organizer, reschedule_reason)
    _touch(talk)
    return record_revision(talk, organizer, "Edited")


def _move(
    talk: Talk, start: datetime, end: datetime, organizer: Organizer | None, reason: str
) -> None:
    """Set a talk's times from an edit; a published talk keeps its old start, struck through."""
    if start != talk.start:
        back_to_earlier = [r for r in talk.reschedules if r.previous_start == start]
        for entry in back_to_earlier:
            # Moving back to an earlier date: it is the current date again, not a struck one.
            talk.reschedules.remove(entry)
        if talk.published and not back_to_earlier:
            # Attendees already saw the old date: keep it, struck through.
            talk.reschedules.append(
                Reschedule(
                    previous_start=talk.start,
                    previous_end=talk.end,
                    reason=reason,
                    changed_by=organizer,
                )
            )
    talk.start, talk.end = start, end


def set_listing(talk: Talk, listing: Listing, organizer: Organizer | None = None) -> TalkRevision:
    """Pin a talk to upcoming or past, or let the clock decide (auto)."""
    talk.listing = listing
    _touch(talk)
    return record_revision(talk, organizer, f"Listing set to {listing.value}")


def publish_talk(talk: Talk, organizer: Organizer | None = None) -> TalkRevision:
    """Show a draft on the public schedule and in the feeds."""
    if talk.published:
        raise ValueError("the talk is already published")
    talk.published = True
    _touch(talk)
    return record_revision(talk, organizer, "Published")


def cancel_talk(talk: Talk, organizer: Organizer | None = None, note: str = "") -> TalkRevision:
    """Mark a talk cancelled, with a note for attendees; it stays on the schedule as cancelled."""
    if talk.status == TalkStatus.CANCELLED:
        raise ValueError("the talk is already cancelled")
    talk.status = TalkStatus.CANCELLED
    talk.cancel_note = note.strip()
    _touch(talk)
    return record_revision(talk, organizer, "Cancelled")


def uncancel_talk(talk: Talk, organizer: Organizer | None = None) -> TalkRevision:
    """Let a cancelled talk take place again; its cancellation note goes with the cancellation."""
    if talk.status != TalkStatus.CANCELLED:
        raise ValueError("the talk is not cancelled")
    talk.status = TalkStatus.SCHEDULED
    talk.cancel_note = ""
    _touch(talk)
    return record_revision(talk, organizer, "Cancellation withdrawn")


def delete_talk(talk: Talk, organizer: Organizer | None = None) -> TalkRevision:
    """Move a talk to the trash, from where it can be restored."""
    if talk.deleted_at is not None:
        raise ValueError("the talk is already in the trash")
    talk.deleted_at = utcnow()
    return record_revision(talk, organizer, "Moved to the trash")


def restore_talk(talk: Talk, organizer: Organizer | None = None) -> TalkRevision:
    """Take a talk out of the trash."""
    if talk.deleted_at is None:
        raise ValueError("the talk is not in the trash")
    talk.deleted_at = None
    _touch(talk)
    return record_revision(talk, organizer, "Restored from the trash")


def undo_reschedule(talk: Talk, organizer: Organizer | None = None) -> TalkRevision:
    """Put a talk back at the start it had before its last reschedule."""
    if not talk.reschedules:
        raise ValueError("the talk was never rescheduled")
    last = talk.reschedules[-1]
    talk.start, talk.end = last.previous_start, last.previous_end
    talk.reschedules.remove(last)
    _touch(talk)
    return record_revision(talk, organizer, "Reschedule undone")


def restore_revision(
    talk: Talk, revision: TalkRevision, organizer: Organizer | None = None
) -> TalkRevision:
    """Bring a talk back to the state saved in one of its revisions, as a new revision."""
    if revision.talk_id != talk.id:
        raise ValueError("the revision belongs to another talk")
    snapshot = revision.snapshot
    if "start" in snapshot and "end" in snapshot:
        start, end = (datetime.fromisoformat(snapshot[key]) for key in ("start", "end"))
        _move(talk, start, end, organizer, "Restored an earlier revision")
    for name in SNAPSHOT_FIELDS:
        if name not in snapshot or name in ("series_id", "start", "end"):
            continue
        value = snapshot[name]
        if name == "status":
            value = TalkStatus(value)
        elif name == "listing":
            value = Listing(value)
        setattr(talk, name, value)
    speakers = [db.session.get(Speaker, i) for i in snapshot.get("speaker_ids", [])]
    speakers = [speaker for speaker in speakers if speaker is not None]
    if speakers:
        _set_speakers(talk, speakers)
    _touch(talk)
    # Named on the series' wall clock, as the history page shows every revision's time.
    local = wallclock.in_zone(revision.created_at, talk.series.timezone)
    when = (
        f"{wallclock.format_date(local)}, {wallclock.format_time(local)} "
        f"{wallclock.zone_abbreviation(local)}"
    )
    return record_revision(talk, organizer, f"Restored the revision of {when}")
