"""Speed that does not depend on timing: query counts, page caches, 304s, fingerprints, gzip."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask, url_for
from sqlalchemy import event

from prisec.extensions import db as _db
from prisec.markdown import _markdown_to_text_parsed, _plain_text_of_simple_markdown
from prisec.models import Reschedule
from tests.helpers import make_app

PUBLIC_PAGES = [
    "/",
    "/talks?q=membership",
    "/talks?page=2",
    "/api/v1/talks",
    "/api/v1/talks?listing=past",
    "/calendar.ics",
    "/embed/upcoming",
    "/sitemap.xml",
    "/papers",
]


@contextmanager
def counting_queries(app: Flask) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs, nothing memoised before it
    (the site's frame is kept between requests: counts would depend on the order asked)."""
    statements: list[str] = []
    app.extensions["prisec_memo"].clear()

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def add_talks(create_talk, create_speaker, series, count: int) -> list:
    """`count` talks, half past and half upcoming, two speakers each, every third rescheduled."""
    now = datetime.now(UTC)
    talks = []
    for i in range(count):
        start = now + timedelta(days=3 + i) if i % 2 else now - timedelta(days=3 + i)
        talk = create_talk(
            series=series,
            speakers=[create_speaker(), create_speaker()],
            start=start,
            title=f"Membership inference {i}",
            abstract="We study **membership inference** with $\\varepsilon$-canaries.",
        )
        if i % 3 == 0:
            talk.reschedules.append(
                Reschedule(
                    previous_start=start - timedelta(days=7),
                    previous_end=start - timedelta(days=7, hours=-1),
                )
            )
        talks.append(talk)
    _db.session.commit()
    return talks


def query_counts(client, paths: list[str]) -> dict[str, int]:
    counts = {}
    for path in paths:
        with counting_queries(client.application) as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[path] = len(statements)
    return counts


def test_queries_per_page_do_not_grow_with_the_archive(
    app, client, create_series, create_talk, create_speaker
):
    # Not served from the page cache: every request renders.
    app.config["PAGE_CACHE_SECONDS"] = 0
    # Small pages, so that both archives have a second page to count.
    app.config.update(PAST_PAGE_SIZE=2, ARCHIVE_PAGE_SIZE=2)
    series = create_series(slug="prisec-ml")
    talks = add_talks(create_talk, create_speaker, series, 5)
    pages = [*PUBLIC_PAGES, "/?page=2", f"/talks/{talks[0].id}/{talks[0].slug}"]
    small = query_counts(client, pages)
    add_talks(create_talk, create_speaker, series, 40)
    large = query_counts(client, pages)
    assert large == small
    # And none needs more than a handful: no query per talk. The site frame asks three
    # (the site's name, whether there are papers, the demo banner).
    assert max(large.values()) <= 14, large


def test_a_write_through_one_worker_is_seen_by_another(app, create_talk, tmp_path):
    create_talk(title="The first title", start=datetime.now(UTC) + timedelta(days=2))
    # A second application over the same database file, as a second worker process is.
    other = make_app(Path(app.instance_path))
    other_client = other.test_client()
    talk_id = _db.session.execute(_db.text("SELECT id FROM talk")).scalar_one()
    for path in ("/", f"/api/v1/talks/{talk_id}", "/calendar.ics"):
        assert b"The first title" in other_client.get(path).data
        assert b"The first title" in other_client.get(path).data  # now from its cache

    # The edit goes through this app's session, as a save in another worker would.
    from prisec.models import Talk

    talk = _db.session.get(Talk, talk_id)
    talk.title = "A better title"
    _db.session.commit()
    for path in ("/", f"/api/v1/talks/{talk_id}", "/calendar.ics"):
        body = other_client.get(path).data
        assert b"A better title" in body, path
        assert b"The first title" not in body, path
    with other.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_public_pages_answer_304_to_a_matching_etag(client, create_talk):
    talk = create_talk(title="Conditional requests")
    for path in ("/", f"/talks/{talk.id}/{talk.slug}", "/talks?q=conditional", "/api/v1/talks"):
        first = client.get(path)
        assert first.status_code == 200
        etag = first.headers["ETag"]
        assert "Set-Cookie" not in first.headers
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.data == b""
        assert "Set-Cookie" not in again.headers


def test_a_changed_page_gets_a_new_etag(client, create_talk):
    talk = create_talk(title="Before the edit")
    etag = client.get("/").headers["ETag"]
    talk.title = "After the edit"
    _db.session.commit()
    response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert b"After the edit" in response.data
    assert response.headers["ETag"] != etag


def test_organizers_pages_are_never_served_from_the_shared_cache(client, create_talk):
    create_talk(title="Shared page")
    anonymous = client.get("/")
    client.set_cookie("session", "something")
    with counting_queries(client.application) as statements:
        with_cookie = client.get("/")
    assert with_cookie.status_code == 200
    # Rendered for this request: more than the one query of a cache hit.
    assert len(statements) > 1
    assert anonymous.headers.get("ETag")
    assert not with_cookie.headers.get("ETag")


def test_static_urls_carry_a_fingerprint_that_follows_the_file(app, tmp_path, monkeypatch):
    from prisec import assets

    # A file is looked at again at most every RECHECK_SECONDS: here, at once.
    monkeypatch.setattr(assets, "RECHECK_SECONDS", 0)
    folder = tmp_path / "static"
    (folder / "css").mkdir(parents=True)
    shutil.copy(Path(app.static_folder) / "css" / "prisec.css", folder / "css" / "prisec.css")
    app.static_folder = str(folder)
    with app.test_request_context():
        first = url_for("static", filename="css/prisec.css")
    assert "?v=" in first
    (folder / "css" / "prisec.css").write_text("body { color: black; }\n")
    with app.test_request_context():
        second = url_for("static", filename="css/prisec.css")
    assert "?v=" in second
    assert second != first

    client = app.test_client()
    response = client.get(second)
    assert response.status_code == 200
    cache_control = response.headers["Cache-Control"]
    assert "max-age=31536000" in cache_control
    assert "immutable" in cache_control
    assert "public" in cache_control
    # An old fingerprint still gets the file, but not a year of caching.
    stale = client.get(first)
    assert stale.status_code == 200
    assert "immutable" not in stale.headers.get("Cache-Control", "")


def test_pages_link_their_assets_by_fingerprint(client, create_talk):
    create_talk()
    html = client.get("/").get_data(as_text=True)
    assert "/static/css/prisec.css?v=" in html
    assert "/static/vendor/htmx-2.0.11.min.js?v=" in html


def test_text_answers_are_gzipped_for_clients_that_accept_it(client, create_talk):
    talk = create_talk(title="Compressed")
    for path in ("/", f"/talks/{talk.id}/{talk.slug}", "/calendar.ics", "/static/css/prisec.css"):
        plain = client.get(path)
        packed = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert packed.headers["Content-Encoding"] == "gzip", path
        assert "Accept-Encoding" in packed.headers["Vary"], path
        assert gzip.decompress(packed.data) == plain.data, path
        assert len(packed.data) < len(plain.data), path
        assert "Content-Encoding" not in plain.headers


def test_a_gzipped_answer_still_revalidates_to_304(client, create_talk):
    create_talk()
    for path in ("/", "/calendar.ics"):
        packed = client.get(path, headers={"Accept-Encoding": "gzip"})
        etag = packed.headers["ETag"]
        assert etag.startswith("W/")
        again = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
        assert again.status_code == 304, path


def test_gzip_refused_with_q0_is_not_sent(client, create_talk):
    create_talk()
    response = client.get("/", headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in response.headers


@pytest.mark.parametrize(
    "text",
    [
        "We study **membership inference** against models, see [the paper](https://x.org).",
        "Intro paragraph.\n\n- first *point*\n- second `code_point`\n\nClosing words.",
        "Maths $x_1 + y^2$ and $\\alpha$ with *emphasis* and snake_case_names.",
        "Line one  \nline two\n   indented continuation",
        "_foo_bar_ and **a *b* c** and -dash",
        "costs $5 and $6",
        "**bold** and *it* and `co*de`",
        "# Heading\n\ntext",
        "1. one\n2. two",
        "*foo** and **foo*",
        "- loose\n\n- list",
        "para\n- item",
        "text\n===",
        "&amp; <b>raw</b>",
        "a $x$-b and $x$5 and $ x$",
        "* * *",
        "",
    ],
)
def test_the_quick_markdown_text_agrees_with_the_parser(text):
    quick = _plain_text_of_simple_markdown(text)
    # None means "ask the parser": always allowed, never a different answer.
    assert quick is None or quick == _markdown_to_text_parsed(text)


@pytest.mark.parametrize(
    "line",
    [
        "SHORT:line",
        "DESCRIPTION:" + "a" * 300,
        "DESCRIPTION:Speaker: Dr. Nº1 Müller (Universität Zürich)\\n" * 9,
        "SUMMARY:" + "\\\\," * 80,
        "X:" + "^" * 200 + "ü" * 50 + "😀" * 40,
        "X:" + "a" * 72 + "\\\\n" + "b" * 100,
    ],
)
def test_feed_lines_fold_as_icalendar_folds_them(line):
    from icalendar.parser.string import _foldline

    from prisec.feeds.ical import fold_line

    assert fold_line(line) == _foldline(line)


def test_events_written_directly_match_icalendar(app, create_series, create_talk, create_speaker):
    from prisec.database import utcnow
    from prisec.feeds.ical import event_bytes, quick_event_bytes, talk_event
    from prisec.models import TalkStatus
    from prisec.wallclock import to_utc

    london = create_series(name="Seminar, with; marks \\ and more", timezone="Europe/London")
    utc = create_series(timezone="UTC")
    kolkata = create_series(timezone="Asia/Kolkata")
    year = utcnow().year + 1
    talks = [
        create_talk(
            series=london,
            speakers=[create_speaker(name="Zoë Ünal", affiliation="École, Paris; \\ lab")],
            title="Commas, semicolons; back\\slashes\nand new lines " + "long " * 40,
            abstract="**Bold** and $x_1$ and [a link](https://example.org)\n\n" * 5,
            location="Room 1, Building 2",
        ),
        # The repeated hour of an autumn night: written in UTC.
        create_talk(series=london, start=to_utc(datetime(year, 10, 25, 1, 30), "Europe/London")),
        create_talk(series=utc, status=TalkStatus.CANCELLED, registration_url=""),
        create_talk(series=kolkata, speakers=[], livestream_url="https://stream.example/x"),
    ]
    talks[0].reschedules.append(
        Reschedule(previous_start=talks[0].start - timedelta(days=7), previous_end=talks[0].end)
    )
    _db.session.commit()
    compared = 0
    for talk in talks:
        quick = quick_event_bytes(talk, "seminars.example.org", "https://x.example/talks/1/a,b")
        full = event_bytes(
            talk_event(talk, "seminars.example.org", "https://x.example/talks/1/a,b")
        )
        if quick is not None:
            assert quick == full
            compared += 1
    assert compared >= 3


def test_the_quick_markdown_text_agrees_on_random_markdown():
    import random

    pieces = [
        "*", "**", "_", "`", "$", "x", "word", " ", "  ", "\n", "\n\n", "- ", "* ", "+ ",
        "[a](http://u)", "[", "]", "(", ")", "é", "1. ", "#", "snake_case", "$x_1$", "a,b",
        "\\", ">", "   ", "-", "\t", "&", "<b>", "~~", "__", "b_", "_c", "=", "`x`", "$y$",
    ]  # fmt: skip
    chooser = random.Random(20261125)
    quick_answers = 0
    for _ in range(4000):
        text = "".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 14)))
        quick = _plain_text_of_simple_markdown(text)
        if quick is not None:
            quick_answers += 1
            assert quick == _markdown_to_text_parsed(text), repr(text)
    assert quick_answers > 100


# Imported only by the commands and rare routes that use them; a server process that loads
# them at start holds their memory (Alembic alone is some 11 MB) for nothing.
NOT_FOR_SERVING = ("alembic", "flask_migrate", "feedgen", "ftfy", "bibtexparser", "yaml", "PIL")


def test_serving_public_pages_loads_none_of_the_tools_of_commands(tmp_path, migrated_sqlite):
    import os
    import subprocess
    import sys

    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(migrated_sqlite, instance / "prisec.db")
    script = (
        "import sys, app\n"
        "client = app.app.test_client()\n"
        # An empty site without an account: / sends its first visitor to the setup page.
        "assert client.get('/').status_code == 302\n"
        "for path in ('/setup', '/talks?q=privacy', '/calendar.ics', '/api/v1/talks'):\n"
        "    assert client.get(path).status_code == 200, path\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    # The copied SQLite file, whatever database the rest of the suite runs on.
    env = {
        k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PRISEC_")
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).resolve().parent.parent,
        env={**env, "PRISEC_INSTANCE_PATH": str(instance)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert "prisec.feeds.ical" in loaded  # the pages were served by this checkout's app
    assert sorted(loaded.intersection(NOT_FOR_SERVING)) == []


def test_the_cache_is_bounded_in_bytes():
    from prisec.pagecache import BoundedStore

    store = BoundedStore(size=100, max_bytes=10_000)
    for i in range(5):
        store.put(i, b"x" * 3_000)
    assert [i for i in range(5) if store.get(i)] == [2, 3, 4]
    store.put("big", b"x" * 50_000)
    assert store.get("big") is not None  # the newest always stays, even over the budget
    assert store.get(4) is None
    made = []
    store.get_or_make(0, lambda: made.append(0) or b"y" * 3_000)
    assert made == [0]  # the oldest was forgotten and made again
