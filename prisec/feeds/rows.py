"""The talks of a feed read as plain rows: what an event shows, without the ORM's cost.

A feed of a large archive holds a thousand events or more; building that many ORM objects
(and their speakers and reschedules) took as long as writing the calendar. These rows carry
the same attribute names `ical` reads from a `Talk`, so either may be written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, select

from ..extensions import db
from ..models import (
    Reschedule,
    Series,
    Speaker,
    Talk,
    TalkSpeaker,
    TalkStatus,
    abstract_to_text,
    slugify,
)


@dataclass(frozen=True, slots=True)
class FeedSpeaker:
    """What an event says of a speaker."""

    name: str
    honorific: str
    affiliation: str

    @property
    def display_name(self) -> str:
        return f"{self.honorific} {self.name}".strip()


@dataclass(slots=True)
class FeedTalk:
    """A talk as its calendar event needs it."""

    id: int
    series: Series
    title: str
    start: datetime
    end: datetime
    registration_url: str
    livestream_url: str
    location: str
    status: TalkStatus
    created_at: datetime
    updated_at: datetime
    version: int
    sequence: int
    plain_abstract: str
    speakers: list[FeedSpeaker] = field(default_factory=list)
    previous_starts: list[datetime] = field(default_factory=list)
    cancel_note: str = ""
    reschedule_reason: str = ""

    @property
    def cancelled(self) -> bool:
        return self.status == TalkStatus.CANCELLED

    @property
    def slug(self) -> str:
        return slugify(self.title) or "talk"


_CHUNK = 500  # ids per IN (...): well inside every database's limit of bound parameters


def feed_talks(query: Select[Any]) -> list[FeedTalk]:
    """The talks `query` (a select of `Talk`, filtered and ordered) selects, as feed rows."""
    rows = db.session.execute(
        query.with_only_columns(
            Talk.id,
            Talk.series_id,
            Talk.title,
            Talk.start,
            Talk.end,
            Talk.registration_url,
            Talk.livestream_url,
            Talk.location,
            Talk.status,
            Talk.created_at,
            Talk.updated_at,
            Talk.version,
            Talk.sequence,
            Talk.cancel_note,
            Talk.abstract_text,
            # The Markdown only where nothing was derived from it (a raw SQL write).
            case((Talk.abstract_text.is_(None), Talk.abstract), else_=None),
        )  # fmt: skip
    ).all()
    # Only the feed's own series: a site of 2,000 series loaded every one for each feed.
    series_ids = {row[1] for row in rows}
    series = {s.id: s for s in db.session.scalars(select(Series).where(Series.id.in_(series_ids)))}
    speakers: defaultdict[int, list[FeedSpeaker]] = defaultdict(list)
    previous: defaultdict[int, list[datetime]] = defaultdict(list)
    reasons: dict[int, str] = {}
    ids = [row[0] for row in rows]
    # By the ids already read, in chunks: repeating the talks' filter as a subquery made
    # the database scan the talk table (long rows of Markdown) once more per query.
    for chunk in (ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)):
        for talk_id, name, honorific, affiliation in db.session.execute(
            select(TalkSpeaker.talk_id, Speaker.name, Speaker.honorific, Speaker.affiliation)
            .join(Speaker, Speaker.id == TalkSpeaker.speaker_id)
            .where(TalkSpeaker.talk_id.in_(chunk))
            .order_by(TalkSpeaker.talk_id, TalkSpeaker.position)
        ):
            speakers[talk_id].append(FeedSpeaker(name, honorific, affiliation))
        for talk_id, previous_start, reason in db.session.execute(
            select(Reschedule.talk_id, Reschedule.previous_start, Reschedule.reason)
            .where(Reschedule.talk_id.in_(chunk))
            .order_by(Reschedule.changed_at)
        ):
            previous[talk_id].append(previous_start)
            reasons[talk_id] = (reason or "").strip()  # the last one stands
    talks = []
    for row in rows:
        (talk_id, series_id, *columns, cancel_note, abstract_text, abstract) = row
        plain = abstract_text if abstract_text is not None else abstract_to_text(abstract)
        talks.append(
            FeedTalk(
                talk_id,
                series[series_id],
                *columns,
                plain_abstract=plain,
                speakers=speakers.get(talk_id, []),
                previous_starts=previous.get(talk_id, []),
                cancel_note=cancel_note or "",
                reschedule_reason=reasons.get(talk_id, ""),
            )
        )
    return talks
