"""Deleting a series to the trash, the page of deleted series, and restoring one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select

from .. import trash
from ..extensions import db
from ..forms import EmptyForm
from ..models import Series
from ..team.access import admin_only
from .views import bp, series_or_404


def _trashed_or_404(series_id: int) -> Series:
    return db.session.scalar(
        select(Series).where(Series.id == series_id, Series.deleted_at.is_not(None))
    ) or abort(404)


@bp.route("/series/<slug>/delete", methods=["GET", "POST"])
@admin_only
def delete_series(slug: str):
    """Ask to confirm, then move the series and its talks to the trash."""
    series = series_or_404(slug)
    form = EmptyForm()
    # The POST's CSRF token is checked for every form of the site before this view runs.
    if not form.validate_on_submit():
        count = trash.talk_counts([series.id]).get(series.id, 0)
        return render_template(
            "dashboard/delete_series.html",
            series=series,
            talk_count=count,
            form=form,
            days=trash.TRASH_LIFETIME.days,
        )
    trash.delete_series(series)
    db.session.commit()
    flash(
        f"“{series.name}” and its talks are in the trash. They can be restored from here "
        f"for {trash.TRASH_LIFETIME.days} days.",
        "info",
    )
    return redirect(url_for("dashboard.trash"), 303)


@bp.get("/trash", endpoint="trash")
@admin_only
def trash_page():
    """The series in the trash, with when each is purged and a button to restore it."""
    deleted = trash.trashed_series()
    return render_template(
        "dashboard/trash.html",
        deleted=deleted,
        talk_counts=trash.talk_counts([series.id for series in deleted]),
        purge_after=trash.purge_after,
        form=EmptyForm(),
        days=trash.TRASH_LIFETIME.days,
    )


@bp.post("/trash/series/<int:series_id>/restore")
@admin_only
def restore_series(series_id: int):
    """Take a series and its talks out of the trash."""
    series = _trashed_or_404(series_id)
    trash.restore_series(series)
    db.session.commit()
    flash(f"“{series.name}” is restored, with its talks.", "info")
    return redirect(url_for("dashboard.series_dashboard", slug=series.slug), 303)
