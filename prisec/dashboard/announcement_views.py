"""Organizer pages of announcements: the preview with copy buttons, and sending by mail."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..announcing.compose import Announcement, AnnouncementTemplateError, compose
from ..announcing.mail import MailError, build_message, mail_settings, send
from ..announcing.models import AnnouncementSend
from ..extensions import db
from ..feeds.links import google_event_url
from ..models import Talk
from ..team.access import talk_or_404
from .views import bp


class SendForm(FlaskForm):
    """Only the CSRF token; `confirm=yes` is posted by the send-again button."""


def talk_links(talk: Talk) -> dict[str, str]:
    """The absolute addresses an announcement links to: page, calendar file and feeds."""
    talk_url = url_for("schedule.talk_page", talk_id=talk.id, slug=talk.slug, _external=True)
    return {
        "talk_url": talk_url,
        "ics_url": url_for("feeds.talk_file", talk_id=talk.id, _external=True),
        "series_feed_url": url_for("feeds.series_feed", slug=talk.series.slug, _external=True),
        "google_calendar_url": google_event_url(talk, talk_url),
    }


def sends_of(talk: Talk) -> list[AnnouncementSend]:
    """The announcements of a talk that went out, newest first."""
    return list(
        db.session.scalars(
            select(AnnouncementSend)
            .where(AnnouncementSend.talk_id == talk.id)
            .order_by(AnnouncementSend.sent_at.desc(), AnnouncementSend.id.desc())
        )
    )


def _page(talk: Talk, status: int = 200, *, error: str = "", confirm: bool = False):
    announcement: Announcement | None = None
    template_error = ""
    try:
        announcement = compose(talk, talk_links(talk))
    except AnnouncementTemplateError as exc:
        template_error = str(exc)
    try:
        settings = mail_settings(current_app.config)
        mail_problem = "" if settings else "Mail is not configured (see MAIL_HOST in the README)."
    except MailError as exc:
        mail_problem = str(exc)
    context = {
        "talk": talk,
        "series": talk.series,
        "announcement": announcement,
        "template_error": template_error,
        "mail_problem": mail_problem,
        "sends": sends_of(talk),
        "send_error": error,
        "confirm": confirm,
        "form": SendForm(),
    }
    return render_template("dashboard/announcement.html", **context), status


@bp.get("/talks/<int:talk_id>/announcement")
def announcement(talk_id: int):
    """The announcement of a talk, subject and body ready to copy, and the send button."""
    talk = talk_or_404(talk_id)
    return _page(talk)


@bp.post("/talks/<int:talk_id>/announcement/send")
def send_announcement(talk_id: int):
    """Mail the announcement to the series' address; a second send must be confirmed."""
    talk = talk_or_404(talk_id)
    if not SendForm().validate_on_submit():
        abort(400, "The form expired; reload the page and send again.")
    recipient = talk.series.announcement_address
    try:
        settings = mail_settings(current_app.config)
    except MailError as exc:
        return _page(talk, 422, error=str(exc))
    if settings is None:
        return _page(talk, 422, error="Mail is not configured, so nothing was sent.")
    if not recipient:
        return _page(
            talk, 422, error="The series has no announcement address; set it in the settings."
        )
    if sends_of(talk) and request.form.get("confirm") != "yes":
        return _page(talk, confirm=True)
    try:
        announcement = compose(talk, talk_links(talk))
    except AnnouncementTemplateError as exc:
        return _page(talk, 422, error=f"Nothing was sent. {exc}")
    domain = settings.sender.rpartition("@")[2] or current_app.config["SITE_HOST"]
    try:
        message = build_message(
            settings,
            recipient,
            announcement.subject,
            announcement.text,
            announcement.html,
            domain,
            announcement.calendar,
        )
        send(settings, message)
    except MailError as exc:
        return _page(talk, 422, error=f"Nothing was sent. {exc}")
    db.session.add(
        AnnouncementSend(
            talk=talk,
            talk_version=talk.version,
            organizer=current_user._get_current_object(),
            recipient=recipient,
            subject=announcement.subject,
            message_id=message["Message-ID"],
        )
    )
    db.session.commit()
    flash(f"The announcement was sent to {recipient}.", "info")
    return redirect(url_for("dashboard.announcement", talk_id=talk.id), 303)
