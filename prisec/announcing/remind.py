"""`flask remind`: what organizers still have to do this week, listed or mailed (for cron)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import click
from flask import current_app
from markupsafe import escape
from sqlalchemy import select

from .. import wallclock
from ..dashboard.attention import HEADINGS, Item, Kind, attention_items
from ..database import utcnow
from ..extensions import db
from ..models import Organizer, Talk, in_visible_series
from ..speakerform.models import SpeakerLink
from ..titles import plain_title
from .mail import MailError, build_message, mail_settings, send


@dataclass
class Reminders:
    """The dashboard's Needs attention items of every series, and speaker links not answered."""

    items: list[Item] = field(default_factory=list)
    unanswered: list[SpeakerLink] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items or self.unanswered)


def due(now: datetime) -> Reminders:
    """What is due at `now`: the Needs attention rule over every series, plus open speaker links."""
    links = db.session.scalars(
        select(SpeakerLink)
        .join(Talk, Talk.id == SpeakerLink.talk_id)
        .where(
            SpeakerLink.revoked_at.is_(None),
            SpeakerLink.answered_at.is_(None),
            SpeakerLink.expires_at > now,
            Talk.deleted_at.is_(None),
            in_visible_series(),
        )
        .order_by(SpeakerLink.created_at)
    )
    return Reminders(items=attention_items(now), unanswered=list(links))


def _line(talk: Talk) -> str:
    local = wallclock.in_zone(talk.start, talk.series.timezone)
    names = ", ".join(speaker.display_name for speaker in talk.speakers) or "no speaker yet"
    when = f"{wallclock.format_date(local)} {wallclock.format_time(local)}"
    title = plain_title(talk.title) or "Untitled"
    return f"- {when} {talk.series.name}: {names}, “{title}” (talk {talk.id})"


def _path(item: Item) -> str:
    # No request here: build the organizer's path from the URL map alone.
    return current_app.url_map.bind("").build(item.endpoint, item.values)


def report(reminders: Reminders) -> str:
    """The reminders as plain text: one section per kind of Needs attention item, then links."""
    if not reminders:
        return "Nothing is due.\n"
    sections = []
    for kind in Kind:
        items = [item for item in reminders.items if item.kind is kind]
        if items:
            lines = [f"{_line(item.talk)}: {item.todo} → {_path(item)}" for item in items]
            sections.append(f"{HEADINGS[kind]}:\n" + "\n".join(lines))
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
    """List what needs attention (as the dashboard shows it) and unanswered speaker links."""
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
