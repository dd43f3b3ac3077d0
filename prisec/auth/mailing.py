"""Mail to an organizer about their account: a password-reset link, an address confirmation."""

from __future__ import annotations

from flask import current_app, render_template

from ..announcing.mail import MailError, build_message, mail_settings, send
from .securitylog import log_event


def mail_is_on() -> bool:
    """Whether the site can send mail (MAIL_HOST and MAIL_FROM are set)."""
    try:
        return mail_settings(current_app.config) is not None
    except MailError:
        return False


def send_account_mail(recipient: str, subject: str, template: str, **context: object) -> bool:
    """Send one account message through the site's SMTP server; False when it could not go."""
    try:
        settings = mail_settings(current_app.config)
    except MailError as exc:
        log_event("mail.failed", reason=str(exc))
        return False
    if settings is None:
        return False
    text = render_template(f"auth/mail/{template}.txt", **context)
    html = render_template(f"auth/mail/{template}.html", **context)
    domain = settings.sender.rpartition("@")[2] or current_app.config["SITE_HOST"]
    try:
        send(settings, build_message(settings, recipient, subject, text, html, domain))
    except MailError as exc:
        log_event("mail.failed", reason=str(exc))
        return False
    return True
