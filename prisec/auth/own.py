"""The organizer's own account: name, e-mail (confirmed by mail), password, sessions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import EmptyForm
from .accounts import (
    EMAIL_CONFIRM_LIFETIME,
    AccountError,
    TokenUsed,
    change_name,
    check_current_password,
    checked_new_email,
    create_account_token,
    end_other_sessions,
    set_email,
    set_password,
    usable_account_token,
    use_account_token,
)
from .forms import EmailChangeForm, NameForm, PasswordChangeForm
from .mailing import mail_is_on, send_account_mail
from .sessions import keep_this_session
from .views import bp


def _page(status: int = 200, **forms):
    """The account page with its three forms, those given carrying their messages."""
    forms.setdefault("name_form", NameForm(formdata=None, name=current_user.name))
    forms.setdefault("email_form", EmailChangeForm(formdata=None))
    forms.setdefault("password_form", PasswordChangeForm(formdata=None))
    html = render_template(
        "auth/account.html", sessions_form=EmptyForm(), mail=mail_is_on(), **forms
    )
    return html, status


@bp.get("/account")
@login_required
def account():
    """The own-account page."""
    return _page()


@bp.post("/account/name")
@login_required
def account_name():
    """Rename the account."""
    form = NameForm()
    if not form.validate_on_submit():
        return _page(422, name_form=form)
    try:
        change_name(current_user, form.name.data)
    except AccountError as exc:
        form[exc.field].errors = [str(exc)]
        return _page(422, name_form=form)
    db.session.commit()
    flash("Your name is saved.", "info")
    return redirect(url_for("auth.account"), 303)


@bp.post("/account/email")
@login_required
def account_email():
    """Change the address: at once without mail, else after the link sent to it is opened."""
    form = EmailChangeForm()
    if not form.validate_on_submit():
        return _page(422, email_form=form)
    try:
        check_current_password(current_user, form.current_password.data)
        email = checked_new_email(current_user, form.email.data)
    except AccountError as exc:
        form[exc.field].errors = [str(exc)]
        return _page(422, email_form=form)
    if not mail_is_on():
        set_email(current_user, email)
        db.session.commit()
        flash(f"Your email is now {email}.", "info")
        return redirect(url_for("auth.account"), 303)
    token = create_account_token(current_user, "email", EMAIL_CONFIRM_LIFETIME, new_email=email)
    db.session.commit()
    sent = send_account_mail(
        email,
        "Confirm your new prisec address",
        "confirm_email",
        organizer=current_user,
        link=url_for("auth.confirm_email", token=token, _external=True),
        days=EMAIL_CONFIRM_LIFETIME.days,
    )
    if not sent:
        form.email.errors = ["The confirmation could not be sent; try again later."]
        return _page(422, email_form=form)
    flash(f"We sent a link to {email}. Your address changes when you open it.", "info")
    return redirect(url_for("auth.account"), 303)


@bp.get("/account/email/<token>")
def confirm_email(token: str):
    """Open the link sent to a new address: it becomes the account's, once."""
    row = usable_account_token(token, "email")
    if row is None:
        abort(410, "This confirmation link has expired or has already been used.")
    organizer = row.organizer
    try:
        use_account_token(row)
        set_email(organizer, row.new_email or "")
    except TokenUsed:
        abort(410, "This confirmation link has expired or has already been used.")
    except AccountError as exc:
        db.session.rollback()
        abort(409, str(exc))
    db.session.commit()
    flash(f"Your email is now {organizer.email}.", "info")
    return redirect(url_for("auth.account" if current_user.is_authenticated else "auth.login"))


@bp.post("/account/password")
@login_required
def account_password():
    """Change the password (the current one required); the account's other sessions end."""
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _page(422, password_form=form)
    try:
        check_current_password(current_user, form.current_password.data)
        set_password(current_user, form.password.data)
    except AccountError as exc:
        db.session.rollback()
        form[exc.field].errors = [str(exc)]
        return _page(422, password_form=form)
    db.session.commit()
    keep_this_session(current_user)
    flash("Your password is changed; your other sessions are logged out.", "info")
    return redirect(url_for("auth.account"), 303)


@bp.post("/account/sessions")
@login_required
def account_sessions():
    """Log out everywhere else: every other session of the account ends."""
    if EmptyForm().validate_on_submit():
        end_other_sessions(current_user)
        db.session.commit()
        keep_this_session(current_user)
        flash("Your other sessions are logged out.", "info")
    return redirect(url_for("auth.account"), 303)
