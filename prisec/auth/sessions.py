"""Sessions the server can end: a generation per account, an idle and an absolute lifetime."""

from __future__ import annotations

import time

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import login_user
from sqlalchemy import update

from ..extensions import db
from ..models import Organizer

# Session keys: when the session began (seconds since the epoch), for the absolute lifetime.
LOGIN_AT = "_login_at"


class SessionCookie(SecureCookieSessionInterface):
    """Flask's signed cookie, not re-signed on a page's own background (htmx) requests.

    An unchanged permanent session is re-signed on every answer, which keeps the idle
    lifetime going. A background answer (the abstract's preview, a speaker row) carries the
    session as its request found it; arriving after a concurrent answer that changed the
    session, as a save's "Saved" message does, it would put the older cookie back. The page
    loads around them keep the idle lifetime going.
    """

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if not session.modified and request.headers.get("HX-Request") == "true":
            return False
        return super().should_set_cookie(app, session)


def begin_session(organizer: Organizer) -> None:
    """Log `organizer` in: a permanent cookie re-signed on each request (the idle lifetime)."""
    # `current_user` itself may be passed: log in the account behind it, not the proxy.
    unwrap = getattr(organizer, "_get_current_object", None)
    login_user(unwrap() if unwrap else organizer)
    session.permanent = True
    session[LOGIN_AT] = int(time.time())


def end_sessions(organizer: Organizer) -> None:
    """End every session of `organizer` at the server; the caller commits.

    Called on logout, "log out everywhere", a password change or reset, deactivation and a
    change of role. A session whose cookie carries an older generation opens nothing.
    """
    db.session.execute(
        update(Organizer)
        .where(Organizer.id == organizer.id)
        .values(session_generation=Organizer.session_generation + 1)
    )
    db.session.refresh(organizer, ["session_generation"])


def keep_this_session(organizer: Organizer) -> None:
    """After end_sessions, let the current session go on under the new generation."""
    login_at = session.get(LOGIN_AT, int(time.time()))
    begin_session(organizer)
    # The absolute lifetime still counts from the first login.
    session[LOGIN_AT] = login_at


def load_organizer(session_id: str) -> Organizer | None:
    """The organizer of a session cookie, when its generation and lifetime still hold."""
    number, _, generation = session_id.partition(".")
    if not (number.isdigit() and generation.isdigit()):
        return None
    login_at = session.get(LOGIN_AT)
    absolute = current_app.config["SESSION_ABSOLUTE_DAYS"] * 86400
    if not isinstance(login_at, int) or time.time() - login_at > absolute:
        return None
    organizer = db.session.get(Organizer, int(number))
    if organizer is None or organizer.session_generation != int(generation):
        return None
    # A deactivated account's sessions end at once: its next request is anonymous.
    if not organizer.active:
        return None
    return organizer
