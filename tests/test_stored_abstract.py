"""The plain-text abstract stored beside the Markdown: always the text of the abstract."""

from __future__ import annotations

import json
from datetime import timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, select, text

from prisec.dataversion import invalidate_everything
from prisec.editing import restore_revision, update_talk
from prisec.extensions import db as _db
from prisec.extensions import init_migrations
from prisec.feeds.ical import quick_event_bytes
from prisec.feeds.rows import feed_talks
from prisec.markdown import markdown_to_text
from prisec.models import Reschedule, Talk, public_talks
from tests.helpers import install_migrated, make_app

MARKDOWN = "We study **membership inference**, with $\\varepsilon$ and [a link](https://x.org).\n"
TEXT = "We study membership inference, with $\\varepsilon$ and a link."


def stored(talk: Talk) -> str | None:
    """What the database holds, read past the session."""
    return _db.session.execute(
        text("SELECT abstract_text FROM talk WHERE id = :id"), {"id": talk.id}
    ).scalar()


def test_saving_an_abstract_stores_its_text(create_talk):
    talk = create_talk(abstract=MARKDOWN)
    assert stored(talk) == TEXT

    update_talk(talk, abstract="Now *plain*, mostly.")
    _db.session.commit()
    assert stored(talk) == "Now plain, mostly."

    first = talk.revisions[0]
    restore_revision(talk, first)
    _db.session.commit()
    assert stored(talk) == TEXT


def test_a_talk_without_an_abstract_stores_empty_text(create_talk):
    talk = create_talk()
    assert stored(talk) == ""


def test_rows_inserted_below_the_orm_get_their_text(app, create_series):
    series = create_series()
    _db.session.execute(
        insert(Talk),
        [
            {
                "series_id": series.id,
                "title": "Bulk",
                "abstract": MARKDOWN,
                "start": series.created_at,
                "end": series.created_at + timedelta(hours=1),
            }
        ],
    )
    _db.session.commit()
    talk = _db.session.scalar(select(Talk).where(Talk.title == "Bulk"))
    assert stored(talk) == TEXT


def test_the_feed_shows_the_abstract_of_a_talk_left_without_its_text(client, create_talk):
    talk = create_talk(abstract="Only in *Markdown*.")
    # As a raw SQL write would leave it.
    _db.session.execute(
        text("UPDATE talk SET abstract_text = NULL WHERE id = :id"), {"id": talk.id}
    )
    invalidate_everything(_db.session)
    _db.session.commit()
    body = client.get("/calendar.ics").data.decode()
    assert "Only in Markdown." in body.replace("\r\n ", "")


def test_the_migration_fills_the_text_of_existing_talks(app, create_talk):
    ids = [create_talk(abstract=MARKDOWN).id, create_talk(abstract="").id]
    _db.session.remove()
    init_migrations(app)
    downgrade(revision="0009")
    upgrade(revision="heads")
    found = _db.session.execute(text("SELECT id, abstract_text FROM talk ORDER BY id")).all()
    assert [tuple(row) for row in found] == [(ids[0], TEXT), (ids[1], "")]


def test_exports_leave_the_text_out_and_imports_derive_it(
    app, runner, create_talk, tmp_path, migrated_database
):
    create_talk(abstract=MARKDOWN)
    result = runner.invoke(args=["export", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    talk_table = document["tables"]["talk"]
    assert "abstract_text" not in talk_table["columns"]

    # A hand-made export carrying a text that disagrees with its abstract: derived anyway.
    talk_table["columns"].append("abstract_text")
    for row in talk_table["rows"]:
        row.append("Forged text")
    dump = tmp_path / "site.json"
    dump.write_text(json.dumps(document))
    instance = tmp_path / "other"
    instance.mkdir()
    install_migrated(migrated_database, instance)
    other = make_app(instance)
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["import", "json", str(dump)])
        assert result.exit_code == 0, result.output
        assert _db.session.scalars(text("SELECT abstract_text FROM talk")).all() == [TEXT]
        _db.session.remove()


def test_feed_rows_write_the_same_events_as_talks(app, create_series, create_speaker, create_talk):
    london = create_series(name="Seminar, with; marks", timezone="Europe/London")
    talks = [
        create_talk(
            series=london,
            speakers=[create_speaker(name="Zoë Ünal"), create_speaker(honorific="")],
            abstract=MARKDOWN,
            location="Room 1",
        ),
        create_talk(series=london, speakers=[], abstract=""),
    ]
    talks[0].reschedules.append(
        Reschedule(previous_start=talks[0].start - timedelta(days=7), previous_end=talks[0].end)
    )
    _db.session.commit()
    rows = feed_talks(public_talks().order_by(Talk.id))
    assert [row.id for row in rows] == [talk.id for talk in talks]
    for talk, row in zip(talks, rows, strict=True):
        assert row.plain_abstract == markdown_to_text(talk.abstract)
        url = f"https://x.example/talks/{talk.id}/{talk.slug}"
        assert quick_event_bytes(row, "seminars.example.org", url) == quick_event_bytes(
            talk, "seminars.example.org", url
        )
