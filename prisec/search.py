"""Searching talks: one interface over SQLite FTS5 and PostgreSQL full-text search.

Elsewhere a plain ILIKE fallback answers.
"""

from __future__ import annotations

import json
import re
import unicodedata
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    column,
    event,
    func,
    inspect,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from .extensions import db
from .models import Speaker, Talk, TalkSpeaker, public_talks
from .titles import search_words

# The FTS5 table and the shadow tables SQLite keeps for it. They are made by raw SQL in
# migration 0003, so the models do not describe them.
FTS_TABLE = "talk_fts"
# On PostgreSQL: one tsvector per talk in a table of its own (migration 0007), because a
# generated column cannot reach the speakers, who live in other tables.
PG_TABLE = "talk_search"
_FTS_OBJECTS = re.compile(rf"^({FTS_TABLE}(_(data|idx|content|docsize|config))?|{PG_TABLE})$")

# The searchable text of the talks whose ids are in the temporary list.
# The talks to refresh: all of them, or those named, bound as JSON arrays (one statement
# each, whatever their number, and no temporary table to fill and empty).
_ALL_TALKS = "SELECT id FROM talk"
_CHOSEN_TALKS = (
    "SELECT value FROM json_each(:talks) UNION "
    "SELECT talk_id FROM talk_speaker WHERE speaker_id IN (SELECT value FROM json_each(:speakers))"
)
_REFRESH = f"""INSERT INTO {FTS_TABLE} (rowid, title, speakers, affiliations, abstract)
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
    FROM talk t WHERE t.id IN ({{chosen}})"""

_fts = table(FTS_TABLE, column("rowid"), column("rank"))
_pg = table(PG_TABLE, column("talk_id"), column("document"))

# The 'simple' configuration: no stemming and no stop words, as FTS5's unicode61 tokenizer.
# Title weighs most, then speakers, affiliations, abstract.
_PG_DOCUMENT = (
    "setweight(to_tsvector('simple', :title), 'A') || "
    "setweight(to_tsvector('simple', :speakers), 'B') || "
    "setweight(to_tsvector('simple', :affiliations), 'C') || "
    "setweight(to_tsvector('simple', :abstract), 'D')"
)
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


def fold(text: str) -> str:
    """Lower case without diacritics ("Universität" -> "universitat"), as FTS5's tokenizer does.

    Done in Python so PostgreSQL needs no unaccent extension.
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def pg_tsquery(text: str) -> str:
    """The user's words as a PostgreSQL prefix query: "'priv':* & 'audit':*"; empty when none.

    Only word characters survive, each quoted, so no input can be a syntax error.
    """
    words = _WORD.findall(fold(text))[:12]
    return " & ".join(f"'{word}':*" for word in words)


@dataclass
class SearchFilters:
    """What the archive is narrowed to besides the words."""

    series_id: int | None = None
    year: int | None = None
    speaker_id: int | None = None
    # Part of a speaker's name, as typed in the archive's speaker field.
    speaker_name: str = ""


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
    if filters.speaker_name.strip():
        query = query.where(Talk.id.in_(speakers_named(filters.speaker_name)))
    return query


def like_pattern(text: str) -> str:
    """`text` anywhere, for LIKE with escape '\\': its own % and _ match only themselves."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def speakers_named(text: str) -> Select:
    """A select() of the ids of talks given by a speaker whose name contains `text`."""
    # The speakers first (a scan of their names), then their talks by the speaker index.
    named = select(Speaker.id).where(Speaker.name.ilike(like_pattern(text), escape="\\"))
    return select(TalkSpeaker.talk_id).where(TalkSpeaker.speaker_id.in_(named))


def _matching(query: Select, text: str) -> tuple[Select, bool]:
    """The query narrowed to talks matching `text`; True when it is ranked by relevance."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        match = fts_query(text)
        if not match:
            return query, False
        query = query.join(_fts, _fts.c.rowid == Talk.id).where(
            literal_column(FTS_TABLE).op("MATCH")(match)
        )
        return query, True
    if dialect == "postgresql":
        match = pg_tsquery(text)
        if not match:
            return query, False
        tsquery = func.to_tsquery(literal_column("'simple'"), match)
        query = query.join(_pg, _pg.c.talk_id == Talk.id).where(_pg.c.document.op("@@")(tsquery))
        return query, True
    # Elsewhere: every word somewhere, without an index.
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
    filtered = _filtered(public_talks(), filters)
    query, ranked = _matching(filtered, text)
    counted = query
    if ranked and db.session.get_bind().dialect.name == "sqlite":
        # Counted with the matches as a list: joined, SQLite's planner may walk the talks and
        # run the full-text query once per talk (minutes at 50,000 talks).
        counted = filtered.where(
            Talk.id.in_(
                select(_fts.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(fts_query(text)))
            )
        )
    total = db.session.scalar(
        select(func.count()).select_from(
            counted.with_only_columns(Talk.id).order_by(None).subquery()
        )
    )
    order = [Talk.start.desc(), Talk.id.desc()]
    if ranked and db.session.get_bind().dialect.name == "postgresql":
        tsquery = func.to_tsquery(literal_column("'simple'"), pg_tsquery(text))
        order = [func.ts_rank(_pg.c.document, tsquery).desc(), Talk.start.desc()]
    elif ranked:
        order = [_fts.c.rank, Talk.start.desc()]
    # The page's ids first, then their talks: sorting ids alone spares the database carrying
    # every matching row (Markdown and all) through the sort when every talk matches.
    ids = db.session.scalars(
        query.with_only_columns(Talk.id)
        .order_by(*order)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    found = {talk.id: talk for talk in db.session.scalars(public_talks().where(Talk.id.in_(ids)))}
    talks = [found[talk_id] for talk_id in ids if talk_id in found]
    return SearchPage(talks=talks, total=total or 0, page=page, per_page=per_page)


# Engines whose database has the index. Only a yes is remembered: the index is made by a
# migration and never dropped while the application runs, and asking costs a statement.
_indexed: weakref.WeakSet[Engine] = weakref.WeakSet()


def _has_index(connection: Connection) -> bool:
    if connection.engine in _indexed:
        return True
    if connection.dialect.name == "postgresql":
        found = connection.scalar(sql(f"SELECT to_regclass('{PG_TABLE}') IS NOT NULL")) or False
    elif connection.dialect.name == "sqlite":
        found = (
            connection.execute(
                sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
                {"name": FTS_TABLE},
            ).first()
            is not None
        )
    else:
        found = False
    if found:
        _indexed.add(connection.engine)
    return found


def refresh_search_index(
    connection: Connection, talk_ids: set[int] | None = None, speaker_ids: set[int] = frozenset()
) -> None:
    """Write the searchable text of these talks (and those of these speakers); None for all."""
    if not _has_index(connection):
        return
    if connection.dialect.name == "postgresql":
        _refresh_postgres(connection, talk_ids, speaker_ids)
        return
    if talk_ids is None:
        chosen, ids = _ALL_TALKS, {}
        connection.execute(sql(f"DELETE FROM {FTS_TABLE}"))
    else:
        chosen = _CHOSEN_TALKS
        ids = {"talks": json.dumps(sorted(talk_ids)), "speakers": json.dumps(sorted(speaker_ids))}
        connection.execute(sql(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({chosen})"), ids)
    connection.execute(sql(_REFRESH.format(chosen=chosen)), ids)
    # Titles with maths are found by their Unicode (ε) and TeX names (varepsilon, epsilon).
    with_maths = connection.execute(
        sql(f"SELECT id, title FROM talk WHERE instr(title, '$') > 0 AND id IN ({chosen})"), ids
    ).all()
    for talk_id, title in with_maths:
        connection.execute(
            sql(f"UPDATE {FTS_TABLE} SET title = :title WHERE rowid = :id"),
            {"id": talk_id, "title": f"{title} {search_words(title)}"},
        )


def _refresh_postgres(
    connection: Connection, talk_ids: set[int] | None, speaker_ids: set[int]
) -> None:
    """Rebuild the tsvector of these talks; the text is folded in Python (see `fold`)."""
    ids: set[int] | None = None
    if talk_ids is not None:
        ids = set(talk_ids)
        if speaker_ids:
            ids |= set(
                connection.scalars(
                    select(TalkSpeaker.talk_id).where(TalkSpeaker.speaker_id.in_(speaker_ids))
                )
            )
        if not ids:
            return
    talks = select(Talk.id, Talk.title, Talk.abstract)
    people = (
        select(TalkSpeaker.talk_id, Speaker.honorific, Speaker.name, Speaker.affiliation)
        .join(Speaker, Speaker.id == TalkSpeaker.speaker_id)
        .order_by(TalkSpeaker.talk_id, TalkSpeaker.position)
    )
    forget = _pg.delete()
    if ids is not None:
        talks = talks.where(Talk.id.in_(ids))
        people = people.where(TalkSpeaker.talk_id.in_(ids))
        forget = forget.where(_pg.c.talk_id.in_(ids))
    speakers: dict[int, list[str]] = {}
    affiliations: dict[int, list[str]] = {}
    for talk_id, honorific, name, affiliation in connection.execute(people):
        speakers.setdefault(talk_id, []).append(f"{honorific or ''} {name}".strip())
        affiliations.setdefault(talk_id, []).append(affiliation or "")
    rows = [
        {
            "talk_id": talk_id,
            "title": fold(f"{title} {search_words(title)}"),
            "speakers": fold(" ".join(speakers.get(talk_id, []))),
            "affiliations": fold(" ".join(affiliations.get(talk_id, []))),
            "abstract": fold(abstract),
        }
        for talk_id, title, abstract in connection.execute(talks)
    ]
    connection.execute(forget)
    if rows:
        connection.execute(
            sql(f"INSERT INTO {PG_TABLE} (talk_id, document) VALUES (:talk_id, {_PG_DOCUMENT})"),
            rows,
        )


# The columns the index is made of (see _REFRESH and _refresh_postgres).
_TALK_TEXT = ("title", "abstract")
_SPEAKER_TEXT = ("honorific", "name", "affiliation")


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def _follow_writes(session: Session, flush_context: Any) -> None:
    # Kept up to date by the application rather than by triggers: SQLite refuses to
    # rename a table that a trigger on another table names, and Alembic's batch mode
    # renames tables on SQLite, so triggers would break other migrations.
    talk_ids: set[int] = set()
    speaker_ids: set[int] = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Talk) and obj.id is not None:
            talk_ids.add(obj.id)
        elif isinstance(obj, TalkSpeaker) and obj.talk_id is not None:
            talk_ids.add(obj.talk_id)
    # `dirty` also holds objects whose relationships alone changed (a talk gains a
    # revision): only a change of the text the index holds needs its rows rewritten.
    for obj in session.dirty:
        if isinstance(obj, Talk) and obj.id is not None and _changed(obj, _TALK_TEXT):
            talk_ids.add(obj.id)
        elif isinstance(obj, TalkSpeaker) and obj.talk_id is not None:
            talk_ids.add(obj.talk_id)
        elif isinstance(obj, Speaker) and obj.id is not None and _changed(obj, _SPEAKER_TEXT):
            speaker_ids.add(obj.id)
    if talk_ids or speaker_ids:
        refresh_search_index(session.connection(), talk_ids, speaker_ids)
