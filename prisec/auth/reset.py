"""Forgot your password?: a one-time link by mail, valid one hour, and the page it opens."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import logout_user

from ..extensions import db
from .accounts import (
    LOGIN_WINDOW,
    RESET_LIFETIME,
    AccountError,
    TokenUsed,
    create_account_token,
    organizer_by_email,
    record_request,
    set_password,
    too_many_failures,
    usable_account_token,
    use_account_token,
)
from .forms import ForgotPasswordForm, ResetPasswordForm
from .mailing import mail_is_on, send_account_mail
from .securitylog import log_event
from .views import bp


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """Ask for a reset link; the answer is the same whether the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        if too_many_failures(form.email.data, address):
            log_event("password.reset_limited", email=form.email.data[:320])
            form.email.errors = ["Too many attempts. Wait 15 minutes and try again."]
            html = render_template("auth/forgot.html", form=form, sent=False, mail=mail_is_on())
            return html, 429, {"Retry-After": str(int(LOGIN_WINDOW.total_seconds()))}
        # Counted like a failed login: requests for links are limited as guesses are.
        record_request(form.email.data, address)
        organizer = organizer_by_email(form.email.data)
        log_event("password.reset_requested", email=form.email.data[:320])
        if organizer is not None and organizer.active and mail_is_on():
            token = create_account_token(organizer, "reset", RESET_LIFETIME)
            db.session.commit()
            send_account_mail(
                organizer.email,
                "Reset your prisec password",
                "reset",
                organizer=organizer,
                link=url_for("auth.reset", token=token, _external=True),
                minutes=int(RESET_LIFETIME.total_seconds() // 60),
            )
        return render_template("auth/forgot.html", form=form, sent=True, mail=mail_is_on())
    status = 422 if request.method == "POST" else 200
    return render_template("auth/forgot.html", form=form, sent=False, mail=mail_is_on()), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Choose a new password from a reset link, once; every session of the account ends."""
    row = usable_account_token(token, "reset")
    if row is None:
        abort(410, "This password-reset link has expired or has already been used.")
    form = ResetPasswordForm()
    status = 200
    if form.validate_on_submit():
        organizer = row.organizer
        try:
            use_account_token(row)
            set_password(organizer, form.password.data, event="password.reset")
        except AccountError as exc:
            db.session.rollback()
            form[exc.field].errors = [str(exc)]
            status = 422
        except TokenUsed:
            abort(410, "This password-reset link has expired or has already been used.")
        else:
            db.session.commit()
            logout_user()
            flash("Your password is changed. Log in with it.", "info")
            return redirect(url_for("auth.login"))
    elif request.method == "POST":
        status = 422
    return render_template("auth/reset.html", form=form), status
