"""`flask export json` and `flask import json`: every table survives a round trip."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from flask import Flask
from sqlalchemy import Column, LargeBinary, MetaData, Numeric, Table, Time, Uuid, select

from prisec import demo
from prisec.announcing.models import AnnouncementSend
from prisec.auth.models import AccountToken, Invite, LoginAttempt
from prisec.dashboard.models import SkippedSlot
from prisec.database import utcnow
from prisec.editing import create_talk, record_revision
from prisec.exporting.sitejson import NOT_EXPORTED, decode_value, encode_value
from prisec.extensions import db as _db
from prisec.models import Organizer, Series, Speaker, Talk, TalkStatus
from prisec.papers.models import Paper, TalkPaper
from prisec.public.site import SiteSettings
from prisec.speakerform.models import SpeakerLink, SpeakerProposal
from prisec.team.models import AccountEvent
from tests.helpers import install_migrated, make_app

FIXTURES = Path(__file__).parent / "fixtures"
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _every_row() -> dict[str, list[dict]]:
    """Every row of every table, in primary-key order: the state a round trip must keep."""
    content = {}
    for table in _db.metadata.sorted_tables:
        if table.name in NOT_EXPORTED:
            continue  # the versions of this site's cached answers
        rows = _db.session.execute(select(table).order_by(*table.primary_key.columns))
        content[table.name] = [dict(row) for row in rows.mappings()]
    return content


def _fill(app: Flask, runner) -> None:
    """A site with something in every table: demo, an import, an account, a trashed talk."""
    demo.seed_demo(as_published=True)
    runner.invoke(
        args=["import", "page", str(FIXTURES / "prisec-ml-homepage.md"), "--series", "copy"]
    )
    organizer = Organizer(email="chair@example.org", name="Chair", password_hash="x$y")
    _db.session.add(organizer)
    talk = _db.session.scalars(select(Talk).order_by(Talk.id)).first()
    talk.status = TalkStatus.CANCELLED
    talk.deleted_at = datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC)
    record_revision(talk, organizer, "Cancelled — “quoted” ü")
    photo = Path(app.config["UPLOAD_FOLDER"]) / ("a" * 64 + ".png")
    photo.write_bytes(PHOTO)
    speaker = _db.session.scalar(select(Speaker).where(Speaker.name == "Sara Hooker"))
    speaker.photo = photo.name
    paper = Paper(
        title="Privacy Auditing with One (1) Training Run",
        authors=["Thomas Steinke", "Milad Nasr"],
        published_on=date(2023, 5, 15),
        category="LG",
    )
    _db.session.add(TalkPaper(talk=talk, paper=paper))
    _db.session.add(LoginAttempt(email="chair@example.org", address="127.0.0.1"))
    _db.session.add(
        Invite(
            token_hash="f" * 64,
            note="for the new co-chair",
            created_by=organizer,
            expires_at=datetime(2030, 1, 1, tzinfo=UTC),
            email="co-chair@example.org",
            series=[talk.series],
        )
    )
    _db.session.add(
        AccountToken(
            purpose="reset",
            token_hash="d" * 64,
            organizer=organizer,
            expires_at=datetime(2030, 1, 1, tzinfo=UTC),
        )
    )
    organizer.series = [talk.series]
    _db.session.add(
        AccountEvent(kind="invitation sent", description="Chair invited", series=talk.series)
    )
    _db.session.add(SkippedSlot(series_id=talk.series_id, day=date(2030, 12, 25)))
    link = SpeakerLink(talk=talk, token_hash="e" * 64, expires_at=datetime(2030, 1, 1, tzinfo=UTC))
    _db.session.add(SpeakerProposal(link=link, talk=talk, proposed={"title": "Neu ü"}))
    _db.session.add(AnnouncementSend(talk=talk, talk_version=1, recipient="list@example.org"))
    _db.session.add(SiteSettings(name="Seminars at “Ü”"))
    _db.session.commit()


@pytest.fixture
def other_app(tmp_path: Path, migrated_database: Path) -> Flask:
    """A second site over a new, empty database."""
    instance = tmp_path / "other"
    instance.mkdir()
    install_migrated(migrated_database, instance)
    return make_app(instance)


def _export(runner, *args: str) -> dict:
    result = runner.invoke(args=["export", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_round_trip_keeps_every_row_of_every_table(app, runner, other_app, tmp_path):
    _fill(app, runner)
    before = _every_row()
    assert all(before[name] for name in before), "every table should hold a row"
    document = _export(runner)
    assert document["format_version"] == 1
    assert [f["name"] for f in document["files"]] == ["a" * 64 + ".png"]
    dump = tmp_path / "site.json"
    dump.write_text(json.dumps(document))

    with other_app.app_context():
        result = other_app.test_cli_runner().invoke(args=["import", "json", str(dump)])
        assert result.exit_code == 0, result.output
        assert "1 uploaded files are referenced but not here" in result.output
        # As the message says: the uploads folder is copied across by hand.
        for name in ("a" * 64 + ".png",):
            source = Path(app.config["UPLOAD_FOLDER"]) / name
            shutil.copy(source, Path(other_app.config["UPLOAD_FOLDER"]) / name)
        after = _every_row()
        again = _export(other_app.test_cli_runner())
        _db.session.remove()
    assert after == before
    document.pop("exported_at")
    again.pop("exported_at")
    assert again == document


def test_with_files_carries_the_uploads(app, runner, other_app, tmp_path):
    _fill(app, runner)
    dump = tmp_path / "site.json"
    result = runner.invoke(args=["export", "json", "--with-files", "--output", str(dump)])
    assert result.exit_code == 0, result.output
    with other_app.app_context():
        result = other_app.test_cli_runner().invoke(args=["import", "json", str(dump)])
        assert "Wrote 1 uploaded files." in result.output
        client = other_app.test_client()
        with client.get("/uploads/photos/" + "a" * 64 + ".png") as response:
            assert response.data == PHOTO
        _db.session.remove()


def test_import_refuses_a_database_with_data(app, runner, tmp_path):
    _fill(app, runner)
    dump = tmp_path / "site.json"
    runner.invoke(args=["export", "json", "--output", str(dump)])
    result = runner.invoke(args=["import", "json", str(dump)])
    assert result.exit_code != 0
    assert "the database is not empty (rows in " in result.output
    assert " organizer, " in result.output
    assert " series, " in result.output
    assert "import a JSON export only into a new database" in result.output


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"tables": {}}, "not a prisec JSON export"),
        ({"format": "prisec-site", "format_version": 99, "tables": {}}, "upgrade prisec"),
        (
            {"format": "prisec-site", "format_version": 1, "tables": {"papers": {}}},
            "table 'papers', which this version of prisec does not have",
        ),
        (
            {"format": "prisec-site", "format_version": 1, "tables": {"series": {"rows": 1}}},
            "table 'series' is not a list of columns and rows",
        ),
        (
            {
                "format": "prisec-site",
                "format_version": 1,
                "tables": {"series": {"columns": ["id", "slug"], "rows": [[1, None]]}},
            },
            "could not be loaded, nothing was written",
        ),
        (
            {
                "format": "prisec-site",
                "format_version": 1,
                "tables": {"series": {"columns": ["id", "created_at"], "rows": [[1, "soon"]]}},
            },
            "could not be loaded, nothing was written",
        ),
    ],
)
def test_import_explains_what_it_cannot_read(runner, tmp_path, document, message):
    dump = tmp_path / "site.json"
    dump.write_text(json.dumps(document))
    result = runner.invoke(args=["import", "json", str(dump)])
    assert result.exit_code != 0
    assert message in result.output


def test_import_of_broken_json_is_a_clear_error(runner, tmp_path):
    dump = tmp_path / "site.json"
    dump.write_text('{"format": ')
    result = runner.invoke(args=["import", "json", str(dump)])
    assert result.exit_code != 0
    assert "is not JSON" in result.output


def test_times_are_iso_8601(app, runner):
    _fill(app, runner)
    document = _export(runner)
    table = document["tables"]["talk"]
    talk = dict(zip(table["columns"], table["rows"][0], strict=True))
    assert talk["deleted_at"] == "2024-02-29T23:59:58+00:00"
    assert datetime.fromisoformat(talk["start"]) < utcnow()


def test_values_of_every_column_kind_survive_encoding():
    """Kinds other tables may use (money, ids, bytes) round-trip exactly, not as floats."""
    table = Table(
        "kinds",
        MetaData(),
        Column("amount", Numeric(10, 2)),
        Column("token", Uuid()),
        Column("blob", LargeBinary()),
        Column("at", Time()),
    )
    values = {
        "amount": Decimal("12.30"),
        "token": UUID("12345678-1234-5678-1234-567812345678"),
        "blob": b"\x00\xff",
        "at": datetime(2021, 1, 1, 13, 30).time(),
    }
    for name, value in values.items():
        encoded = json.loads(json.dumps(encode_value(value)))
        assert decode_value(table.columns[name], encoded) == value, name


def test_a_sqlite_site_moves_to_the_test_database(app, migrated_sqlite, tmp_path):
    # The move the README describes: export from a SQLite site, import into a new database
    # (PostgreSQL under `make test-postgres`), then keep working there.
    old_instance = tmp_path / "sqlite-site"
    old_instance.mkdir()
    shutil.copyfile(migrated_sqlite, old_instance / "prisec.db")
    old = make_app(old_instance, SQLALCHEMY_DATABASE_URI=f"sqlite:///{old_instance / 'prisec.db'}")
    dump = tmp_path / "site.json"
    with old.app_context():
        runner = old.test_cli_runner()
        _fill(old, runner)
        before = _every_row()
        exported = runner.invoke(args=["export", "json", "--with-files", "--output", str(dump)])
        assert exported.exit_code == 0, exported.output
        old_page = old.test_client().get("/talks?q=privacy").get_data(as_text=True)
        _db.session.remove()
        _db.engine.dispose()

    result = app.test_cli_runner().invoke(args=["import", "json", str(dump)])
    assert result.exit_code == 0, result.output
    assert _every_row() == before
    client = app.test_client()
    # Search finds the imported talks, as it did on the old site.
    assert client.get("/talks?q=privacy").get_data(as_text=True) == old_page
    assert "Privacy Auditing" in old_page
    # New rows get fresh ids after the imported ones: the id sequences were moved on.
    series = _db.session.scalars(select(Series).order_by(Series.id)).first()
    speaker = Speaker(name="After the move")
    _db.session.add(speaker)
    talk = create_talk(
        series,
        [speaker],
        start=datetime(2031, 1, 1, 12, tzinfo=UTC),
        end=datetime(2031, 1, 1, 13, tzinfo=UTC),
        title="First talk after the move",
        published=True,
    )
    _db.session.commit()
    assert talk.id > max(row["id"] for row in before["talk"])
    assert speaker.id > max(row["id"] for row in before["speaker"])
    assert "First talk after the move" in client.get("/talks?q=move").get_data(as_text=True)
