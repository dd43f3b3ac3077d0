"""Plan the term: the next free slots of the recurrence, filled in one row at a time."""

from __future__ import annotations

from datetime import date

from flask import abort, render_template, url_for
from sqlalchemy import select

from .. import editing, wallclock
from ..extensions import db
from ..models import Series, Speaker
from ..rendering import wants_fragment
from .forms import PlanSlotForm, SkipSlotForm, default_end
from .models import SkippedSlot
from .planning import free_slots
from .views import bp, done, me, series_or_404


@bp.get("/series/<slug>/plan")
def plan(slug: str):
    """The grid of the next free slots."""
    series = series_or_404(slug)
    slots = free_slots(series)
    return render_template(
        "dashboard/plan.html",
        series=series,
        slots=slots,
        skip_form=SkipSlotForm(),
        slot_forms={day: PlanSlotForm(formdata=None, day=day) for day, _ in slots},
    )


def _row(series: Series, day: date, **context):
    return render_template(
        "partials/_plan_row.html",
        series=series,
        day=day,
        skip_form=SkipSlotForm(),
        **{"skipped": False, "talk": None, "form": PlanSlotForm(formdata=None, day=day), **context},
    )


@bp.post("/series/<slug>/plan/slot")
def plan_slot(slug: str):
    """Create a draft talk in a slot from a speaker's name and a title."""
    series = series_or_404(slug)
    form = PlanSlotForm()
    if not form.validate():
        if form.day.data is None:
            abort(400, "The slot's date is missing.")
        if wants_fragment():
            return _row(series, form.day.data, form=form)
        return plan_page_with(series, form), 422
    start = wallclock.combine(form.day.data, series.default_start_time, series.timezone, fold=0)
    speaker = db.session.scalar(select(Speaker).where(Speaker.name == form.speaker.data))
    speaker = speaker or Speaker(name=form.speaker.data)
    talk = editing.create_talk(
        series,
        [speaker],
        start=start,
        end=default_end(start, series.default_duration_minutes),
        organizer=me(),
        title=form.title.data or "",
        published=False,
    )
    db.session.commit()
    if wants_fragment():
        return _row(series, form.day.data, talk=talk)
    return done(series, "Draft saved.", url_for("dashboard.plan", slug=series.slug))


def plan_page_with(series: Series, failed: PlanSlotForm) -> str:
    """The plan page with one row's messages shown (the no-JavaScript path)."""
    slots = free_slots(series)
    forms = {day: PlanSlotForm(formdata=None, day=day) for day, _ in slots}
    forms[failed.day.data] = failed
    return render_template(
        "dashboard/plan.html",
        series=series,
        slots=slots,
        skip_form=SkipSlotForm(),
        slot_forms=forms,
    )


@bp.post("/series/<slug>/plan/skip")
def skip_slot(slug: str):
    """Mark a slot as skipped (a holiday), or bring it back."""
    series = series_or_404(slug)
    form = SkipSlotForm()
    if not form.validate():
        abort(400, "The slot's date is missing.")
    existing = db.session.scalar(
        select(SkippedSlot).where(
            SkippedSlot.series_id == series.id, SkippedSlot.day == form.day.data
        )
    )
    if existing is None:
        db.session.add(SkippedSlot(series_id=series.id, day=form.day.data, skipped_by_id=me().id))
        skipped = True
    else:
        db.session.delete(existing)
        skipped = False
    db.session.commit()
    if wants_fragment():
        return _row(series, form.day.data, skipped=skipped)
    return done(
        series,
        f"{wallclock.format_date(form.day.data)} {'skipped' if skipped else 'is free again'}.",
        url_for("dashboard.plan", slug=series.slug),
    )
