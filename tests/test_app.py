"""Start-up: configuration layers, the instance folder, database settings and migrations."""

import stat

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from prisec import create_app
from prisec.database import normalise_database_url
from prisec.extensions import db as _db
from prisec.models import Talk
from prisec.search import include_object
from tests.helpers import make_app


def test_secret_key_is_generated_once_and_private(tmp_path):
    first = make_app(tmp_path)
    key_file = tmp_path / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) >= 64
    again = make_app(tmp_path)
    assert again.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert make_app(tmp_path / "other").config["SECRET_KEY"] != first.config["SECRET_KEY"]


def test_instance_folder_holds_database_and_uploads(tmp_path):
    # The factory itself, not make_app: the default whatever database the suite runs on.
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'prisec.db'}"
    assert (tmp_path / "uploads").is_dir()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    # SQLite settings, so on a SQLite file whatever database the rest of the suite uses.
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prisec.db'}")
    with app.app_context():
        connection = _db.session.connection()
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        _db.session.remove()
        _db.engine.dispose()


def test_readers_go_on_while_a_writer_holds_its_transaction(app, db, create_talk):
    # What WAL gives SQLite and PostgreSQL gives by design: a page renders mid-save.
    talk = create_talk(title="Before the save")
    with db.engine.connect() as writer:
        writer.execute(sa.update(Talk).where(Talk.id == talk.id).values(title="Half saved"))
        with db.engine.connect() as reader:
            title = reader.scalar(sa.select(Talk.title).where(Talk.id == talk.id))
        writer.rollback()
    assert title == "Before the save"


def test_foreign_keys_are_enforced(app, db):
    orphan = sa.text(
        "INSERT INTO talk_speaker (talk_id, speaker_id, position) VALUES (999, 999, 0)"
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(orphan)
    db.session.rollback()


def test_configuration_layers(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('SITE_HOST = "seminars.example.org"\nPAST_PAGE_SIZE = 5\n')
    monkeypatch.setenv("PRISEC_PAST_PAGE_SIZE", "7")
    app = make_app(tmp_path)
    assert app.config["SITE_HOST"] == "seminars.example.org"  # instance/config.py
    assert app.config["PAST_PAGE_SIZE"] == 7  # environment beats the file
    assert make_app(tmp_path, PAST_PAGE_SIZE=3).config["PAST_PAGE_SIZE"] == 3  # tests beat all


def test_database_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("elsewhere.db")


def test_postgres_urls_use_psycopg_3(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://prisec:secret@db.example:5432/prisec")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://prisec:secret@db.example:5432/prisec"
    )
    assert normalise_database_url("postgresql:///prisec") == "postgresql+psycopg:///prisec"
    assert normalise_database_url("postgresql+psycopg:///x") == "postgresql+psycopg:///x"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_migrations_match_the_models(app, db):
    # The fixture's database was built by running every migration; the models must agree.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object})
        diff = compare_metadata(context, _db.metadata)
    assert diff == []


def test_templates_are_strict_in_tests(app):
    from jinja2 import StrictUndefined

    assert app.jinja_env.undefined is StrictUndefined


def test_a_write_raises_the_versions_of_what_it_changes_only(db, create_series, create_talk):
    def versions() -> dict[str, int]:
        return dict(db.session.execute(db.text("SELECT name, version FROM cache_scope")).all())

    other = create_series(slug="other")
    talk = create_talk()
    before = versions()
    assert versions() == before  # reading changes nothing
    talk.title = "Changed"
    db.session.commit()
    after = versions()
    raised = {name for name in after if after[name] != before.get(name)}
    assert raised == {f"talk:{talk.id}", f"series:{talk.series_id}"}
    assert f"series:{other.id}" in after  # created, and left alone by the edit
