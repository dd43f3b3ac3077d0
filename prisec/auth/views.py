"""Login, logout and the page that accepts an invitation."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from ..extensions import db
from ..forms import EmptyForm
from ..rendering import render_in_kept_frame
from ..team import accounts as team_accounts
from . import lockout
from .accounts import (
    LOGIN_LIMIT,
    LOGIN_WINDOW,
    MIN_PASSWORD_LENGTH,
    AccountError,
    TokenUsed,
    accept_invite,
    account_locked,
    address_locked_until,
    authenticate,
    usable_invite,
)
from .forms import AcceptInviteForm, LoginForm
from .redirects import safe_next
from .securitylog import log_event
from .sessions import begin_session, end_sessions

bp = Blueprint("auth", __name__)


def _after_login() -> str:
    """Where to go after login: the `next=` path when it stays on this site, else the dashboard."""
    return safe_next(request.args.get("next")) or url_for("dashboard.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page; too many failures answer 429."""
    if current_user.is_authenticated:
        return redirect(_after_login())
    address = request.remote_addr or "unknown"
    until = address_locked_until(address)
    if until is not None:
        if request.method == "POST":
            log_event("login.locked", email=request.form.get("email", "")[:320])
        return _locked_out(until)
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        if account_locked(form.email.data, address):
            log_event("login.locked", email=form.email.data[:320])
            # The same answer to every attempt while locked (an attacker's, mostly): the form
            # emptied, and why, beside the password.
            locked = LoginForm(formdata=None)
            minutes = int(LOGIN_WINDOW.total_seconds() // 60)
            locked.password.errors = [
                f"Too many failed logins ({LOGIN_LIMIT}) for this account. "
                f"Wait {minutes} minutes and try again."
            ]
            response = render_in_kept_frame("auth/login.html", locked)
            return response, 429, {"Retry-After": str(int(LOGIN_WINDOW.total_seconds()))}
        organizer = authenticate(form.email.data, form.password.data, address)
        if organizer is not None:
            begin_session(organizer)
            return redirect(_after_login())
        form.password.errors = ["Wrong email or password."]
        status = 401
    elif request.method == "POST":
        status = 422
    return render_in_kept_frame("auth/login.html", form), status


def _locked_out(until: datetime):
    """The answer to every login from an address locked until `until`: no form, as nothing
    from there can log in; kept for the address by the gate in front of Flask."""
    lockout.hold(until.timestamp())
    # Shown to the minute, rounded up: at the time shown the address may try again.
    shown = (until + timedelta(seconds=59)).replace(second=0, microsecond=0)
    page = render_template(
        "auth/locked.html",
        until=shown,
        limit=LOGIN_LIMIT,
        minutes=int(LOGIN_WINDOW.total_seconds() // 60),
    )
    return page, 429, {"Retry-After": lockout.retry_after(until.timestamp())}


@bp.post("/logout")
@login_required
def logout():
    """End the session at the server: a copy of its cookie opens nothing afterwards."""
    if EmptyForm().validate_on_submit():
        end_sessions(current_user)
        db.session.commit()
        log_event("logout", organizer=current_user.id)
        logout_user()
        flash("You are logged out.", "info")
    return redirect(url_for("schedule.index"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept(token: str):
    """Create an account from an invitation link, once."""
    invite = usable_invite(token)
    if invite is None:
        abort(410, "This invitation link has expired or has already been used.")
    form = AcceptInviteForm(email=invite.email or None)
    status = 200
    if form.validate_on_submit():
        try:
            organizer = accept_invite(invite, form.email.data, form.name.data, form.password.data)
        except AccountError as exc:
            db.session.rollback()
            form[exc.field].errors = [str(exc)]
            status = 422
        except TokenUsed:
            abort(410, "This invitation link has expired or has already been used.")
        else:
            team_accounts.accepted(organizer)
            db.session.commit()
            logout_user()
            begin_session(organizer)
            flash(f"Welcome, {organizer.name}. Your account is ready.", "info")
            return redirect(url_for("dashboard.index"))
    elif request.method == "POST":
        status = 422
    return render_template(
        "auth/accept.html",
        form=form,
        invite=invite,
        site=team_accounts.site_name(),
        password_rule=(
            f"At least {MIN_PASSWORD_LENGTH} characters, and not a common or easily guessed one."
        ),
    ), status
