"""Models of the team room: what happened to accounts, for the activity of each series."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..models import Organizer, Series


class AccountEvent(db.Model):
    """An invitation sent or accepted, a role changed, an account deactivated: who did it, when."""

    __tablename__ = "account_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Who acted (None: the command line) and whose account it concerned (None: an invitation).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("organizer.id", ondelete="SET NULL"))
    organizer_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizer.id", ondelete="SET NULL")
    )
    # One row for each series the event concerns, so each series' activity lists it;
    # None when it concerns no series (an administrator's role).
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), index=True
    )
    # A word the activity page can filter on, and the sentence it shows.
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(500))

    actor: Mapped[Organizer | None] = relationship(foreign_keys=[actor_id])
    organizer: Mapped[Organizer | None] = relationship(foreign_keys=[organizer_id])
    series: Mapped[Series | None] = relationship()
