"""The team's pages: the accounts page of administrators, and the activity of a series."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.accounts import INVITE_LIFETIME, AccountError, pending_invites
from ..auth.models import Invite
from ..extensions import db
from ..forms import EmptyForm
from ..models import Organizer, Role, Series
from . import accounts
from .access import admin_only, current_account, series_or_404
from .activity import ACTIVITY_LIMIT, series_activity
from .forms import AccountForm, InviteForm

bp = Blueprint("team", __name__, url_prefix="/dashboard")


def _all_series() -> list[Series]:
    return list(db.session.scalars(select(Series).order_by(Series.name)))


def _accounts_page(form: InviteForm | None = None, delivery=None, status: int = 200):
    series = _all_series()
    if form is None:
        form = InviteForm(formdata=None)
    form.offer(series)
    people = db.session.scalars(
        select(Organizer).options(selectinload(Organizer.series)).order_by(Organizer.name)
    ).all()
    return render_template(
        "team/accounts.html",
        accounts=people,
        invites=pending_invites(),
        form=form,
        delivery=delivery,
        action_form=EmptyForm(),
        role_name=accounts.role_name,
        me=current_account(),
        lifetime_days=INVITE_LIFETIME.days,
    ), status


@bp.get("/accounts")
@admin_only
def accounts_page():
    """Every account with its role, series, last login and status; pending invitations."""
    return _accounts_page()


def _delivered(delivery: accounts.Delivery, email: str):
    """After an invitation is made: e-mailed, or the page with the link to pass on."""
    if delivery.emailed:
        flash(f"The invitation was e-mailed to {email}.", "info")
        return redirect(url_for("team.accounts_page"), 303)
    return _accounts_page(delivery=delivery)


@bp.post("/accounts/invite")
@admin_only
def invite():
    """Invite someone by e-mail address with a role and series."""
    form = InviteForm()
    series = _all_series()
    form.offer(series)
    if not form.validate():
        return _accounts_page(form, status=422)
    try:
        created, token = accounts.invite(
            current_account(), form.email.data, Role(form.role.data), form.chosen_series(series)
        )
    except AccountError as exc:
        db.session.rollback()
        form[exc.field].errors = [*form[exc.field].errors, str(exc)]
        return _accounts_page(form, status=422)
    db.session.commit()
    return _delivered(accounts.deliver(created, token), created.email)


def _pending_or_404(invite_id: int) -> Invite:
    found = db.session.get(Invite, invite_id)
    if found is None or found.used_at is not None or found.withdrawn_at is not None:
        abort(404)
    return found


def _checked() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400, "The form expired; reload the page.")


@bp.post("/accounts/invitations/<int:invite_id>/resend")
@admin_only
def resend_invite(invite_id: int):
    """A fresh link for a pending invitation, e-mailed again or shown; the old link closes."""
    old = _pending_or_404(invite_id)
    _checked()
    created, token = accounts.resend(current_account(), old)
    db.session.commit()
    return _delivered(accounts.deliver(created, token), created.email)


@bp.post("/accounts/invitations/<int:invite_id>/withdraw")
@admin_only
def withdraw_invite(invite_id: int):
    """Close a pending invitation."""
    pending = _pending_or_404(invite_id)
    _checked()
    accounts.withdraw(current_account(), pending)
    db.session.commit()
    flash(f"The invitation of {pending.email or 'that organizer'} is withdrawn.", "info")
    return redirect(url_for("team.accounts_page"), 303)


def _account_or_404(organizer_id: int) -> Organizer:
    return db.session.get(Organizer, organizer_id) or abort(404)


@bp.route("/accounts/<int:organizer_id>", methods=["GET", "POST"])
@admin_only
def account(organizer_id: int):
    """One account: change its role and series, deactivate or reactivate it."""
    person = _account_or_404(organizer_id)
    series = _all_series()
    if request.method == "GET":
        form = AccountForm(
            formdata=None, role=person.role.value, series=[s.id for s in person.series]
        )
        form.offer(series)
        return _account_page(person, form)
    form = AccountForm()
    form.offer(series)
    if not form.validate():
        return _account_page(person, form, 422)
    role = Role(form.role.data)
    chosen = [] if role == Role.ADMIN else form.chosen_series(series)
    try:
        accounts.set_role(current_account(), person, role, chosen)
    except AccountError as exc:
        db.session.rollback()
        form.role.errors = [str(exc)]
        return _account_page(_account_or_404(organizer_id), form, 422)
    db.session.commit()
    flash(f"{person.name} is now {_described(person)}.", "info")
    return redirect(url_for("team.accounts_page"), 303)


def _described(person: Organizer) -> str:
    if person.is_admin:
        return "an administrator"
    return f"an organizer of {accounts.series_names(person.series)}"


def _account_page(person: Organizer, form: AccountForm, status: int = 200):
    return render_template(
        "team/account.html",
        person=person,
        form=form,
        action_form=EmptyForm(),
        role_name=accounts.role_name,
    ), status


@bp.post("/accounts/<int:organizer_id>/deactivate")
@admin_only
def deactivate(organizer_id: int):
    """Close an account; its sessions end at once."""
    return _switch(organizer_id, accounts.deactivate, "{name}'s account is deactivated.")


@bp.post("/accounts/<int:organizer_id>/reactivate")
@admin_only
def reactivate(organizer_id: int):
    """Open a deactivated account again."""
    return _switch(organizer_id, accounts.reactivate, "{name}'s account is active again.")


def _switch(organizer_id: int, operation, message: str):
    person = _account_or_404(organizer_id)
    _checked()
    try:
        operation(current_account(), person)
    except AccountError as exc:
        db.session.rollback()
        flash(f"Nothing changed: {exc}", "error")
        return redirect(url_for("team.accounts_page"), 303)
    db.session.commit()
    flash(message.format(name=person.name), "info")
    return redirect(url_for("team.accounts_page"), 303)


@bp.get("/series/<slug>/activity")
def activity(slug: str):
    """The last 200 actions on a series: who did what, and when."""
    series = series_or_404(slug)
    return render_template(
        "team/activity.html",
        series=series,
        actions=series_activity(series),
        limit=ACTIVITY_LIMIT,
    )
