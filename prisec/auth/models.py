"""Models of the accounts room: login attempts, invitations and one-time account links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..models import Organizer, Role, Series, _enum


class LoginAttempt(db.Model):
    """A login, failed or not, kept in the database so every worker process sees the same count."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-cased as typed: attempts on unknown addresses count too.
    email: Mapped[str] = mapped_column(String(320), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A success marks the address as the account owner's: the per-account limit spares it.
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


# The series an invitation makes its holder an organizer of.
invite_series = db.Table(
    "organizer_invite_series",
    Column("invite_id", ForeignKey("organizer_invite.id", ondelete="CASCADE"), primary_key=True),
    Column("series_id", ForeignKey("series.id", ondelete="CASCADE"), primary_key=True),
)


class Invite(db.Model):
    """A one-time link that lets someone create an organizer account."""

    __tablename__ = "organizer_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only the SHA-256 of the token is stored: a copy of the database opens no account.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("organizer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("organizer.id"))

    created_by: Mapped[Organizer | None] = relationship(foreign_keys=[created_by_id])
    used_by: Mapped[Organizer | None] = relationship(foreign_keys=[used_by_id])
    # Whom it was sent to and what accepting it makes them (prisec.team.accounts sets these).
    email: Mapped[str] = mapped_column(String(320), default="")
    role: Mapped[Role] = mapped_column(_enum(Role, "invite_role"), default=Role.ORGANIZER)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    series: Mapped[list[Series]] = relationship(secondary=invite_series, order_by="Series.name")


class AccountToken(db.Model):
    """A one-time link sent to an organizer: a password reset or an e-mail confirmation."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "reset" or "email"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organizer_id: Mapped[int] = mapped_column(
        ForeignKey("organizer.id", ondelete="CASCADE"), index=True
    )
    # The address an e-mail confirmation link makes the account's.
    new_email: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organizer: Mapped[Organizer] = relationship()
