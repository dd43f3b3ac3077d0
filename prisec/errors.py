"""Friendly error pages, short JSON under /api/; a failed request's transaction is rolled back."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db

# What a reader is told, in plain words, for the errors a browser may meet.
_EXPLANATIONS = {
    400: "The request could not be understood. If you came from a form, reload it and try again.",
    403: "You are not allowed to see this page.",
    404: (
        "There is nothing at this address. It may have moved, or the talk may no longer be public."
    ),
    405: "This address does not accept that kind of request.",
    409: "Someone changed this at the same time. Reload the page to see the latest version.",
    413: "What you sent is too large. Photos may be up to 5 MB and slides up to 20 MB.",
    429: "Too many attempts. Please wait a few minutes and try again.",
}
_SERVER_TROUBLE = (
    "Something went wrong on our side. Nothing you entered was lost; please try again in a moment."
)


def _respond(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    if request.path.startswith("/api/"):
        message = error.description if code < 500 else "internal error"
        return jsonify(error={"status": code, "message": message}), code
    explanation = _SERVER_TROUBLE if code >= 500 else _EXPLANATIONS.get(code, error.description)
    # A message written for this request (a form's reason) says more than the general one.
    if code in {400, 403, 409} and error.description != type(error).description:
        explanation = error.description
    html = render_template("errors/error.html", error=error, explanation=explanation)
    return html, code


def _http_error(error: HTTPException):
    return _respond(error)


def _server_error(error: Exception):
    db.session.rollback()
    return _respond(InternalServerError())


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
