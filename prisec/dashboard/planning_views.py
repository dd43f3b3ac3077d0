"""Plan the term: the recurrence's dates in one grid, free ones filled in a row at a time."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, make_response, render_template, url_for
from sqlalchemy import select

from .. import editing, wallclock
from ..extensions import db, htmx
from ..models import Series, Speaker, Talk
from ..rendering import render, wants_fragment
from .forms import SkipSlotForm, default_end
from .models import SkippedSlot
from .planning import TERM_LENGTH, Slot, drafts_in, slot_on, term_grid
from .planning_forms import PublishDraftsForm, SlotDraftForm
from .views import bp, done, me, series_or_404, talk_or_404


def _grid_context(series: Series, failed: SlotDraftForm | None = None, **extra) -> dict:
    """What the grid needs: its slots, a form per free slot (one may carry messages)."""
    slots = term_grid(series)
    forms = {slot.day: SlotDraftForm(formdata=None, day=slot.day) for slot in slots if slot.free}
    if failed is not None:
        forms[failed.day.data] = failed
    return {
        "series": series,
        "slots": slots,
        "slot_forms": forms,
        "skip_form": SkipSlotForm(),
        "drafts": drafts_in(slots),
        "term_length": TERM_LENGTH,
        **extra,
    }


@bp.get("/series/<slug>/plan")
def plan(slug: str):
    """The term in one grid: taken, skipped and free slots in date order."""
    series = series_or_404(slug)
    context = _grid_context(series)
    if wants_fragment() and htmx.target == "plan-bulk":
        # A row changed the count of drafts: only the "publish all" bar is asked for.
        return render("dashboard/plan.html", "partials/_plan_bulk.html", **context)
    return render_template("dashboard/plan.html", **context)


def _drafts_changed(response: Response) -> Response:
    """Tell the page that the count of drafts may have changed (the bar refreshes)."""
    response.headers["HX-Trigger"] = "plan-changed"
    return response


def _slot_rows(series: Series, slot: Slot, **context) -> str:
    """The rows of one slot: one per talk taking place, or the free or skipped row."""
    return render_template(
        "partials/_plan_slot.html",
        series=series,
        slot=slot,
        skip_form=SkipSlotForm(),
        form=context.pop("form", None) or SlotDraftForm(formdata=None, day=slot.day),
        **{"saved": None, "notice": "", **context},
    )


def _speaker_named(name: str, affiliation: str) -> Speaker:
    """The speaker of that name (and affiliation, when one is given), or a new one."""
    query = select(Speaker).where(Speaker.name == name).order_by(Speaker.id)
    if affiliation:
        query = query.where(Speaker.affiliation == affiliation)
    return db.session.scalars(query).first() or Speaker(name=name, affiliation=affiliation)


@bp.post("/series/<slug>/plan/slot")
def plan_slot(slug: str):
    """Create a draft talk in a free slot from a speaker's name and a title."""
    series = series_or_404(slug)
    form = SlotDraftForm()
    if not form.validate():
        if form.day.data is None:
            abort(400, "The slot's date is missing.")
        if wants_fragment():
            return _slot_rows(series, slot_on(series, form.day.data), form=form)
        return render_template("dashboard/plan.html", **_grid_context(series, form)), 422
    slot = slot_on(series, form.day.data)
    if slot.talks:
        # Someone filled the date since the grid was shown: show what is there now.
        notice = "Not saved: this date has a talk now."
        if wants_fragment():
            return _slot_rows(series, slot, notice=notice)
        return done(series, notice, url_for("dashboard.plan", slug=series.slug))
    start = slot.start
    if start is None:
        # The clocks skip the usual hour that day: the full form lets the organizer pick one.
        form.day.errors.append(
            "The usual start time does not exist on this date: use the full form."
        )
        if wants_fragment():
            return _slot_rows(series, slot, form=form)
        return render_template("dashboard/plan.html", **_grid_context(series, form)), 422
    talk = editing.create_talk(
        series,
        [_speaker_named(form.speaker.data, form.affiliation.data or "")],
        start=start,
        end=default_end(start, series.default_duration_minutes),
        organizer=me(),
        title=form.title.data or "",
        published=False,
    )
    db.session.commit()
    if wants_fragment():
        rows = _slot_rows(series, slot_on(series, form.day.data), saved=talk)
        return _drafts_changed(make_response(rows))
    return done(series, "Draft saved.", url_for("dashboard.plan", slug=series.slug))


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
        return _slot_rows(series, slot_on(series, form.day.data))
    return done(
        series,
        f"{wallclock.format_date(form.day.data)} {'skipped' if skipped else 'is free again'}.",
        url_for("dashboard.plan", slug=series.slug),
    )


def _close_dialog(fragment: str) -> Response:
    """An htmx answer that also empties the confirmation dialog's place (out of band)."""
    response = make_response(fragment + '<div id="plan-dialog" hx-swap-oob="true"></div>')
    response.vary.add("HX-Request")
    return response


@bp.route("/talks/<int:talk_id>/publish", methods=["GET", "POST"])
def publish_draft(talk_id: int):
    """Publish one draft of the plan, after a confirmation (a dialog, or this page)."""
    talk = talk_or_404(talk_id)
    series = talk.series
    form = PublishDraftsForm()
    if form.is_submitted():
        if not form.validate():
            abort(400, "The form has expired: open the plan again.")
        if talk.published:
            message = "The talk was published already."
        elif talk.cancelled or talk.deleted_at is not None:
            message = "A cancelled talk or one in the trash is not published from the plan."
        else:
            editing.publish_talk(talk, me())
            db.session.commit()
            message = f"Published “{talk.title or 'Title to be announced'}”."
        if wants_fragment():
            slot = slot_on(series, local_day(talk))
            response = _close_dialog(
                render_template(
                    "partials/_plan_row.html",
                    series=series,
                    slot=slot,
                    talk=talk,
                    saved=None,
                    notice=message,
                )
            )
            return _drafts_changed(response)
        return done(series, message, url_for("dashboard.plan", slug=series.slug))
    return render(
        "dashboard/plan_publish.html",
        "partials/_plan_dialog.html",
        series=series,
        drafts=[talk] if not (talk.published or talk.cancelled or talk.deleted_at) else [],
        one=talk,
        form=form,
    )


@bp.route("/series/<slug>/plan/publish", methods=["GET", "POST"])
def publish_plan(slug: str):
    """Publish every draft of the term at once, after a confirmation naming each."""
    series = series_or_404(slug)
    form = PublishDraftsForm()
    if form.is_submitted():
        if not form.validate():
            abort(400, "The form has expired: open the plan again.")
        confirmed = set(form.talk.data or [])
        # Only drafts the organizer saw in the confirmation and that are still drafts.
        talks = [talk for talk in drafts_in(term_grid(series)) if talk.id in confirmed]
        for talk in talks:
            editing.publish_talk(talk, me())
        db.session.commit()
        left = len(confirmed) - len(talks)
        message = f"Published {len(talks)} talk{'' if len(talks) == 1 else 's'}." + (
            f" {left} had been published or changed meanwhile." if left else ""
        )
        if wants_fragment():
            grid = render_template(
                "partials/_plan_grid.html", **_grid_context(series, status=message)
            )
            return _close_dialog(grid)
        return done(series, message, url_for("dashboard.plan", slug=series.slug))
    return render(
        "dashboard/plan_publish.html",
        "partials/_plan_dialog.html",
        series=series,
        drafts=drafts_in(term_grid(series)),
        one=None,
        form=form,
    )


def local_day(talk: Talk) -> date:
    """The talk's date in its series' zone."""
    return wallclock.in_zone(talk.start, talk.series.timezone).date()
