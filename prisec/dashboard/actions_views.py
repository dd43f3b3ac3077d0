"""Actions on a talk: reschedule and undo, cancel, trash, history and restoring revisions."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for

from .. import editing, wallclock
from ..extensions import db
from ..forms import EmptyForm
from ..models import TalkRevision
from .forms import RescheduleForm
from .history import history_of
from .views import bp, done, me, talk_or_404


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


@bp.post("/talks/<int:talk_id>/cancel")
def cancel(talk_id: int):
    """Mark the talk cancelled."""
    return _action(talk_id, editing.cancel_talk, "“{title}” is cancelled.")


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
