"""The one cache of public answers: scoped invalidation, cheap hits, and other workers' edits."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import event

from prisec.dataversion import PRIVATE_TABLES, PUBLIC_TABLES
from prisec.extensions import db as _db
from prisec.models import Talk
from tests.browser.conftest import serve
from tests.helpers import csrf_token, raw_sql


@contextmanager
def database_statements(app: Flask) -> Iterator[list[str]]:
    """Every statement the app's engine (the ORM and its pool) sends while the block runs."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(app.extensions["sqlalchemy"].engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(app.extensions["sqlalchemy"].engine, "before_cursor_execute", count)


def _pages_of(talk: Talk) -> list[str]:
    return [
        f"/series/{talk.series.slug}",
        f"/series/{talk.series.slug}/calendar.ics",
        f"/talks/{talk.id}/{talk.slug}",
        f"/talks/{talk.id}.ics",
        f"/api/v1/talks/{talk.id}",
    ]


def _served_from_the_cache(app: Flask, client, paths: list[str]) -> dict[str, bool]:
    """Per path: answered without a single query of the ORM (a hit reads only versions)."""
    found = {}
    for path in paths:
        with database_statements(app) as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        found[path] = statements == []
    return found


def _future() -> datetime:
    return datetime.now(UTC) + timedelta(days=3)


def test_an_edit_in_one_series_leaves_another_series_answers_in_place(
    app, client, create_series, create_talk
):
    talk_a = create_talk(series=create_series(slug="series-a"), title="A talk", start=_future())
    talk_b = create_talk(series=create_series(slug="series-b"), title="B talk", start=_future())
    paths_b = _pages_of(talk_b)
    etags = {path: client.get(path).headers["ETag"] for path in paths_b}
    for path in _pages_of(talk_a) + ["/calendar.ics", "/talks"]:
        client.get(path)

    talk_a.title = "A talk retitled"
    _db.session.commit()

    assert all(_served_from_the_cache(app, client, paths_b).values())
    for path in paths_b:
        assert client.get(path, headers={"If-None-Match": etags[path]}).status_code == 304
    # What lists the edited talk is built again and shows the edit.
    for path in _pages_of(talk_a) + ["/calendar.ics", "/talks"]:
        assert b"A talk retitled" in client.get(path).data, path


def test_editing_a_talk_keeps_the_other_talks_pages_of_its_series(app, client, create_talk):
    edited = create_talk(title="Edited", start=_future())
    other = create_talk(series=edited.series, title="Untouched", start=_future())
    client.get(f"/talks/{other.id}/{other.slug}")
    edited.title = "Edited again"
    _db.session.commit()
    assert _served_from_the_cache(app, client, [f"/talks/{other.id}/{other.slug}"]) == {
        f"/talks/{other.id}/{other.slug}": True
    }
    series_page = client.get(f"/series/{edited.series.slug}")
    assert b"Edited again" in series_page.data


def test_a_failed_login_invalidates_nothing(app, client, create_talk):
    talk = create_talk(title="Kept through a wrong password", start=_future())
    paths = [*_pages_of(talk), "/", "/calendar.ics", "/talks", "/sitemap.xml"]
    for path in paths:
        client.get(path)
    versions = raw_sql(app, "SELECT name, version FROM cache_scope ORDER BY name")

    stranger = app.test_client()
    token = csrf_token(stranger.get("/login").get_data(as_text=True))
    answer = stranger.post(
        "/login",
        data={"email": "nobody@example.org", "password": "wrong password", "csrf_token": token},
    )
    assert answer.status_code in (200, 400, 401, 429)
    assert raw_sql(app, "SELECT count(*) FROM login_attempt")[0][0] >= 1  # it was recorded

    assert raw_sql(app, "SELECT name, version FROM cache_scope ORDER BY name") == versions
    assert all(_served_from_the_cache(app, client, paths).values())


def test_a_draft_talk_invalidates_nothing_until_it_is_published(app, client, create_talk):
    shown = create_talk(title="Shown", start=_future())
    client.get(f"/series/{shown.series.slug}")
    draft = create_talk(series=shown.series, title="Draft", start=_future(), published=False)
    draft.title = "Draft, edited"
    _db.session.commit()
    path = f"/series/{shown.series.slug}"
    assert _served_from_the_cache(app, client, [path]) == {path: True}
    draft.published = True
    _db.session.commit()
    assert b"Draft, edited" in client.get(path).data


def test_every_table_is_known_as_public_or_private(app):
    # A table added without a place here raises the site's version on every write to it:
    # correct, but every cached answer would be thrown away by, say, a session row.
    tables = set(_db.metadata.tables)
    assert tables - PRIVATE_TABLES - PUBLIC_TABLES == set()


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_an_edit_is_seen_by_the_next_request_of_another_worker_process(
    app, create_talk, tmp_path: Path
):
    talk = create_talk(title="The first title", start=_future())
    instance = Path(app.instance_path)
    paths = [
        "/",
        f"/talks/{talk.id}/{talk.slug}",
        "/calendar.ics",
        f"/series/{talk.series.slug}/calendar.ics",
    ]
    with serve(instance) as first, serve(instance) as second:
        for base in (first, second):
            for path in paths:
                for _ in range(2):  # the second one from the worker's cache
                    assert b"The first title" in _get(base + path)[2]
        before = {path: _get(second + path)[1]["ETag"] for path in paths}

        # Saved by a third process, as a save through any other worker is.
        talk.title = "A better title"
        _db.session.commit()
        changed_at = datetime.now(UTC)

        for base in (second, first):
            for path in paths:
                status, headers, body = _get(base + path, {"If-None-Match": before[path]})
                assert status == 200, (base, path)
                assert b"A better title" in body
                assert b"The first title" not in body
                modified = parsedate_to_datetime(headers["Last-Modified"])
                # The time of the change (to the second), never later than Date.
                assert modified <= parsedate_to_datetime(headers["Date"])
                assert abs((modified - changed_at).total_seconds()) <= 2
