"""prisec: a self-hosted dashboard for running a research seminar series."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import StrictUndefined
from sqlalchemy.orm import configure_mappers

from .config import Config, apply_site_settings, calendar_host
from .database import configure_sqlite, engine_options, normalise_database_url
from .extensions import LazyMigrationCommands, csrf, db, htmx, login

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: defaults, then instance/config.py, then PRISEC_* env, then tests."""
    test_config = test_config or {}
    instance_path = (
        test_config.get("INSTANCE_PATH")
        or os.environ.get("PRISEC_INSTANCE_PATH")
        or PROJECT_ROOT / "instance"
    )
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("PRISEC")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.update(test_config)
    apply_site_settings(app)
    explicit_site_host = (
        app.config["SITE_HOST"] != Config.SITE_HOST
        or "PRISEC_SITE_HOST" in os.environ
        or "SITE_HOST" in test_config
    )

    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "uploads").mkdir(exist_ok=True)
    app.config.setdefault("UPLOAD_FOLDER", str(instance / "uploads"))
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'prisec.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance / "secret_key")
    if app.config.get("TESTING"):
        app.jinja_env.undefined = StrictUndefined

    configure_sqlite(app.config["SQLITE_BUSY_TIMEOUT"])
    db.init_app(app)
    calendar_host(app, explicit_site_host)
    # Alembic loads when a `flask db` command runs, not in every server process.
    app.cli.add_command(LazyMigrationCommands(app))
    csrf.init_app(app)
    htmx.init_app(app)
    login.init_app(app)

    # Imported here, not at the top: each area's module imports the extensions bound above.
    from . import (  # noqa: F401 -- dataversion and models register tables and listeners
        announcing,
        api,
        assets,
        auth,
        cli,
        compression,
        dashboard,
        dataversion,
        errors,
        feeds,
        filters,
        models,
        pagecache,
        preview,
        public,
        security,
        setup,
        speakerform,
        team,
        uploads,
    )
    from .importers import cli as importers_cli

    pagecache.init_app(app)
    for area in (
        security,
        filters,
        errors,
        public,
        uploads,
        feeds,
    ):
        area.init_app(app)
    for area in (api, auth, team, dashboard, preview, announcing, speakerform):
        area.init_app(app)
    setup.init_app(app)
    for area in (cli, importers_cli):
        area.init_app(app)
    for area in (assets, compression):
        area.init_app(app)
    # The answer cache stands in front of every other layer but the proxy fix, so hits are cheap.
    pagecache.install(app)
    hops = int(app.config["PROXY_HOPS"])
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Outermost, so every other layer sees the client's address, scheme, host and prefix.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )
    # Relationships are resolved now rather than by the first query, which a visitor waits for.
    configure_mappers()
    return app


def _instance_secret_key(path: Path) -> str:
    """The installation's secret key, generated on first start and readable by its owner only."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another worker created it first: use theirs.
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
