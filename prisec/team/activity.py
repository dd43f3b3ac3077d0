"""The activity of a series: the latest actions on its talks, announcements and accounts."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..announcing.models import AnnouncementSend
from ..extensions import db
from ..models import Series, Talk, TalkRevision
from ..speakerform.models import SpeakerLink, SpeakerProposal
from .models import AccountEvent

ACTIVITY_LIMIT = 200


@dataclass(frozen=True)
class Action:
    """One line of the activity: when, who, what, and the talk it concerns."""

    at: datetime
    who: str
    what: str
    talk: Talk | None = None


def _title(talk: Talk, snapshot: dict | None = None) -> str:
    title = (snapshot or {}).get("title") or talk.title or "Untitled"
    return f"“{title}”"


def _name(organizer) -> str:
    return organizer.name if organizer is not None else "Someone (command line or import)"


def _revision_action(revision: TalkRevision) -> Action:
    summary = revision.summary or "Saved"
    if summary == "Edited":
        # A date moved in the talk form is a reschedule all the same.
        summary = "Rescheduled" if "start" in (revision.changes or {}) else "Saved"
    return Action(
        revision.created_at,
        _name(revision.organizer),
        f"{summary}: {_title(revision.talk, revision.snapshot)}",
        revision.talk,
    )


def _of_series(query, series: Series, limit: int):
    return db.session.scalars(query.where(Talk.series_id == series.id).limit(limit)).unique()


def series_activity(series: Series, limit: int = ACTIVITY_LIMIT) -> list[Action]:
    """The last `limit` actions on the series, newest first."""
    revisions = _of_series(
        select(TalkRevision)
        .join(Talk, TalkRevision.talk_id == Talk.id)
        .options(joinedload(TalkRevision.organizer))
        .order_by(TalkRevision.created_at.desc(), TalkRevision.id.desc()),
        series,
        limit,
    )
    sends = _of_series(
        select(AnnouncementSend)
        .join(Talk, AnnouncementSend.talk_id == Talk.id)
        .order_by(AnnouncementSend.sent_at.desc()),
        series,
        limit,
    )
    links = _of_series(
        select(SpeakerLink)
        .join(Talk, SpeakerLink.talk_id == Talk.id)
        .order_by(SpeakerLink.created_at.desc()),
        series,
        limit,
    )
    proposals = list(
        _of_series(
            select(SpeakerProposal)
            .join(Talk, SpeakerProposal.talk_id == Talk.id)
            .order_by(SpeakerProposal.submitted_at.desc()),
            series,
            limit,
        )
    )
    events = db.session.scalars(
        select(AccountEvent)
        .where(AccountEvent.series_id == series.id)
        .order_by(AccountEvent.created_at.desc(), AccountEvent.id.desc())
        .limit(limit)
    )
    streams: list[Iterable[Action]] = [
        [_revision_action(r) for r in revisions],
        [
            Action(
                s.sent_at,
                _name(s.organizer),
                f"Announcement of {_title(s.talk)} sent to {s.recipient}",
                s.talk,
            )
            for s in sends
        ],
        [
            Action(
                link.created_at,
                _name(link.created_by),
                f"Speaker link made for {_title(link.talk)}",
                link.talk,
            )
            for link in links
        ],
        [
            Action(p.submitted_at, "The speaker", f"Speaker proposal for {_title(p.talk)}", p.talk)
            for p in proposals
        ],
        # Accepted fields show as the talk's revision; a proposal taken over in nothing
        # would otherwise leave no trace.
        [
            Action(
                p.reviewed_at,
                _name(p.reviewed_by),
                f"Speaker proposal for {_title(p.talk)} closed, nothing taken over",
                p.talk,
            )
            for p in proposals
            if p.reviewed_at is not None and not p.accepted
        ],
        [Action(e.created_at, _name(e.actor), e.description) for e in events],
    ]
    ordered = [sorted(stream, key=lambda a: a.at, reverse=True) for stream in streams]
    merged = heapq.merge(*ordered, key=lambda a: a.at, reverse=True)
    return [action for _, action in zip(range(limit), merged, strict=False)]
