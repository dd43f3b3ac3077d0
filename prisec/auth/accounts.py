"""Account operations: creating organizers, checking passwords, the login limit, invitations."""

from __future__ import annotations

import functools
import hashlib
import secrets
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import utcnow
from ..extensions import db
from ..models import Organizer, Role
from .models import AccountToken, Invite, LoginAttempt
from .securitylog import log_event
from .sessions import end_sessions

LOGIN_LIMIT = 10
LOGIN_WINDOW = timedelta(minutes=15)
# An address that logged in to an account this recently is its owner's: the per-account
# limit, which strangers can fill, does not apply to it.
KNOWN_ADDRESS_WINDOW = timedelta(days=30)
INVITE_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
EMAIL_CONFIRM_LIFETIME = timedelta(days=2)
MIN_PASSWORD_LENGTH = 12
# zxcvbn's score (0-4) a password needs: 3 is "safely unguessable" for an online attack.
MIN_PASSWORD_SCORE = 3


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
    """The one form of an address: validated, IDNA and Unicode normalised, lower case.

    Look-alikes of one address (fullwidth letters, a trailing dot, upper case) become that
    address; AccountError for what is no address or mixes alphabets that look alike.
    """
    from confusable_homoglyphs import confusables
    from email_validator import EmailNotValidError, validate_email

    # Fullwidth and other compatibility forms read as the letters they show.
    typed = unicodedata.normalize("NFKC", email.strip())
    # A trailing dot names the same DNS domain.
    typed = typed.removesuffix(".")
    try:
        valid = validate_email(typed, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(f"Enter a valid email address: {exc}", "email") from exc
    local, _, domain = valid.normalized.casefold().rpartition("@")
    for part in (local, *domain.split(".")):
        if confusables.is_mixed_script(part):
            raise AccountError(
                "This address mixes alphabets whose letters look alike; type it in one alphabet.",
                "email",
            )
    address = f"{local}@{domain}"
    if len(address) > 320:
        raise AccountError("Enter a valid email address of at most 320 characters.", "email")
    return address


def password_problem(password: str, *context: str) -> str | None:
    """Why `password` is refused (too short, common, guessable), or None when it is good."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
    # zxcvbn is slow on long input and longer passwords are not its worry.
    verdict = zxcvbn(password[:100], user_inputs=[c for c in context if c])
    if verdict["score"] >= MIN_PASSWORD_SCORE:
        return None
    feedback = verdict["feedback"]
    reason = feedback.get("warning") or "This password is easy to guess."
    hint = " ".join(feedback.get("suggestions") or ["Use a few uncommon words."])
    return f"{reason} {hint}".strip()


def _checked_account(email: str, name: str, password: str) -> tuple[str, str, str]:
    """The normalised email, the name and the password hash; AccountError when refused."""
    email = normalise_email(email)
    if not name.strip() or len(name) > 200:
        raise AccountError("Enter a name of at most 200 characters.", "name")
    problem = password_problem(password, email, name)
    if problem:
        raise AccountError(problem, "password")
    if organizer_by_email(email):
        raise AccountError(f"An organizer with the email {email} already exists.", "email")
    return email, name.strip(), hash_password(password)


def _default_role() -> Role:
    """The site's first active administrator-to-be; every later account an organizer."""
    has_admin = db.session.scalar(
        select(Organizer.id).where(Organizer.role == Role.ADMIN, Organizer.active).limit(1)
    )
    return Role.ORGANIZER if has_admin else Role.ADMIN


def organizer_by_email(email: str) -> Organizer | None:
    """The account of an address, in any of its look-alike forms; None when there is none."""
    try:
        email = normalise_email(email)
    except AccountError:
        return None
    return db.session.scalar(select(Organizer).where(Organizer.email == email))


def create_organizer(email: str, name: str, password: str, role: Role | None = None) -> Organizer:
    """A new account; AccountError when the email is taken or the password weak.

    Without a role, the site's first account is an administrator and later ones organizers.
    """
    email, name, password_hash = _checked_account(email, name, password)
    organizer = Organizer(
        email=email, name=name, password_hash=password_hash, role=role or _default_role()
    )
    db.session.add(organizer)
    db.session.flush()
    log_event("account.created", organizer=organizer.id, email=email)
    return organizer


def _attempt_key(email: str) -> str:
    try:
        return normalise_email(email)
    except AccountError:
        # Attempts on what is no address count too, as typed.
        return email.strip().lower()[:320]


def address_locked_until(address: str, now: datetime | None = None) -> datetime | None:
    """When the address may try again, if it failed LOGIN_LIMIT times in LOGIN_WINDOW.

    While it is locked no attempt from it is recorded, so the lock ends when the
    LOGIN_LIMIT-th newest failure leaves the window, unless failures from another worker
    meanwhile pushed it later.
    """
    now = now or utcnow()
    failed = db.session.scalar(
        select(LoginAttempt.attempted_at)
        .where(
            LoginAttempt.address == address,
            LoginAttempt.attempted_at > now - LOGIN_WINDOW,
            LoginAttempt.succeeded.is_(False),
        )
        .order_by(LoginAttempt.attempted_at.desc())
        .offset(LOGIN_LIMIT - 1)
        .limit(1)
    )
    return None if failed is None else failed + LOGIN_WINDOW


def too_many_failures(email: str, address: str, now: datetime | None = None) -> bool:
    """Whether this login must wait: the address failed too often, or the account did from
    addresses that are not its owner's (no success for it in KNOWN_ADDRESS_WINDOW)."""
    now = now or utcnow()
    return address_locked_until(address, now) is not None or account_locked(email, address, now)


def account_locked(email: str, address: str, now: datetime | None = None) -> bool:
    """Whether the account failed LOGIN_LIMIT times in LOGIN_WINDOW, from addresses that are
    not its owner's (no success for it from `address` in KNOWN_ADDRESS_WINDOW)."""
    now = now or utcnow()
    failures = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.attempted_at > now - LOGIN_WINDOW, LoginAttempt.succeeded.is_(False)
    )
    key = _attempt_key(email)
    known = db.session.scalar(
        select(LoginAttempt.id)
        .where(
            LoginAttempt.email == key,
            LoginAttempt.address == address,
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.attempted_at > now - KNOWN_ADDRESS_WINDOW,
        )
        .limit(1)
    )
    if known is not None:
        return False
    return (db.session.scalar(failures.where(LoginAttempt.email == key)) or 0) >= LOGIN_LIMIT


def authenticate(email: str, password: str, address: str) -> Organizer | None:
    """The organizer when the password is right; otherwise the failure is recorded."""
    key = _attempt_key(email)
    organizer = db.session.scalar(select(Organizer).where(Organizer.email == key))
    stored = organizer.password_hash if organizer else _dummy_hash()
    succeeded = bool(check_password_hash(stored, password) and organizer and organizer.active)
    db.session.add(LoginAttempt(email=key, address=address[:64], succeeded=succeeded))
    # Old attempts no longer count; dropping them keeps the table small.
    db.session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.attempted_at
            < utcnow() - (KNOWN_ADDRESS_WINDOW if succeeded else 4 * LOGIN_WINDOW),
            LoginAttempt.succeeded.is_(succeeded),
        )
    )
    db.session.commit()
    if succeeded:
        log_event("login.success", organizer=organizer.id)
        return organizer
    log_event("login.failure", email=key, known_account=organizer is not None)
    return None


def record_request(email: str, address: str) -> None:
    """Count a request for a reset link like a failed login of that account and address."""
    db.session.add(LoginAttempt(email=_attempt_key(email), address=address[:64]))
    db.session.commit()


def token_hash(token: str) -> str:
    """The SHA-256 of a one-time token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(created_by: Organizer, note: str = "") -> tuple[Invite, str]:
    """A new invitation and its secret token (shown once, stored only as a hash)."""
    token = secrets.token_urlsafe(32)
    invite = Invite(
        token_hash=token_hash(token),
        note=note.strip()[:200],
        created_by=created_by,
        expires_at=utcnow() + INVITE_LIFETIME,
    )
    db.session.add(invite)
    db.session.flush()
    log_event("invitation.created", invitation=invite.id, by=created_by.id)
    return invite, token


def usable_invite(token: str) -> Invite | None:
    """The invitation behind a token, when it is neither used nor expired."""
    invite = db.session.scalar(select(Invite).where(Invite.token_hash == token_hash(token)))
    if invite is None or invite.used_at is not None or invite.expires_at <= utcnow():
        return None
    return invite


class TokenUsed(LookupError):
    """A one-time link was used up (or expired) before this request could use it."""


def _claim(model: type[Invite] | type[AccountToken], row_id: int) -> None:
    """Mark a one-time link used, in the database, at most once across every request.

    The conditional UPDATE is the test: of concurrent requests only one changes the row
    (PostgreSQL makes the others wait and re-check; SQLite lets one writer in at a time).
    """
    now = utcnow()
    result = db.session.execute(
        update(model)
        .where(model.id == row_id, model.used_at.is_(None), model.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise TokenUsed


def accept_invite(invite: Invite, email: str, name: str, password: str) -> Organizer:
    """Create the invited organizer's account and use up the invitation, once.

    AccountError when the form is refused (the invitation stays usable), TokenUsed when
    another request used the invitation first. The caller commits.
    """
    invite_id = invite.id
    # Checked and hashed before the claim, so the write lock is held for milliseconds.
    email, name, password_hash = _checked_account(email, name, password)
    role, series = invite.role, list(invite.series)
    _claim(Invite, invite_id)
    organizer = Organizer(email=email, name=name, password_hash=password_hash, role=role)
    organizer.series = series
    db.session.add(organizer)
    db.session.flush()
    db.session.execute(
        update(Invite)
        .where(Invite.id == invite_id)
        .values(used_by_id=organizer.id)
        .execution_options(synchronize_session=False)
    )
    log_event("invitation.accepted", invitation=invite_id, organizer=organizer.id, email=email)
    log_event("account.created", organizer=organizer.id, email=email)
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


def set_password(organizer: Organizer, password: str, event: str = "password.changed") -> None:
    """Give `organizer` a new password and end every session of the account; caller commits."""
    problem = password_problem(password, organizer.email, organizer.name)
    if problem:
        raise AccountError(problem, "password")
    organizer.password_hash = hash_password(password)
    end_sessions(organizer)
    log_event(event, organizer=organizer.id)


def deactivate(organizer: Organizer) -> None:
    """Close an account: it can no longer log in and its sessions end now; caller commits."""
    organizer.active = False
    end_sessions(organizer)
    log_event("account.deactivated", organizer=organizer.id)


def create_account_token(
    organizer: Organizer, purpose: str, lifetime: timedelta, new_email: str | None = None
) -> str:
    """A one-time link's secret for `organizer` (stored only as a hash); the caller commits."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            purpose=purpose,
            token_hash=token_hash(token),
            organizer=organizer,
            new_email=new_email,
            expires_at=utcnow() + lifetime,
        )
    )
    db.session.flush()
    return token


def usable_account_token(token: str, purpose: str) -> AccountToken | None:
    """The one-time link behind a token, when it is of `purpose`, unused and unexpired."""
    row = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_hash(token), AccountToken.purpose == purpose
        )
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    if not row.organizer.active:
        return None
    return row


def use_account_token(row: AccountToken) -> None:
    """Consume a one-time link atomically; TokenUsed when another request did first."""
    _claim(AccountToken, row.id)


def change_name(organizer: Organizer, name: str) -> None:
    """Rename the account; the caller commits."""
    if not name.strip() or len(name) > 200:
        raise AccountError("Enter a name of at most 200 characters.", "name")
    organizer.name = name.strip()


def check_current_password(organizer: Organizer, password: str) -> None:
    """AccountError beside `current_password` unless `password` is the account's."""
    if not check_password_hash(organizer.password_hash, password):
        raise AccountError("That is not your current password.", "current_password")


def checked_new_email(organizer: Organizer, email: str) -> str:
    """The normalised new address; AccountError when it is invalid, the same or taken."""
    email = normalise_email(email)
    if email == organizer.email:
        raise AccountError("That is already your address.", "email")
    if organizer_by_email(email):
        raise AccountError(f"An organizer with the email {email} already exists.", "email")
    return email


def set_email(organizer: Organizer, email: str) -> None:
    """Make `email` the account's address (checked again: it may have been taken since)."""
    email = checked_new_email(organizer, email)
    old = organizer.email
    organizer.email = email
    log_event("email.changed", organizer=organizer.id, old=old, new=email)


def end_other_sessions(organizer: Organizer) -> None:
    """ "Log out everywhere": every session of the account ends; the caller keeps its own."""
    end_sessions(organizer)
    log_event("sessions.ended", organizer=organizer.id)
