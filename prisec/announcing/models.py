"""Models of the announcing room: each announcement email that went out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..models import Organizer, Talk


class AnnouncementSend(db.Model):
    """One announcement of a talk accepted by the mail server: who sent it, when, to whom."""

    __tablename__ = "announcement_send"

    id: Mapped[int] = mapped_column(primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talk.id", ondelete="CASCADE"), index=True)
    # The talk's version when sent, so one can tell whether it changed since.
    talk_version: Mapped[int] = mapped_column(Integer)
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("organizer.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500), default="")
    message_id: Mapped[str] = mapped_column(String(300), default="")

    talk: Mapped[Talk] = relationship()
    organizer: Mapped[Organizer | None] = relationship()
