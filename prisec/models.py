"""Typed models of series, speakers, talks, reschedules, revisions and organizers."""

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from datetime import datetime, time
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    and_,
    event,
    false,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload
from sqlalchemy.sql.elements import ColumnElement

from .database import UTCDateTime, utcnow
from .extensions import db
from .markdown import markdown_to_text


class TalkStatus(enum.StrEnum):
    """Whether a talk still takes place."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Role(enum.StrEnum):
    """What an account may do: an administrator everything, an organizer only their series."""

    ADMIN = "admin"
    ORGANIZER = "organizer"


class Listing(enum.StrEnum):
    """Which side of the schedule a talk is listed on: `auto` follows the clock."""

    AUTO = "auto"
    UPCOMING = "upcoming"
    PAST = "past"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as the lower-case values, checked by the database.
    return Enum(
        cls,
        name=name,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        native_enum=False,
        create_constraint=True,
        length=16,
    )


def slugify(text: str, max_length: int = 60) -> str:
    """A readable ASCII slug for URLs: 'Privacy Auditing in ML' -> 'privacy-auditing-in-ml'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        # Cut at a word boundary rather than mid-word.
        slug = slug[: max_length + 1].rsplit("-", 1)[0]
    return slug


class Series(db.Model):
    """A named seminar series with its own time zone and defaults."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    default_start_time: Mapped[time] = mapped_column(Time, default=time(13, 0))
    default_duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    # Recurrence: every N weeks on a weekday (0 = Monday); empty when irregular.
    recurrence_weeks: Mapped[int | None] = mapped_column(Integer)
    recurrence_weekday: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    mailing_list_url: Mapped[str] = mapped_column(String(2000), default="")
    youtube_url: Mapped[str] = mapped_column(String(2000), default="")
    # Defaults a new talk starts from (each talk may change them): `zoom_url` is the
    # registration link, named for the Zoom registration most series use.
    zoom_url: Mapped[str] = mapped_column(String(2000), default="")
    livestream_url: Mapped[str] = mapped_column(String(2000), default="", server_default="")
    location: Mapped[str] = mapped_column(String(300), default="", server_default="")
    calendar_html_url: Mapped[str] = mapped_column(String(2000), default="")
    calendar_ics_url: Mapped[str] = mapped_column(String(2000), default="")
    # The calendar an import found on the old page is offered to readers only when kept.
    keep_imported_calendar: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    imported_calendar_label: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Announcements: the organizers' Jinja template (empty: the built-in one), the zones the
    # time is stated in (one IANA name a line) and the mailing list they are sent to.
    announcement_template: Mapped[str] = mapped_column(Text, default="")
    announcement_zones: Mapped[str] = mapped_column(
        Text, default="Europe/London\nAmerica/New_York\nAmerica/Los_Angeles\nAsia/Shanghai"
    )
    announcement_address: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The demo series `make run` seeds: every page says so while it is shown.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set when an administrator moves the series to the trash: hidden everywhere public and
    # on the dashboard, restorable until `flask purge` removes it after TRASH_DAYS.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organizers: Mapped[list[SeriesOrganizer]] = relationship(
        back_populates="series",
        order_by="SeriesOrganizer.position",
        cascade="all, delete-orphan",
    )
    talks: Mapped[list[Talk]] = relationship(back_populates="series")
    # The accounts that organize the series (who may edit it); `organizers` is public content.
    organizer_accounts: Mapped[list[Organizer]] = relationship(
        secondary="organizer_series", back_populates="series", order_by="Organizer.name"
    )

    def __repr__(self) -> str:
        return f"<Series {self.slug}>"


# Which accounts organize which series: the rule of prisec.team.access reads it.
organizer_series = db.Table(
    "organizer_series",
    Column("organizer_id", ForeignKey("organizer.id", ondelete="CASCADE"), primary_key=True),
    Column("series_id", ForeignKey("series.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class SeriesOrganizer(db.Model):
    """One entry of a series' public organizer list (not a login account)."""

    __tablename__ = "series_organizer"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    honorific: Mapped[str] = mapped_column(String(40), default="")
    name: Mapped[str] = mapped_column(String(200))
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    homepage: Mapped[str] = mapped_column(String(2000), default="")

    series: Mapped[Series] = relationship(back_populates="organizers")


class Speaker(db.Model):
    """A person who gives talks."""

    __tablename__ = "speaker"

    id: Mapped[int] = mapped_column(primary_key=True)
    honorific: Mapped[str] = mapped_column(String(40), default="")
    name: Mapped[str] = mapped_column(String(200), index=True)
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    homepage: Mapped[str] = mapped_column(String(2000), default="")
    # File name under instance/uploads/ (content hash), empty when there is no photo.
    photo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def display_name(self) -> str:
        """Honorific and name, as the schedule prints them: 'Prof. Reza Shokri'."""
        return f"{self.honorific} {self.name}".strip()

    @property
    def initials(self) -> str:
        """Up to two initials for the photo placeholder."""
        parts = [p for p in re.split(r"[\s\-]+", self.name) if p]
        picked = parts[:1] + parts[-1:] if len(parts) > 1 else parts
        return "".join(p[0].upper() for p in picked)

    def __repr__(self) -> str:
        return f"<Speaker {self.name}>"


class TalkSpeaker(db.Model):
    """A speaker's place in a talk's speaker list."""

    __tablename__ = "talk_speaker"
    __table_args__ = (UniqueConstraint("talk_id", "speaker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talk.id", ondelete="CASCADE"), index=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speaker.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    talk: Mapped[Talk] = relationship(back_populates="speaker_links")
    speaker: Mapped[Speaker] = relationship(lazy="joined")


def abstract_to_text(abstract: str | None) -> str:
    """The plain text stored beside an abstract: what calendars and previews show."""
    return markdown_to_text(abstract or "")


def _abstract_text_on_insert(context: Any) -> str:
    # Bulk inserts of rows (importers of archives, benchmarks) skip the ORM's attribute
    # events; the column default still sees the row's abstract (absent: the empty default).
    return abstract_to_text(context.get_current_parameters().get("abstract"))


class Talk(db.Model):
    """One session of a series."""

    __tablename__ = "talk"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    # The abstract as plain text, derived from `abstract` whenever it is set (see
    # `_derive_abstract_text`): feeds and previews read it instead of parsing Markdown on
    # every build. NULL where a raw SQL write left it unknown; readers then derive it.
    # Marked derived: JSON exports leave it out and imports derive it again.
    abstract_text: Mapped[str | None] = mapped_column(
        Text, default=_abstract_text_on_insert, info={"derived": True}
    )
    bio: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    registration_url: Mapped[str] = mapped_column(String(2000), default="")
    livestream_url: Mapped[str] = mapped_column(String(2000), default="")
    recording_url: Mapped[str] = mapped_column(String(2000), default="")
    slides_url: Mapped[str] = mapped_column(String(2000), default="")
    code_url: Mapped[str] = mapped_column(String(2000), default="")
    paper_url: Mapped[str] = mapped_column(String(2000), default="")
    event_name: Mapped[str] = mapped_column(String(300), default="")
    event_url: Mapped[str] = mapped_column(String(2000), default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[TalkStatus] = mapped_column(
        _enum(TalkStatus, "talk_status"), default=TalkStatus.SCHEDULED
    )
    listing: Mapped[Listing] = mapped_column(_enum(Listing, "talk_listing"), default=Listing.AUTO)
    # What attendees are told when the talk is cancelled (plain text, one paragraph).
    cancel_note: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when a talk is moved to the trash; it can be restored until purged.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: SQLAlchemy adds "AND version = ?" to every UPDATE, so a save
    # from a stale form fails instead of overwriting someone else's change.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # How often the date, time, status or location changed: the calendar SEQUENCE.
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __mapper_args__ = {"version_id_col": version}
    # Listing and counting the public talks (the archive newest first, its count, sitemaps)
    # reads this index alone: the rows carry kilobytes of Markdown each (migration 0016).
    __table_args__ = (
        Index(
            "ix_talk_listed",
            "published",
            "deleted_at",
            "start",
            "end",
            "listing",
            "series_id",
            "updated_at",
            "title",
        ),
    )

    series: Mapped[Series] = relationship(back_populates="talks", lazy="joined")
    speaker_links: Mapped[list[TalkSpeaker]] = relationship(
        back_populates="talk",
        order_by="TalkSpeaker.position",
        cascade="all, delete-orphan",
    )
    reschedules: Mapped[list[Reschedule]] = relationship(
        back_populates="talk",
        order_by="Reschedule.changed_at",
        cascade="all, delete-orphan",
    )
    revisions: Mapped[list[TalkRevision]] = relationship(
        back_populates="talk",
        order_by="TalkRevision.id",
        cascade="all, delete-orphan",
    )

    @property
    def speakers(self) -> list[Speaker]:
        """The speakers in their listed order."""
        return [link.speaker for link in self.speaker_links]

    @property
    def plain_abstract(self) -> str:
        """The abstract as plain text: the stored derivation, or derived now if there is none."""
        if self.abstract_text is not None:
            return self.abstract_text
        return abstract_to_text(self.abstract)

    @property
    def slug(self) -> str:
        """The readable part of the talk's URL (publishing works it out from the title too)."""
        return slugify(self.title) or "talk"

    @property
    def cancelled(self) -> bool:
        return self.status == TalkStatus.CANCELLED

    @property
    def in_trash(self) -> bool:
        """Whether the talk is in the trash, alone or with its whole series."""
        return self.deleted_at is not None or self.series.deleted_at is not None

    @property
    def previous_starts(self) -> list[datetime]:
        """Every earlier start, oldest first, as shown struck through."""
        return [r.previous_start for r in self.reschedules]

    @property
    def reschedule_reason(self) -> str:
        """Why the talk last moved, as attendees are told (empty when no reason was given)."""
        return self.reschedules[-1].reason.strip() if self.reschedules else ""

    def is_upcoming(self, now: datetime) -> bool:
        """Which side of the schedule the talk is listed on at the instant `now`."""
        return listed_upcoming(self.listing, self.end, now)

    def __repr__(self) -> str:
        return f"<Talk {self.id} {self.title[:30]!r}>"


@event.listens_for(Talk.abstract, "set")
def _derive_abstract_text(talk: Talk, value: str | None, old: Any, initiator: Any) -> None:
    # Every way a talk's abstract changes through the ORM (forms, imports, restores,
    # speaker proposals, the demo) passes here, so the derived text never goes stale.
    talk.abstract_text = abstract_to_text(value)


def listed_upcoming(listing: Listing, end: datetime, now: datetime) -> bool:
    """The listing rule: `auto` is upcoming until the end passes; the others are pinned."""
    if listing == Listing.UPCOMING:
        return True
    if listing == Listing.PAST:
        return False
    return end > now


def upcoming_clause(now: datetime) -> ColumnElement[bool]:
    """SQL form of `listed_upcoming` for queries."""
    return or_(
        Talk.listing == Listing.UPCOMING,
        and_(Talk.listing == Listing.AUTO, Talk.end > now),
    )


def past_clause(now: datetime) -> ColumnElement[bool]:
    """SQL form of the complement of `listed_upcoming`."""
    return or_(
        Talk.listing == Listing.PAST,
        and_(Talk.listing == Listing.AUTO, Talk.end <= now),
    )


def visible_series():
    """A select() of the series not in the trash: what every public page, feed and menu lists."""
    return select(Series).where(Series.deleted_at.is_(None))


def in_visible_series() -> ColumnElement[bool]:
    """The condition that a talk's series is not in the trash (its talks go with it)."""
    return Talk.series_id.in_(select(Series.id).where(Series.deleted_at.is_(None)))


@functools.cache
def _talk_loads() -> tuple:
    """Speakers and earlier dates, which every public view of a talk shows (made once, after
    every mapper is defined)."""
    return (selectinload(Talk.speaker_links), selectinload(Talk.reschedules))


def public_talks(series: Series | None = None):
    """A select() of talks the public may see: published, not deleted, speakers loaded."""
    query = (
        select(Talk)
        .where(Talk.published.is_(True), Talk.deleted_at.is_(None), in_visible_series())
        .options(*_talk_loads())
    )
    if series is not None:
        query = query.where(Talk.series_id == series.id)
    return query


def public_talk(talk_id: int) -> Talk | None:
    """The talk under `talk_id` if the public may see it (as `public_talks` says), else None.

    From the session's identity map when it holds the talk (a rebuild loads its talks in
    bulk), else one query; speakers and earlier dates load with it.
    """
    talk = db.session.get(Talk, talk_id, options=_talk_loads())
    if talk is None or not talk.published or talk.deleted_at is not None:
        return None
    return talk if talk.series.deleted_at is None else None


class Reschedule(db.Model):
    """An earlier start of a talk, kept when its date or time changed."""

    __tablename__ = "reschedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talk.id", ondelete="CASCADE"), index=True)
    previous_start: Mapped[datetime] = mapped_column(UTCDateTime)
    previous_end: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(500), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("organizer.id"))

    talk: Mapped[Talk] = relationship(back_populates="reschedules")
    changed_by: Mapped[Organizer | None] = relationship()


class TalkRevision(db.Model):
    """A saved state of a talk: who changed what, and when."""

    __tablename__ = "talk_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    talk_id: Mapped[int] = mapped_column(ForeignKey("talk.id", ondelete="CASCADE"), index=True)
    talk_version: Mapped[int] = mapped_column(Integer)
    organizer_id: Mapped[int | None] = mapped_column(ForeignKey("organizer.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(String(300), default="")
    # The whole talk as plain JSON after the change, and the fields that changed.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    talk: Mapped[Talk] = relationship(back_populates="revisions")
    organizer: Mapped[Organizer | None] = relationship()


class Organizer(UserMixin, db.Model):
    """A login account of someone who runs series."""

    __tablename__ = "organizer"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Raised to end every session of the account; a session carries the value it began with.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    role: Mapped[Role] = mapped_column(_enum(Role, "organizer_role"), default=Role.ORGANIZER)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The series an organizer may edit; an administrator may edit every series whatever it holds.
    series: Mapped[list[Series]] = relationship(
        secondary=organizer_series, back_populates="organizer_accounts", order_by="Series.name"
    )

    @property
    def is_active(self) -> bool:  # flask-login reads this
        return self.active

    def get_id(self) -> str:  # flask-login stores this in the session cookie
        return f"{self.id}.{self.session_generation}"

    @property
    def is_admin(self) -> bool:
        """Whether the account administers the site: every series, accounts, site settings."""
        return self.role == Role.ADMIN


def site_needs_setup() -> bool:
    """Whether no login account exists yet: the site waits for its first administrator."""
    return db.session.scalar(select(Organizer.id).limit(1)) is None
