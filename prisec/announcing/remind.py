"""`flask remind`: what organizers still have to do this week, listed or mailed (for cron)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask import current_app
from markupsafe import escape
from sqlalchemy import select

from .. import wallclock
from ..database import utcnow
from ..extensions import db
from ..models import Organizer, Talk, TalkStatus, in_visible_series
from ..speakerform.models import SpeakerLink
from ..titles import plain_title
from .mail import MailError, build_message, mail_settings, send
from .models import AnnouncementSend

ANNOUNCE_WINDOW = timedelta(days=7)


@dataclass
class Reminders:
    """Talks not yet announced, talks without an abstract, speaker links not answered."""

    unannounced: list[Talk] = field(default_factory=list)
    missing_abstract: list[Talk] = field(default_factory=list)
    unanswered: list[SpeakerLink] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.unannounced or self.missing_abstract or self.unanswered)


def _upcoming_talks(now: datetime) -> list[Talk]:
    return list(
        db.session.scalars(
            select(Talk)
            .where(
                Talk.start >= now,
                Talk.published.is_(True),
                Talk.deleted_at.is_(None),
                in_visible_series(),
                Talk.status != TalkStatus.CANCELLED,
            )
            .order_by(Talk.start, Talk.id)
        )
    )


def due(now: datetime) -> Reminders:
    """What is due at `now`: the next 7 days' unannounced talks, and the rest upcoming."""
    talks = _upcoming_talks(now)
    announced = set(db.session.scalars(select(AnnouncementSend.talk_id).distinct()))
    links = db.session.scalars(
        select(SpeakerLink)
        .where(
            SpeakerLink.revoked_at.is_(None),
            SpeakerLink.answered_at.is_(None),
            SpeakerLink.expires_at > now,
        )
        .order_by(SpeakerLink.created_at)
    )
    return Reminders(
        unannounced=[
            t for t in talks if t.start <= now + ANNOUNCE_WINDOW and t.id not in announced
        ],
        missing_abstract=[t for t in talks if not t.abstract.strip()],
        unanswered=[link for link in links if link.talk.deleted_at is None],
    )


def _line(talk: Talk) -> str:
    local = wallclock.in_zone(talk.start, talk.series.timezone)
    names = ", ".join(speaker.display_name for speaker in talk.speakers) or "no speaker yet"
    when = f"{wallclock.format_date(local)} {wallclock.format_time(local)}"
    title = plain_title(talk.title) or "Untitled"
    return f"- {when} {talk.series.name}: {names}, “{title}” (talk {talk.id})"


def report(reminders: Reminders) -> str:
    """The reminders as plain text, one section per kind."""
    if not reminders:
        return "Nothing is due.\n"
    sections = []
    if reminders.unannounced:
        lines = [
            _line(t) + f" → /dashboard/talks/{t.id}/announcement" for t in reminders.unannounced
        ]
        sections.append("Talks in the next 7 days with no announcement sent:\n" + "\n".join(lines))
    if reminders.missing_abstract:
        lines = [_line(t) + f" → /dashboard/talks/{t.id}/edit" for t in reminders.missing_abstract]
        sections.append("Upcoming talks without an abstract:\n" + "\n".join(lines))
    if reminders.unanswered:
        lines = [
            _line(link.talk) + f", link sent {link.created_at:%d %b %Y}, open until "
            f"{link.expires_at:%d %b %Y}"
            for link in reminders.unanswered
        ]
        sections.append("Speaker links not yet answered:\n" + "\n".join(lines))
    return "\n\n".join(sections) + "\n"


@click.command("remind")
@click.option("--send", "send_mail", is_flag=True, help="Mail the list to every organizer.")
def remind_command(send_mail: bool) -> None:
    """List what is due (unannounced talks, missing abstracts, unanswered speaker links)."""
    reminders = due(utcnow())
    text = report(reminders)
    click.echo(text, nl=False)
    if not send_mail or not reminders:
        return
    try:
        settings = mail_settings(current_app.config)
    except MailError as exc:
        raise click.ClickException(str(exc)) from exc
    if settings is None:
        raise click.ClickException("Mail is not configured (MAIL_HOST, MAIL_FROM); nothing sent.")
    recipients = list(db.session.scalars(select(Organizer.email).where(Organizer.active.is_(True))))
    if not recipients:
        raise click.ClickException("There is no organizer account to mail; nothing sent.")
    try:
        message = build_message(
            settings,
            ", ".join(recipients),
            "Seminar reminders: what is due",
            text,
            f"<pre>{escape(text)}</pre>",
            settings.sender.rpartition("@")[2] or current_app.config["SITE_HOST"],
        )
        send(settings, message)
    except MailError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Sent to {', '.join(recipients)}.")
