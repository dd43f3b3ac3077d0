"""Operations on the site's accounts: invitations with a role and series, roles, deactivation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app, url_for
from markupsafe import escape
from sqlalchemy import func, select

from ..announcing.mail import MailError, build_message, mail_settings, send
from ..auth import accounts as auth_accounts
from ..auth.accounts import INVITE_LIFETIME, AccountError, create_invite, normalise_email
from ..auth.models import Invite
from ..auth.securitylog import log_event
from ..auth.sessions import end_sessions
from ..database import utcnow
from ..extensions import db
from ..models import Organizer, Role, Series
from .models import AccountEvent

ROLE_NAMES = {Role.ADMIN: "administrator", Role.ORGANIZER: "organizer"}


class LastAdministratorError(AccountError):
    """The change would leave the site without an active administrator."""

    def __init__(self) -> None:
        super().__init__(
            "This is the last active administrator: make another account an administrator first.",
            "role",
        )


def role_name(role: Role | str) -> str:
    """The role in the accounts page's words."""
    return ROLE_NAMES[Role(role)]


def series_names(series: Iterable[Series]) -> str:
    """'A, B' or 'no series'."""
    return ", ".join(s.name for s in series) or "no series"


def record_event(
    kind: str,
    description: str,
    *,
    actor: Organizer | None,
    organizer: Organizer | None = None,
    series: Iterable[Series] = (),
) -> None:
    """Keep an account event once for each series it concerns (once with none when none)."""
    for one in list(series) or [None]:
        db.session.add(
            AccountEvent(
                kind=kind,
                description=description[:500],
                actor=actor,
                organizer=organizer,
                series=one,
            )
        )


def _what_invited(role: Role, series: list[Series]) -> str:
    if role == Role.ADMIN:
        return "an administrator"
    return f"an organizer of {series_names(series)}"


def active_administrators() -> int:
    """How many active administrators the site has."""
    return (
        db.session.scalar(
            select(func.count(Organizer.id)).where(Organizer.role == Role.ADMIN, Organizer.active)
        )
        or 0
    )


def _keep_an_administrator(account: Organizer) -> None:
    """Refuse to take the site's last active administrator away."""
    # Lock the administrators' rows (PostgreSQL), so that two such changes at once cannot
    # each see the other administrator still there; SQLite serialises writers anyway.
    db.session.scalars(
        select(Organizer.id).where(Organizer.role == Role.ADMIN).with_for_update()
    ).all()
    if account.is_admin and account.active and active_administrators() <= 1:
        raise LastAdministratorError()


def invite(by: Organizer, email: str, role: Role, series: list[Series]) -> tuple[Invite, str]:
    """A new invitation for `email` with its role and series, and its one-time token."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
        raise AccountError("Enter a valid email address.", "email")
    if db.session.scalar(select(Organizer.id).where(Organizer.email == email)):
        raise AccountError(f"There is already an account with the email {email}.", "email")
    pending = db.session.scalar(
        select(Invite.id).where(
            Invite.email == email, Invite.used_at.is_(None), Invite.expires_at > utcnow()
        )
    )
    if pending:
        raise AccountError(
            f"{email} is already invited: resend or withdraw that invitation below.", "email"
        )
    if role == Role.ORGANIZER and not series:
        raise AccountError("Choose the series the organizer will organize.", "series")
    created, token = create_invite(by, note=email)
    created.email = email
    created.role = role
    created.series = [] if role == Role.ADMIN else list(series)
    record_event(
        "invitation sent",
        f"{by.name} invited {email} as {_what_invited(role, created.series)}",
        actor=by,
        series=created.series,
    )
    return created, token


def resend(by: Organizer, old: Invite) -> tuple[Invite, str]:
    """A fresh link for a pending invitation, valid for its full lifetime; the old link closes."""
    if old.used_at is not None:
        raise AccountError("That invitation was already accepted.", "email")
    email, role, series = old.email, old.role, list(old.series)
    _close(old)
    db.session.flush()
    created, token = create_invite(by, note=old.note)
    created.email, created.role, created.series = email, role, series
    record_event(
        "invitation sent",
        f"{by.name} sent the invitation of {email or 'an organizer'} again",
        actor=by,
        series=series,
    )
    return created, token


def _close(invite_: Invite) -> None:
    now = utcnow()
    invite_.withdrawn_at = now
    # Expired as well, so that whatever checks a link's validity refuses it.
    invite_.expires_at = now


def withdraw(by: Organizer, invite_: Invite) -> None:
    """Close a pending invitation: its link no longer opens."""
    if invite_.used_at is not None:
        raise AccountError("That invitation was already accepted.", "email")
    _close(invite_)
    record_event(
        "invitation withdrawn",
        f"{by.name} withdrew the invitation of {invite_.email or 'an organizer'}",
        actor=by,
        series=invite_.series,
    )


def accepted(account: Organizer) -> None:
    """Note in the activity that an invitation became this account."""
    record_event(
        "invitation accepted",
        f"{account.name} <{account.email}> accepted the invitation as "
        f"{_what_invited(account.role, account.series)}",
        actor=account,
        organizer=account,
        series=account.series,
    )


def set_role(by: Organizer | None, account: Organizer, role: Role, series: list[Series]) -> None:
    """Give an account a role and, for an organizer, the series it organizes."""
    if role == Role.ORGANIZER and account.is_admin:
        _keep_an_administrator(account)
    before_role, before_series = account.role, list(account.series)
    account.role = role
    account.series = list(series)
    who = by.name if by else "The command line"
    if before_role != role:
        # A session begun under the old role must not keep its rights.
        end_sessions(account)
        log_event("role.changed", organizer=account.id, role=role.value)
        record_event(
            "role changed",
            f"{who} made {account.name} an {role_name(role)}",
            actor=by,
            organizer=account,
            series=set(before_series) | set(series),
        )
    for added in [s for s in series if s not in before_series]:
        record_event(
            "organizer added",
            f"{who} made {account.name} an organizer of {added.name}",
            actor=by,
            organizer=account,
            series=[added],
        )
    for removed in [s for s in before_series if s not in series]:
        record_event(
            "organizer removed",
            f"{who} removed {account.name} from the organizers of {removed.name}",
            actor=by,
            organizer=account,
            series=[removed],
        )


def deactivate(by: Organizer | None, account: Organizer) -> None:
    """Close an account: it can no longer log in, and its sessions end at once."""
    if not account.active:
        raise AccountError("That account is already deactivated.", "account")
    _keep_an_administrator(account)
    # Inactive, its sessions ended at the server, the event on the security log.
    auth_accounts.deactivate(account)
    record_event(
        "account deactivated",
        f"{by.name if by else 'The command line'} deactivated the account of {account.name}",
        actor=by,
        organizer=account,
        series=account.series,
    )


def reactivate(by: Organizer | None, account: Organizer) -> None:
    """Open a deactivated account again."""
    if account.active:
        raise AccountError("That account is active.", "account")
    account.active = True
    record_event(
        "account reactivated",
        f"{by.name if by else 'The command line'} reactivated the account of {account.name}",
        actor=by,
        organizer=account,
        series=account.series,
    )


def record_login(account: Organizer) -> None:
    """Remember when the account last logged in, for the accounts page."""
    account.last_login_at = utcnow()


# ---------------------------------------------------------------- invitation mail


@dataclass(frozen=True)
class Delivery:
    """How an invitation reaches its holder: e-mailed, or a link to pass on by hand."""

    link: str
    emailed: bool
    problem: str = ""


def invitation_link(token: str) -> str:
    """The absolute address of an invitation."""
    return url_for("auth.accept", token=token, _external=True)


def site_name() -> str:
    """The name the site goes by in invitations: its configured name, or its host."""
    from flask import request

    return current_app.config.get("SITE_NAME") or request.host


def deliver(invite_: Invite, token: str) -> Delivery:
    """E-mail the invitation when mail is configured; the link is returned either way."""
    link = invitation_link(token)
    try:
        settings = mail_settings(current_app.config)
    except MailError as exc:
        return Delivery(link, emailed=False, problem=str(exc))
    if settings is None or not invite_.email:
        return Delivery(link, emailed=False)
    by = invite_.created_by.name if invite_.created_by else "An administrator"
    site = site_name()
    what = _what_invited(invite_.role, invite_.series)
    days = INVITE_LIFETIME.days
    subject = f"{by} invites you to {site}"
    text = (
        f"{by} invites you to {site} as {what}.\n\n"
        f"Create your account here (the link works once and expires in {days} days):\n"
        f"{link}\n"
    )
    html = (
        f"<p>{escape(by)} invites you to {escape(site)} as {escape(what)}.</p>"
        f'<p><a href="{escape(link)}">Create your account</a> (the link works once and '
        f"expires in {days} days).</p>"
    )
    domain = settings.sender.rpartition("@")[2] or current_app.config["SITE_HOST"]
    try:
        send(settings, build_message(settings, invite_.email, subject, text, html, domain))
    except MailError as exc:
        return Delivery(link, emailed=False, problem=str(exc))
    return Delivery(link, emailed=True)
