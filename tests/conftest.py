"""Fixtures: the real app factory over a real SQLite file (or PostgreSQL), clients, factories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, request_started
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade

from prisec.editing import create_talk as create_talk_operation
from prisec.extensions import db as _db
from prisec.extensions import init_migrations
from prisec.models import Series, Speaker, Talk
from tests.helpers import (
    ON_POSTGRES,
    TEMPLATE_DATABASE,
    close_connections,
    create_database,
    csrf_token,
    database_name,
    database_url,
    drop_database,
    install_migrated,
    make_app,
)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied, copied for each test (faster than upgrading)."""
    instance = tmp_path_factory.mktemp("template-instance")
    app = make_app(instance, SQLALCHEMY_DATABASE_URI=f"sqlite:///{instance / 'prisec.db'}")
    init_migrations(app)
    with app.app_context():
        upgrade(revision="heads")
        _db.session.execute(_db.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        _db.engine.dispose()
    return instance / "prisec.db"


@pytest.fixture(scope="session")
def migrated_database(
    tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path
) -> Iterator[Path | str]:
    """The migrated template each test copies: a SQLite file, or a PostgreSQL database name."""
    if not ON_POSTGRES:
        yield migrated_sqlite
        return
    create_database(TEMPLATE_DATABASE)
    app = make_app(
        tmp_path_factory.mktemp("pg-template"),
        SQLALCHEMY_DATABASE_URI=database_url(TEMPLATE_DATABASE),
    )
    init_migrations(app)
    with app.app_context():
        upgrade(revision="heads")
        _db.engine.dispose()
    yield TEMPLATE_DATABASE
    drop_database(TEMPLATE_DATABASE)


@pytest.fixture
def app(tmp_path: Path, migrated_database: Path | str) -> Iterator[Flask]:
    """The application with its own instance folder and a freshly migrated database."""
    instance = tmp_path / "instance"
    instance.mkdir()
    install_migrated(migrated_database, instance)
    application = make_app(instance)
    request_started.connect(_fresh_g, application, weak=False)
    with application.app_context():
        yield application
        _db.session.remove()
        _db.engine.dispose()
    close_connections()
    if ON_POSTGRES:
        drop_database(database_name(instance))


@pytest.fixture(autouse=True)
def _close_connections() -> Iterator[None]:
    """Connections of apps a test built without the `app` fixture are closed after it."""
    yield
    close_connections()


def _fresh_g(sender: Flask, **extra: Any) -> None:
    # The fixture keeps one app context open, and Flask reuses it for every request, so `g`
    # would carry one client's login and CSRF token into another client's request. A real
    # server starts each request with an empty `g`.
    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask):
    """The SQLAlchemy handle, bound to the test's app."""
    return _db


@pytest.fixture
def create_series(app: Flask) -> Callable[..., Series]:
    """Factory: a series, London time by default."""

    def factory(**kw: Any) -> Series:
        kw.setdefault("slug", f"series-{_next()}")
        kw.setdefault("name", "Test Seminar")
        kw.setdefault("timezone", "Europe/London")
        series = Series(**kw)
        _db.session.add(series)
        _db.session.commit()
        return series

    return factory


@pytest.fixture
def create_speaker(app: Flask) -> Callable[..., Speaker]:
    """Factory: a speaker."""

    def factory(**kw: Any) -> Speaker:
        kw.setdefault("name", f"Speaker {_next()}")
        kw.setdefault("honorific", "Dr.")
        kw.setdefault("affiliation", "University of Testing")
        speaker = Speaker(**kw)
        _db.session.add(speaker)
        return speaker

    return factory


@pytest.fixture
def create_talk(create_series, create_speaker) -> Callable[..., Talk]:
    """Factory: a published talk through the real create operation, one hour long."""
    default_series: list[Series] = []

    def factory(
        series: Series | None = None,
        speakers: list[Speaker] | None = None,
        start: datetime | None = None,
        **kw: Any,
    ) -> Talk:
        if series is None:
            if not default_series:
                default_series.append(create_series())
            series = default_series[0]
        start = start or datetime.now(UTC) + timedelta(days=7)
        kw.setdefault("end", start + timedelta(hours=1))
        kw.setdefault("title", f"Talk {_next()}")
        kw.setdefault("published", True)
        talk = create_talk_operation(
            series, speakers if speakers is not None else [create_speaker()], start=start, **kw
        )
        _db.session.commit()
        return talk

    return factory


ORGANIZER_PASSWORD = "correct horse battery staple"


@pytest.fixture
def organizer(app: Flask):
    """An organizer account, ada@example.org."""
    from prisec.auth.accounts import create_organizer

    account = create_organizer("ada@example.org", "Ada Organizer", ORGANIZER_PASSWORD)
    _db.session.commit()
    return account


@pytest.fixture
def organizer_client(app: Flask, organizer) -> FlaskClient:
    """A client logged in through the login page; it sends the page's CSRF token as a header."""
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"email": organizer.email, "password": ORGANIZER_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    return client


_counter = iter(range(1, 10**9))


def _next() -> int:
    return next(_counter)
