"""Account operations: creating organizers, checking passwords, the login limit, invitations."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import utcnow
from ..extensions import db
from ..models import Organizer, Role
from .models import Invite, LoginAttempt

LOGIN_LIMIT = 10
LOGIN_WINDOW = timedelta(minutes=15)
INVITE_LIFETIME = timedelta(days=7)
MIN_PASSWORD_LENGTH = 10


@functools.cache
def _dummy_hash() -> str:
    # Checked when the email is unknown, so a wrong address costs as long as a wrong password.
    return hash_password("not a password")


class AccountError(ValueError):
    """An account cannot be created as asked; the message says why, `field` says about what."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def hash_password(password: str) -> str:
    """A memory-hard scrypt hash of the password."""
    return generate_password_hash(password, method="scrypt")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_organizer(email: str, name: str, password: str, role: Role | None = None) -> Organizer:
    """A new account; AccountError when the email is taken or the password short.

    Without a role, the site's first account is an administrator and later ones organizers.
    """
    email = normalise_email(email)
    if "@" not in email or len(email) > 320:
        raise AccountError("Enter a valid email address.", "email")
    if not name.strip() or len(name) > 200:
        raise AccountError("Enter a name of at most 200 characters.", "name")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters.", "password"
        )
    if db.session.scalar(select(Organizer).where(Organizer.email == email)):
        raise AccountError(f"An organizer with the email {email} already exists.", "email")
    if role is None:
        has_admin = db.session.scalar(
            select(Organizer.id).where(Organizer.role == Role.ADMIN, Organizer.active).limit(1)
        )
        role = Role.ORGANIZER if has_admin else Role.ADMIN
    organizer = Organizer(
        email=email, name=name.strip(), password_hash=hash_password(password), role=role
    )
    db.session.add(organizer)
    db.session.flush()
    return organizer


def too_many_failures(email: str, address: str, now: datetime | None = None) -> bool:
    """Whether the account or the address already failed LOGIN_LIMIT times in the window."""
    since = (now or utcnow()) - LOGIN_WINDOW
    recent = select(func.count(LoginAttempt.id)).where(LoginAttempt.attempted_at > since)
    by_email = db.session.scalar(recent.where(LoginAttempt.email == normalise_email(email)))
    by_address = db.session.scalar(recent.where(LoginAttempt.address == address))
    return max(by_email or 0, by_address or 0) >= LOGIN_LIMIT


def authenticate(email: str, password: str, address: str) -> Organizer | None:
    """The organizer when the password is right; otherwise the failure is recorded."""
    email = normalise_email(email)
    organizer = db.session.scalar(select(Organizer).where(Organizer.email == email))
    stored = organizer.password_hash if organizer else _dummy_hash()
    if check_password_hash(stored, password) and organizer and organizer.active:
        return organizer
    db.session.add(LoginAttempt(email=email[:320], address=address[:64]))
    # Old attempts no longer count; dropping them keeps the table small.
    db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.attempted_at < utcnow() - 4 * LOGIN_WINDOW)
    )
    db.session.commit()
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(created_by: Organizer, note: str = "") -> tuple[Invite, str]:
    """A new invitation and its secret token (shown once, stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    invite = Invite(
        token_hash=_token_hash(token),
        note=note.strip()[:200],
        created_by=created_by,
        expires_at=utcnow() + INVITE_LIFETIME,
    )
    db.session.add(invite)
    db.session.flush()
    return invite, token


def usable_invite(token: str) -> Invite | None:
    """The invitation behind a token, when it is neither used nor expired."""
    invite = db.session.scalar(select(Invite).where(Invite.token_hash == _token_hash(token)))
    if invite is None or invite.used_at is not None or invite.expires_at <= utcnow():
        return None
    return invite


def accept_invite(invite: Invite, email: str, name: str, password: str) -> Organizer:
    """Create the invited account, with the invitation's role and series, and use it up."""
    organizer = create_organizer(email, name, password, role=invite.role)
    organizer.series = list(invite.series)
    invite.used_at = utcnow()
    invite.used_by = organizer
    return organizer


def pending_invites() -> list[Invite]:
    """Invitations that can still be used, newest first."""
    return list(
        db.session.scalars(
            select(Invite)
            .where(Invite.used_at.is_(None), Invite.expires_at > utcnow())
            .order_by(Invite.created_at.desc())
        )
    )
