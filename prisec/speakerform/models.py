"""Models of the speaker form: private links for speakers and what they propose."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..models import Organizer, Talk


class SpeakerLink(db.Model):
    """A private, expiring, revocable link that lets a talk's speaker propose its details."""

    __tablename__ = "speaker_form_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talk.id", ondelete="CASCADE"), index=True)
    # Only the SHA-256 of the token is stored: a copy of the database opens no form.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("organizer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    talk: Mapped[Talk] = relationship()
    created_by: Mapped[Organizer | None] = relationship()

    def usable(self, now: datetime) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and now < self.expires_at


class SpeakerProposal(db.Model):
    """Values a speaker submitted, held until an organizer accepts all, some or none."""

    __tablename__ = "speaker_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(
        ForeignKey("speaker_form_link.id", ondelete="CASCADE"), index=True
    )
    talk_id: Mapped[int] = mapped_column(ForeignKey("talk.id", ondelete="CASCADE"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    proposed: Mapped[dict[str, Any]] = mapped_column(JSON)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("organizer.id"))
    # The names of the fields the organizer took over.
    accepted: Mapped[list[str]] = mapped_column(JSON, default=list)

    link: Mapped[SpeakerLink] = relationship()
    talk: Mapped[Talk] = relationship()
    reviewed_by: Mapped[Organizer | None] = relationship()
