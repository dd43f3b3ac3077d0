"""Friendly error pages; a failed request's transaction is rolled back."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db


def _http_error(error: HTTPException):
    return render_template("errors/error.html", error=error), error.code


def _server_error(error: Exception):
    db.session.rollback()
    return render_template("errors/error.html", error=InternalServerError()), 500


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
