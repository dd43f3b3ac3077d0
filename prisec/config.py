"""Configuration defaults; instance/config.py and PRISEC_* environment variables override them."""

from __future__ import annotations


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
    # Host name that makes calendar UIDs unique across installations.
    SITE_HOST = "localhost"
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
