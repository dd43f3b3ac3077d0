"""Speaker self-service: private links, the speaker's form, and proposals organizers review."""

from __future__ import annotations

from flask import Flask

from . import models  # noqa: F401  (tables)
from .views import bp


def init_app(app: Flask) -> None:
    """Register the pages."""
    app.register_blueprint(bp)
