"""Models of the dashboard room: slots of the recurrence that organizers skip."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..extensions import db


class SkippedSlot(db.Model):
    """A date of a series' recurrence on which no talk takes place (a holiday)."""

    __tablename__ = "skipped_slot"
    __table_args__ = (UniqueConstraint("series_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    # The local date in the series' zone.
    day: Mapped[date] = mapped_column(Date)
    skipped_by_id: Mapped[int | None] = mapped_column(ForeignKey("organizer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
