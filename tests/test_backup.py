"""`flask backup` and `flask restore`: a consistent copy taken while writes go on.

These commands copy a SQLite file (PostgreSQL sites back up with pg_dump), so these tests
run on SQLite files whichever database the rest of the suite uses.
"""

from __future__ import annotations

import shutil
import sqlite3
import tarfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from prisec import demo
from prisec.editing import create_talk
from prisec.extensions import db as _db
from prisec.models import Series, Speaker
from tests.helpers import make_app, raw_sql, sqlite_path


def _sqlite_app(instance: Path) -> Flask:
    return make_app(instance, SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'prisec.db'}")


@pytest.fixture
def migrated_database(migrated_sqlite: Path) -> Path:
    """The migrated SQLite file, even when the suite runs on PostgreSQL."""
    return migrated_sqlite


@pytest.fixture
def app(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Flask]:
    """The application over a freshly migrated SQLite file."""
    instance = tmp_path / "instance"
    instance.mkdir()
    shutil.copyfile(migrated_sqlite, instance / "prisec.db")
    application = _sqlite_app(instance)
    with application.app_context():
        yield application
        _db.session.remove()
        _db.engine.dispose()


class Writer(threading.Thread):
    """Creates talks, each with its speaker and first revision, one transaction each."""

    def __init__(self, app: Flask, series_id: int):
        super().__init__(daemon=True)
        self.app, self.series_id = app, series_id
        self.stop = threading.Event()
        self.progress = threading.Condition()
        self.written = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                series = _db.session.get(Series, self.series_id)
                start = datetime(2030, 1, 1, tzinfo=UTC)
                while not self.stop.is_set():
                    at = start + timedelta(days=self.written)
                    speaker = Speaker(name=f"Writer {self.written}")
                    create_talk(series, [speaker], start=at, end=at + timedelta(hours=1))
                    _db.session.commit()
                    with self.progress:
                        self.written += 1
                        self.progress.notify_all()
                _db.session.remove()
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.error = exc
            with self.progress:
                self.progress.notify_all()

    def wait_until(self, count: int) -> None:
        """Block until `count` talks are written (or the writer failed), with a deadline."""
        with self.progress:
            reached = self.progress.wait_for(
                lambda: self.written >= count or self.error is not None, timeout=30
            )
        assert reached, f"only {self.written} talks written"


def _consistent(path: str) -> tuple[int, int]:
    """Talk and revision counts of a database file, after checking it is whole and coherent."""
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        talks = connection.execute("SELECT count(*) FROM talk").fetchone()[0]
        # Each talk was committed with its speaker link and revision: none may be missing.
        orphans = connection.execute(
            "SELECT count(*) FROM talk WHERE id NOT IN (SELECT talk_id FROM talk_revision) "
            "OR id NOT IN (SELECT talk_id FROM talk_speaker)"
        ).fetchone()[0]
        revisions = connection.execute("SELECT count(*) FROM talk_revision").fetchone()[0]
    connection.close()
    assert orphans == 0
    return talks, revisions


def test_backup_during_writes_restores_to_a_consistent_database(
    app, runner, tmp_path, migrated_database
):
    demo.seed_demo(as_published=True)
    photo = Path(app.config["UPLOAD_FOLDER"]) / ("c" * 64 + ".png")
    photo.write_bytes(b"\x89PNG\r\n\x1a\nphoto")
    series = _db.session.query(Series).one()
    writer = Writer(app, series.id)
    writer.start()
    try:
        writer.wait_until(5)
        result = runner.invoke(args=["backup", str(tmp_path / "backups")])
        at_backup = writer.written
        writer.wait_until(at_backup + 5)
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    (archive,) = (tmp_path / "backups").glob("prisec-backup-*.tar.gz")
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == [
            "manifest.json",
            "prisec.db",
            "uploads/" + "c" * 64 + ".png",
        ]

    # Restore into another site, as after losing the machine.
    instance = tmp_path / "restored"
    instance.mkdir()
    shutil.copyfile(migrated_database, instance / "prisec.db")
    other = _sqlite_app(instance)
    with other.app_context():
        restored = other.test_cli_runner().invoke(args=["restore", str(archive), "--yes"])
        assert restored.exit_code == 0, restored.output
        assert "1 uploaded files brought back" in restored.output
        talks, revisions = _consistent(sqlite_path(other))
        # The demo's three talks and some, not all, of the writer's.
        assert 3 < talks < 3 + writer.written
        assert (instance / "uploads" / photo.name).read_bytes() == photo.read_bytes()
        page = other.test_client().get("/").get_data(as_text=True)
        assert "Privacy Auditing in Machine Learning" in page
        _db.session.remove()
        _db.engine.dispose()
    assert _consistent(sqlite_path(app))[0] == 3 + writer.written


def test_restore_asks_first(app, runner, tmp_path):
    demo.seed_demo(as_published=True)
    runner.invoke(args=["backup", str(tmp_path)])
    (archive,) = tmp_path.glob("*.tar.gz")
    _db.session.execute(_db.text("DELETE FROM series_organizer"))
    _db.session.commit()
    declined = runner.invoke(args=["restore", str(archive)], input="n\n")
    assert declined.exit_code != 0
    assert "Replace everything in" in declined.output
    assert raw_sql(app, "SELECT count(*) FROM series_organizer") == [(0,)]
    accepted = runner.invoke(args=["restore", str(archive)], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert raw_sql(app, "SELECT count(*) FROM series_organizer") == [(4,)]


def test_restore_refuses_what_is_not_a_backup(runner, tmp_path):
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_bytes(b"not a tar file at all")
    result = runner.invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0
    assert "is not a readable prisec backup" in result.output


def test_backup_defaults_to_the_instance_folder(app, runner):
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    assert list((Path(app.instance_path) / "backups").glob("prisec-backup-*.tar.gz"))


def test_backup_needs_a_database_file(tmp_path):
    other = make_app(tmp_path / "memory", SQLALCHEMY_DATABASE_URI="sqlite://")
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
