"""Organizer pages: the dashboard of a series and the talk form."""

from __future__ import annotations

from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import editing
from ..database import utcnow
from ..extensions import db, htmx
from ..forms import EmptyForm
from ..models import Listing, Series, Speaker, Talk
from ..public.schedule import default_series
from ..rendering import render, wants_fragment
from ..team.access import current_account, organized_series, series_or_404, talk_or_404
from .forms import MAX_SPEAKERS, TalkForm
from .planning import free_slots
from .talkform import (
    conflicts_with,
    form_data_for_new_talk,
    form_data_of_talk,
    new_talk_form,
    saved_message,
    speaker_row_data,
    speakers_from_form,
    store_uploads,
    talk_fields_from_form,
)

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

ATTENTION_WINDOW = timedelta(days=14)


# Who may open what is decided in one place for the whole organizer area (prisec.team.access);
# these load a series or talk of the current account, or 404.
me = current_account


def done(talk_or_series: Talk | Series, message: str, target: str | None = None) -> Response:
    """After a mutation without htmx: flash and go back (Post/Redirect/Get)."""
    flash(message, "info")
    if target is None:
        slug = talk_or_series.slug if isinstance(talk_or_series, Series) else None
        slug = slug or talk_or_series.series.slug
        target = url_for("dashboard.series_dashboard", slug=slug)
    return redirect(target, 303)


def needs_attention(talks: list[Talk], now) -> list[tuple[Talk, list[str]]]:
    """Published talks of the next 14 days lacking an abstract, a registration link or a photo."""
    result = []
    for talk in talks:
        if not talk.published or talk.cancelled or not now <= talk.start <= now + ATTENTION_WINDOW:
            continue
        missing = []
        if not talk.abstract.strip():
            missing.append("abstract")
        if not talk.registration_url:
            missing.append("registration link")
        if any(not speaker.photo for speaker in talk.speakers) or not talk.speakers:
            missing.append("speaker photo")
        if missing:
            result.append((talk, missing))
    return result


# ---------------------------------------------------------------- dashboard


@bp.get("")
def index():
    """The dashboard of the default series."""
    mine = organized_series(me())
    series = default_series()
    if series not in mine:
        series = mine[0] if mine else None
    if series is None:
        return render_template("dashboard/no_series.html")
    return _dashboard(series)


@bp.get("/series/<slug>")
def series_dashboard(slug: str):
    """The dashboard of one series."""
    return _dashboard(series_or_404(slug))


def _dashboard(series: Series):
    now = utcnow()
    talks = db.session.scalars(
        select(Talk)
        .where(Talk.series_id == series.id, Talk.deleted_at.is_(None))
        .options(selectinload(Talk.speaker_links), selectinload(Talk.reschedules))
        .order_by(Talk.start.desc(), Talk.id.desc())
    ).all()
    trash = db.session.scalars(
        select(Talk)
        .where(Talk.series_id == series.id, Talk.deleted_at.is_not(None))
        .order_by(Talk.deleted_at.desc())
    ).all()
    all_series = organized_series(me())
    return render_template(
        "dashboard/index.html",
        series=series,
        all_series=all_series,
        talks=talks,
        trash=trash,
        attention=needs_attention(sorted(talks, key=lambda t: t.start), now),
        now=now,
        action_form=EmptyForm(),
    )


@bp.post("/talks/<int:talk_id>/listing")
def set_listing(talk_id: int):
    """Pin a talk to upcoming or past, or back to auto; htmx swaps the row in place."""
    talk = talk_or_404(talk_id)
    try:
        listing = Listing(request.form.get("listing", ""))
    except ValueError:
        abort(400, "Choose auto, upcoming or past.")
    if listing != talk.listing:
        editing.set_listing(talk, listing, me())
        db.session.commit()
    if wants_fragment():
        return render_template(
            "partials/_dashboard_row.html", talk=talk, now=utcnow(), action_form=EmptyForm()
        )
    return done(talk, f"“{talk.title or 'Untitled'}” is now listed as {listing.value}.")


# ---------------------------------------------------------------- talk form


def _render_form(series: Series, form: TalkForm, talk: Talk | None, status: int = 200, **extra):
    context = {
        "series": series,
        "form": form,
        "talk": talk,
        "conflicts": {},
        "conflict_by": None,
        "action_form": EmptyForm(),
        **extra,
    }
    if wants_fragment():
        # htmx only swaps 2xx responses by default; static/js/dashboard.js lets 409 through.
        status = 409 if status == 409 else 200
    return render("dashboard/talk_form.html", "partials/_talk_form.html", status, **context)


def _saved(talk: Talk, message: str) -> Response:
    flash(message, "info")
    target = url_for("dashboard.series_dashboard", slug=talk.series.slug)
    if htmx:
        # A full navigation, so the flash message and the dashboard show.
        response = make_response("", 200)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


def _form_action_buttons(form: TalkForm) -> bool:
    """Add or remove a speaker row without saving (the no-JavaScript path); True if handled."""
    if "add_speaker" in request.form:
        if form.speakers.full:
            form.speakers.errors = [f"A talk can have at most {MAX_SPEAKERS} speakers."]
        else:
            form.speakers.append_entry()
    elif "remove_speaker" in request.form:
        name = request.form["remove_speaker"]
        form.speakers.entries = [row for row in form.speakers if row.name != name] or [
            form.speakers.entries[0]
        ]
    else:
        return False
    return True


@bp.route("/series/<slug>/talks/new", methods=["GET", "POST"])
def new_talk(slug: str):
    """The form for a new talk, the series' defaults filled in."""
    series = series_or_404(slug)
    if request.method == "GET":
        try:
            day = date.fromisoformat(request.args.get("date", ""))
        except ValueError:
            day = next_free_day(series)
        form = new_talk_form(series, data=form_data_for_new_talk(series, day))
        return _render_form(series, form, None)
    form = new_talk_form(series)
    if _form_action_buttons(form):
        form.set_speaker_choices(_choices_of(form))
        return _render_form(series, form, None)
    if not (form.validate() and store_uploads(form)):
        return _render_form(series, form, None, 422)
    fields = talk_fields_from_form(form)
    talk = editing.create_talk(series, speakers_from_form(form), organizer=me(), **fields)
    db.session.commit()
    return _saved(talk, saved_message(talk))


def next_free_day(series: Series) -> date | None:
    """The first free date of the series' recurrence, to suggest for a new talk."""
    return next((day for day, skipped in free_slots(series) if not skipped), None)


def _choices_of(form: TalkForm) -> list:
    return [choice for choice in form.speakers[0].form.speaker_id.choices if choice.value]


@bp.route("/talks/<int:talk_id>/edit", methods=["GET", "POST"])
def edit_talk(talk_id: int):
    """Edit a talk; a save from a stale form is refused with the other organizer's values."""
    talk = talk_or_404(talk_id)
    series = talk.series
    if request.method == "GET":
        form = new_talk_form(series, data=form_data_of_talk(talk))
        return _render_form(series, form, talk)
    form = new_talk_form(series)
    if _form_action_buttons(form):
        form.set_speaker_choices(_choices_of(form))
        return _render_form(series, form, talk)
    if not (form.validate() and store_uploads(form)):
        return _render_form(series, form, talk, 422)
    if form.version.data != str(talk.version):
        return _conflict(series, form, talk)
    try:
        editing.update_talk(
            talk, speakers=speakers_from_form(form), organizer=me(), **talk_fields_from_form(form)
        )
        db.session.commit()
    except StaleDataError:
        # Someone saved between our read and our write.
        db.session.rollback()
        return _conflict(series, form, talk_or_404(talk_id))
    return _saved(talk, saved_message(talk))


def _conflict(series: Series, form: TalkForm, talk: Talk) -> Response:
    db.session.refresh(talk)
    last = talk.revisions[-1] if talk.revisions else None
    conflicts = conflicts_with(form, talk)
    # Saving again now is a deliberate choice over the other organizer's version.
    form.version.data = str(talk.version)
    by = last.organizer.name if last and last.organizer else "another organizer"
    return _render_form(series, form, talk, 409, conflicts=conflicts, conflict_by=by)


@bp.post("/series/<slug>/talks/check")
def check_talk_field(slug: str):
    """Validate the form and return the message of the field that lost focus (htmx)."""
    series = series_or_404(slug)
    form = new_talk_form(series)
    form.validate()
    name = htmx.trigger_name or request.args.get("field", "")
    field = form.field_named(name) or abort(400, "Unknown field.")
    together = {"date", "start_time", "end_time", "fold"}
    others = [form[n] for n in ("date", "start_time", "end_time")] if name in together else []
    return render_template(
        "partials/_field_check.html",
        field=field,
        others=[f for f in others if f is not field],
        form=form,
        with_fold=name in together,
    )


@bp.post("/series/<slug>/speaker-row")
def add_speaker_row(slug: str):
    """One more speaker row, numbered after the ones on the page (htmx)."""
    series = series_or_404(slug)
    form = new_talk_form(series)
    if form.speakers.full:
        return render_template(
            "partials/_speaker_limit.html", message=f"At most {MAX_SPEAKERS} speakers."
        )
    choices = _choices_of(form)
    form.speakers.append_entry()
    form.set_speaker_choices(choices)
    row = form.speakers[-1]
    for name in ("speaker_id", "honorific", "name", "affiliation", "homepage"):
        row.form[name].errors = []
    return render_template("partials/_speaker_row.html", row=row, form=form, series=series)


@bp.post("/speaker-row/remove")
def remove_speaker_row():
    """Nothing, swapped in place of the removed row (htmx)."""
    return ""


@bp.post("/series/<slug>/speaker-row/fill")
def fill_speaker_row(slug: str):
    """A speaker row filled from the speaker picked in it (htmx)."""
    series = series_or_404(slug)
    form = new_talk_form(series)
    name = htmx.trigger_name or ""
    row = next((r for r in form.speakers if r.form.speaker_id.name == name), None) or abort(400)
    speaker = db.session.get(Speaker, row.form.speaker_id.data or 0)
    if speaker is not None:
        for key, value in speaker_row_data(speaker).items():
            row.form[key].data = value
    else:
        row.form.loaded_id.data = ""
    return render_template("partials/_speaker_row.html", row=row, form=form, series=series)
