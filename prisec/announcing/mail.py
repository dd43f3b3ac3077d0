"""Sending mail through the configured SMTP server, with failures told in plain words."""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from ..textcleaning import clean_text, header_line_break

SECURITY_CHOICES = ("none", "starttls", "tls")
TIMEOUT_SECONDS = 30


class MailError(Exception):
    """Mail could not be handed to the server; the message says why in plain words."""


@dataclass(frozen=True)
class MailSettings:
    """Where and how to send: host, port, security, login and sender."""

    host: str
    port: int
    security: str
    user: str
    password: str
    sender: str


def mail_settings(config: dict[str, Any]) -> MailSettings | None:
    """The SMTP settings of the app's config, or None when mail is not configured."""
    host = (config.get("MAIL_HOST") or "").strip()
    sender = (config.get("MAIL_FROM") or "").strip()
    if not host or not sender:
        return None
    security = (config.get("MAIL_SECURITY") or "none").strip().lower()
    if security not in SECURITY_CHOICES:
        raise MailError(f"MAIL_SECURITY must be one of {', '.join(SECURITY_CHOICES)}.")
    default_port = {"none": 25, "starttls": 587, "tls": 465}[security]
    return MailSettings(
        host=host,
        port=int(config.get("MAIL_PORT") or default_port),
        security=security,
        user=(config.get("MAIL_USER") or "").strip(),
        # Only from the environment, so it never lands in a config file or a backup.
        password=os.environ.get("PRISEC_MAIL_PASSWORD", ""),
        sender=sender,
    )


@dataclass(frozen=True)
class CalendarAttachment:
    """An iCalendar file sent with a mail, so that mail clients offer to add the event."""

    filename: str
    content: bytes
    method: str = "PUBLISH"


def build_message(
    settings: MailSettings,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    domain: str,
    calendar: CalendarAttachment | None = None,
) -> EmailMessage:
    """A multipart/alternative message (plain text first, then HTML), UTF-8 throughout.

    With a calendar file the message becomes multipart/mixed: the two texts, then the file
    as text/calendar with its METHOD, which is what makes clients offer "add to calendar".
    Raises MailError rather than write a header that a line break (raw, or hidden in an
    RFC 2047 encoded word) would split in two.
    """
    values = {"Subject": subject, "From": settings.sender, "To": recipient}
    for name, value in values.items():
        if header_line_break(value):
            raise MailError(
                f"The {name} of this mail would hold a line break, so nothing was sent."
            )
    message = EmailMessage()
    try:
        for name, value in values.items():
            message[name] = clean_text(value)
    except ValueError as exc:
        # The mail package refuses some of these itself (a line break in an address).
        raise MailError(f"The mail could not be written: {exc}.") from exc
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(clean_text(text), charset="utf-8")
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{html}</body></html>'
    message.add_alternative(
        clean_text(page),
        subtype="html",
        charset="utf-8",
    )
    if calendar is not None:
        # Bytes, so the file's CRLF line ends and folding reach the reader untouched.
        message.add_attachment(
            calendar.content,
            maintype="text",
            subtype="calendar",
            filename=_safe_filename(calendar.filename),
            params={"method": calendar.method, "charset": "UTF-8"},
        )
    check_headers(message)
    return message


def _safe_filename(name: str) -> str:
    # The name lands in a header parameter: only characters no header can misread.
    kept = "".join(c for c in name if c.isascii() and (c.isalnum() or c in "-_."))
    return kept or "event.ics"


def check_headers(message: EmailMessage) -> None:
    """Raise MailError unless the message, as written, has exactly the headers it was given.

    The mail package's folding differs between patch levels of Python (3.11.7 writes a line
    break decoded from an encoded word as it is); reading the written bytes back tells what
    the server would receive, whatever the version.
    """
    parts = list(message.walk())
    for part in parts:
        for name, value in part.items():
            if header_line_break(str(value)):
                raise MailError(
                    f"The {name} of this mail would hold a line break, so nothing was sent."
                )
    written = list(message_from_bytes(message.as_bytes(), policy=policy.default).walk())
    # Every part too (an attachment's name is a header parameter), in the same order.
    if [[n.lower() for n in part] for part in written] != [[n.lower() for n in p] for p in parts]:
        raise MailError("The mail would carry a header it was not given, so nothing was sent.")


def send(settings: MailSettings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server; raises MailError in plain words on any failure."""
    check_headers(message)
    where = f"{settings.host}:{settings.port}"
    step = "sending"
    try:
        if settings.security == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host,
                settings.port,
                timeout=TIMEOUT_SECONDS,
                context=ssl.create_default_context(),
            )
        else:
            connection = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
        with connection:
            if settings.security == "starttls":
                step = "STARTTLS"
                connection.starttls(context=ssl.create_default_context())
            if settings.user:
                step = "logging in (AUTH)"
                connection.login(settings.user, settings.password)
            connection.send_message(message)
    except ConnectionRefusedError as exc:
        raise MailError(f"The mail server at {where} refused the connection.") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"The mail server at {where} did not accept the user name or password "
            "(set the password in PRISEC_MAIL_PASSWORD)."
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(exc.recipients)
        raise MailError(f"The mail server refused to deliver to {refused}.") from exc
    except smtplib.SMTPSenderRefused as exc:
        raise MailError(f"The mail server refused the sender address {exc.sender}.") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(f"The mail server at {where} does not offer {step}.") from exc
    except smtplib.SMTPException as exc:
        raise MailError(f"The mail server at {where} reported an error: {exc}") from exc
    except ssl.SSLError as exc:
        raise MailError(f"The secure connection to {where} failed: {exc.reason}.") from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise MailError(f"Could not reach the mail server at {where}: {reason}.") from exc
