"""Serving uploaded files (speaker photos, slides) from instance/uploads/ with safe headers."""

from __future__ import annotations

import re

from flask import Blueprint, Flask, abort, current_app, send_from_directory

bp = Blueprint("uploads", __name__)

# Uploads are stored under their content hash; nothing else is ever served from here.
_PHOTO_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png|webp)$")
_PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@bp.get("/uploads/photos/<name>")
def photo(name: str):
    """A speaker photo; content-addressed, so it may be cached for a year."""
    match = _PHOTO_NAME.match(name) or abort(404)
    response = send_from_directory(
        current_app.config["UPLOAD_FOLDER"],
        name,
        mimetype=_PHOTO_TYPES[match.group(1)],
        max_age=365 * 24 * 3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


_SLIDES_NAME = re.compile(r"^[0-9a-f]{64}\.pdf$")


@bp.get("/uploads/slides/<name>")
def slides(name: str):
    """A slides PDF: served as a PDF only, sandboxed, never sniffed as anything else."""
    _SLIDES_NAME.match(name) or abort(404)
    response = send_from_directory(
        current_app.config["UPLOAD_FOLDER"],
        name,
        mimetype="application/pdf",
        max_age=365 * 24 * 3600,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = 'inline; filename="slides.pdf"'
    return response


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
