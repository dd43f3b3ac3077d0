"""Creating, finding and revoking speaker links, and applying accepted proposals."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from .. import editing
from ..database import utcnow
from ..extensions import db
from ..models import Organizer, Speaker, Talk, TalkRevision
from .models import SpeakerLink, SpeakerProposal

DEFAULT_DAYS = 30
TALK_FIELDS = ("title", "abstract", "bio")
SPEAKER_FIELDS = ("affiliation", "homepage", "photo")
FIELDS = TALK_FIELDS + SPEAKER_FIELDS
LABELS = {
    "title": "Title",
    "abstract": "Abstract",
    "bio": "Bio",
    "affiliation": "Affiliation",
    "homepage": "Homepage",
    "photo": "Photo",
}


def token_hash(token: str) -> str:
    """What is stored of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_link(
    talk: Talk, organizer: Organizer | None, days: int = DEFAULT_DAYS
) -> tuple[SpeakerLink, str]:
    """A new link for the talk's speaker, and its token (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    link = SpeakerLink(
        talk=talk,
        token_hash=token_hash(token),
        created_by=organizer,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(link)
    return link, token


def find_link(token: str) -> SpeakerLink | None:
    """The link of a token, usable or not; None for a token that was never issued."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(SpeakerLink).where(SpeakerLink.token_hash == token_hash(token)))


def links_of(talk: Talk) -> list[SpeakerLink]:
    """The talk's links, newest first."""
    return list(
        db.session.scalars(
            select(SpeakerLink)
            .where(SpeakerLink.talk_id == talk.id)
            .order_by(SpeakerLink.created_at.desc(), SpeakerLink.id.desc())
        )
    )


def pending_proposals(talk: Talk) -> list[SpeakerProposal]:
    """Proposals of the talk no organizer has reviewed yet, newest first."""
    return list(
        db.session.scalars(
            select(SpeakerProposal)
            .where(SpeakerProposal.talk_id == talk.id, SpeakerProposal.reviewed_at.is_(None))
            .order_by(SpeakerProposal.submitted_at.desc(), SpeakerProposal.id.desc())
        )
    )


def first_speaker(talk: Talk) -> Speaker | None:
    """The speaker whose details the form edits: the first of the talk."""
    return talk.speakers[0] if talk.speakers else None


def current_values(talk: Talk) -> dict[str, str]:
    """The talk's values of the form's fields as they stand."""
    speaker = first_speaker(talk)
    values = {name: getattr(talk, name) or "" for name in TALK_FIELDS}
    for name in SPEAKER_FIELDS:
        values[name] = (getattr(speaker, name) or "") if speaker else ""
    return values


def submit(link: SpeakerLink, proposed: dict[str, Any]) -> SpeakerProposal:
    """Hold the speaker's values as a proposal; earlier unreviewed ones are superseded."""
    now = utcnow()
    for earlier in pending_proposals(link.talk):
        if earlier.link_id == link.id:
            earlier.reviewed_at = now  # replaced by this one; nothing of it applies
    proposal = SpeakerProposal(link=link, talk=link.talk, proposed=proposed, submitted_at=now)
    link.answered_at = now
    db.session.add(proposal)
    return proposal


def changed_fields(proposal: SpeakerProposal) -> list[str]:
    """The fields whose proposed value differs from the talk's current one."""
    current = current_values(proposal.talk)
    return [
        name
        for name in FIELDS
        if name in proposal.proposed and proposal.proposed[name] != current[name]
    ]


def accept(
    proposal: SpeakerProposal, fields: list[str], organizer: Organizer | None
) -> TalkRevision | None:
    """Apply the chosen fields as a normal revision; none chosen just closes the proposal."""
    if proposal.reviewed_at is not None:
        raise ValueError("the proposal was already reviewed")
    chosen = [name for name in changed_fields(proposal) if name in fields]
    proposal.reviewed_at = utcnow()
    proposal.reviewed_by = organizer
    proposal.accepted = chosen
    if not chosen:
        return None
    talk = proposal.talk
    speaker = first_speaker(talk)
    for name in SPEAKER_FIELDS:
        if name in chosen and speaker is not None:
            setattr(speaker, name, proposal.proposed[name])
    talk_fields = {name: proposal.proposed[name] for name in TALK_FIELDS if name in chosen}
    revision = editing.update_talk(talk, organizer=organizer, **talk_fields)
    revision.summary = "Accepted from the speaker: " + ", ".join(LABELS[n] for n in chosen)
    return revision


def revoke(link: SpeakerLink, now: datetime | None = None) -> None:
    """Close a link for good."""
    if link.revoked_at is None:
        link.revoked_at = now or utcnow()
