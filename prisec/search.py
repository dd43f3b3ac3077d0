"""Searching talks: one small interface over SQLite FTS5, with a plain fallback elsewhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, column, func, literal_column, or_, select, table

from .extensions import db
from .models import Speaker, Talk, TalkSpeaker, public_talks

# The FTS5 table and the shadow tables SQLite keeps for it, plus the view that feeds it.
# They are made by raw SQL in migration 0003, so the models do not describe them.
FTS_TABLE = "talk_fts"
_FTS_OBJECTS = re.compile(
    rf"^({FTS_TABLE}(_(data|idx|content|docsize|config))?|talk_search_source)$"
)

_fts = table(FTS_TABLE, column("rowid"), column("rank"))
_WORD = re.compile(r"\w+", re.UNICODE)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic filter: leave the full-text tables (made by hand in 0003) out of comparisons."""
    return not (type_ == "table" and name and _FTS_OBJECTS.match(name))


def fts_query(text: str) -> str:
    """The user's words as FTS5 prefix phrases: '"priv"* "audit"*'; empty when none.

    Quotes, operators (AND, OR, NOT, NEAR), column filters and parentheses lose their
    meaning: every word becomes a quoted phrase, so no input can be a syntax error.
    """
    words = _WORD.findall(text or "")[:12]
    return " ".join(f'"{word}"*' for word in words)


@dataclass
class SearchFilters:
    """What the archive is narrowed to besides the words."""

    series_id: int | None = None
    year: int | None = None
    speaker_id: int | None = None


@dataclass
class SearchPage:
    """One page of matching talks."""

    talks: list[Talk]
    total: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _filtered(query: Select, filters: SearchFilters) -> Select:
    if filters.series_id is not None:
        query = query.where(Talk.series_id == filters.series_id)
    if filters.year is not None:
        start = datetime(filters.year, 1, 1, tzinfo=UTC)
        query = query.where(Talk.start >= start, Talk.start < start.replace(year=filters.year + 1))
    if filters.speaker_id is not None:
        query = query.where(
            Talk.id.in_(
                select(TalkSpeaker.talk_id).where(TalkSpeaker.speaker_id == filters.speaker_id)
            )
        )
    return query


def _matching(query: Select, text: str) -> tuple[Select, bool]:
    """The query narrowed to talks matching `text`; True when it is ranked by relevance."""
    if db.session.get_bind().dialect.name == "sqlite":
        match = fts_query(text)
        if not match:
            return query, False
        query = query.join(_fts, _fts.c.rowid == Talk.id).where(
            literal_column(FTS_TABLE).op("MATCH")(match)
        )
        return query, True
    # Elsewhere (PostgreSQL until it gets its own full-text index): every word somewhere.
    for word in _WORD.findall(text or "")[:12]:
        pattern = f"%{word}%"
        speakers = (
            select(TalkSpeaker.talk_id)
            .join(Speaker)
            .where(or_(Speaker.name.ilike(pattern), Speaker.affiliation.ilike(pattern)))
        )
        query = query.where(
            or_(Talk.title.ilike(pattern), Talk.abstract.ilike(pattern), Talk.id.in_(speakers))
        )
    return query, False


def search_talks(
    text: str = "",
    filters: SearchFilters | None = None,
    *,
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Published talks matching the words and filters: best match first, else newest first."""
    filters = filters or SearchFilters()
    query, ranked = _matching(_filtered(public_talks(), filters), text)
    total = db.session.scalar(
        select(func.count()).select_from(query.with_only_columns(Talk.id).order_by(None).subquery())
    )
    order = [_fts.c.rank, Talk.start.desc()] if ranked else [Talk.start.desc(), Talk.id.desc()]
    talks = db.session.scalars(
        query.order_by(*order).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return SearchPage(talks=list(talks), total=total or 0, page=page, per_page=per_page)
