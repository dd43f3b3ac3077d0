"""Configuration defaults; instance/config.py and PRISEC_* environment variables override them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask


class Config:
    """Defaults for every installation."""

    # Filled in by create_app from the instance folder when left empty.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Seconds a writer waits on a locked SQLite file before giving up.
    SQLITE_BUSY_TIMEOUT = 5
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Strict-Transport-Security max-age, sent only when SESSION_COOKIE_SECURE (HTTPS); 0: never.
    HSTS_MAX_AGE = 365 * 24 * 3600
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_HEADERS = ["X-CSRFToken"]
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    # Host name that makes calendar UIDs unique across installations. Left unset, it is
    # chosen once from SITE_URL (see calendar_host) so that UIDs never change.
    SITE_HOST = "localhost"
    # The public address (https://seminars.example.org/ or with a sub-path), for links
    # written outside a request (commands, mail from cron) and the trusted host name.
    SITE_URL: str | None = None
    # Host names the site answers to besides SITE_URL's; others get 400. Without
    # SITE_URL: 127.0.0.1 and localhost. A list, or names separated by commas or spaces.
    TRUSTED_HOSTS: list[str] | str | None = None
    # How many reverse proxies in front set X-Forwarded-For/-Proto/-Host/-Prefix; 0 trusts none.
    PROXY_HOPS = 0
    # A session ends after this many days without a request, and this many after login.
    SESSION_IDLE_DAYS = 14
    SESSION_ABSOLUTE_DAYS = 90
    PAST_PAGE_SIZE = 20
    # Talks per page of the archive at /talks.
    ARCHIVE_PAGE_SIZE = 20
    # Where the public schedule at / comes from when several series exist.
    DEFAULT_SERIES: str | None = None
    # How often calendar clients are asked to poll a feed (REFRESH-INTERVAL, X-PUBLISHED-TTL).
    FEED_REFRESH_MINUTES = 60
    # How long browsers and proxies may reuse a feed before asking again (Cache-Control max-age).
    FEED_CACHE_SECONDS = 300
    # Whether `make run` seeds the demo series on a fresh database (PRISEC_DEMO=0: start empty).
    DEMO = True


class TestConfig(Config):
    """Overrides for the test suite."""

    TESTING = True
    WTF_CSRF_ENABLED = True


LOCAL_HOSTS = ["127.0.0.1", "localhost", "::1"]


def _names(value: list[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return [name.strip().lower() for name in value if name.strip()]


def apply_site_settings(app: Flask) -> None:
    """Derive Flask's settings from ours: public address, trusted hosts, session lifetime."""
    config = app.config
    extra = _names(config.get("TRUSTED_HOSTS"))
    site_url = (config.get("SITE_URL") or "").strip()
    if site_url:
        parts = urlsplit(site_url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"PRISEC_SITE_URL must be an http(s) address, not {site_url!r}")
        # url_for(_external=True) outside a request builds on these three.
        config["SERVER_NAME"] = parts.netloc
        config["PREFERRED_URL_SCHEME"] = parts.scheme
        config["APPLICATION_ROOT"] = parts.path.rstrip("/") or "/"
        config["TRUSTED_HOSTS"] = [parts.hostname.lower(), *extra]
    else:
        config["TRUSTED_HOSTS"] = [*LOCAL_HOSTS, *extra]
    config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=float(config["SESSION_IDLE_DAYS"]))


CALENDAR_HOST_FILE = "calendar_host"


def calendar_host(app: Flask, explicit: bool) -> None:
    """Fix SITE_HOST, the host of calendar UIDs and Atom ids, so it never changes.

    An explicit PRISEC_SITE_HOST wins. Otherwise, with SITE_URL, the host is chosen once
    and kept in the instance folder: a database that already published talks keeps
    `localhost`, the UIDs its subscribers hold; a new site takes SITE_URL's host.
    """
    if explicit or not app.config.get("SITE_URL"):
        return
    path = Path(app.instance_path) / CALENDAR_HOST_FILE
    try:
        app.config["SITE_HOST"] = path.read_text().strip() or app.config["SITE_HOST"]
        return
    except FileNotFoundError:
        pass
    from sqlalchemy import inspect, text

    from .extensions import db

    with app.app_context():
        try:
            published = inspect(db.engine).has_table("talk") and db.session.scalar(
                text("SELECT 1 FROM talk LIMIT 1")
            )
        finally:
            db.session.remove()
    host = "localhost" if published else urlsplit(app.config["SITE_URL"]).hostname
    path.write_text(f"{host}\n")
    app.config["SITE_HOST"] = host
