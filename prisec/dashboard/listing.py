"""What the dashboard of a series lists: the next talk, its sections a page at a time, filters.

Every query here is bounded by a page (DASHBOARD_PAGE_SIZE talks, 25 by default), so the
dashboard of a series of thousands of talks costs what one page of it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any

from flask import current_app, url_for
from sqlalchemy import ColumnElement, Index, Select, and_, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional

from ..extensions import db
from ..models import (
    Organizer,
    Series,
    Speaker,
    Talk,
    TalkSpeaker,
    TalkStatus,
    organizer_series,
    past_clause,
    upcoming_clause,
)

DEFAULT_PAGE_SIZE = 25
# The talks of a series by date, covering what the sections filter on (migration 0018):
# a section's count and the ids of one page come from the index alone.
SERIES_TALKS_INDEX = Index(
    "ix_talk_series_start",
    Talk.series_id,
    Talk.start,
    Talk.published,
    Talk.deleted_at,
    Talk.listing,
    Talk.end,
    Talk.status,
)
# Above this many talks found by words, each section matches them again instead.
MAX_FOUND = 5_000
# How many other series the dashboard names before it offers a search and "All series".
SERIES_MENU_SIZE = 8


def page_size() -> int:
    """Talks per page of a dashboard section."""
    return int(current_app.config.get("DASHBOARD_PAGE_SIZE", DEFAULT_PAGE_SIZE))


class FilterForm(Form):
    """The dashboard's search and filters: a GET form bound to the query string, no CSRF."""

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    speaker = StringField("Speaker", validators=[Optional(), Length(max=200)])
    status = SelectField(
        "Status",
        choices=[
            SelectChoice("", "Any status"),
            SelectChoice("scheduled", "Scheduled"),
            SelectChoice("cancelled", "Cancelled"),
        ],
        default="",
    )
    published = SelectField(
        "Published",
        choices=[
            SelectChoice("", "Published and drafts"),
            SelectChoice("published", "Published"),
            SelectChoice("draft", "Drafts"),
        ],
        default="",
    )

    def clean(self) -> dict[str, str]:
        """The filters that hold, each stripped; a value the form refused counts as no filter."""
        self.validate()
        values = {}
        for name in ("q", "speaker", "status", "published"):
            field = self[name]
            value = (field.data or "").strip()
            if value and not field.errors:
                values[name] = value
        return values


def talk_options():
    """Eager loads for a listed talk: speakers in order and earlier dates, one query each."""
    return (
        selectinload(Talk.speaker_links).joinedload(TalkSpeaker.speaker),
        selectinload(Talk.reschedules),
    )


def _speaker_matches(words: str) -> ColumnElement[bool]:
    return Talk.id.in_(
        select(TalkSpeaker.talk_id)
        .join(Speaker, Speaker.id == TalkSpeaker.speaker_id)
        .where(Speaker.name.icontains(words, autoescape=True))
    )


def _filtered(query: Select, filters: dict[str, str]) -> Select:
    if "q" in filters:
        words = filters["q"]
        query = query.where(
            or_(Talk.title.icontains(words, autoescape=True), _speaker_matches(words))
        )
    if "speaker" in filters:
        query = query.where(_speaker_matches(filters["speaker"]))
    if filters.get("status") == "cancelled":
        query = query.where(Talk.status == TalkStatus.CANCELLED)
    elif filters.get("status") == "scheduled":
        query = query.where(Talk.status != TalkStatus.CANCELLED)
    return query


@dataclass
class Section:
    """One section of the dashboard, one page of it."""

    key: str
    title: str
    talks: list[Talk]
    total: int
    page: int
    pages: int
    # The query-string argument of this section's page number.
    param: str
    newer: str
    older: str
    empty: str

    @property
    def first_number(self) -> int:
        """The position of the page's first talk in the whole section, from 1."""
        return (self.page - 1) * page_size() + 1


SECTIONS: dict[str, dict[str, Any]] = {
    "upcoming": {
        "title": "Upcoming",
        "param": "upcoming_page",
        "newer": "Sooner talks",
        "older": "Later talks",
        "empty": "No upcoming published talk.",
    },
    "drafts": {
        "title": "Drafts",
        "param": "drafts_page",
        "newer": "Earlier drafts",
        "older": "Later drafts",
        "empty": "No drafts.",
    },
    "past": {
        "title": "Past",
        "param": "page",
        "newer": "Newer talks",
        "older": "Older talks",
        "empty": "No past talks yet.",
    },
}


def _page_number(args: MultiDict, name: str) -> int:
    try:
        return max(1, int(args.get(name, "1")))
    except ValueError:
        return 1


def sections(series: Series, now: datetime, filters: dict[str, str], args: MultiDict) -> list:
    """Upcoming (soonest first), Drafts (by date) and Past (newest first), each one page long."""
    base = select(Talk.id).where(Talk.series_id == series.id, Talk.deleted_at.is_(None))
    if "q" in filters or "speaker" in filters:
        # Words are matched against titles and speakers' names, which no index covers: match
        # once, then count and page the sections over the talks found.
        found = list(db.session.scalars(_filtered(base, filters)))
        base = (
            base.where(Talk.id.in_(found)) if len(found) <= MAX_FOUND else _filtered(base, filters)
        )
    else:
        base = _filtered(base, filters)
    wanted = {
        "upcoming": (
            base.where(Talk.published.is_(True), upcoming_clause(now)),
            (Talk.start, Talk.id),
        ),
        "drafts": (base.where(Talk.published.is_(False)), (Talk.start, Talk.id)),
        "past": (
            base.where(Talk.published.is_(True), past_clause(now)),
            (Talk.start.desc(), Talk.id.desc()),
        ),
    }
    if filters.get("published") == "draft":
        del wanted["upcoming"], wanted["past"]
    elif filters.get("published") == "published":
        del wanted["drafts"]
    size = page_size()
    result = []
    for key, (query, order) in wanted.items():
        spec = SECTIONS[key]
        total = count_of(query)
        pages = max(1, ceil(total / size))
        page = min(_page_number(args, spec["param"]), pages)
        # The page's ids first, sorting narrow rows; then those talks whole, with their speakers.
        ids = list(db.session.scalars(query.order_by(*order).limit(size).offset((page - 1) * size)))
        talks = (
            list(
                db.session.scalars(
                    select(Talk).where(Talk.id.in_(ids)).options(*talk_options()).order_by(*order)
                )
            )
            if ids
            else []
        )
        result.append(Section(key, spec["title"], talks, total, page, pages, **_texts(spec)))
    return result


def _texts(spec: dict[str, Any]) -> dict[str, str]:
    return {name: spec[name] for name in ("param", "newer", "older", "empty")}


def next_talk(series: Series, now: datetime) -> Talk | None:
    """The published talk that comes next by the clock (one running now included), else a draft."""
    for published in (True, False):
        talk = db.session.scalars(
            select(Talk)
            .where(
                Talk.series_id == series.id,
                Talk.published.is_(published),
                Talk.deleted_at.is_(None),
                Talk.status != TalkStatus.CANCELLED,
                Talk.end > now,
            )
            .options(*talk_options())
            .order_by(Talk.start, Talk.id)
            .limit(1)
        ).first()
        if talk is not None:
            return talk
    return None


def last_announcement(talk: Talk):
    """The latest announcement e-mail of the talk that the mail server accepted, or None."""
    from ..announcing.models import AnnouncementSend

    return db.session.scalars(
        select(AnnouncementSend)
        .where(AnnouncementSend.talk_id == talk.id)
        .order_by(AnnouncementSend.sent_at.desc(), AnnouncementSend.id.desc())
        .limit(1)
    ).first()


def trash(series: Series, limit: int) -> tuple[list[Talk], int]:
    """The most recently deleted talks of the series, and how many are in its trash."""
    where = and_(Talk.series_id == series.id, Talk.deleted_at.is_not(None))
    total = db.session.scalar(select(func.count(Talk.id)).where(where)) or 0
    ids = list(
        db.session.scalars(
            select(Talk.id).where(where).order_by(Talk.deleted_at.desc()).limit(limit)
        )
    )
    talks = db.session.scalars(
        select(Talk).where(Talk.id.in_(ids)).order_by(Talk.deleted_at.desc())
    ).all()
    return list(talks), total


# ---------------------------------------------------------------- the account's series


def organized_query(account: Organizer, words: str = "") -> Select:
    """A select() of the series the account works on, by name, optionally matching `words`."""
    query = select(Series).where(Series.deleted_at.is_(None))
    if not account.is_admin:
        query = query.join(organizer_series, organizer_series.c.series_id == Series.id).where(
            organizer_series.c.organizer_id == account.id
        )
    if words:
        query = query.where(
            or_(
                Series.name.icontains(words, autoescape=True),
                Series.slug.icontains(words, autoescape=True),
            )
        )
    return query.order_by(Series.name, Series.id)


def count_of(query: Select) -> int:
    """How many rows a select() has."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def series_menu(account: Organizer, current: Series) -> tuple[list[Series], int]:
    """A few other series of the account for the switch, and how many it organizes in all."""
    query = organized_query(account)
    total = count_of(query)
    others = db.session.scalars(query.where(Series.id != current.id).limit(SERIES_MENU_SIZE)).all()
    return list(others), total


def first_series(account: Organizer) -> Series | None:
    """The account's first series by name."""
    return db.session.scalars(organized_query(account).limit(1)).first()


class TalkLinks:
    """The organizer's addresses of a talk: built once a page by url_for, filled in per row."""

    ENDPOINTS = {
        "edit": "dashboard.edit_talk",
        "listing": "dashboard.set_listing",
        "reschedule": "dashboard.reschedule",
        "duplicate": "dashboard.duplicate",
        "cancel": "dashboard.cancel",
        "uncancel": "dashboard.uncancel",
        "announcement": "dashboard.announcement",
        "speaker_links": "dashboard.speaker_links",
        "history": "dashboard.history",
    }
    # A talk id no talk has, to split each built address around.
    _SENTINEL = "2147483647"

    def __init__(self) -> None:
        self._parts = {
            name: url_for(endpoint, talk_id=int(self._SENTINEL)).split(self._SENTINEL, 1)
            for name, endpoint in self.ENDPOINTS.items()
        }

    def __call__(self, name: str, talk_id: int) -> str:
        """The address `name` of the talk `talk_id`, as url_for builds it."""
        head, tail = self._parts[name]
        return f"{head}{talk_id}{tail}"
