"""Login, logout and the page that accepts an invitation."""

from __future__ import annotations

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
from ..team import accounts as team_accounts
from .accounts import (
    LOGIN_LIMIT,
    LOGIN_WINDOW,
    MIN_PASSWORD_LENGTH,
    AccountError,
    TokenUsed,
    accept_invite,
    authenticate,
    too_many_failures,
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
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        if too_many_failures(form.email.data, address):
            log_event("login.locked", email=form.email.data[:320])
            minutes = int(LOGIN_WINDOW.total_seconds() // 60)
            form.password.errors = [
                f"Too many failed logins ({LOGIN_LIMIT}) for this account or address. "
                f"Wait {minutes} minutes and try again."
            ]
            response = render_template("auth/login.html", form=form)
            return response, 429, {"Retry-After": str(int(LOGIN_WINDOW.total_seconds()))}
        organizer = authenticate(form.email.data, form.password.data, address)
        if organizer is not None:
            begin_session(organizer)
            return redirect(_after_login())
        form.password.errors = ["Wrong email or password."]
        status = 401
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form), status


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
