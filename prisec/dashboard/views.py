"""Organizer pages: the dashboard of a series, the list of the account's series, the talk form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from .. import editing
from ..database import utcnow
from ..extensions import db, htmx
from ..forms import EmptyForm
from ..models import Listing, Series, Speaker, Talk, visible_series
from ..public.schedule import default_series
from ..public.site import FALLBACK_NAME, site_settings
from ..rendering import render, wants_fragment
from ..team.access import current_account, may_organize, series_or_404, talk_or_404
from ..titles import plain_title
from . import listing
from .attention import (
    HEADINGS,
    Kind,
    attention_items,
    missing_parts,
    proposal_talk_ids,
    waiting_proposal_count,
    waiting_proposals_of,
)
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

TRASH_SHOWN = 25
ALL_SERIES_PAGE = 50


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


# ---------------------------------------------------------------- dashboard


@bp.get("")
def index():
    """The dashboard of the default series (or the account's first)."""
    account = me()
    series = default_series()
    if series is None or series.deleted_at is not None or not may_organize(account, series):
        series = listing.first_series(account)
    if series is None:
        return render_template("dashboard/no_series.html")
    return _dashboard(series)


@bp.get("/series/<slug>")
def series_dashboard(slug: str):
    """The dashboard of one series."""
    return _dashboard(series_or_404(slug))


def _dashboard(series: Series) -> Response:
    now = utcnow()
    form = listing.FilterForm(request.args)
    filters = form.clean()
    sections = listing.sections(series, now, filters, request.args)
    context = {
        "series": series,
        "form": form,
        "filters": filters,
        "sections": sections,
        # Only known arguments go back into page links (url_for reads "_scheme" and the like).
        "page_args": filters | {s.param: s.page for s in sections if s.page > 1},
        "now": now,
        "action_form": EmptyForm(),
        "links": listing.TalkLinks(),
    }
    items = attention_items(now, series.id)
    context["waiting"] = proposal_talk_ids(items)
    # The search and the page links ask for the listing alone; anything else gets the page.
    if wants_fragment() and htmx.target == "dashboard-listing":
        response = make_response(render_template("partials/_dashboard_listing.html", **context))
        # The address bar shows the filters that hold, not every empty field of the form.
        address = url_for("dashboard.series_dashboard", slug=series.slug, **context["page_args"])
        response.headers["HX-Push-Url"] = address
    else:
        next_up = listing.next_talk(series, now)
        others, series_count = listing.series_menu(me(), series)
        trash, trash_count = listing.trash(series, TRASH_SHOWN)
        response = make_response(
            render_template(
                "dashboard/index.html",
                attention=items,
                attention_kinds=list(Kind),
                attention_headings=HEADINGS,
                next_talk=next_up,
                next_missing=missing_parts(next_up) if next_up else [],
                next_announcement=listing.last_announcement(next_up) if next_up else None,
                other_series=others,
                series_count=series_count,
                trash=trash,
                trash_count=trash_count,
                **context,
            )
        )
    response.vary.add("HX-Request")
    response.vary.add("HX-Target")
    return response


@bp.get("/series")
def all_series():
    """Every series the account works on, searchable, a page at a time (for a site of many)."""
    words = request.args.get("q", "").strip()[:200]
    query = listing.organized_query(me(), words)
    total = listing.count_of(query)
    size = ALL_SERIES_PAGE
    pages = max(1, -(-total // size))
    try:
        page = min(max(1, int(request.args.get("page", "1"))), pages)
    except ValueError:
        page = 1
    found = db.session.scalars(query.limit(size).offset((page - 1) * size)).all()
    return render_template(
        "dashboard/all_series.html", found=found, total=total, page=page, pages=pages, q=words
    )


@bp.app_context_processor
def _organizer_header() -> dict:
    # Callables, so each is asked only by the pages that show the organizer header.
    return {"proposals_waiting": proposals_waiting, "organizer_frame": organizer_frame}


@dataclass(frozen=True)
class OrganizerFrame:
    """What the organizer area's header needs of the site: its name."""

    name: str


def organizer_frame() -> OrganizerFrame:
    """The site's name as the public frame gives it, without loading every series for a menu."""
    name = site_settings().name.strip()
    if not name:
        only = db.session.scalars(visible_series().order_by(Series.id).limit(2)).all()
        name = only[0].name if len(only) == 1 else FALLBACK_NAME
    return OrganizerFrame(name)


def proposals_waiting() -> int:
    """How many speaker proposals wait for review in the series the logged-in account runs."""
    if not current_user.is_authenticated:
        return 0
    return waiting_proposal_count(me())


def _row(talk: Talk) -> str:
    return render_template(
        "partials/_dashboard_row.html",
        talk=talk,
        now=utcnow(),
        action_form=EmptyForm(),
        waiting=waiting_proposals_of(talk),
        links=listing.TalkLinks(),
    )


@bp.post("/talks/<int:talk_id>/listing")
def set_listing(talk_id: int):
    """Pin a talk to upcoming or past, or back to auto; htmx swaps the row in place."""
    talk = talk_or_404(talk_id)
    try:
        listing_value = Listing(request.form.get("listing", ""))
    except ValueError:
        abort(400, "Choose auto, upcoming or past.")
    if listing_value != talk.listing:
        editing.set_listing(talk, listing_value, me())
        db.session.commit()
    if wants_fragment():
        return _row(talk)
    return done(
        talk, f"“{plain_title(talk.title) or 'Untitled'}” is now listed as {listing_value.value}."
    )


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
