"""Versions of what public answers show, one per scope: the site, each series, each talk.

A write raises the versions of the scopes it changes, in the same transaction: a talk's
edit raises its talk and its series, a series' edit the series and the site (its name is
in every page's frame), a speaker's edit every talk they give. Writes no public page shows
(login attempts, invitations, send records, proposals, accounts) raise nothing. A cached
answer remembers the sum of the versions it was built from; any worker on any host that
reads a different sum builds it again, so an edit is seen by the very next request.

There is no row every write updates: answers of one series read only the site's row and
their series' row, and the site's row changes only with site-wide content.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, String, event, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, Session, mapped_column

from .extensions import db

SITE = "site"
# Answers that list every series (the archive, the site-wide feed, the sitemap) read the
# site's row and every series' row; talks' own rows are not part of them.
SITE_WIDE: frozenset[str] = frozenset({"*"})

# Tables no public page shows: a write to them keeps every cached answer.
PRIVATE_TABLES = frozenset(
    {
        "cache_scope",
        "login_attempt",
        "organizer_invite",
        "organizer",
        "series_organizer",
        "speaker_form_link",
        "speaker_proposal",
        "announcement_send",
        "skipped_slot",
        "account_token",
        "account_event",
        "organizer_series",
        "organizer_invite_series",
    }
)

# Tables public pages show, each mapped to the scopes a write to it raises (_names_of_flush).
PUBLIC_TABLES = frozenset(
    {
        "series",
        "talk",
        "speaker",
        "talk_speaker",
        "reschedule",
        "talk_revision",
        "paper",
        "talk_paper",
        "site_settings",
    }
)


class CacheScope(db.Model):
    """The version of one scope and when it last changed (microseconds since the epoch)."""

    __tablename__ = "cache_scope"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    changed_us: Mapped[int] = mapped_column(BigInteger, nullable=False)


def series_scopes(series_id: int) -> frozenset[str]:
    """What a page or feed of one series is built from."""
    return frozenset({SITE, f"series:{series_id}"})


def talk_scopes(talk_id: int) -> frozenset[str]:
    """What a talk's own page or file is built from (its series' name is site-wide content)."""
    return frozenset({SITE, f"talk:{talk_id}"})


_UPSERT = text(
    "INSERT INTO cache_scope (name, version, changed_us) VALUES (:name, 1, :now) "
    "ON CONFLICT (name) DO UPDATE SET version = cache_scope.version + 1, changed_us = :now"
)


def raise_versions(session: Session, names: Iterable[str]) -> None:
    """Raise the versions of `names` in the session's transaction (once per transaction)."""
    done: set[str] = session.info.setdefault("prisec_raised", set())
    fresh = sorted(set(names) - done)  # always in one order: two writers never deadlock
    if not fresh:
        return
    now = time.time_ns() // 1000
    session.connection().execute(_UPSERT, [{"name": name, "now": now} for name in fresh])
    done.update(fresh)


def invalidate_everything(session: Session) -> None:
    """After writes below the ORM (bulk inserts, raw SQL): every cached answer is built again."""
    session.info.setdefault("prisec_raised", set()).discard(SITE)
    raise_versions(session, [SITE])


def _before(obj: Any, attribute: str) -> Any:
    history = inspect(obj).attrs[attribute].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(obj, attribute) if not history.added else _UNKNOWN


_UNKNOWN = object()


def _talk_was_public(talk: Any, is_new: bool) -> bool:
    if is_new:
        return False
    published, deleted_at = _before(talk, "published"), _before(talk, "deleted_at")
    if published is _UNKNOWN or deleted_at is _UNKNOWN:
        return True
    return bool(published) and deleted_at is None


def _talk_names(talk: Any, is_new: bool, is_deleted: bool) -> set[str]:
    public_now = not is_deleted and bool(talk.published) and talk.deleted_at is None
    if not public_now and not _talk_was_public(talk, is_new):
        return set()  # a draft's edits show nowhere
    names = {f"talk:{talk.id}", f"series:{talk.series_id}"}
    moved_from = _before(talk, "series_id")
    if moved_from is not _UNKNOWN and moved_from is not None:
        names.add(f"series:{moved_from}")
    return names


def _public_talks_of(session: Session, talk_ids: set[int]) -> set[str]:
    from .models import Talk

    if not talk_ids:
        return set()
    rows = session.connection().execute(
        select(Talk.id, Talk.series_id).where(
            Talk.id.in_(talk_ids), Talk.published.is_(True), Talk.deleted_at.is_(None)
        )
    )
    return {
        name for talk_id, series_id in rows for name in (f"talk:{talk_id}", f"series:{series_id}")
    }


def _names_of_flush(session: Session) -> set[str]:
    from .models import Reschedule, Series, Speaker, Talk, TalkRevision, TalkSpeaker
    from .papers.models import Paper, TalkPaper

    names: set[str] = set()
    talk_ids: set[int] = set()
    for group, objects in (
        ("new", session.new),
        ("dirty", session.dirty),
        ("deleted", session.deleted),
    ):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table == "organizer" and group != "dirty":
                # Whether any account exists shows on public pages (the demo banner, the
                # setup redirect); logins and other edits of an account show nowhere.
                names.add(SITE)
                continue
            if table in PRIVATE_TABLES:
                continue
            if group == "dirty" and not session.is_modified(obj, include_collections=False):
                continue
            if isinstance(obj, Talk):
                names |= _talk_names(obj, group == "new", group == "deleted")
            elif isinstance(obj, Series):
                names |= {SITE, f"series:{obj.id}"}
            elif isinstance(obj, (TalkSpeaker, Reschedule, TalkRevision, TalkPaper)):
                talk_ids.add(obj.talk_id)
            elif isinstance(obj, Speaker):
                if group != "new":
                    talk_ids |= _talks_of_speaker(session, obj.id)
            elif isinstance(obj, Paper):
                names.add(SITE)  # the papers page lists every paper
            else:
                # Unknown to this map: assumed public, so nothing is ever served stale.
                names.add(SITE)
    # A talk raised earlier in this transaction (the save's first flush) needs no second
    # look: what is committed is what readers see, and its names are already raised.
    raised = session.info.get("prisec_raised", ())
    talk_ids = {talk_id for talk_id in talk_ids if f"talk:{talk_id}" not in raised}
    return names | _public_talks_of(session, talk_ids)


def _talks_of_speaker(session: Session, speaker_id: int) -> set[int]:
    from .models import TalkSpeaker

    return set(
        session.connection().scalars(
            select(TalkSpeaker.talk_id).where(TalkSpeaker.speaker_id == speaker_id)
        )
    )


@event.listens_for(Session, "after_flush")
def _raise_on_write(session: Session, flush_context) -> None:
    names = _names_of_flush(session)
    if names:
        raise_versions(session, names)


@event.listens_for(Session, "after_commit")
def _published_after_commit(session: Session) -> None:
    from .exporting.publish import committed

    committed(session.info.pop("prisec_raised", set()))


@event.listens_for(Session, "after_rollback")
def _forget_raised(session: Session) -> None:
    session.info.pop("prisec_raised", None)


Stamp = tuple[int, int]


class StampReader:
    """Reads the (sum of versions, last change) of a set of scopes, as cheaply as it can be read.

    One plain database connection per server thread, in autocommit, outside the ORM and
    its pool: no checkout, no ping, no transaction, a prepared statement per scope set.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()
        self._statements: dict[frozenset[str], tuple[str, tuple[str, ...]]] = {}
        marker = "?" if engine.dialect.paramstyle == "qmark" else "%s"
        self._marker = marker
        event.listen(engine, "engine_disposed", self._close_all)

    def _statement(self, scopes: frozenset[str]) -> tuple[str, tuple[str, ...]]:
        found = self._statements.get(scopes)
        if found is not None:
            return found
        head = "SELECT COALESCE(SUM(version), 0), COALESCE(MAX(changed_us), 0) FROM cache_scope"
        names = tuple(sorted(scopes - SITE_WIDE))
        clauses = []
        if names:
            clauses.append(f"name IN ({', '.join([self._marker] * len(names))})")
        if "*" in scopes:
            # A range on the key rather than LIKE: it is read from the index on every database.
            clauses.append("name = 'site' OR (name >= 'series:' AND name < 'series;')")
        made = (f"{head} WHERE {' OR '.join(clauses) or '1 = 0'}", names)
        self._statements[scopes] = made
        return made

    def _connection(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            pooled = self._engine.raw_connection()
            connection = pooled.driver_connection
            pooled.detach()  # this thread's own: never returned to the pool
            if hasattr(connection, "autocommit"):
                connection.autocommit = True
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection

    def read(self, scopes: frozenset[str]) -> Stamp | None:
        """The stamp of `scopes` now; None when the database cannot be read."""
        sql, names = self._statement(scopes)
        try:
            cursor = self._connection().cursor()
            try:
                cursor.execute(sql, names)
                row = cursor.fetchone()
            finally:
                cursor.close()
        except Exception:  # noqa: BLE001 -- any driver error: the app answers (and reports) it
            self._drop()
            return None
        return int(row[0]), int(row[1])

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                connection.close()

    def _close_all(self, engine: Engine | None = None) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            with contextlib.suppress(Exception):  # another thread's, maybe already gone
                connection.close()
        self._local = threading.local()


def series_scopes_of_slug(slug: str | None) -> frozenset[str]:
    """The scopes of the series named by `slug`; the whole site when none is named."""
    from .models import Series

    if not slug:
        return SITE_WIDE
    series_id = db.session.scalar(select(Series.id).where(Series.slug == slug))
    # An unknown slug answers 404, which is never kept; the site's row still covers it.
    return series_scopes(series_id) if series_id is not None else frozenset({SITE})


def series_scopes_of_query(name: str = "series") -> frozenset[str]:
    """The scopes of the series a query argument (`?series=<slug>`) names, else the whole site."""
    from flask import request

    return series_scopes_of_slug(request.args.get(name, ""))
