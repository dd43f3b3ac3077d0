"""Searching talks: one small interface over SQLite FTS5, with a plain fallback elsewhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, column, event, func, literal_column, or_, select, table
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from .extensions import db
from .models import Speaker, Talk, TalkSpeaker, public_talks

# The FTS5 table and the shadow tables SQLite keeps for it. They are made by raw SQL in
# migration 0003, so the models do not describe them.
FTS_TABLE = "talk_fts"
_FTS_OBJECTS = re.compile(rf"^{FTS_TABLE}(_(data|idx|content|docsize|config))?$")

# The searchable text of the talks whose ids are in the temporary list.
_REFRESH = [
    f"DELETE FROM {FTS_TABLE} WHERE rowid IN (SELECT id FROM temp.search_refresh)",
    f"""INSERT INTO {FTS_TABLE} (rowid, title, speakers, affiliations, abstract)
    SELECT
        t.id,
        t.title,
        coalesce((SELECT group_concat(trim(s.honorific || ' ' || s.name), ' ')
                  FROM talk_speaker ts JOIN speaker s ON s.id = ts.speaker_id
                  WHERE ts.talk_id = t.id), ''),
        coalesce((SELECT group_concat(s.affiliation, ' ')
                  FROM talk_speaker ts JOIN speaker s ON s.id = ts.speaker_id
                  WHERE ts.talk_id = t.id), ''),
        t.abstract
    FROM talk t WHERE t.id IN (SELECT id FROM temp.search_refresh)""",
]

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


def _has_index(connection: Connection) -> bool:
    if connection.dialect.name != "sqlite":
        return False
    found = connection.execute(
        sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": FTS_TABLE},
    )
    return found.first() is not None


def refresh_search_index(
    connection: Connection, talk_ids: set[int] | None = None, speaker_ids: set[int] = frozenset()
) -> None:
    """Write the searchable text of these talks (and those of these speakers); None for all."""
    if not _has_index(connection):
        return
    connection.execute(sql("CREATE TEMP TABLE IF NOT EXISTS search_refresh (id INTEGER)"))
    connection.execute(sql("DELETE FROM temp.search_refresh"))
    if talk_ids is None:
        connection.execute(sql("INSERT INTO temp.search_refresh SELECT id FROM talk"))
        connection.execute(sql(f"DELETE FROM {FTS_TABLE}"))
    else:
        for talk_id in talk_ids:
            connection.execute(sql("INSERT INTO temp.search_refresh VALUES (:id)"), {"id": talk_id})
        for speaker_id in speaker_ids:
            connection.execute(
                sql(
                    "INSERT INTO temp.search_refresh "
                    "SELECT talk_id FROM talk_speaker WHERE speaker_id = :id"
                ),
                {"id": speaker_id},
            )
    for statement in _REFRESH:
        connection.execute(sql(statement))
    connection.execute(sql("DELETE FROM temp.search_refresh"))


@event.listens_for(Session, "after_flush")
def _follow_writes(session: Session, flush_context: Any) -> None:
    # Kept up to date by the application rather than by triggers: SQLite refuses to
    # rename a table that a trigger on another table names, and Alembic's batch mode
    # renames tables on SQLite, so triggers would break other migrations.
    talk_ids: set[int] = set()
    speaker_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Talk) and obj.id is not None:
            talk_ids.add(obj.id)
        elif isinstance(obj, TalkSpeaker) and obj.talk_id is not None:
            talk_ids.add(obj.talk_id)
        elif isinstance(obj, Speaker) and obj.id is not None and obj in session.dirty:
            speaker_ids.add(obj.id)
    if talk_ids or speaker_ids:
        refresh_search_index(session.connection(), talk_ids, speaker_ids)
