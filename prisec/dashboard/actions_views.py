"""Actions on a talk: duplicate, reschedule and undo, cancel, trash, history and revisions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import editing, wallclock
from ..database import utcnow
from ..extensions import db
from ..forms import EmptyForm
from ..models import Talk, TalkRevision
from ..rendering import render, wants_fragment
from .forms import CancelForm, RescheduleForm
from .history import history_of
from .planning import free_slots
from .views import bp, done, me, talk_or_404


def _duplicate_slot(talk: Talk) -> tuple[datetime, datetime]:
    """Where a duplicate goes: the series' next free slot at the talk's own time and length.

    A series without a regular day has no slots: the copy goes to the first week after the
    original (or after today) with no talk of the series on that day.
    """
    series = talk.series
    zone_name = series.timezone
    local_start = wallclock.in_zone(talk.start, zone_name)
    at = local_start.time().replace(tzinfo=None)
    length = talk.end - talk.start
    days = [day for day, skipped in free_slots(series) if not skipped]
    if not days:
        taken = {
            wallclock.in_zone(start, zone_name).date()
            for start in db.session.scalars(
                select(Talk.start).where(Talk.series_id == series.id, Talk.deleted_at.is_(None))
            )
        }
        today = wallclock.in_zone(utcnow(), zone_name).date()
        day = local_start.date() + timedelta(weeks=1)
        while day <= today:
            day += timedelta(weeks=1)
        weeks = (day + timedelta(weeks=n) for n in range(52))
        days = [candidate for candidate in weeks if candidate not in taken]
    for day in days:
        start = _at(day, at, zone_name)
        if start is not None:
            return start, start + length
    raise ValueError("no free date was found for the copy")


def _at(day: date, at: time, zone_name: str) -> datetime | None:
    try:
        # At an autumn fold the first of the two readings, as the form proposes.
        return wallclock.combine(day, at, zone_name, 0)
    except wallclock.NonexistentTime:
        return None


@bp.post("/talks/<int:talk_id>/duplicate")
def duplicate(talk_id: int):
    """A new draft with the talk's speakers and links on the next free slot; opens its form."""
    talk = talk_or_404(talk_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        start, end = _duplicate_slot(talk)
    except ValueError as exc:
        flash(f"Nothing changed: {exc}.", "error")
        return redirect(url_for("dashboard.edit_talk", talk_id=talk.id), 303)
    copy = editing.duplicate_talk(talk, start=start, end=end, organizer=me())
    db.session.commit()
    local = wallclock.in_zone(copy.start, copy.series.timezone)
    flash(
        f"This is a copy of “{talk.title or 'Untitled'}”, a draft on "
        f"{wallclock.format_date(local)} at {local:%H:%M}: check it, then publish it when ready.",
        "info",
    )
    return redirect(url_for("dashboard.edit_talk", talk_id=copy.id), 303)


@bp.route("/talks/<int:talk_id>/reschedule", methods=["GET", "POST"])
def reschedule(talk_id: int):
    """Move a talk to a new date and time; the old one stays, struck through."""
    talk = talk_or_404(talk_id)
    zone_name = talk.series.timezone
    if request.method == "GET":
        local = wallclock.in_zone(talk.start, zone_name)
        form = RescheduleForm(
            data={"date": local.date(), "start_time": local.time().replace(tzinfo=None)}
        )
    else:
        form = RescheduleForm()
    form.zone_name = zone_name
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                editing.reschedule_talk(
                    talk, form.start_utc, reason=form.reason.data or "", organizer=me()
                )
            except ValueError:
                form.date.errors.append("That is the talk's current date and time.")
            else:
                db.session.commit()
                return done(talk, f"“{talk.title or 'Untitled'}” is rescheduled.")
        status = 422
    return render_template(
        "dashboard/reschedule.html", talk=talk, form=form, action_form=EmptyForm()
    ), status


def _action(talk_id: int, operation, message: str) -> Response:
    talk = talk_or_404(talk_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        operation(talk, me())
    except ValueError as exc:
        flash(f"Nothing changed: {exc}.", "error")
        return redirect(url_for("dashboard.edit_talk", talk_id=talk.id), 303)
    db.session.commit()
    return done(talk, message.format(title=talk.title or "Untitled"))


@bp.post("/talks/<int:talk_id>/undo-reschedule")
def undo_reschedule(talk_id: int):
    """Put the talk back where it was before its last reschedule."""
    return _action(talk_id, editing.undo_reschedule, "“{title}” is back at its earlier time.")


@bp.route("/talks/<int:talk_id>/cancel", methods=["GET", "POST"])
def cancel(talk_id: int):
    """Ask to confirm the cancellation (a page, or a dialog for htmx), then cancel with a note."""
    talk = talk_or_404(talk_id)
    form = CancelForm()
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                editing.cancel_talk(talk, me(), note=form.note.data or "")
            except ValueError as exc:
                flash(f"Nothing changed: {exc}.", "error")
                return redirect(url_for("dashboard.edit_talk", talk_id=talk.id), 303)
            db.session.commit()
            return done(talk, f"“{talk.title or 'Untitled'}” is cancelled.")
        status = 422
    if talk.cancelled and request.method == "GET" and not wants_fragment():
        flash("This talk is already cancelled.", "info")
        return redirect(url_for("dashboard.edit_talk", talk_id=talk.id), 303)
    return render(
        "dashboard/cancel.html", "partials/_cancel_dialog.html", status, talk=talk, form=form
    )


@bp.post("/talks/<int:talk_id>/uncancel")
def uncancel(talk_id: int):
    """Withdraw the cancellation."""
    return _action(talk_id, editing.uncancel_talk, "“{title}” takes place again.")


@bp.post("/talks/<int:talk_id>/delete")
def delete(talk_id: int):
    """Move the talk to the trash."""
    return _action(
        talk_id, editing.delete_talk, "“{title}” is in the trash; restore it from there."
    )


@bp.post("/talks/<int:talk_id>/restore")
def restore(talk_id: int):
    """Take the talk out of the trash."""
    return _action(talk_id, editing.restore_talk, "“{title}” is restored from the trash.")


@bp.get("/talks/<int:talk_id>/history")
def history(talk_id: int):
    """Every revision of a talk, what changed in each, and a way back to any of them."""
    talk = talk_or_404(talk_id)
    return render_template(
        "dashboard/history.html", talk=talk, entries=history_of(talk), action_form=EmptyForm()
    )


@bp.post("/talks/<int:talk_id>/revisions/<int:revision_id>/restore")
def restore_revision(talk_id: int, revision_id: int):
    """Bring the talk back to one of its revisions (itself saved as a new revision)."""
    talk = talk_or_404(talk_id)
    revision = db.session.get(TalkRevision, revision_id)
    if revision is None or revision.talk_id != talk.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    editing.restore_revision(talk, revision, me())
    db.session.commit()
    return done(
        talk,
        "Restored the earlier revision; the history keeps the version it replaced.",
        url_for("dashboard.history", talk_id=talk.id),
    )
