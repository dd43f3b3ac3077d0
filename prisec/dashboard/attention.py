"""Needs attention: one rule of what an organizer must act on (the dashboard, `flask remind`).

- published talks of the next 14 days without an abstract, a registration link or a speaker photo;
- talks of the next 7 days whose announcement was not sent;
- speaker proposals waiting for review;
- drafts dated in the next 14 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Organizer,
    Talk,
    TalkSpeaker,
    TalkStatus,
    in_visible_series,
    organizer_series,
)

COMPLETE_WINDOW = timedelta(days=14)
ANNOUNCE_WINDOW = timedelta(days=7)
DRAFT_WINDOW = timedelta(days=14)
ANNOUNCE_PAGE = "dashboard.announcement"


class Kind(Enum):
    """What kind of thing needs doing, in the order the dashboard and the reminder list them."""

    PROPOSAL = "proposal"
    UNANNOUNCED = "unannounced"
    MISSING = "missing"
    DRAFT = "draft"


# A heading for each kind, as `flask remind` prints them and the dashboard groups them.
HEADINGS = {
    Kind.PROPOSAL: "Speaker proposals waiting for review",
    Kind.UNANNOUNCED: "Talks in the next 7 days with no announcement sent",
    Kind.MISSING: "Published talks in the next 14 days that lack something",
    Kind.DRAFT: "Drafts dated in the next 14 days",
}


@dataclass
class Item:
    """One thing to do: the talk it is about, what to do, and the page where it is done."""

    kind: Kind
    talk: Talk
    todo: str
    endpoint: str
    values: dict[str, Any]
    missing: list[str] = field(default_factory=list)


def missing_parts(talk: Talk) -> list[str]:
    """What a talk still lacks before it can be announced: abstract, registration link, photo."""
    missing = []
    if not talk.abstract.strip():
        missing.append("abstract")
    if not talk.registration_url:
        missing.append("registration link")
    if not talk.speakers or any(not speaker.photo for speaker in talk.speakers):
        missing.append("speaker photo")
    return missing


def _and(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def attention_items(now: datetime, series_id: int | None = None) -> list[Item]:
    """Everything to act on at `now`, in one series or (None) in every series not in the trash."""
    from ..announcing.models import AnnouncementSend
    from ..speakerform.models import SpeakerProposal

    scope = Talk.series_id == series_id if series_id is not None else in_visible_series()
    horizon = now + max(COMPLETE_WINDOW, ANNOUNCE_WINDOW, DRAFT_WINDOW)
    soon = list(
        db.session.scalars(
            select(Talk)
            .where(
                scope,
                Talk.deleted_at.is_(None),
                Talk.status != TalkStatus.CANCELLED,
                Talk.start >= now,
                Talk.start <= horizon,
            )
            .options(selectinload(Talk.speaker_links).joinedload(TalkSpeaker.speaker))
            .order_by(Talk.start, Talk.id)
        )
    )
    announced = (
        set(
            db.session.scalars(
                select(AnnouncementSend.talk_id)
                .where(AnnouncementSend.talk_id.in_([t.id for t in soon]))
                .distinct()
            )
        )
        if soon
        else set()
    )
    proposals = db.session.scalars(
        select(SpeakerProposal)
        .where(SpeakerProposal.reviewed_at.is_(None), _of_live_talk(scope))
        .options(
            selectinload(SpeakerProposal.talk)
            .selectinload(Talk.speaker_links)
            .joinedload(TalkSpeaker.speaker)
        )
        .order_by(SpeakerProposal.submitted_at, SpeakerProposal.id)
    )
    items = [
        Item(
            Kind.PROPOSAL,
            proposal.talk,
            "Review what the speaker proposed and take over what fits",
            "dashboard.proposal",
            {"proposal_id": proposal.id},
        )
        for proposal in proposals
    ]
    for talk in soon:
        talk_id = {"talk_id": talk.id}
        if talk.published and talk.start <= now + ANNOUNCE_WINDOW and talk.id not in announced:
            items.append(
                Item(
                    Kind.UNANNOUNCED,
                    talk,
                    "Send the announcement",
                    "dashboard.announcement",
                    talk_id,
                )
            )
        if talk.published and talk.start <= now + COMPLETE_WINDOW:
            missing = missing_parts(talk)
            if missing:
                todo = f"Add the {_and(missing)}"
                items.append(
                    Item(Kind.MISSING, talk, todo, "dashboard.edit_talk", talk_id, missing)
                )
        if not talk.published and talk.start <= now + DRAFT_WINDOW:
            items.append(
                Item(
                    Kind.DRAFT,
                    talk,
                    "Complete and publish the draft, or move it",
                    "dashboard.edit_talk",
                    talk_id,
                )
            )
    order = list(Kind)
    # Stable: within a kind, the soonest talk (or the oldest proposal) first.
    items.sort(key=lambda item: order.index(item.kind))
    return items


def proposal_talk_ids(items: Sequence[Item]) -> dict[int, int]:
    """For each talk with a proposal waiting, the id of its oldest such proposal."""
    waiting: dict[int, int] = {}
    for item in items:
        if item.kind is Kind.PROPOSAL:
            waiting.setdefault(item.talk.id, item.values["proposal_id"])
    return waiting


def waiting_proposals_of(talk: Talk) -> dict[int, int]:
    """`proposal_talk_ids` for one talk: {talk id: its oldest proposal waiting}, or {}."""
    from ..speakerform.models import SpeakerProposal

    oldest = db.session.scalar(
        select(SpeakerProposal.id)
        .where(SpeakerProposal.talk_id == talk.id, SpeakerProposal.reviewed_at.is_(None))
        .order_by(SpeakerProposal.submitted_at, SpeakerProposal.id)
        .limit(1)
    )
    return {talk.id: oldest} if oldest is not None else {}


def waiting_proposal_count(account: Organizer) -> int:
    """How many speaker proposals wait for review in the series the account works on."""
    from ..speakerform.models import SpeakerProposal

    scope = in_visible_series()
    if not account.is_admin:
        scope = and_(
            scope,
            Talk.series_id.in_(
                select(organizer_series.c.series_id).where(
                    organizer_series.c.organizer_id == account.id
                )
            ),
        )
    query = select(func.count(SpeakerProposal.id)).where(
        SpeakerProposal.reviewed_at.is_(None), _of_live_talk(scope)
    )
    return db.session.scalar(query) or 0


def _of_live_talk(scope: ColumnElement[bool]) -> ColumnElement[bool]:
    """A proposal's talk is not in the trash and is in `scope`."""
    from ..speakerform.models import SpeakerProposal

    # EXISTS per proposal: the few proposals waiting drive the query, each talk found by its
    # key, instead of the planner walking every talk of the site to join them.
    return (
        select(Talk.id)
        .where(Talk.id == SpeakerProposal.talk_id, Talk.deleted_at.is_(None), scope)
        .exists()
    )
